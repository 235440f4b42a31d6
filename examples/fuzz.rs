//! Mutation fuzzer for every parser that reads what a user hands aen: IDX files (raw
//! and gzip), group sets, the TOML config and session snapshots.
//!
//! ```text
//! cargo run --release --example fuzz -- --execs 1000000 --seed 1 [--target NAME] [--out DIR]
//! ```
//!
//! Each execution takes a valid seed input of a target, applies a few mutations (bit
//! flips, truncation, splicing with another seed, byte insertion, header or token
//! changes) and runs the parser under `catch_unwind`. Per target it reports
//! executions, errors, ok results, crashes (panics; must be 0) and the peak resident
//! memory while that target ran (VmHWM, reset between targets). Crashing inputs are
//! written to `--out` (default `fuzz-crashes/`) with the panic message.

use aen_core::data::{Images, idx};
use aen_core::groups::GroupSet;
use aen_engine::settings::Settings;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What the parser made of an input.
enum Outcome {
    Ok,
    Err,
}

/// Runs the parser of a target on one input.
type Runner = Box<dyn Fn(&[u8]) -> Outcome>;

struct Target {
    name: &'static str,
    seeds: Vec<Vec<u8>>,
    /// Offsets of 32-bit big-endian header fields worth setting to edge values.
    header_fields: &'static [usize],
    /// Tokens worth substituting in text inputs.
    text: bool,
    run: Runner,
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).expect("in memory");
    e.finish().expect("in memory")
}

fn images(count: usize, side: usize) -> Vec<u8> {
    idx::encode_images(&Images {
        count,
        rows: side,
        cols: side,
        channels: 1,
        pixels: (0..count * side * side)
            .map(|i| (i * 7 % 256) as u8)
            .collect(),
    })
}

fn labels(count: usize) -> Vec<u8> {
    idx::encode_labels(&(0..count).map(|i| (i % 10) as u8).collect::<Vec<_>>())
}

fn outcome<T, E>(r: Result<T, E>) -> Outcome {
    match r {
        Ok(_) => Outcome::Ok,
        Err(_) => Outcome::Err,
    }
}

/// Images are checked against aen's 28x28 half the time, so both the shape check and
/// the full parse of other sizes are exercised.
fn idx_run(name: &'static str) -> Runner {
    Box::new(move |b: &[u8]| {
        let p = Path::new(name);
        let want = b.len().is_multiple_of(2).then_some((28, 28));
        match idx::images_from(p, b, want) {
            Ok(imgs) => {
                assert_eq!(imgs.pixels.len(), imgs.count * imgs.rows * imgs.cols);
                Outcome::Ok
            }
            Err(_) => match idx::labels_from(p, b) {
                Ok(l) => {
                    assert!(l.iter().all(|&x| x <= 9));
                    Outcome::Ok
                }
                Err(_) => Outcome::Err,
            },
        }
    })
}

fn targets(snap_dir: &Path) -> Vec<Target> {
    let raw_seeds = vec![images(3, 28), images(2, 5), labels(12), labels(1)];
    let gz_seeds = vec![
        gz(&images(3, 28)),
        gz(&labels(12)),
        // Multi-member, as `cat a.gz b.gz` makes.
        [gz(&images(2, 28)[..900]), gz(&images(2, 28)[900..])].concat(),
    ];
    let config = std::fs::read("config.example.toml").unwrap_or_else(|_| {
        b"[data]\ngroups = \"rot90\"\nstep = 4\n[child]\nepochs = 2\n".to_vec()
    });
    let snapshot = std::fs::read("tests/fixtures/session.json")
        .expect("run from the repository root: tests/fixtures/session.json is the seed");
    let snap_path = snap_dir.join("session.json");
    vec![
        Target {
            name: "idx raw",
            seeds: raw_seeds,
            header_fields: &[0, 4, 8, 12],
            text: false,
            run: idx_run("fuzz-idx"),
        },
        Target {
            name: "idx gz",
            seeds: gz_seeds,
            header_fields: &[4, 8],
            text: false,
            run: idx_run("fuzz-idx.gz"),
        },
        Target {
            name: "group set",
            seeds: [
                "rot90,hflip",
                "110000001100",
                "preset:2",
                "none",
                "all",
                "sc1+sc7",
            ]
            .iter()
            .map(|s| s.as_bytes().to_vec())
            .collect(),
            header_fields: &[],
            text: true,
            run: Box::new(|b: &[u8]| outcome(GroupSet::parse(&String::from_utf8_lossy(b)))),
        },
        Target {
            name: "config",
            seeds: vec![config],
            header_fields: &[],
            text: true,
            run: Box::new(|b: &[u8]| {
                outcome(Settings::from_toml(
                    &String::from_utf8_lossy(b),
                    Path::new("fuzz.toml"),
                ))
            }),
        },
        Target {
            name: "snapshot",
            seeds: vec![snapshot],
            header_fields: &[],
            text: true,
            run: Box::new(move |b: &[u8]| {
                std::fs::write(&snap_path, b).expect("temp dir writable");
                outcome(aen_engine::snapshot::load(&snap_path))
            }),
        },
    ]
}

