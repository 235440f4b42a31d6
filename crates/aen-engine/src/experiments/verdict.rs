//! The verdict of a final evaluation: does the best searched network beat the best
//! single-group one, and the evaluation as a text table.

use super::sets::set_label;
use crate::evaluation::EvalRow;
use crate::groups::GroupSet;
use crate::stats;
use serde::{Deserialize, Serialize};

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
