//! Experiments built on single trainings: the single-equivariance table (13 data sets x
//! 13 networks) and the final evaluation of a search's best states.

use crate::data::BaseData;
use crate::gdata::{self, SplitSizes};
use crate::groups::{Group, GroupSet};
use crate::replicates::{self, Job, JobError, JobEvent, Protocol};
use crate::settings::Settings;
use crate::stats;
use crate::train::{Flow, TrainProgress, TrainResult};
use serde::{Deserialize, Serialize};

/// The final protocol's sizes shrunk to what the data hold (the embedded pool of 10,000,
/// or a small set of the user's own), with a note saying so; None when they fit.
pub fn fit_sizes(base: &BaseData, sizes: SplitSizes) -> (SplitSizes, Option<String>) {
    if let Some(test_file) = &base.test {
        // A small set of the user's own: the final protocol's defaults (10,000 /
        // 1,000 / 1,000) shrink to what its two files hold, validation and test first.
        let (have, tests) = (base.train.len(), test_file.len());
        let test = sizes.test.min(tests);
        let fits = sizes.train + sizes.val <= have;
        if (fits && test == sizes.test) || sizes.val >= have {
            return (sizes, None);
        }
        let train = if fits { sizes.train } else { have - sizes.val };
        let note = format!(
            "{} holds {have} training and {tests} test images: training on {train} and testing on {test} instead of {} and {} (final_eval.train_size, final_eval.test_size)",
            base.kind.title(),
            sizes.train,
            sizes.test
        );
        return (
            SplitSizes {
                train,
                test,
                ..sizes
            },
            Some(note),
        );
    }
    let pool = base.train.len();
    let total = sizes.train + sizes.val + sizes.test;
    if total <= pool || sizes.val + sizes.test >= pool {
        return (sizes, None);
    }
    let train = pool - sizes.val - sizes.test;
    let note = format!(
        "the embedded pool holds {pool} images: training on {train} instead of {} (use --data-dir or `aen data fetch` for the full set)",
        sizes.train
    );
    (SplitSizes { train, ..sizes }, Some(note))
}

/// The 13 group sets of the single-group experiments: plain, then each group alone.
pub fn single_sets() -> Vec<GroupSet> {
    std::iter::once(GroupSet::EMPTY)
        .chain(Group::ALL.iter().map(|&g| GroupSet::single(g)))
        .collect()
}

