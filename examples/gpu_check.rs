//! The GPU check of gpu/check.sh: CPU and CUDA forward passes of the same child
//! networks must agree (relative error 1e-4), then CUDA training throughput.
//! Build with gpu/build-cuda.sh; run on a machine with an NVIDIA GPU.

use aen::data::{self, DatasetKind, SourceKind};
use aen::gdata::{self, SplitSizes};
use aen::groups::GroupSet;
use aen::nn::{ChildNet, IN};
use aen::orbits::ChildOrbits;
use aen::train::{Flow, TrainConfig, train_child};
use dfdx::prelude::*;

fn main() {
    let base =
        data::open(DatasetKind::Mnist, None, Some(SourceKind::Embedded)).expect("embedded MNIST");
    let gd = gdata::build(
        &base,
        GroupSet::EMPTY,
        4,
        0,
        SplitSizes {
            train: 4000,
            val: 100,
            test: 1000,
        },
    )
    .expect("G-data");
    let cpu = Cpu::default();
    let cuda = Cuda::default();
    let batch = 256;
    let x: Vec<f32> = gd.train.x[..batch * IN].to_vec();
    println!("{:<10} {:>14} {:>10}", "network", "max rel error", "agree");
    let mut all_ok = true;
    for text in ["none", "rot90", "preset:2", "all"] {
        let o = ChildOrbits::new(GroupSet::parse(text).expect("groups"), 4).expect("orbits");
        let a = ChildNet::new(&cpu, &o, 3)
            .forward(cpu.tensor_from_vec(x.clone(), (batch, Const::<IN>)))
            .as_vec();
        let b = ChildNet::new(&cuda, &o, 3)
            .forward(cuda.tensor_from_vec(x.clone(), (batch, Const::<IN>)))
            .as_vec();
        let scale = a.iter().map(|v| v.abs()).fold(1e-12f32, f32::max);
        let err = a
            .iter()
            .zip(&b)
            .map(|(p, q)| (p - q).abs())
            .fold(0.0f32, f32::max)
            / scale;
        let ok = err < 1e-4;
        all_ok &= ok;
        println!(
            "{text:<10} {err:>14.2e} {:>10}",
            if ok { "yes" } else { "NO" }
        );
    }
    println!();
    println!(
        "{:<10} {:>12} {:>10} {:>10}",
        "network", "images/s", "val %", "test %"
    );
    for text in ["none", "rot90", "preset:2"] {
        let o = ChildOrbits::new(GroupSet::parse(text).expect("groups"), 4).expect("orbits");
        let mut best = 0.0f64;
        let mut last = None;
        for rep in 0..3 {
            let cfg = TrainConfig {
                epochs: 4,
                batch: 64,
                lr: 1e-3,
                seed: rep,
            };
            let r =
                train_child(&cuda, &o, &gd, cfg, &mut |_| Flow::Continue).expect("not cancelled");
            best = best.max(4.0 * gd.train.len() as f64 / r.seconds);
            last = Some(r);
        }
        let r = last.expect("three runs");
        println!(
            "{text:<10} {best:>12.0} {:>10.2} {:>10.2}",
            r.val_acc, r.test_acc
        );
    }
    if !all_ok {
        std::process::exit(1);
    }
}
