//! Search strategies compared against a ground-truth table (docs/method.md §10): each
//! strategy runs many times, each run with its own seed, looking accuracies up in the
//! table (one seed of it per run, as a noisy evaluation) instead of training.
//!
//! Regret after n models: the table's best mean test accuracy minus the mean test
//! accuracy of the state the run holds best so far by its own (noisy) validation.

use crate::groups::GroupSet;
use crate::search::children::{Evaluator, Lookup};
use crate::search::records::ModelRecord;
use crate::search::{self, Event, RunInfo};
use crate::settings::{Equivalence, SettingValue, Settings, StrategyKind};
use crate::stats::{mean, std_dev, t975};
use crate::sweep::table::{Identity, Table};
use anyhow::{Result, bail};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

/// A table, by state: per seed (validation %, test %) and the parameters.
pub struct GroundTruth {
    rows: HashMap<GroupSet, (Vec<(f64, f64)>, usize)>,
    seeds: usize,
    /// Mean test accuracy over seeds, by state.
    truth: HashMap<GroupSet, f64>,
    best: f64,
    /// The mean test accuracy a state needs to be in the true top 1 %.
    top1: f64,
    /// The settings the table was made under.
    identity: Identity,
}

impl GroundTruth {
    /// Needs every state of the space, each with every seed.
    pub fn new(table: &Table) -> Result<GroundTruth> {
        let t = GroundTruth::partial(table);
        let space = 1usize << crate::groups::NUM_GROUPS;
        let whole = t.truth.len();
        if whole < space {
            bail!(
                "the table holds {whole} of the {space} states with all {} seeds: a comparison needs the whole space (finish it with `aen sweep` on the same --out)",
                t.seeds
            );
        }
        Ok(t)
    }

    /// The states the table holds with every seed (a search that reaches another
    /// state fails, naming it).
    pub fn partial(table: &Table) -> GroundTruth {
        let seeds = table.header.seeds as usize;
        let mut rows: HashMap<GroupSet, (Vec<(f64, f64)>, usize)> = HashMap::new();
        for r in &table.rows {
            let e = rows
                .entry(r.state)
                .or_insert_with(|| (vec![(f64::NAN, f64::NAN); seeds], r.params));
            e.0[r.seed as usize] = (r.val_acc, r.test_acc);
        }
        rows.retain(|_, (v, _)| v.iter().all(|x| x.0.is_finite()));
        let truth: HashMap<GroupSet, f64> = rows
            .iter()
            .map(|(s, (v, _))| (*s, mean(&v.iter().map(|x| x.1).collect::<Vec<_>>())))
            .collect();
        let mut sorted: Vec<f64> = truth.values().copied().collect();
        sorted.sort_by(|a, b| b.total_cmp(a));
        let top1 = sorted
            .get((sorted.len() / 100).max(1) - 1)
            .copied()
            .unwrap_or(f64::NAN);
        GroundTruth {
            identity: table.header.settings.clone(),
            best: sorted.first().copied().unwrap_or(f64::NAN),
            top1,
            rows,
            seeds,
            truth,
        }
    }

    pub fn best(&self) -> f64 {
        self.best
    }

    /// The settings the table was made under.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// `settings` with the table's data settings (groups, translation, step: what
    /// the states and their classes mean), refusing a search that counts networks by
    /// class on a table whose equivalent states were trained apart (their rows differ,
    /// so a class would take whichever member the search reached first).
    pub fn search_settings(&self, settings: &Settings) -> Result<Settings> {
        let id = &self.identity;
        let mut s = settings.clone();
        s.data.groups = id.data_groups;
        s.data.step = id.step;
        s.data.translation = SettingValue::parse(&id.translation).map_err(anyhow::Error::msg)?;
        if s.search.equivalence != Equivalence::None && id.equivalence == "none" {
            bail!(
                "the table trained every group set as its own network (equivalence none): \
                 search it with --equivalence none, or sweep a table under closure"
            );
        }
        Ok(s)
    }

    pub fn true_test(&self, s: GroupSet) -> f64 {
        self.truth.get(&s).copied().unwrap_or(f64::NAN)
    }

    /// How many states the table holds with every seed.
    pub fn len(&self) -> usize {
        self.truth.len()
    }

    pub fn is_empty(&self) -> bool {
        self.truth.is_empty()
    }

