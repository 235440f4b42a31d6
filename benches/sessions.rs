//! Opening the session browser on 200 sessions of 1,000 models (30 steps per model,
//! about 11 MB of JSON each, most of it steps), listed as the TUI lists them: cold (no
//! index, every file read: the first open after all of them changed) and warm (the
//! index holds them all: the folder is only looked at). Peak memory is the resident
//! set's high-water mark over each listing, above what the process held before it
//! (Linux). `cargo bench --bench sessions`; `AEN_BENCH_SESSIONS=N` lists N sessions.

use aen_core::groups::GroupSet;
use aen_engine::search::{EpisodeRecord, ModelRecord, StepRecord};
use aen_engine::snapshot::{self, INDEX, Listing, Snapshot};
use std::path::Path;
use std::time::{Duration, Instant};

const MODELS: usize = 1000;
const STEPS_PER_MODEL: usize = 30;

/// The committed fixture grown to a 1,000-model run: distinct states, steps that
/// agree with the models they reach (so it loads whole), an episode per 10 steps.
fn big_session() -> Snapshot {
    let mut s = snapshot::load(Path::new("tests/fixtures/session.json")).expect("fixture");
    let h = &mut s.history;
    let (m0, st0, ep0) = (
        h.models[0].clone(),
        h.steps[0].clone(),
        h.episodes[0].clone(),
    );
    let epochs = s.settings.child.epochs.max(4);
    h.models = (0..MODELS)
        .map(|k| ModelRecord {
            index: k + 1,
            state: GroupSet::from_bits(k as u16),
            val_acc: 10.0 + (k * 37 % 800) as f64 / 10.0,
            test_acc: 10.0 + (k * 53 % 800) as f64 / 10.0,
            params: 10_000 + k * 97,
            first_step: k * STEPS_PER_MODEL,
            val_curve: (0..epochs).map(|e| 10.0 + (k + e) as f64 % 80.0).collect(),
            ..m0.clone()
        })
        .collect();
    h.steps = (0..MODELS * STEPS_PER_MODEL)
        .map(|i| {
            let m = &h.models[i / STEPS_PER_MODEL];
            StepRecord {
                step: i,
                episode: i / 10,
                state: h.models[(i / STEPS_PER_MODEL).saturating_sub(1)].state,
                next_state: m.state,
                val_acc: m.val_acc,
                params: m.params,
                new_model: i % STEPS_PER_MODEL == 0,
                reward: st0.reward + i as f64,
                ..st0.clone()
            }
        })
        .collect();
    h.episodes = (0..h.steps.len() / 10)
        .map(|e| EpisodeRecord {
            episode: e,
            ..ep0.clone()
        })
        .collect::<Vec<EpisodeRecord>>();
    s.settings.search.max_models = MODELS;
    s
}

/// This process's peak resident memory so far, in MB (Linux).
fn peak_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// What one open of the browser took.
struct Open {
    first: Duration,
    all: Duration,
    from_index: usize,
    read: usize,
    /// The peak resident memory of the process that listed, in MB.
    peak: Option<f64>,
}

/// In this process (a fresh one, so its peak memory is the listing's): lists `dir` as
/// the browser does, rows then the index saved, and prints what it took.
fn list_here(dir: &Path) {
    let t = Instant::now();
    let mut l = Listing::open(dir);
    let mut first = None;
    for (_, s) in l.by_ref() {
        s.expect("every session reads");
        first.get_or_insert_with(|| t.elapsed());
    }
    l.save_index();
    let all = t.elapsed();
    let first = first.unwrap_or(all);
    let (from_index, read) = l.counts();
    let peak = peak_mb().unwrap_or(f64::NAN);
    println!(
        "{} {} {from_index} {read} {peak}",
        first.as_secs_f64(),
        all.as_secs_f64()
    );
}

/// Lists `dir` in a fresh process of this benchmark.
fn open(dir: &Path) -> Open {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .arg("--list")
        .arg(dir)
        .output()
        .expect("the listing process runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let v: Vec<f64> = (text.split_whitespace())
        .map(|x| x.parse().expect("a figure"))
        .collect();
    assert_eq!(v.len(), 5, "{text}");
    Open {
        first: Duration::from_secs_f64(v[0]),
        all: Duration::from_secs_f64(v[1]),
        from_index: v[2] as usize,
        read: v[3] as usize,
        peak: v[4].is_finite().then_some(v[4]),
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--list") {
        return list_here(Path::new(&args[i + 1]));
    }
    let n: usize = std::env::var("AEN_BENCH_SESSIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let dir = tempfile::tempdir().expect("a temporary folder");
    let big = big_session();
    let t = Instant::now();
    for i in 0..n {
        let mut s = big.clone();
        s.seconds = 3600.0 + i as f64;
        s.settings.data.seed = i as u64;
        s.tags = vec![format!("batch{}", i % 7)];
        snapshot::save(&s, &dir.path().join(format!("run-{i:03}.json"))).expect("saved");
    }
    drop(big);
    let bytes: u64 = (std::fs::read_dir(dir.path()).unwrap().flatten())
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum();
    println!(
        "{n} sessions of {MODELS} models ({} steps each), {:.1} MB each, {:.2} GB in all, written in {:.1} s",
        MODELS * STEPS_PER_MODEL,
        bytes as f64 / n as f64 / 1e6,
        bytes as f64 / 1e9,
        t.elapsed().as_secs_f64()
    );
    // The index keeps only files that have not changed for 2 s.
    std::thread::sleep(Duration::from_millis(2500));
    let mb = |p: Option<f64>| p.map_or("n/a".into(), |p| format!("{p:.0} MB"));

    let cold = open(dir.path());
    let index = std::fs::metadata(dir.path().join(INDEX)).map_or(0, |m| m.len());
    println!(
        "cold (no index): first row after {}, all {} rows and the index ({:.0} kB) after {} ({} from the index, {} read); peak memory {}",
        ms(cold.first),
        cold.from_index + cold.read,
        index as f64 / 1e3,
        ms(cold.all),
        cold.from_index,
        cold.read,
        mb(cold.peak)
    );
    let warm: Vec<Open> = (0..5).map(|_| open(dir.path())).collect();
    let best = warm.iter().map(|w| w.all).min().unwrap();
    let worst = warm.iter().map(|w| w.all).max().unwrap();
    let last = &warm[warm.len() - 1];
    println!(
        "warm (index): all rows after {} (best of 5; worst {}), {} from the index, {} read; peak memory {}",
        ms(best),
        ms(worst),
        last.from_index,
        last.read,
        mb(last.peak)
    );
    // One session saved anew (a search going on): only it is read again.
    let one = dir.path().join("run-000.json");
    let mut s = snapshot::load(&one).unwrap();
    s.note = "changed".into();
    snapshot::save(&s, &one).unwrap();
    let changed = open(dir.path());
    println!(
        "one session changed: all rows after {} ({} from the index, {} read)",
        ms(changed.all),
        changed.from_index,
        changed.read
    );
}
