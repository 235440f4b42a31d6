//! The comparison runner: every strategy run many times on threads, and the results of
//! each strategy over its runs.

use super::run::{regret_curve, run_until};
use super::truth::GroundTruth;
use crate::error::{Result, bail};
use crate::settings::{Settings, StrategyKind};
use crate::stats::{mean, std_dev, t975};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

/// The results of one strategy over its repeats.
pub struct StrategyResult {
    pub strategy: StrategyKind,
    /// Per run, regret after each model.
    pub curves: Vec<Vec<f64>>,
    /// Per run, the models needed to hold a true top-1 % state / the true best.
    pub to_top1: Vec<Option<usize>>,
    pub to_best: Vec<Option<usize>>,
    /// Wall seconds per run.
    pub seconds: Vec<f64>,
}

impl StrategyResult {
    /// (mean, lower, upper) of the 95 % interval of regret after `n` models.
    pub fn regret_at(&self, n: usize) -> (f64, f64, f64) {
        let v: Vec<f64> = self.curves.iter().map(|c| c[n - 1]).collect();
        let m = mean(&v);
        let half = if v.len() > 1 {
            t975(v.len() - 1) * std_dev(&v) / (v.len() as f64).sqrt()
        } else {
            f64::NAN
        };
        (m, m - half, m + half)
    }
}

/// (strategy index, repeat, regret curve, seconds) of one run.
type RunResult = (usize, u64, Vec<f64>, f64);

fn first_reaching(curve: &[f64], within: f64) -> Option<usize> {
    curve
        .iter()
        .position(|&r| r <= within + 1e-12)
        .map(|i| i + 1)
}

/// Runs every strategy `repeats` times for `budget` models on `jobs` threads; run r of
/// every strategy uses seed r. `progress(done, total)` is called as runs finish.
pub fn compare(
    settings: &Settings,
    truth: Arc<GroundTruth>,
    strategies: &[StrategyKind],
    repeats: usize,
    budget: usize,
    jobs: usize,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Vec<StrategyResult>> {
    let never = AtomicBool::new(false);
    let runs = Runs {
        strategies,
        repeats,
        budget,
        jobs,
    };
    compare_until(settings, truth, runs, progress, &never)
}

/// What a comparison runs: each strategy `repeats` times, `budget` models each, `jobs`
/// runs at once.
pub struct Runs<'a> {
    pub strategies: &'a [StrategyKind],
    pub repeats: usize,
    pub budget: usize,
    pub jobs: usize,
}

/// [`compare`], stopped when `stop` is set (Ctrl-C): the runs in flight stop, none
/// starts, and the result is an error saying so.
pub(crate) fn compare_until(
    settings: &Settings,
    truth: Arc<GroundTruth>,
    runs: Runs,
    progress: &(dyn Fn(usize, usize) + Sync),
    stop: &AtomicBool,
) -> Result<Vec<StrategyResult>> {
    let Runs {
        strategies,
        repeats,
        budget,
        jobs,
    } = runs;
    let settings = &truth.search_settings(settings)?;
    let tasks: Vec<(usize, u64)> = (0..strategies.len())
        .flat_map(|k| (0..repeats as u64).map(move |r| (k, r)))
        .collect();
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let results: Vec<Result<RunResult>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..jobs.max(1))
            .map(|_| {
                scope.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        if stop.load(Ordering::SeqCst) {
                            break;
                        }
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        let Some(&(k, r)) = tasks.get(i) else { break };
                        let mut s = settings.clone();
                        s.search.strategy = strategies[k];
                        s.search.max_models = budget;
                        let t = Instant::now();
                        let run = run_until(&s, &truth, r, stop).map(|m| {
                            (
                                k,
                                r,
                                regret_curve(&m, &truth, budget),
                                t.elapsed().as_secs_f64(),
                            )
                        });
                        out.push(run);
                        progress(done.fetch_add(1, Ordering::SeqCst) + 1, tasks.len());
                    }
                    out
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("a comparison thread panicked"))
            .collect()
    });
    let mut by: Vec<StrategyResult> = strategies
        .iter()
        .map(|&strategy| StrategyResult {
            strategy,
            curves: vec![Vec::new(); repeats],
            to_top1: vec![None; repeats],
            to_best: vec![None; repeats],
            seconds: vec![0.0; repeats],
        })
        .collect();
    if stop.load(Ordering::SeqCst) {
        bail!("the comparison was stopped before its runs were done");
    }
    let top1_regret = truth.best - truth.top1;
    for r in results {
        let (k, rep, curve, secs) = r?;
        let res = &mut by[k];
        res.to_top1[rep as usize] = first_reaching(&curve, top1_regret);
        res.to_best[rep as usize] = first_reaching(&curve, 0.0);
        res.curves[rep as usize] = curve;
        res.seconds[rep as usize] = secs;
    }
    Ok(by)
}
