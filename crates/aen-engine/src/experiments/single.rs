//! The single-equivariance table: every single-group network trained on every
//! single-group G-dataset, its winners, and the table as CSV and text.

use super::run::{ExpError, ExpProgress, child_spec, forward};
use super::sets::{set_label, single_sets};
use crate::data::BaseData;
use crate::gdata::SplitSizes;
use crate::groups::GroupSet;
use crate::runner::{self, Job};
use crate::settings::Settings;
use crate::stats;
use crate::train::{Flow, TrainResult};
use serde::{Deserialize, Serialize};

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
    let spec = child_spec(settings, epochs);
    let mut results = Vec::new();
    for (r, &data_set) in sets.iter().enumerate() {
        let gd = settings
            .gdata(base, data_set, sizes)
            .map_err(crate::error::Error::from)?;
        let jobs: Vec<Job> = (sets.iter())
            .flat_map(|&net| (0..seeds as u32).map(move |k| (net, k)))
            .map(|(net, k)| Job {
                state: net,
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
        let flat = runner::train_all(gd.into(), spec, &jobs, threads, &mut |e| {
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
