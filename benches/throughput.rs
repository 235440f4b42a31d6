//! Child-network training throughput (images/s, batch 64, release) of aen beside the
//! PyTorch script bench/pytorch_child.py, run in the same process tree with the same
//! thread count on the same data and orbit ids; plus the test accuracy of the plain
//! network under the search protocol in both.
//!
//! `cargo bench --bench throughput` (needs python3 with torch; without it, aen's
//! figures are printed alone).

use aen::data::{self, DatasetKind, SourceKind};
use aen::gdata::{self, GData, SplitSizes};
use aen::groups::GroupSet;
use aen::nn::Dev;
use aen::orbits::ChildOrbits;
use aen::train::{Flow, TrainConfig, train_child};
use std::io::Write;
use std::path::Path;

fn threads() -> usize {
    std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::File::create(dir.join(name))
        .and_then(|mut f| f.write_all(bytes))
        .expect("writing bench data");
}

fn f32s(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn u32s(v: &[u32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// aen's images/s (best of `reps`) and test accuracy of the last run.
fn aen_run(gd: &GData, groups: GroupSet, epochs: usize, reps: usize) -> (f64, f64) {
    let dev = Dev::default();
    let orbits = ChildOrbits::new(groups, 4).expect("valid groups");
    let mut best = 0.0f64;
    let mut acc = 0.0;
    for r in 0..reps {
        let cfg = TrainConfig {
            epochs,
            batch: 64,
            lr: 1e-3,
            seed: r as u64,
        };
        let res =
            train_child(&dev, &orbits, gd, cfg, &mut |_| Flow::Continue).expect("not cancelled");
        // train_child's time includes one validation pass per epoch over gd.val, kept tiny here.
        best = best.max((gd.train.len() * epochs) as f64 / res.seconds);
        acc = res.test_acc;
    }
    (best, acc)
}

fn main() {
    let n_threads = threads();
    let base =
        data::open(DatasetKind::Mnist, None, Some(SourceKind::Embedded)).expect("embedded MNIST");
    // Throughput on plain MNIST data; the orbit ids decide the cost, not the images.
    let speed = gdata::build(
        &base,
        GroupSet::EMPTY,
        4,
        0,
        SplitSizes {
            train: 4000,
            val: 10,
            test: 1000,
        },
    )
    .unwrap();
    let nets: [(&str, GroupSet); 3] = [
        ("dense", GroupSet::EMPTY),
        ("rot90", GroupSet::parse("rot90").unwrap()),
        ("preset2", GroupSet::preset(2).unwrap()),
    ];

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "train_x.f32", &f32s(&speed.train.x));
    write(d, "train_y.u8", &speed.train.y);
    write(d, "test_x.f32", &f32s(&speed.test.x));
    write(d, "test_y.u8", &speed.test.y);
    for (name, g) in &nets[1..] {
        let o = ChildOrbits::new(*g, 4).unwrap();
        write(d, &format!("{name}.w1.u32"), &u32s(&o.l1.weight));
        write(d, &format!("{name}.b1.u32"), &u32s(&o.l1.hidden));
        write(d, &format!("{name}.w2.u32"), &u32s(&o.l2.weight));
        write(d, &format!("{name}.b2.u32"), &u32s(&o.l2.hidden));
    }
    // Dense for 4 epochs: its test accuracy is the protocol comparison; the others 2.
    let meta = serde_json::json!({
        "threads": n_threads, "batch": 64,
        "nets": [{"name": "dense", "epochs": 4}, {"name": "rot90", "epochs": 2}, {"name": "preset2", "epochs": 2}],
    });
    write(d, "meta.json", meta.to_string().as_bytes());

    println!(
        "child training throughput, batch 64, {n_threads} threads, 4,000 MNIST images (release)"
    );
    let mut aen_rows = Vec::new();
    for (name, g) in &nets {
        let epochs = if *name == "dense" { 4 } else { 2 };
        let (ips, acc) = aen_run(&speed, *g, epochs, 3);
        aen_rows.push((name.to_string(), ips, acc));
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/pytorch_child.py");
    let out = std::process::Command::new("python3")
        .arg(&script)
        .arg(d)
        .output();
    let mut torch: Vec<serde_json::Value> = Vec::new();
    match out {
        Ok(o) if o.status.success() => {
            torch = String::from_utf8_lossy(&o.stdout)
                .lines()
                .filter_map(|l| serde_json::from_str(l).ok())
                .collect();
        }
        Ok(o) => eprintln!(
            "PyTorch peer failed (is torch installed?):\n{}",
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => eprintln!("PyTorch peer not run: {e}"),
    }
    println!(
        "{:<10} {:>14} {:>16} {:>8}",
        "network", "aen images/s", "PyTorch images/s", "ratio"
    );
    for (name, ips, _) in &aen_rows {
        let t = torch
            .iter()
            .find(|v| v["net"] == name.as_str())
            .and_then(|v| v["images_per_s"].as_f64());
        match t {
            Some(t) => println!("{name:<10} {ips:>14.0} {t:>16.0} {:>7.2}x", ips / t),
            None => println!("{name:<10} {ips:>14.0} {:>16} {:>8}", "-", "-"),
        }
    }
    let aen_acc = aen_rows[0].2;
    if let Some(t) = torch
        .iter()
        .find(|v| v["net"] == "dense")
        .and_then(|v| v["test_acc"].as_f64())
    {
        println!(
            "plain network, 4 epochs on 4,000 images, test on 1,000: aen {aen_acc:.2}%, PyTorch {t:.2}% (difference {:.2} points)",
            (aen_acc - t).abs()
        );
        if let Some(v) = torch[0]["torch"].as_str() {
            println!("PyTorch {v}, {} threads", torch[0]["threads"]);
        }
    }
}
