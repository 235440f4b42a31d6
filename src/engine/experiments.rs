//! Experiments built on single trainings: the single-equivariance table (13 data sets x
//! 13 networks) and the final evaluation of a search's best states.

use crate::engine::data::BaseData;
use crate::engine::gdata::{self, SplitSizes};
use crate::engine::groups::{Group, GroupSet};
use crate::engine::nn::Dev;
use crate::engine::orbits::ChildOrbits;
use crate::engine::search::children::child_seed;
use crate::engine::settings::Settings;
use crate::engine::train::{self, Flow, TrainConfig, TrainProgress, TrainResult};
use serde::{Deserialize, Serialize};

/// The embedded pool has 10,000 images: shrink the training split to fit, and say so.
pub fn fit_sizes(base: &BaseData, sizes: SplitSizes) -> (SplitSizes, Option<String>) {
    if base.test.is_some() {
        return (sizes, None);
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
    /// results[row][col]: network `nets[col]` trained on G-data `data_sets[row]`.
    pub results: Vec<Vec<TrainResult>>,
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

fn train_one(
    dev: &Dev,
    gd: &gdata::GData,
    net: GroupSet,
    settings: &Settings,
    epochs: usize,
    progress: &mut dyn FnMut(ExpProgress) -> Flow,
) -> Result<TrainResult, ExpError> {
    let orbits = ChildOrbits::new(net, settings.shift()).map_err(anyhow::Error::from)?;
    let cfg = TrainConfig {
        epochs,
        batch: settings.child.batch,
        lr: settings.child.lr,
        seed: child_seed(settings.data.seed, net),
    };
    train::train_child(dev, &orbits, gd, cfg, &mut |p| {
        progress(ExpProgress::Batch(p))
    })
    .map_err(|_| ExpError::Cancelled)
}

/// Trains every single-group network (and the plain one) on every single-group
/// G-dataset (and the plain one).
pub fn single_test(
    settings: &Settings,
    base: &BaseData,
    sizes: SplitSizes,
    epochs: usize,
    progress: &mut dyn FnMut(ExpProgress) -> Flow,
) -> Result<SingleTable, ExpError> {
    let dev = Dev::default();
    let sets = single_sets();
    let total = sets.len() * sets.len();
    let mut results = Vec::new();
    for (r, &data_set) in sets.iter().enumerate() {
        let gd = settings
            .gdata(base, data_set, sizes)
            .map_err(anyhow::Error::from)?;
        let mut row = Vec::new();
        for (c, &net) in sets.iter().enumerate() {
            let label = format!("data {} / net {}", set_label(data_set), set_label(net));
            if progress(ExpProgress::Begin {
                label: &label,
                index: r * sets.len() + c,
                total,
            }) == Flow::Cancel
            {
                return Err(ExpError::Cancelled);
            }
            let res = train_one(&dev, &gd, net, settings, epochs, progress)?;
            progress(ExpProgress::Done {
                label: &label,
                result: &res,
            });
            row.push(res);
        }
        results.push(row);
    }
    Ok(SingleTable {
        data_sets: sets.clone(),
        nets: sets,
        results,
        sizes,
        epochs,
    })
}

impl SingleTable {
    /// The table as CSV: one row per data set, validation and test accuracy and
    /// parameters per network.
    pub fn to_csv(&self) -> String {
        let mut s = String::from("data_set");
        for n in &self.nets {
            let l = set_label(*n);
            s.push_str(&format!(",{l}_val,{l}_test,{l}_params"));
        }
        s.push('\n');
        for (r, d) in self.data_sets.iter().enumerate() {
            s.push_str(&set_label(*d));
            for res in &self.results[r] {
                s.push_str(&format!(
                    ",{:.2},{:.2},{}",
                    res.val_acc, res.test_acc, res.params
                ));
            }
            s.push('\n');
        }
        s
    }

    /// A text table of test accuracies, the best of each row marked with `*`.
    pub fn to_text(&self) -> String {
        let mut s = format!("{:<8}", "data\\net");
        for n in &self.nets {
            s.push_str(&format!("{:>8}", set_label(*n)));
        }
        s.push('\n');
        for (r, d) in self.data_sets.iter().enumerate() {
            s.push_str(&format!("{:<8}", set_label(*d)));
            let best = self.results[r]
                .iter()
                .map(|x| x.test_acc)
                .fold(f64::MIN, f64::max);
            for res in &self.results[r] {
                let mark = if res.test_acc == best { "*" } else { " " };
                s.push_str(&format!("{:>7.1}{mark}", res.test_acc));
            }
            s.push('\n');
        }
        s.push_str(&format!("{:<8}", "params"));
        for res in &self.results[0] {
            s.push_str(&format!("{:>8}", res.params));
        }
        s.push('\n');
        s
    }
}

/// One row of the final comparison.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EvalRow {
    /// "searched #k", "plain" or "single".
    pub kind: String,
    pub groups: GroupSet,
    pub search_val_acc: Option<f64>,
    pub val_acc: f64,
    pub test_acc: f64,
    pub params: usize,
    pub seconds: f64,
}

/// Retrains `top` (the best searched states) and the plain and single-group networks
/// under the single-equivariance protocol on the search's G-data.
pub fn final_eval(
    settings: &Settings,
    base: &BaseData,
    top: &[(GroupSet, f64)],
    progress: &mut dyn FnMut(ExpProgress) -> Flow,
) -> Result<(Vec<EvalRow>, Option<String>), ExpError> {
    let (sizes, note) = fit_sizes(base, settings.final_sizes());
    let gd = settings
        .gdata(base, settings.data.groups, sizes)
        .map_err(anyhow::Error::from)?;
    let dev = Dev::default();
    let mut jobs: Vec<(String, GroupSet, Option<f64>)> = top
        .iter()
        .enumerate()
        .map(|(k, (g, acc))| (format!("searched #{}", k + 1), *g, Some(*acc)))
        .collect();
    for g in single_sets() {
        let kind = if g.is_empty() { "plain" } else { "single" };
        jobs.push((kind.into(), g, None));
    }
    let total = jobs.len();
    let mut rows = Vec::new();
    for (i, (kind, g, sv)) in jobs.into_iter().enumerate() {
        let label = format!("{kind} {}", set_label(g));
        if progress(ExpProgress::Begin {
            label: &label,
            index: i,
            total,
        }) == Flow::Cancel
        {
            return Err(ExpError::Cancelled);
        }
        let r = train_one(&dev, &gd, g, settings, settings.final_eval.epochs, progress)?;
        progress(ExpProgress::Done {
            label: &label,
            result: &r,
        });
        rows.push(EvalRow {
            kind,
            groups: g,
            search_val_acc: sv,
            val_acc: r.val_acc,
            test_acc: r.test_acc,
            params: r.params,
            seconds: r.seconds,
        });
    }
    Ok((rows, note))
}

pub fn eval_table_text(rows: &[EvalRow]) -> String {
    let mut s = format!(
        "{:<12} {:<40} {:>9} {:>9} {:>9}\n",
        "network", "groups", "val %", "test %", "params"
    );
    let best = rows.iter().map(|r| r.test_acc).fold(f64::MIN, f64::max);
    for r in rows {
        let mark = if r.test_acc == best { " *" } else { "" };
        s.push_str(&format!(
            "{:<12} {:<40} {:>9.2} {:>9.2} {:>9}{mark}\n",
            r.kind,
            set_label(r.groups),
            r.val_acc,
            r.test_acc,
            r.params
        ));
    }
    s
}
