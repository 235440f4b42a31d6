//! Child-network training throughput (images/s, batch 64, release) of aen's CPU kernel
//! against the machine's own limit (the same gemm on a step's products alone, measured
//! in this run: `aen bench` prints the same table), beside dfdx's operations (aen's
//! previous training path, kept as the CUDA path and the reference) and the PyTorch
//! script bench/pytorch_child.py, run in the same process tree with the same thread
//! count on the same data and orbit ids; plus the test accuracy of the plain network
//! under the search protocol in each.
//!
//! `cargo bench --bench throughput` (needs python3 with torch for the peer; without it,
//! aen's figures are printed alone).

use aen_core::groups::GroupSet;
use aen_core::nn::Dev;
use aen_core::orbits::ChildOrbits;
use aen_core::train::{Flow, TrainConfig, train_child_dfdx};
use aen_engine::throughput::{self, NETS};
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

/// dfdx's images/s on one thread (best of `reps`).
fn dfdx_run(gd: &aen_core::gdata::GData, groups: GroupSet, epochs: usize, reps: usize) -> f64 {
    let dev = Dev::default();
    let orbits = ChildOrbits::new(groups, 4).expect("valid groups");
    (0..reps)
        .map(|r| {
            let cfg = TrainConfig {
                epochs,
                batch: throughput::BATCH,
                lr: 1e-3,
                seed: r as u64,
            };
            let res = train_child_dfdx(&dev, &orbits, gd, cfg, &mut |_| Flow::Continue)
                .expect("not cancelled");
            (gd.train.len() * epochs) as f64 / res.seconds
        })
        .fold(0.0, f64::max)
}

/// The PyTorch peer's rows, one per network, trained on `threads` threads.
fn torch_rows(dir: &Path, threads: usize) -> Vec<serde_json::Value> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/pytorch_child.py");
    let out = std::process::Command::new("python3")
        .arg(&script)
        .arg(dir)
        .arg(threads.to_string())
        .output();
    match out {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect(),
        Ok(o) => {
            eprintln!(
                "PyTorch peer failed (is torch installed?):\n{}",
                String::from_utf8_lossy(&o.stderr)
            );
            Vec::new()
        }
        Err(e) => {
            eprintln!("PyTorch peer not run: {e}");
            Vec::new()
        }
    }
}

fn main() {
    let n_threads = threads();
    // Throughput on plain MNIST data; the orbit ids decide the cost, not the images.
    let speed = throughput::data(4000).expect("embedded MNIST");
    let nets: Vec<(&str, GroupSet)> = (NETS.iter())
        .map(|&(n, g)| (n, GroupSet::parse(g).unwrap()))
        .collect();
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
    let epochs = |name: &str| if name == "dense" { 4 } else { 2 };
    let meta = serde_json::json!({
        "threads": n_threads, "batch": throughput::BATCH,
        "nets": nets.iter().map(|(n, _)| serde_json::json!({"name": n, "epochs": epochs(n)})).collect::<Vec<_>>(),
    });
    write(d, "meta.json", meta.to_string().as_bytes());

    println!(
        "child training throughput, images/s, batch 64, 4,000 MNIST images (release); limit: \
         the same gemm on a step's own products alone, measured now"
    );
    let rows: Vec<_> = (nets.iter())
        .map(|&(n, g)| throughput::measure(&speed, (n, g), epochs(n), 3, n_threads).unwrap())
        .collect();
    print!("{}", throughput::table(&rows));
    let torch1 = torch_rows(d, 1);
    let torch_n = torch_rows(d, n_threads);
    let find = |rows: &[serde_json::Value], name: &str, key: &str| {
        (rows.iter())
            .find(|v| v["net"] == name)
            .and_then(|v| v[key].as_f64())
    };
    let show = |t: Option<f64>, ours: f64| match t {
        Some(t) => format!("{t:>10.0} {:>6.2}x", ours / t),
        None => format!("{:>10} {:>7}", "-", "-"),
    };
    println!(
        "\n{:<9} {:>10} {:>10} {:>7} {:>10} {:>7} | {:>10} {:>10} {:>7}",
        "network",
        "aen 1 thr",
        "dfdx",
        "ratio",
        "PyTorch",
        "ratio",
        format!("aen {n_threads} thr"),
        "PyTorch",
        "ratio"
    );
    for (m, &(name, g)) in rows.iter().zip(&nets) {
        let dfdx = dfdx_run(&speed, g, epochs(name), 2);
        println!(
            "{name:<9} {:>10.0} {dfdx:>10.0} {:>6.2}x {} | {:>10.0} {}",
            m.one,
            m.one / dfdx,
            show(find(&torch1, name, "images_per_s"), m.one),
            m.many,
            show(find(&torch_n, name, "images_per_s"), m.many),
        );
    }
    println!(
        "(aen {n_threads} thr: {n_threads} children at once, one per thread, as a search trains them; \
         PyTorch {n_threads} thr: one model on {n_threads} threads)"
    );
    // PyTorch's own SGEMM on a dense step's products: how far aen's gemm library is
    // from the best this machine's BLAS does, apart from everything else in a step.
    if let Some(t) = find(&torch1, "gemm", "images_per_s") {
        let ours = rows[0].limit_one;
        println!(
            "limit of a dense step's products alone, 1 thread: aen's gemm {ours:.0} images/s, \
             PyTorch's SGEMM {t:.0} ({:.2}x); aen's dense child trains at {:.0} % of the latter",
            ours / t,
            100.0 * rows[0].one / t
        );
    }
    let aen_acc = rows[0].test_acc;
    if let Some(t) = find(&torch1, "dense", "test_acc") {
        println!(
            "plain network, 4 epochs on 4,000 images, test on 1,000: aen {aen_acc:.2}%, PyTorch {t:.2}% (difference {:.2} points)",
            (aen_acc - t).abs()
        );
        if let Some(v) = torch1.first().and_then(|r| r["torch"].as_str()) {
            println!("PyTorch {v}");
        }
    }
}
