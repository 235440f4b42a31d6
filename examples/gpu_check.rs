//! The GPU check of gpu/check.sh: CPU and CUDA forward passes of the same child
//! networks must agree (relative error 1e-4), and so must the batched forward pass of
//! several children (`aen_core::batched`) with each child's own; then CUDA training
//! throughput, one child at a time (beside the limit the same step's matrix products set
//! alone on this GPU, measured in the same run, as `aen bench` does on the CPU) and in
//! passes of 1, 8, 32 and 128 children.
//! Build with gpu/build-cuda.sh; run on a machine with an NVIDIA GPU.

use aen_core::batched::{Children, train_children};
use aen_core::data::{self, DatasetKind, SourceKind};
use aen_core::gdata::{self, SplitSizes};
use aen_core::groups::GroupSet;
use aen_core::nn::{ChildNet, IN};
use aen_core::orbits::ChildOrbits;
use aen_core::train::{Flow, TrainConfig, train_child};
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
    let limit = limit(&cuda, 64);
    println!();
    println!("limit: dfdx's matmul on a batch-64 step's eight products alone: {limit:.0} images/s");
    println!(
        "{:<10} {:>12} {:>10} {:>10} {:>10}",
        "network", "images/s", "of limit", "val %", "test %"
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
            "{text:<10} {best:>12.0} {:>9.0}% {:>10.2} {:>10.2}",
            100.0 * best / limit,
            r.val_acc,
            r.test_acc
        );
    }
    all_ok &= batched_agrees(&cuda, &x, batch);
    passes(&cuda, &gd);
    if !all_ok {
        std::process::exit(1);
    }
}

/// Images per second if a training step of `batch` rows were only its matrix products
/// (forward, weight gradients, input gradients of the upper two layers), each run as a
/// plain product of its shape on the device, timed over two seconds.
fn limit(cuda: &Cuda, batch: usize) -> f64 {
    let b = batch;
    let shapes = [
        (b, 784, 400),
        (b, 400, 400),
        (b, 400, 10),
        (784, b, 400),
        (400, b, 400),
        (400, b, 10),
        (b, 400, 400),
        (b, 10, 400),
    ];
    let pairs: Vec<_> = (shapes.iter())
        .map(|&(m, k, n)| (cuda.ones_like(&(m, k)), cuda.ones_like(&(k, n))))
        .collect();
    let step = || {
        let mut last = None;
        for (a, w) in &pairs {
            let a: &Tensor<(usize, usize), f32, Cuda> = a;
            last = Some(a.clone().matmul(w.clone()));
        }
        // Reading the last result back waits for every product queued before it.
        last.map(|t| t.as_vec().len())
    };
    step();
    let start = std::time::Instant::now();
    let mut steps = 0;
    while steps == 0 || start.elapsed().as_secs_f64() < 2.0 {
        step();
        steps += 1;
    }
    (steps * batch) as f64 / start.elapsed().as_secs_f64()
}

/// The batched forward pass of four children against each one's own, on CUDA (whose
/// single-child pass was just checked against the CPU's).
fn batched_agrees(cuda: &Cuda, x: &[f32], batch: usize) -> bool {
    let texts = ["none", "rot90", "preset:2", "all"];
    let orbits: Vec<ChildOrbits> = (texts.iter())
        .map(|t| ChildOrbits::new(GroupSet::parse(t).expect("groups"), 4).expect("orbits"))
        .collect();
    let refs: Vec<&ChildOrbits> = orbits.iter().collect();
    let seeds: Vec<u64> = (0..orbits.len() as u64).collect();
    let k = orbits.len();
    let mut xs = Vec::with_capacity(k * x.len());
    for _ in 0..k {
        xs.extend_from_slice(x);
    }
    let together = Children::new(cuda, &refs, &seeds)
        .forward(cuda.tensor_from_vec(xs, (k, batch, IN)))
        .as_vec();
    let mut ok = true;
    println!();
    println!("{:<10} {:>14} {:>10}", "batched", "max rel error", "agree");
    for (i, o) in orbits.iter().enumerate() {
        let alone = ChildNet::new(cuda, o, seeds[i])
            .forward(cuda.tensor_from_vec(x.to_vec(), (batch, Const::<IN>)))
            .as_vec();
        let part = &together[i * alone.len()..(i + 1) * alone.len()];
        let scale = alone.iter().map(|v| v.abs()).fold(1e-12f32, f32::max);
        let err = (alone.iter().zip(part))
            .map(|(p, q)| (p - q).abs())
            .fold(0.0f32, f32::max)
            / scale;
        ok &= err < 1e-4;
        println!(
            "{:<10} {err:>14.2e} {:>10}",
            texts[i],
            if err < 1e-4 { "yes" } else { "NO" }
        );
    }
    ok
}

/// Children per second in passes of 1, 8, 32 and 128 (search protocol: 4 epochs of
/// 4,000 images), each pass of distinct group sets.
fn passes(cuda: &Cuda, gd: &gdata::GData) {
    println!();
    println!(
        "{:<10} {:>12} {:>14}",
        "per pass", "children/s", "s per pass"
    );
    for k in [1usize, 8, 32, 128] {
        let states: Vec<GroupSet> = (0..k)
            .map(|i| GroupSet::from_bits(((i * 1637) % 4096) as u16))
            .collect();
        let orbits: Vec<ChildOrbits> = (states.iter())
            .map(|&s| ChildOrbits::new(s, 4).expect("orbits"))
            .collect();
        let refs: Vec<&ChildOrbits> = orbits.iter().collect();
        let cfgs: Vec<TrainConfig> = (0..k as u64)
            .map(|seed| TrainConfig {
                epochs: 4,
                batch: 64,
                lr: 1e-3,
                seed,
            })
            .collect();
        let t = std::time::Instant::now();
        train_children(cuda, &refs, gd, &cfgs, &mut |_| Flow::Continue).expect("not cancelled");
        let secs = t.elapsed().as_secs_f64();
        println!("{k:<10} {:>12.1} {secs:>14.2}", k as f64 / secs);
    }
}
