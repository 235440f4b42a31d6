use aen::*;
use std::time::Instant;
fn main() {
    let base = data::open(
        data::DatasetKind::Mnist,
        None,
        Some(data::SourceKind::Embedded),
    )
    .unwrap();
    let t = Instant::now();
    let gd = gdata::build(
        &base,
        groups::GroupSet::preset(2).unwrap(),
        4,
        0,
        gdata::SplitSizes {
            train: 4000,
            val: 1000,
            test: 1000,
        },
    )
    .unwrap();
    println!("gdata {:?}", t.elapsed());
    let dev = nn::Dev::default();
    for g in ["none", "rot90", "all"] {
        let gs = groups::GroupSet::parse(g).unwrap();
        let t = Instant::now();
        let o = orbits::ChildOrbits::new(gs, 4).unwrap();
        println!(
            "{g}: orbits {:?} l1 {} {} params {}",
            t.elapsed(),
            o.l1.n_weight,
            o.l1.n_hidden,
            o.params()
        );
        let t = Instant::now();
        let r = train::train_child(
            &dev,
            &o,
            &gd,
            train::TrainConfig {
                epochs: 1,
                batch: 64,
                lr: 1e-3,
                seed: 1,
            },
            &mut |_| train::Flow::Continue,
        )
        .unwrap();
        println!(
            "  1 epoch 4000 imgs: {:?} => {:.0} img/s, val {:.1} test {:.1}",
            t.elapsed(),
            4000.0 / t.elapsed().as_secs_f64(),
            r.val_acc,
            r.test_acc
        );
    }
}
