//! Loading the embedded data sets and building G-datasets of all 10,000 images.
//! The peer for loading is Python's gzip module reading and checking the same IDX files
//! (no numpy), run in the same session. `cargo bench --bench data`.

use aen_core::data::{self, DatasetKind, SourceKind};
use aen_core::gdata::{self, SplitSizes};
use aen_core::groups::GroupSet;
use std::time::Instant;

fn best<T>(reps: usize, mut f: impl FnMut() -> T) -> f64 {
    (0..reps)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed().as_secs_f64()
        })
        .fold(f64::MAX, f64::min)
}

const PEER: &str = r#"
import gzip, struct, sys, time
best = 1e9
for _ in range(5):
    t = time.perf_counter()
    for kind in ("mnist", "fashion-mnist"):
        img = gzip.open(f"{sys.argv[1]}/{kind}-images-idx3-ubyte.gz").read()
        lab = gzip.open(f"{sys.argv[1]}/{kind}-labels-idx1-ubyte.gz").read()
        magic, n, r, c = struct.unpack(">IIII", img[:16])
        assert magic == 0x803 and len(img) == 16 + n * r * c
        magic, m = struct.unpack(">II", lab[:8])
        assert magic == 0x801 and m == n and max(lab[8:]) <= 9
    best = min(best, time.perf_counter() - t)
print(best)
"#;

fn main() {
    let load = best(5, || {
        for k in [DatasetKind::Mnist, DatasetKind::FashionMnist] {
            data::open(k, None, Some(SourceKind::Embedded)).expect("embedded");
        }
    });
    let assets = concat!(env!("CARGO_MANIFEST_DIR"), "/assets");
    let peer = std::process::Command::new("python3")
        .args(["-c", PEER, assets])
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse::<f64>().ok());
    println!("load and validate both embedded sets (2 x 10,000 images), best of 5");
    match peer {
        Some(p) => println!(
            "  aen {:.1} ms, Python gzip + struct {:.1} ms: {:.1}x",
            load * 1e3,
            p * 1e3,
            p / load
        ),
        None => println!(
            "  aen {:.1} ms (python3 not available for the peer)",
            load * 1e3
        ),
    }
    let base = data::open(DatasetKind::Mnist, None, Some(SourceKind::Embedded)).expect("embedded");
    let sizes = SplitSizes {
        train: 8000,
        val: 1000,
        test: 1000,
    };
    println!("G-dataset of all 10,000 embedded MNIST images (8,000 / 1,000 / 1,000), best of 5");
    for g in ["none", "preset:2", "all"] {
        let set = GroupSet::parse(g).expect("groups");
        let t = best(5, || gdata::build(&base, set, 4, 0, sizes).expect("fits"));
        println!("  {g:<9} {:.1} ms", t * 1e3);
    }
}