    /// The states by true (mean test) accuracy, best first; ties by bits, so the
    /// order never depends on the table's row order.
    pub fn ranked(&self) -> Vec<(GroupSet, f64, usize)> {
        let mut v: Vec<(GroupSet, f64, usize)> = self
            .truth
            .iter()
            .map(|(s, acc)| (*s, *acc, self.rows[s].1))
            .collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.bits().cmp(&b.0.bits())));
        v
    }

    /// 1 for the true best: one more than the number of states truly better than `s`.
    pub fn rank(&self, s: GroupSet) -> Option<usize> {
        let acc = *self.truth.get(&s)?;
        Some(1 + self.truth.values().filter(|&&a| a > acc).count())
    }

    /// A lookup that answers with seed `seed` of the table.
    pub fn lookup(self: &Arc<Self>, seed: usize) -> Box<dyn Lookup> {
        Box::new(SeedLookup {
            truth: self.clone(),
            seed: seed % self.seeds.max(1),
        })
    }
}

struct SeedLookup {
    truth: Arc<GroundTruth>,
    seed: usize,
}

impl Lookup for SeedLookup {
    fn get(&self, state: GroupSet) -> Option<(f64, f64, usize)> {
        let (v, params) = self.truth.rows.get(&state)?;
        let (val, test) = v[self.seed];
        Some((val, test, *params))
    }
    fn name(&self) -> String {
        format!("the table (seed {})", self.seed)
    }
}

/// One search run against the table: the models in the order it trained them.
pub fn run_once(
    settings: &Settings,
    truth: &Arc<GroundTruth>,
    seed: u64,
) -> Result<Vec<ModelRecord>> {
    run_until(settings, truth, seed, &AtomicBool::new(false))
}

/// [`run_once`], stopped early when `stop` is set (the result is then an error).
fn run_until(
    settings: &Settings,
    truth: &Arc<GroundTruth>,
    seed: u64,
    stop: &AtomicBool,
) -> Result<Vec<ModelRecord>> {
    let mut s = settings.clone();
    s.data.seed = seed;
    // A run stops at the budget or at the settings' episodes (the paper's 60, or
    // --max-episodes), whichever comes first, and keeps its last regret: a DQN can walk
    // among evaluated states for ever, and 100,000 episodes of one step are hours.
    let info = RunInfo {
        dataset: "table".into(),
        source: "table".into(),
        data_groups: s.data.groups,
        device: "table".into(),
        settings: s.clone(),
        snapshot_path: Default::default(),
        prior_seconds: 0.0,
    };
    let eval = Evaluator::Table(truth.lookup(seed as usize));
    let h = search::spawn(s, info, eval, None, Vec::new(), None);
    let mut error = None;
    loop {
        let ev = match h.events.recv_timeout(std::time::Duration::from_millis(200)) {
            Ok(ev) => ev,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                if stop.load(Ordering::SeqCst) {
                    h.stop();
                }
                continue;
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
        };
        if stop.load(Ordering::SeqCst) {
            h.stop();
        }
        match ev {
            Event::Error(e) => error = Some(e),
            Event::Finished { snapshot, .. } => {
                if let Some(e) = error {
                    bail!(e);
                }
                if stop.load(Ordering::SeqCst) {
                    bail!("stopped");
                }
                return Ok(snapshot.history.models);
            }
            _ => {}
        }
    }
    bail!(error.unwrap_or_else(|| "the search ended without finishing".into()))
}

