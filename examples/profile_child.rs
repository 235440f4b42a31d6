//! Profiling helper: trains a child network for 3 epochs and prints images/s.
//! `cargo build --profile profiling --example profile_child` then
//! `perf record -g target/profiling/examples/profile_child rot90`.
use aen_core::{data, gdata, groups, nn, orbits, train};
fn main() {
    let g = std::env::args().nth(1).unwrap_or("rot90".into());
    let base = data::open(
        data::DatasetKind::Mnist,
        None,
        Some(data::SourceKind::Embedded),
    )
    .unwrap();
    let gd = gdata::build(
        &base,
        groups::GroupSet::EMPTY,
        4,
        0,
        gdata::SplitSizes {
            train: 4000,
            val: 1000,
            test: 1000,
        },
    )
    .unwrap();
    let dev = nn::Dev::default();
    let o = orbits::ChildOrbits::new(groups::GroupSet::parse(&g).unwrap(), 4).unwrap();
    let t = std::time::Instant::now();
    let cfg = train::TrainConfig {
        epochs: 3,
        batch: 64,
        lr: 1e-3,
        seed: 1,
    };
    train::train_child(&dev, &o, &gd, cfg, &mut |_| train::Flow::Continue).unwrap();
    println!("{g}: {:.0} img/s", 12000.0 / t.elapsed().as_secs_f64());
}