pub fn set_label(g: GroupSet) -> String {
    if g.is_empty() {
        "plain".into()
    } else {
        g.to_string()
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SingleTable {
    pub data_sets: Vec<GroupSet>,
    pub nets: Vec<GroupSet>,
    /// results[row][col][k]: network `nets[col]` trained on G-data `data_sets[row]`
    /// under replicate seed k.
    pub results: Vec<Vec<Vec<TrainResult>>>,
    pub sizes: SplitSizes,
    pub epochs: usize,
}

/// What an experiment reports while it runs; returning Cancel stops it.
pub enum ExpProgress<'a> {
    Begin {
        label: &'a str,
        index: usize,
        total: usize,
    },
    Batch(TrainProgress),
    Done {
        label: &'a str,
        result: &'a TrainResult,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum ExpError {
    #[error("cancelled")]
    Cancelled,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<JobError> for ExpError {
    fn from(e: JobError) -> ExpError {
        match e {
            JobError::Cancelled => ExpError::Cancelled,
            JobError::Other(e) => ExpError::Other(e),
        }
    }
}

fn protocol(settings: &Settings, epochs: usize) -> Protocol {
    Protocol {
        epochs,
        batch: settings.child.batch,
        lr: settings.child.lr,
        seed: settings.data.seed,
        shift: settings.shift(),
        equivalence: settings.search.equivalence,
    }
}

/// Trains `net` on `gd` under replicate seeds 0..seeds, on every core; replicate 0 is
/// the single run of `aen train`.
pub fn replicates(
    settings: &Settings,
    gd: gdata::GData,
    net: GroupSet,
    seeds: usize,
    progress: &mut dyn FnMut(ExpProgress) -> Flow,
) -> Result<Vec<TrainResult>, ExpError> {
    let jobs: Vec<Job> = (0..seeds)
        .map(|k| Job {
            gd: 0,
            net,
            k,
            label: format!("seed {k}"),
        })
        .collect();
    let p = protocol(settings, settings.child.epochs);
    let threads = settings.trainers().min(jobs.len()).max(1);
    Ok(replicates::run(&[gd], &jobs, p, threads, &mut |e| {
        forward(e, 0, seeds, progress)
    })?)
}

fn forward(
    e: JobEvent,
    offset: usize,
    total: usize,
    progress: &mut dyn FnMut(ExpProgress) -> Flow,
) -> Flow {
    match e {
        JobEvent::Begin(job, i) => progress(ExpProgress::Begin {
            label: &job.label,
            index: offset + i,
            total,
        }),
        JobEvent::Batch(b) => progress(ExpProgress::Batch(b)),
        JobEvent::Done(job, r) => progress(ExpProgress::Done {
            label: &job.label,
            result: r,
        }),
    }
}

/// Trains every single-group network (and the plain one) on every single-group
/// G-dataset (and the plain one), `seeds` replicates each, a row's trainings on every
/// core at once.
pub fn single_test(
    settings: &Settings,
    base: &BaseData,
    sizes: SplitSizes,
    epochs: usize,
    seeds: usize,
    progress: &mut dyn FnMut(ExpProgress) -> Flow,
) -> Result<SingleTable, ExpError> {
    let sets = single_sets();
    let per_row = sets.len() * seeds;
    let total = sets.len() * per_row;
    let p = protocol(settings, epochs);
    let mut results = Vec::new();
    for (r, &data_set) in sets.iter().enumerate() {
        let gd = settings
            .gdata(base, data_set, sizes)
            .map_err(anyhow::Error::from)?;
        let jobs: Vec<Job> = (sets.iter())
            .flat_map(|&net| (0..seeds).map(move |k| (net, k)))
            .map(|(net, k)| Job {
                gd: 0,
                net,
                k,
                label: match seeds {
                    1 => format!("data {} / net {}", set_label(data_set), set_label(net)),
                    _ => format!(
                        "data {} / net {} / seed {k}",
                        set_label(data_set),
                        set_label(net)
                    ),
                },
            })
            .collect();
        let threads = settings.trainers().min(jobs.len()).max(1);
        let flat = replicates::run(&[gd], &jobs, p, threads, &mut |e| {
            forward(e, r * per_row, total, progress)
        })?;
        results.push(flat.chunks(seeds).map(<[TrainResult]>::to_vec).collect());
    }
    Ok(SingleTable {
        data_sets: sets.clone(),
        nets: sets,
        results,
        sizes,
        epochs,
    })
}

/// Test accuracies of a cell's replicates.
fn tests(cell: &[TrainResult]) -> Vec<f64> {
    cell.iter().map(|r| r.test_acc).collect()
}

impl SingleTable {
    pub fn seeds(&self) -> usize {
        self.results
            .first()
            .and_then(|r| r.first())
            .map_or(0, Vec::len)
    }

    /// Which cells of row `r` win it. With one replicate: every cell equal to the best
    /// test accuracy. With several: the cell of the highest mean test accuracy, only if
    /// Welch's t-test puts it above the runner-up at p < 0.05; else none.
    pub fn winners(&self, r: usize) -> Vec<bool> {
        let row = &self.results[r];
        let means: Vec<f64> = row.iter().map(|c| stats::mean(&tests(c))).collect();
        if self.seeds() < 2 {
            let best = means.iter().copied().fold(f64::MIN, f64::max);
            return means.iter().map(|&m| m == best).collect();
        }
        let mut order: Vec<usize> = (0..row.len()).collect();
        order.sort_by(|&a, &b| means[b].total_cmp(&means[a]));
        let (first, second) = (order[0], order[1]);
        let beats = stats::welch_p(&tests(&row[first]), &tests(&row[second]))
            .is_some_and(|p| p < 0.05 && means[first] > means[second]);
        (0..row.len()).map(|c| beats && c == first).collect()
    }

    /// The table as CSV. One replicate: validation and test accuracy and parameters per
    /// network. Several: per network the mean and standard deviation of validation and
    /// test accuracy, the parameters and every replicate's accuracies, then the row's
    /// winner (empty unless it beats the runner-up beyond noise).
    pub fn to_csv(&self) -> String {
        let n = self.seeds();
        let mut s = String::from("data_set");
        for net in &self.nets {
            let l = set_label(*net);
            if n < 2 {
                s.push_str(&format!(",{l}_val,{l}_test,{l}_params"));
                continue;
            }
            s.push_str(&format!(
                ",{l}_val_mean,{l}_val_sd,{l}_test_mean,{l}_test_sd,{l}_params"
            ));
            (0..n).for_each(|k| s.push_str(&format!(",{l}_val_s{k}")));
            (0..n).for_each(|k| s.push_str(&format!(",{l}_test_s{k}")));
        }
        s.push_str(if n < 2 { "\n" } else { ",winner\n" });
        for (r, d) in self.data_sets.iter().enumerate() {
            s.push_str(&set_label(*d));
            for cell in &self.results[r] {
                s.push_str(&csv_cell(cell));
            }
            if n >= 2 {
                let w = self.winners(r).iter().position(|&w| w);
                s.push_str(&format!(
                    ",{}",
                    w.map_or(String::new(), |c| set_label(self.nets[c]))
                ));
            }
            s.push('\n');
        }
        s
    }

    /// A text table of test accuracies (mean ± standard deviation with several
    /// replicates), winners marked with `*` (see [`SingleTable::winners`]).
    pub fn to_text(&self) -> String {
        let w = if self.seeds() < 2 { 8 } else { 12 };
        let mut s = format!("{:<8}", "data\\net");
        for n in &self.nets {
            s.push_str(&format!("{:>w$}", set_label(*n)));
        }
        s.push('\n');
        for (r, d) in self.data_sets.iter().enumerate() {
            s.push_str(&format!("{:<8}", set_label(*d)));
            for (cell, win) in self.results[r].iter().zip(self.winners(r)) {
                let mark = if win { "*" } else { " " };
                let t = tests(cell);
                let v = if self.seeds() < 2 {
                    format!("{:.1}", stats::mean(&t))
                } else {
                    format!("{:.1}±{:.1}", stats::mean(&t), stats::std_dev(&t))
                };
                s.push_str(&format!("{v:>width$}{mark}", width = w - 1));
            }
            s.push('\n');
        }
        s.push_str(&format!("{:<8}", "params"));
        for cell in &self.results[0] {
            s.push_str(&format!("{:>w$}", cell[0].params));
        }
        s.push('\n');
        s
    }
}

fn csv_cell(cell: &[TrainResult]) -> String {
    let (v, t): (Vec<f64>, Vec<f64>) = cell.iter().map(|r| (r.val_acc, r.test_acc)).unzip();
    if cell.len() < 2 {
        return format!(",{:.2},{:.2},{}", v[0], t[0], cell[0].params);
    }
    let mut s = format!(
        ",{:.2},{:.2},{:.2},{:.2},{}",
        stats::mean(&v),
        stats::std_dev(&v),
        stats::mean(&t),
        stats::std_dev(&t),
        cell[0].params
    );
    v.iter()
        .chain(&t)
        .for_each(|x| s.push_str(&format!(",{x:.2}")));
    s
}

pub use crate::evaluation::EvalRow;

/// Retrains `top` (the best searched states) and the plain and single-group networks
/// under the single-equivariance protocol on the search's G-data, `final_eval.seeds`
/// seeds each, on `child.jobs` cores.
pub fn final_eval(
    settings: &Settings,
    base: &BaseData,
    top: &[(GroupSet, f64)],
    progress: &mut dyn FnMut(ExpProgress) -> Flow,
) -> Result<(Vec<EvalRow>, Option<String>, SplitSizes), ExpError> {
    let (sizes, note) = fit_sizes(base, settings.final_sizes());
    let gd = settings
        .gdata(base, settings.data.groups, sizes)
        .map_err(anyhow::Error::from)?;
    let mut nets: Vec<(String, GroupSet, Option<f64>)> = top
        .iter()
        .enumerate()
        .map(|(k, (g, acc))| (format!("searched #{}", k + 1), *g, Some(*acc)))
        .collect();
    for g in single_sets() {
        let kind = if g.is_empty() { "plain" } else { "single" };
        nets.push((kind.into(), g, None));
    }
    let seeds = settings.final_eval.seeds.max(1);
    let jobs: Vec<Job> = (nets.iter())
        .flat_map(|(kind, g, _)| {
            (0..seeds).map(move |k| Job {
                gd: 0,
                net: *g,
                k,
                label: match seeds {
                    1 => format!("{kind} {}", set_label(*g)),
                    _ => format!("{kind} {} seed {k}", set_label(*g)),
                },
            })
        })
        .collect();
    let p = protocol(settings, settings.final_eval.epochs);
    let threads = settings.trainers().min(jobs.len()).max(1);
    let total = jobs.len();
    let flat = replicates::run(&[gd], &jobs, p, threads, &mut |e| {
        forward(e, 0, total, progress)
    })?;
    let rows = (nets.into_iter().zip(flat.chunks(seeds)))
        .map(|((kind, groups, search_val_acc), rs)| {
            let val_seeds: Vec<f64> = rs.iter().map(|r| r.val_acc).collect();
            let test_seeds: Vec<f64> = rs.iter().map(|r| r.test_acc).collect();
            EvalRow {
                kind,
                groups,
                search_val_acc,
                val_acc: stats::mean(&val_seeds),
                test_acc: stats::mean(&test_seeds),
                params: rs[0].params,
                seconds: rs.iter().map(|r| r.seconds).sum(),
                val_seeds,
                test_seeds,
            }
        })
        .collect();
    Ok((rows, note, sizes))
}

/// The paper's question for one search: does the best searched network beat the best
/// single-group network?
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Verdict {
    pub searched: GroupSet,
    pub searched_params: usize,
    pub single: GroupSet,
    pub single_params: usize,
    /// Test accuracy of the searched network minus the single one's, in points (means
    /// over the seeds).
    pub gain: f64,
    /// Half-width of the gain's 95% interval (Welch), with two seeds or more.
    pub interval: Option<f64>,
    /// Welch's two-sided p-value, with two seeds or more.
    pub p: Option<f64>,
}

impl Verdict {
    /// The answer in words, at the 5% level of Welch's test.
    pub fn answer(&self) -> &'static str {
        match self.p {
            Some(p) if p < 0.05 && self.gain > 0.0 => "yes, beyond noise",
            Some(p) if p < 0.05 => "no: the single network is better beyond noise",
            Some(_) => "no difference beyond noise",
            None => "one seed: undecided",
        }
    }

    /// "+1.60 points (95% CI ±0.90, p = 0.004)" or "+1.60 points (one seed: no interval)".
    /// Whether `row` is one of the two rows the verdict compares (chosen by
    /// validation): every front end marks these, and never picks by test accuracy.
    pub fn picks(&self, row: &EvalRow) -> bool {
        (row.kind.starts_with("searched") && row.groups == self.searched)
            || (row.kind == "single" && row.groups == self.single)
    }

    /// One line: the two networks compared and the answer.
    pub fn summary(&self) -> String {
        format!(
            "best searched {} vs best single {} (chosen by validation): {}: {}",
            set_label(self.searched),
            set_label(self.single),
            self.gain_text(),
            self.answer()
        )
    }

    pub fn gain_text(&self) -> String {
        match (self.interval, self.p) {
            // Three decimals would print a tiny p as 0.000, which reads as impossible.
            (Some(h), Some(p)) if p < 0.001 => {
                format!("{:+.2} points (95% CI ±{h:.2}, p < 0.001)", self.gain)
            }
            (Some(h), Some(p)) => format!("{:+.2} points (95% CI ±{h:.2}, p = {p:.3})", self.gain),
            _ => format!("{:+.2} points (one seed: no interval)", self.gain),
        }
    }
}

/// Picks the best searched and the best single-group row by validation accuracy (never
/// by test accuracy, which would favour whichever is luckier on the test split) and
/// compares their test accuracies. None without a searched or a single row.
pub fn verdict(rows: &[EvalRow]) -> Option<Verdict> {
    let best = |pick: &dyn Fn(&EvalRow) -> bool| {
        (rows.iter().filter(|r| pick(r))).max_by(|a, b| a.val_acc.total_cmp(&b.val_acc))
    };
    let searched = best(&|r| r.kind.starts_with("searched"))?;
    let single = best(&|r| r.kind == "single")?;
    let (a, b) = (searched.tests(), single.tests());
    Some(Verdict {
        searched: searched.groups,
        searched_params: searched.params,
        single: single.groups,
        single_params: single.params,
        gain: stats::mean(&a) - stats::mean(&b),
        interval: stats::welch_ci(&a, &b).map(|(_, h)| h),
        p: stats::welch_p(&a, &b),
    })
}

pub fn eval_table_text(rows: &[EvalRow]) -> String {
    let seeds = rows.first().map_or(1, |r| r.test_seeds.len().max(1));
    let head = if seeds > 1 { "test % (sd)" } else { "test %" };
    let mut s = format!(
        "{:<12} {:<40} {:>9} {:>14} {:>9}\n",
        "network", "groups", "val %", head, "params"
    );
    let v = verdict(rows);
    for r in rows {
        let mark = if v.as_ref().is_some_and(|v| v.picks(r)) {
            " *"
        } else {
            ""
        };
        let test = if seeds > 1 {
            format!("{:.2} ({:.2})", r.test_acc, stats::std_dev(&r.test_seeds))
        } else {
            format!("{:.2}", r.test_acc)
        };
        s.push_str(&format!(
            "{:<12} {:<40} {:>9.2} {:>14} {:>9}{mark}\n",
            r.kind,
            set_label(r.groups),
            r.val_acc,
            test,
            r.params
        ));
    }
    if seeds > 1 {
        s.push_str(&format!("means over {seeds} seeds\n"));
    }
    if v.is_some() {
        s.push_str("* = the two networks compared, each the best of its kind by validation\n");
    }
    if let Some(v) = verdict(rows) {
        s.push_str(&format!(
            "best searched ({}, {} parameters) vs best single ({}, {} parameters), chosen by validation: {}: {}\n",
            set_label(v.searched),
            v.searched_params,
            set_label(v.single),
            v.single_params,
            v.gain_text(),
            v.answer()
        ));
    }
    s
}