/// Regret after each model of a run (index n-1: after n models).
pub fn regret_curve(models: &[ModelRecord], truth: &GroundTruth, budget: usize) -> Vec<f64> {
    let mut best: Option<&ModelRecord> = None;
    let mut out = Vec::with_capacity(budget);
    for m in models.iter().take(budget) {
        let better = best.is_none_or(|b| {
            m.val_acc > b.val_acc || (m.val_acc == b.val_acc && m.params < b.params)
        });
        if better {
            best = Some(m);
        }
        out.push(truth.best - truth.true_test(best.map_or(GroupSet::EMPTY, |b| b.state)));
    }
    // A run that could not reach the budget keeps its last regret.
    let last = out.last().copied().unwrap_or(f64::NAN);
    out.resize(budget, last);
    out
}

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
pub fn compare_until(
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

/// Models counts at which the comparison is summarised.
pub fn checkpoints(budget: usize) -> Vec<usize> {
    let mut v: Vec<usize> = [10, 30, 100, 300, 1000, 3000]
        .into_iter()
        .filter(|&n| n < budget)
        .collect();
    v.push(budget);
    v
}

fn fmt_models(v: &[Option<usize>]) -> String {
    let hit: Vec<f64> = v.iter().flatten().map(|&n| n as f64).collect();
    if hit.is_empty() {
        return format!("never (0/{})", v.len());
    }
    let mut s = hit.clone();
    s.sort_by(f64::total_cmp);
    format!(
        "median {:.0} ({}/{} runs)",
        s[s.len() / 2],
        hit.len(),
        v.len()
    )
}

/// The summary as text: regret (mean and 95 % interval) at the checkpoints, the
/// models needed to reach the true top 1 % and the true best, seconds per run.
pub fn summary_text(results: &[StrategyResult], truth: &GroundTruth, budget: usize) -> String {
    let mut s = format!(
        "true best mean test accuracy {:.2}%; the top 1 % starts at {:.2}%\nregret (points of true test accuracy below the best), mean [95% interval]\n",
        truth.best, truth.top1
    );
    s.push_str(&format!("{:<10}", "strategy"));
    for n in checkpoints(budget) {
        s.push_str(&format!("{:>22}", format!("{n} models")));
    }
    s.push('\n');
    for r in results {
        s.push_str(&format!("{:<10}", r.strategy.name()));
        for n in checkpoints(budget) {
            let (m, lo, hi) = r.regret_at(n);
            s.push_str(&format!("{:>22}", format!("{m:.2} [{lo:.2}, {hi:.2}]")));
        }
        s.push('\n');
    }
    s.push_str("\nmodels to reach the true top 1 % / the true best; seconds per run\n");
    for r in results {
        s.push_str(&format!(
            "{:<10} {:<28} {:<28} {:.3} s\n",
            r.strategy.name(),
            fmt_models(&r.to_top1),
            fmt_models(&r.to_best),
            mean(&r.seconds)
        ));
    }
    s
}

/// The files [`write_outputs`] writes.
pub const OUTPUTS: [&str; 4] = ["regret.csv", "runs.csv", "regret.png", "summary.txt"];

/// Writes [`OUTPUTS`] into `dir` as one set (a failure leaves the previous set whole):
/// regret.csv (strategy, models, mean regret and its 95 % interval), runs.csv (per
/// run), regret.png and `summary`.
pub fn write_outputs(
    results: &[StrategyResult],
    summary: &str,
    dir: &std::path::Path,
) -> Result<()> {
    let mut set = crate::fsio::Staged::new();
    let budget = results
        .first()
        .map_or(0, |r| r.curves.first().map_or(0, Vec::len));
    let mut s = String::from("strategy,models,mean_regret,ci_low,ci_high\n");
    for r in results {
        for n in 1..=budget {
            let (m, lo, hi) = r.regret_at(n);
            s.push_str(&format!(
                "{},{n},{m:.4},{lo:.4},{hi:.4}\n",
                r.strategy.name()
            ));
        }
    }
    set.bytes(&dir.join("regret.csv"), s.as_bytes())?;
    let mut s = String::from("strategy,run,models_to_top1,models_to_best,final_regret,seconds\n");
    for r in results {
        for (i, c) in r.curves.iter().enumerate() {
            let f = |v: Option<usize>| v.map_or(String::new(), |n| n.to_string());
            s.push_str(&format!(
                "{},{i},{},{},{:.4},{:.4}\n",
                r.strategy.name(),
                f(r.to_top1[i]),
                f(r.to_best[i]),
                c.last().copied().unwrap_or(f64::NAN),
                r.seconds[i]
            ));
        }
    }
    set.bytes(&dir.join("runs.csv"), s.as_bytes())?;
    set.file(&dir.join("regret.png"), |p| {
        plot(results, p).map_err(|e| format!("drawing the plot: {e:#}"))
    })?;
    set.bytes(&dir.join("summary.txt"), summary.as_bytes())?;
    set.commit()?;
    Ok(())
}

/// regret.png: mean regret curves with their 95 % bands, log-scaled models axis.
fn plot(results: &[StrategyResult], path: &std::path::Path) -> Result<()> {
    use plotters::prelude::*;
    crate::report::register_font();
    let budget = results
        .first()
        .map_or(1, |r| r.curves.first().map_or(1, Vec::len));
    let top = results
        .iter()
        .flat_map(|r| (1..=budget).map(move |n| r.regret_at(n).2))
        .filter(|v| v.is_finite())
        .fold(0.1f64, f64::max);
    let root = BitMapBackend::new(path, (960, 600)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Regret against models evaluated (mean, 95% band)",
            ("sans-serif", 22),
        )
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d((1usize..budget).log_scale(), 0.0..top * 1.05)?;
    chart
        .configure_mesh()
        .x_desc("models evaluated")
        .y_desc("regret (points of test accuracy)")
        .draw()?;
    for (i, r) in results.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        let band: Vec<(usize, f64)> = (1..=budget)
            .map(|n| (n, r.regret_at(n).1))
            .chain((1..=budget).rev().map(|n| (n, r.regret_at(n).2)))
            .filter(|p| p.1.is_finite())
            .collect();
        chart.draw_series(std::iter::once(Polygon::new(band, color.mix(0.15))))?;
        chart
            .draw_series(LineSeries::new(
                (1..=budget).map(|n| (n, r.regret_at(n).0)),
                color.stroke_width(2),
            ))?
            .label(r.strategy.name())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}
