//! How fast children train on this machine, against the machine's own limit (`aen
//! bench`, `cargo bench --bench throughput`): images per second of aen's CPU kernel,
//! one child on one thread and one child per thread at once, each beside the rate of
//! the same gemm on the step's own products alone (`kernel::gemm_rate`) measured in the
//! same run, and where a step's time goes.

use crate::data::{self, BaseData, DatasetKind, Images, Labeled, Source, SourceKind};
use crate::error::Result;
use crate::gdata::{self, GData, SplitSizes};
use crate::groups::GroupSet;
use crate::kernel::{Timing, gemm_rate};
use crate::orbits::ChildOrbits;
use crate::train::{self, Flow, TrainConfig, cpu::child_mlp};
use std::time::Instant;

/// The networks measured: plain, one small group, and the paper's preset 2.
pub const NETS: [(&str, &str); 3] = [
    ("dense", "none"),
    ("rot90", "rot90"),
    ("preset2", "preset:2"),
];

/// Batch of the search protocol.
pub const BATCH: usize = 64;

/// Plain embedded MNIST: `train` images to train on, 1,000 to test, 10 to validate
/// (kept tiny: the validation pass after each epoch is not what is measured).
pub fn data(train: usize) -> Result<GData> {
    let base = data::open(DatasetKind::Mnist, None, Some(SourceKind::Embedded))?;
    let sizes = SplitSizes {
        train,
        val: 10,
        test: 1000,
    };
    Ok(gdata::build(&base, GroupSet::EMPTY, 4, 0, sizes)?)
}

/// `train` colour images of `side` x `side` and 1,000 to test, random pixels of ten
/// classes: speed does not depend on what the pixels show, only on their shape.
pub fn colour_data(train: usize, side: usize) -> Result<GData> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let mut split = |n: usize| Labeled {
        images: Images {
            count: n,
            rows: side,
            cols: side,
            channels: 3,
            pixels: (0..n * side * side * 3).map(|_| rng.r#gen()).collect(),
        },
        labels: (0..n).map(|i| (i % 10) as u8).collect(),
    };
    let base = BaseData {
        kind: DatasetKind::Files,
        source: Source {
            kind: SourceKind::DataDir,
            dir: None,
        },
        train: split(train + 10),
        test: Some(split(1000)),
        classes: (0..10).map(|c| c.to_string()).collect(),
        resized_from: None,
    };
    let sizes = SplitSizes {
        train,
        val: 10,
        test: 1000,
    };
    Ok(gdata::build(&base, GroupSet::EMPTY, 4, 0, sizes)?)
}

/// One network's figures.
#[derive(Clone, Debug)]
pub struct Measured {
    pub name: String,
    pub params: usize,
    /// Images per second of one child on one thread (best of the runs), whole runs
    /// with their evaluation passes.
    pub one: f64,
    /// The gemm limit of one thread.
    pub limit_one: f64,
    /// Images per second of `threads` children trained at once, one per thread.
    pub many: f64,
    /// The gemm limit of `threads` threads, measured on all of them at once.
    pub limit_many: f64,
    pub threads: usize,
    /// Where the best one-thread run's time went.
    pub timing: Timing,
    pub test_acc: f64,
}

fn config(epochs: usize, seed: u64) -> TrainConfig {
    TrainConfig {
        epochs,
        batch: BATCH,
        lr: 1e-3,
        seed,
    }
}

/// Runs `f(thread)` on `threads` threads at once and returns the results in order.
fn on_threads<T: Send>(threads: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    std::thread::scope(|s| {
        let f = &f;
        let hs: Vec<_> = (0..threads).map(|k| s.spawn(move || f(k))).collect();
        hs.into_iter()
            .map(|h| h.join().expect("no panic"))
            .collect()
    })
}

