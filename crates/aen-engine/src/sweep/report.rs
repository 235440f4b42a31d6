//! What a sweep table says: the true best states, accuracy against the number of
//! groups and against parameters, the marginal effect of each group, and whether the
//! groups that generated the data are the ones that pay. Text, CSV and PNG.
//!
//! Accuracy here is validation accuracy (what the search's reward sees), averaged over
//! the seeds of a state; test accuracy is shown beside it where a state is named.
//!
//! A table made under classes (docs/method.md §11) is reported per network: each class
//! once, under its closure, with the number of its sets in the table, so a network
//! shared by a thousand sets counts once in the ranking and the buckets. The marginal
//! effect of a group still pairs every set with and without it.

pub use super::aggregate::{Bucket, Marginal, StateStat};

use super::aggregate::{by_groups, by_params, marginal, per_network};
use super::table::{Identity, Table};
use crate::error::{Result, ResultExt};
use crate::experiments::set_label;
use crate::stats::{mean, std_dev};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

#[derive(Clone, Debug)]
pub struct Report {
    pub settings: Identity,
    pub seeds: u32,
    pub rows: usize,
    /// By bits: one per network (per class under classes, named by the closure).
    pub states: Vec<StateStat>,
    /// Sets in the table (more than `states` under classes).
    pub sets: usize,
    pub by_groups: Vec<Bucket>,
    pub by_params: Vec<Bucket>,
    pub marginal: Vec<Marginal>,
}

impl Report {
    pub fn new(table: &Table) -> Report {
        let mut per: BTreeMap<u16, Vec<&super::table::Row>> = BTreeMap::new();
        for r in &table.rows {
            per.entry(r.state.bits()).or_default().push(r);
        }
        let states: Vec<StateStat> = per
            .values()
            .map(|rs| {
                let val: Vec<f64> = rs.iter().map(|r| r.val_acc).collect();
                let test: Vec<f64> = rs.iter().map(|r| r.test_acc).collect();
                StateStat {
                    state: rs[0].state,
                    seeds: rs.len(),
                    val_mean: mean(&val),
                    val_sd: std_dev(&val),
                    val_min: val.iter().copied().fold(f64::INFINITY, f64::min),
                    val_max: val.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                    test_mean: mean(&test),
                    params: rs[0].params,
                    members: 1,
                }
            })
            .collect();
        let data = table.header.settings.data_groups;
        let networks = per_network(&states, table);
        Report {
            settings: table.header.settings.clone(),
            seeds: table.header.seeds,
            rows: table.rows.len(),
            sets: states.len(),
            by_groups: by_groups(&networks),
            by_params: by_params(&networks),
            marginal: marginal(&states, data),
            states: networks,
        }
    }

    /// States by mean validation accuracy, best first (ties: fewer parameters).
    pub fn ranked(&self) -> Vec<&StateStat> {
        let mut v: Vec<&StateStat> = self.states.iter().collect();
        v.sort_by(|a, b| {
            b.val_mean
                .total_cmp(&a.val_mean)
                .then(a.params.cmp(&b.params))
                .then(a.state.cmp(&b.state))
        });
        v
    }

    /// Writes [`OUTPUTS`] as one set: a failure leaves the previous set whole.
    pub fn write(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let mut set = crate::fsio::Staged::new();
        let mut w = |name: &str, text: String| set.bytes(&dir.join(name), text.as_bytes());
        let mut s = String::from(
            "state_bits,groups,n_groups,seeds,val_mean,val_sd,val_min,val_max,test_mean,params,sets\n",
        );
        for st in self.ranked() {
            let _ = writeln!(
                s,
                "{},\"{}\",{},{},{:.4},{:.4},{},{},{:.4},{},{}",
                st.state.bit_string(),
                set_label(st.state),
                st.state.len(),
                st.seeds,
                st.val_mean,
                st.val_sd,
                st.val_min,
                st.val_max,
                st.test_mean,
                st.params,
                st.members
            );
        }
        w("states.csv", s)?;
        for (name, buckets) in [
            ("by_groups.csv", &self.by_groups),
            ("by_params.csv", &self.by_params),
        ] {
            let mut s = String::from("lo,hi,states,val_mean,best_val,best_bits,best_groups\n");
            for b in buckets {
                let _ = writeln!(
                    s,
                    "{},{},{},{:.4},{},{},\"{}\"",
                    b.lo,
                    b.hi,
                    b.states,
                    b.val_mean,
                    b.best_val,
                    b.best.bit_string(),
                    set_label(b.best)
                );
            }
            w(name, s)?;
        }
        let mut s = String::from("group,in_data,pairs,effect,lo95,hi95\n");
        for m in &self.marginal {
            let _ = writeln!(
                s,
                "{},{},{},{:.4},{:.4},{:.4}",
                m.group.name(),
                m.in_data,
                m.pairs,
                m.effect,
                m.lo,
                m.hi
            );
        }
        w("marginal.csv", s)?;
        let draw = |r: Result<()>| r.map_err(|e| format!("drawing the plot: {e:#}"));
        set.file(&dir.join("by_groups.png"), |p| draw(self.plot_groups(p)))?;
        set.file(&dir.join("by_params.png"), |p| draw(self.plot_params(p)))?;
        set.file(&dir.join("marginal.png"), |p| draw(self.plot_marginal(p)))?;
        set.commit()?;
        Ok(())
    }

    pub(super) fn acc_range(&self) -> (f64, f64) {
        let lo = self
            .states
            .iter()
            .map(|s| s.val_min)
            .fold(100.0f64, f64::min);
        ((lo - 2.0).floor().max(0.0), 100.0)
    }
}

/// The files [`Report::write`] writes.
pub const OUTPUTS: [&str; 7] = [
    "states.csv",
    "by_groups.csv",
    "by_params.csv",
    "marginal.csv",
    "by_groups.png",
    "by_params.png",
    "marginal.png",
];
