//! Orbit construction by union-find over generators (aen) against the naive
//! construction that first enumerates the generated group by closure: the paper's
//! claim, measured. `cargo bench --bench orbits`.

use aen_core::groups::GroupSet;
use aen_core::orbits::{ChildOrbits, layer_orbits, layer_orbits_by_closure};
use std::time::Instant;

fn best_of<T>(reps: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::MAX;
    let mut out = None;
    for _ in 0..reps {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed().as_secs_f64());
        out = Some(v);
    }
    (best, out.expect("reps > 0"))
}

fn main() {
    println!("orbits of the 28x28 -> 20x20 layer (release, one thread), best of 5");
    println!(
        "{:<34} {:>9} {:>10} {:>12} {:>12} {:>8}",
        "groups", "max orbit", "orbits", "generators", "closure", "ratio"
    );
    let cases = [
        "rot90",
        "hflip",
        "htrans",
        "sc1",
        "rot90,hflip",
        "hflip,vflip,sc2",
        "rot90,sc1",
        "preset:1",
        "rot90,hflip,sc4",
    ];
    for text in cases {
        let g = GroupSet::parse(text).unwrap();
        let (fast, o) = best_of(5, || layer_orbits(28, 20, g, 4).unwrap());
        let (slow, s) = best_of(3, || layer_orbits_by_closure(28, 20, g, 4, 2_000).unwrap());
        match s {
            Some(s) => {
                assert_eq!(o, s, "both constructions agree");
                let order = group_order(g);
                println!(
                    "{text:<34} {order:>8} {:>10} {:>10.2}ms {:>10.2}ms {:>7.0}x",
                    o.n_weight,
                    fast * 1e3,
                    slow * 1e3,
                    slow / fast
                );
            }
            None => println!(
                "{text:<34} {:>8} {:>10} {:>10.2}ms {:>12} {:>8}",
                "> 2000",
                o.n_weight,
                fast * 1e3,
                "too large",
                "-"
            ),
        }
    }
    let (t, o) = best_of(5, || ChildOrbits::new(GroupSet::ALL, 4).unwrap());
    println!(
        "both layers of the child network, all twelve groups: {:.2} ms ({} + {} weight orbits); the closure cannot enumerate this group",
        t * 1e3,
        o.l1.n_weight,
        o.l2.n_weight
    );
}

/// The largest weight orbit: the group order when some orbit is free (it is for every
/// case above).
fn group_order(g: GroupSet) -> String {
    // Weight orbits of a free action have |G| elements each; report the largest orbit.
    let o = layer_orbits(28, 20, g, 4).unwrap();
    let mut size = vec![0u32; o.n_weight];
    for &id in &o.weight {
        size[id as usize] += 1;
    }
    size.iter().max().map(|m| m.to_string()).unwrap_or_default()
}