/// Measures one network: `reps` one-thread runs, one run on every thread at once, and
/// the gemm limits.
pub fn measure(
    gd: &GData,
    (name, groups): (&str, GroupSet),
    epochs: usize,
    reps: usize,
    threads: usize,
) -> Result<Measured> {
    let orbits = ChildOrbits::for_shape(gd.shape(), groups, 4)?;
    let images = (gd.train.len() * epochs) as f64;
    let run = |seed: u64| {
        train::cpu::train(
            &orbits,
            gd,
            config(epochs, seed),
            &mut |_| Flow::Continue,
            true,
        )
        .map(|(r, t)| (r, t.unwrap_or_default()))
    };
    let mut best: Option<(f64, train::TrainResult, Timing)> = None;
    for r in 0..reps.max(1) {
        let (res, timing) = run(r as u64)?;
        let ips = images / res.seconds;
        if best.as_ref().is_none_or(|b| ips > b.0) {
            best = Some((ips, res, timing));
        }
    }
    let (one, res, timing) = best.expect("one run at least");
    let net = child_mlp(&orbits);
    let limit_one = gemm_rate(&net, BATCH, 0.5).images_per_s();
    let start = Instant::now();
    let runs = on_threads(threads, |k| run(100 + k as u64).map(|_| ()));
    let many = threads as f64 * images / start.elapsed().as_secs_f64();
    runs.into_iter().collect::<Result<Vec<()>, _>>()?;
    let limit_many = on_threads(threads, |_| gemm_rate(&net, BATCH, 0.5).images_per_s())
        .iter()
        .sum();
    Ok(Measured {
        name: name.to_string(),
        params: res.params,
        one,
        limit_one,
        many,
        limit_many,
        threads,
        timing,
        test_acc: res.test_acc,
    })
}

/// The table `aen bench` prints.
pub fn table(rows: &[Measured]) -> String {
    let Some(first) = rows.first() else {
        return String::new();
    };
    let n = first.threads;
    let mut s = format!(
        "{:<16} {:>8} {:>11} {:>11} {:>6} {:>12} {:>12} {:>6}\n",
        "network",
        "params",
        "1 thread",
        "limit",
        "share",
        if n == 1 {
            "1 thread".to_string()
        } else {
            format!("{n} threads")
        },
        "limit",
        "share",
    );
    for m in rows {
        s.push_str(&format!(
            "{:<16} {:>8} {:>11.0} {:>11.0} {:>5.0}% {:>12.0} {:>12.0} {:>5.0}%\n",
            m.name,
            m.params,
            m.one,
            m.limit_one,
            100.0 * m.one / m.limit_one,
            m.many,
            m.limit_many,
            100.0 * m.many / m.limit_many,
        ));
    }
    s.push_str("\nwhere a step's time goes (one thread, whole runs):\n");
    for m in rows {
        let total = m.timing.total().as_secs_f64().max(1e-12);
        let parts: Vec<String> = (Timing::PHASES.iter().zip(m.timing.spent))
            .map(|(p, d)| format!("{p} {:.0}%", 100.0 * d.as_secs_f64() / total))
            .collect();
        s.push_str(&format!("{:<16} {}\n", m.name, parts.join(", ")));
    }
    s
}

/// The DQN's update rate on this thread: updates per second of the 12-400-400-400-12
/// Q-network on batches of `batch` from a replay memory of random transitions, run
/// for about `seconds`.
pub fn dqn_updates_per_s(batch: usize, seconds: f64) -> f64 {
    use crate::search::agent::Agent;
    use rand::{Rng, SeedableRng};
    let mut agent = Agent::new(0, 1e-3);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    for _ in 0..2000 {
        let s = GroupSet::from_bits(rng.gen_range(0..4096));
        let a = rng.gen_range(0..crate::groups::NUM_GROUPS);
        let next = GroupSet::from_bits(s.bits() ^ (1 << a));
        agent.remember(s, a, rng.r#gen::<f64>(), next, 10_000);
    }
    agent.optimize(batch, 0.9);
    let start = Instant::now();
    let mut n = 0u64;
    while n == 0 || start.elapsed().as_secs_f64() < seconds {
        agent.optimize(batch, 0.9);
        // As in a search: the target network follows every few updates.
        if n % 10 == 9 {
            agent.sync_target();
        }
        n += 1;
    }
    n as f64 / start.elapsed().as_secs_f64()
}
