//! The paper-protocol search on 1 and on 2 child trainers, in one process: models per
//! minute of each, their ratio, the prediction hit rate, and whether the two runs'
//! models.csv agree apart from the timing column (they must).
//!
//! `cargo bench --bench search` (300 models on embedded MNIST preset 2; set
//! AEN_BENCH_MODELS to change the count, AEN_BENCH_JOBS for the second run's jobs).

use aen_engine::search::Event;
use aen_engine::search::Trainers;
use aen_engine::settings::Settings;
use aen_engine::{session, snapshot};
use std::path::Path;
use std::time::{Duration, Instant};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// models.csv without its train_seconds column (the third from the right; the groups
/// column before it holds quoted commas).
fn models_csv(dir: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join("models.csv")).expect("models.csv written");
    assert!(text.starts_with(
        "index,state_bits,groups,val_acc,test_acc,params,train_seconds,first_step,epsilon"
    ));
    text.lines()
        .map(|l| {
            let mut cells: Vec<&str> = l.rsplitn(4, ',').collect();
            cells.remove(2);
            cells.reverse();
            cells.join(",")
        })
        .collect()
}

fn run(settings: &Settings, dir: &Path) -> (f64, Option<Trainers>) {
    std::fs::create_dir_all(dir).expect("bench dir");
    let path = dir.join("snapshot.json");
    let h = session::start(settings.clone(), Some(path.clone()), true).expect("starts");
    let started = Instant::now();
    let mut trainers = None;
    loop {
        match h.events().recv_timeout(Duration::from_secs(600)) {
            Ok(Event::Finished { .. }) => break,
            Ok(Event::Error(e)) => panic!("search failed: {e}"),
            Ok(Event::Trainers(t)) => trainers = Some(t),
            Ok(_) => {}
            Err(e) => panic!("no event for 10 minutes: {e}"),
        }
    }
    let secs = started.elapsed().as_secs_f64();
    h.join();
    let snap = snapshot::load(&path).expect("saved");
    session::export(dir, &snap, None).expect("exported");
    (secs, trainers)
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    (status.lines())
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn main() {
    let models = env("AEN_BENCH_MODELS", 300);
    let jobs = env("AEN_BENCH_JOBS", 2);
    let mut s = Settings::default();
    s.data.source = "embedded".into();
    s.search.max_models = models;
    let tmp = tempfile::tempdir().expect("temp dir");
    println!(
        "paper-protocol search, {models} models, embedded MNIST preset 2, {} cores",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let mut results = Vec::new();
    for j in [1, jobs] {
        s.child.jobs = j;
        let dir = tmp.path().join(format!("jobs-{j}"));
        let (secs, trainers) = run(&s, &dir);
        let per_min = models as f64 / secs * 60.0;
        let hits = trainers.map_or("-".into(), |t| t.hits_text());
        println!("--jobs {j}: {secs:7.1} s  {per_min:6.1} models/min  {hits}");
        if let Some(t) = trainers {
            println!("          {t}");
        }
        results.push((dir, per_min));
    }
    let same = models_csv(&results[0].0) == models_csv(&results[1].0);
    println!(
        "speed-up --jobs {jobs} / --jobs 1: {:.2}x; models.csv identical apart from timings: {}",
        results[1].1 / results[0].1,
        if same { "yes" } else { "NO" }
    );
    println!(
        "peak resident memory of the process: {:.0} MiB",
        peak_rss_mib()
    );
    assert!(same, "the runs differ: training ahead changed a result");
}