const EDGE_U32: [u32; 9] = [
    0,
    1,
    9,
    28,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_ffff,
    0x0000_0803,
    0x0000_0801,
];
const EDGE_TOKENS: [&str; 14] = [
    "0",
    "-1",
    "4294967296",
    "18446744073709551616",
    "1e309",
    "nan",
    "\"\"",
    "\",\"",
    "[]",
    "{}",
    "null",
    "true",
    "\"preset:99\"",
    "\"\\u0000\"",
];

fn mutate(t: &Target, rng: &mut ChaCha8Rng) -> Vec<u8> {
    let mut b = t.seeds[rng.gen_range(0..t.seeds.len())].clone();
    for _ in 0..rng.gen_range(1..=4) {
        let len = b.len();
        match rng.gen_range(0..8) {
            // Bit flip.
            0 if len > 0 => {
                let i = rng.gen_range(0..len);
                b[i] ^= 1 << rng.gen_range(0..8);
            }
            // Random byte.
            1 if len > 0 => {
                let i = rng.gen_range(0..len);
                b[i] = rng.r#gen();
            }
            // Truncation.
            2 => b.truncate(rng.gen_range(0..=len)),
            // Splice with another seed of the target.
            3 => {
                let other = &t.seeds[rng.gen_range(0..t.seeds.len())];
                let at = rng.gen_range(0..=len);
                let from = rng.gen_range(0..=other.len());
                b.truncate(at);
                b.extend_from_slice(&other[from..]);
            }
            // Byte insertion: random bytes or a repeated slice of the input.
            4 => {
                let at = rng.gen_range(0..=len);
                let ins: Vec<u8> = if len > 0 && rng.gen_bool(0.5) {
                    let s = rng.gen_range(0..len);
                    let e = (s + rng.gen_range(1..=64)).min(len);
                    b[s..e].repeat(rng.gen_range(1..=8))
                } else {
                    (0..rng.gen_range(1..=16)).map(|_| rng.r#gen()).collect()
                };
                b.splice(at..at, ins);
            }
            // Header field change (binary) or token substitution (text).
            5 if !t.header_fields.is_empty() => {
                let off = t.header_fields[rng.gen_range(0..t.header_fields.len())];
                if off + 4 <= len {
                    let v = if rng.gen_bool(0.7) {
                        EDGE_U32[rng.gen_range(0..EDGE_U32.len())]
                    } else {
                        rng.r#gen()
                    };
                    b[off..off + 4].copy_from_slice(&v.to_be_bytes());
                }
            }
            5 if t.text && len > 0 => {
                // Replace the run of value characters around a random position.
                let i = rng.gen_range(0..len);
                let is_val = |c: u8| c.is_ascii_alphanumeric() || b"._:-\"".contains(&c);
                let (mut s, mut e) = (i, i);
                while s > 0 && is_val(b[s - 1]) {
                    s -= 1;
                }
                while e < len && is_val(b[e]) {
                    e += 1;
                }
                let tok = EDGE_TOKENS[rng.gen_range(0..EDGE_TOKENS.len())];
                b.splice(s..e, tok.bytes());
            }
            // Deletion of a range.
            6 if len > 0 => {
                let s = rng.gen_range(0..len);
                let e = (s + rng.gen_range(1..=32)).min(len);
                b.drain(s..e);
            }
            // Duplicate a range in place (for JSON/TOML: repeated keys and tables).
            _ if len > 0 => {
                let s = rng.gen_range(0..len);
                let e = (s + rng.gen_range(1..=256)).min(len);
                let dup = b[s..e].to_vec();
                b.splice(e..e, dup);
            }
            _ => {}
        }
    }
    b
}

/// Peak resident set size of this process, from /proc/self/status.
fn vm_hwm_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Resets VmHWM to the current RSS so that each target's peak is its own.
fn reset_hwm() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

struct Args {
    execs: u64,
    seed: u64,
    only: Option<String>,
    out: PathBuf,
}

fn args() -> Args {
    let mut a = Args {
        execs: 100_000,
        seed: 0,
        only: None,
        out: PathBuf::from("fuzz-crashes"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut val = || {
            it.next().unwrap_or_else(|| {
                eprintln!("{flag} needs a value");
                std::process::exit(2)
            })
        };
        match flag.as_str() {
            "--execs" => a.execs = val().parse().expect("--execs N"),
            "--seed" => a.seed = val().parse().expect("--seed S"),
            "--target" => a.only = Some(val()),
            "--out" => a.out = PathBuf::from(val()),
            _ => {
                eprintln!(
                    "usage: fuzz [--execs N] [--seed S] [--target NAME] [--out DIR]\nunknown: {flag}"
                );
                std::process::exit(2)
            }
        }
    }
    a
}

thread_local! {
    static LAST_PANIC: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

fn main() {
    let a = args();
    // A memory-backed folder where there is one: the snapshot target writes a file
    // per execution.
    let snap_dir = tempfile::tempdir_in("/dev/shm")
        .or_else(|_| tempfile::tempdir())
        .expect("temp dir");
    let all = targets(snap_dir.path());
    let chosen: Vec<&Target> = all
        .iter()
        .filter(|t| a.only.as_deref().is_none_or(|o| o == t.name))
        .collect();
    if chosen.is_empty() {
        eprintln!(
            "no target named {:?}; targets: {}",
            a.only,
            all.iter().map(|t| t.name).collect::<Vec<_>>().join(", ")
        );
        std::process::exit(2);
    }
    // Panics are caught and counted; the default hook would print each one.
    std::panic::set_hook(Box::new(|info| {
        let msg = format!("{info}");
        LAST_PANIC.with(|p| *p.borrow_mut() = msg);
    }));
    let per_target = a.execs / chosen.len() as u64;
    let mut total_crashes = 0u64;
    let mut total_execs = 0u64;
    let started = Instant::now();
    println!(
        "{:<10} {:>10} {:>10} {:>10} {:>8} {:>12} {:>9}",
        "target", "execs", "errors", "ok", "crashes", "peak RSS", "seconds"
    );
    for (k, t) in chosen.iter().enumerate() {
        let mut rng = ChaCha8Rng::seed_from_u64(a.seed ^ ((k as u64) << 40));
        let (mut errors, mut ok, mut crashes) = (0u64, 0u64, 0u64);
        reset_hwm();
        let t0 = Instant::now();
        for i in 0..per_target {
            let input = mutate(t, &mut rng);
            match catch_unwind(AssertUnwindSafe(|| (t.run)(&input))) {
                Ok(Outcome::Ok) => ok += 1,
                Ok(Outcome::Err) => errors += 1,
                Err(_) => {
                    crashes += 1;
                    let msg = LAST_PANIC.with(|p| p.borrow().clone());
                    let _ = std::fs::create_dir_all(&a.out);
                    let file = a.out.join(format!("{}-{i}.bin", t.name.replace(' ', "-")));
                    let _ = std::fs::write(&file, &input);
                    eprintln!("CRASH {} #{i}: {msg} (input in {})", t.name, file.display());
                }
            }
        }
        total_crashes += crashes;
        total_execs += per_target;
        println!(
            "{:<10} {:>10} {:>10} {:>10} {:>8} {:>9} MiB {:>9.1}",
            t.name,
            per_target,
            errors,
            ok,
            crashes,
            vm_hwm_kib().map_or("?".into(), |k| format!("{:.1}", k as f64 / 1024.0)),
            t0.elapsed().as_secs_f64()
        );
    }
    println!(
        "total: {total_execs} executions, {total_crashes} crashes, {:.1} s, seed {}",
        started.elapsed().as_secs_f64(),
        a.seed
    );
    if total_crashes > 0 {
        std::process::exit(1);
    }
}
