fn main() {
    for shift in [aen::groups::Shift::Step(4), aen::groups::Shift::Order(4)] {
        let t = std::time::Instant::now();
        let c = aen::classes::Classes::compute(shift).unwrap();
        println!("{shift:?}: {} classes in {:.2}s", c.len(), t.elapsed().as_secs_f64());
        for k in c.all().iter().take(10) { println!("  {} size {} params {}", k.closure, k.members.len(), k.params); }
    }
}
