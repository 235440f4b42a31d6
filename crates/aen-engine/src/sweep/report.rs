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

use super::table::{Identity, Table};
use crate::experiments::set_label;
use crate::groups::{Group, GroupSet, NUM_GROUPS};
use crate::stats::{mean, std_dev, t975};
use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

#[derive(Clone, Debug, PartialEq)]
pub struct StateStat {
    pub state: GroupSet,
    pub seeds: usize,
    pub val_mean: f64,
    /// Sample standard deviation over seeds (0 with one seed).
    pub val_sd: f64,
    pub val_min: f64,
    pub val_max: f64,
    pub test_mean: f64,
    pub params: usize,
    /// Sets of the table that share this network (1 without classes).
    pub members: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Bucket {
    /// The number of groups, or the lower end of a parameter bin.
    pub lo: usize,
    /// Equal to `lo` for group counts; the upper end (inclusive) of a parameter bin.
    pub hi: usize,
    pub states: usize,
    pub val_mean: f64,
    pub best: GroupSet,
    pub best_val: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Marginal {
    pub group: Group,
    /// Whether the group generated the data.
    pub in_data: bool,
    /// Sets S without the group for which both S and S+g are in the table.
    pub pairs: usize,
    /// Mean of acc(S+g) - acc(S), in points.
    pub effect: f64,
    /// 95% interval of that mean (Student t over the pairs); NaN with fewer than 2.
    pub lo: f64,
    pub hi: f64,
}

impl Marginal {
    pub fn pays(&self) -> bool {
        self.lo > 0.0
    }
    pub fn hurts(&self) -> bool {
        self.hi < 0.0
    }
}

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

    /// The network of the data groups' own set (its class under classes).
    fn data_network(&self) -> Option<&StateStat> {
        let net = crate::settings::network_of(
            self.settings.classes().as_deref(),
            self.settings.data_groups,
        );
        self.states.iter().find(|x| x.state == net)
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

    pub fn to_text(&self) -> String {
        let s = &self.settings;
        let mut o = String::new();
        let _ = writeln!(
            o,
            "sweep of {} ({}), data groups {} (step {}, data seed {}), child {} epochs on {} images: {} states, {} networks, {} rows ({} seeds per state)",
            s.dataset,
            s.source,
            s.data_groups,
            s.step,
            s.data_seed,
            s.epochs,
            s.train_size,
            self.sets,
            self.states.len(),
            self.rows,
            self.seeds
        );
        let _ = writeln!(
            o,
            "\nbest networks (validation %, mean over seeds; spread = sd and min..max; sets = the sets that build it):"
        );
        let _ = writeln!(
            o,
            "{:>4}  {:<30} {:>7} {:>6} {:>15} {:>7} {:>8} {:>5}",
            "rank", "groups", "val", "sd", "min..max", "test", "params", "sets"
        );
        for (i, st) in self.ranked().iter().take(10).enumerate() {
            let (sd, spread) = if st.seeds > 1 {
                (
                    format!("{:.2}", st.val_sd),
                    format!("{:.1}..{:.1}", st.val_min, st.val_max),
                )
            } else {
                ("-".into(), "-".into())
            };
            let _ = writeln!(
                o,
                "{:>4}  {:<30} {:>7.2} {:>6} {:>15} {:>7.2} {:>8} {:>5}",
                i + 1,
                set_label(st.state),
                st.val_mean,
                sd,
                spread,
                st.test_mean,
                st.params,
                st.members
            );
        }
        if let Some(d) = self.data_network() {
            let rank = self
                .ranked()
                .iter()
                .position(|x| x.state == d.state)
                .map_or(0, |p| p + 1);
            let _ = writeln!(
                o,
                "the data groups themselves ({}, network of {}): {:.2}%, rank {rank} of {}",
                set_label(s.data_groups),
                set_label(d.state),
                d.val_mean,
                self.states.len()
            );
        }
        self.write_buckets(&mut o);
        self.write_marginal(&mut o);
        let _ = writeln!(o, "\n{}", self.verdict());
        o
    }

    fn write_buckets(&self, o: &mut String) {
        let _ = writeln!(*o, "\nvalidation % by number of groups:");
        let _ = writeln!(
            *o,
            "{:>6} {:>7} {:>7} {:>7}  best",
            "groups", "states", "mean", "best"
        );
        for b in &self.by_groups {
            let _ = writeln!(
                o,
                "{:>6} {:>7} {:>7.2} {:>7.2}  {}",
                b.lo,
                b.states,
                b.val_mean,
                b.best_val,
                set_label(b.best)
            );
        }
        let _ = writeln!(*o, "\nvalidation % by parameters:");
        let _ = writeln!(
            *o,
            "{:>17} {:>7} {:>7} {:>7}  best",
            "params", "states", "mean", "best"
        );
        for b in &self.by_params {
            let _ = writeln!(
                o,
                "{:>17} {:>7} {:>7.2} {:>7.2}  {}",
                format!("{}..{}", b.lo, b.hi),
                b.states,
                b.val_mean,
                b.best_val,
                set_label(b.best)
            );
        }
    }

    fn write_marginal(&self, o: &mut String) {
        let _ = writeln!(
            *o,
            "\nmarginal effect of each group: mean of acc(S+g) - acc(S) over the sets S without g\n(both in the table), in points, with its 95% interval (pairs taken as independent); * = data group:"
        );
        let _ = writeln!(
            *o,
            "{:<7} {:>4} {:>6} {:>8} {:>20}",
            "group", "data", "pairs", "effect", "95% interval"
        );
        for m in &self.marginal {
            let verdict = if m.pays() {
                "pays"
            } else if m.hurts() {
                "costs"
            } else {
                ""
            };
            let _ = writeln!(
                *o,
                "{:<7} {:>4} {:>6} {:>8} {:>20}  {verdict}",
                m.group.name(),
                if m.in_data { "*" } else { "" },
                m.pairs,
                if m.effect.is_nan() {
                    "-".to_string()
                } else {
                    format!("{:+.2}", m.effect)
                },
                if m.lo.is_nan() {
                    "-".to_string()
                } else {
                    format!("[{:+.2}, {:+.2}]", m.lo, m.hi)
                }
            );
        }
    }

    /// Whether the groups that generated the data are the ones that pay.
    pub fn verdict(&self) -> String {
        let names = |f: &dyn Fn(&Marginal) -> bool| -> Vec<&str> {
            self.marginal
                .iter()
                .filter(|m| f(m))
                .map(|m| m.group.name())
                .collect()
        };
        if self.marginal.iter().all(|m| m.lo.is_nan()) {
            return "too few pairs (S, S+g) for intervals: sweep more group sets to judge which groups pay".into();
        }
        let data_pay = names(&|m| m.in_data && m.pays());
        let data_not = names(&|m| m.in_data && !m.pays() && !m.lo.is_nan());
        let other_pay = names(&|m| !m.in_data && m.pays());
        let unjudged = names(&|m| m.lo.is_nan());
        let list = |v: &[&str]| {
            if v.is_empty() {
                "none".to_string()
            } else {
                v.join(", ")
            }
        };
        let head = match (
            data_pay.is_empty(),
            data_not.is_empty(),
            other_pay.is_empty(),
        ) {
            (true, _, true) => "no group clearly pays",
            (false, true, true) => "the groups that pay are exactly the data groups",
            (false, false, true) => "only data groups pay, but not all of them",
            (true, _, false) => "no data group pays, but others do",
            (false, _, false) => "data groups pay, and so do others",
        };
        let mut s = format!(
            "data groups {}: {head}.\n  data groups that pay: {}\n  data groups that do not: {}\n  other groups that pay: {}",
            self.settings.data_groups,
            list(&data_pay),
            list(&data_not),
            list(&other_pay)
        );
        if !unjudged.is_empty() {
            s += &format!("\n  too few pairs to judge: {}", unjudged.join(", "));
        }
        s
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

/// One entry per network: under classes, each class's sets in the table fold into the
/// entry of its closure (their rows are one network's), counting the sets; without
/// classes, the states as they are.
fn per_network(states: &[StateStat], table: &Table) -> Vec<StateStat> {
    let Some(classes) = table.header.settings.classes() else {
        return states.to_vec();
    };
    let mut by: BTreeMap<u16, StateStat> = BTreeMap::new();
    for st in states {
        let net = classes.closure(st.state);
        by.entry(net.bits())
            .and_modify(|e| e.members += 1)
            .or_insert_with(|| StateStat {
                state: net,
                ..st.clone()
            });
    }
    by.into_values().collect()
}

fn by_groups(states: &[StateStat]) -> Vec<Bucket> {
    (0..=NUM_GROUPS)
        .filter_map(|k| bucket(k, k, states.iter().filter(|s| s.state.len() == k)))
        .collect()
}

/// Eight bins of equal width on a log scale of the parameter count: counts span two
/// orders of magnitude (45k to 478k on MNIST), and most states sit at the low end.
fn by_params(states: &[StateStat]) -> Vec<Bucket> {
    let (Some(min), Some(max)) = (
        states.iter().map(|s| s.params).min(),
        states.iter().map(|s| s.params).max(),
    ) else {
        return Vec::new();
    };
    let bins = if min == max { 1 } else { 8 };
    let (lmin, lmax) = ((min as f64).ln(), (max as f64).ln());
    let edge = |i: usize| -> usize {
        if i == 0 {
            min
        } else if i == bins {
            max + 1
        } else {
            (lmin + (lmax - lmin) * i as f64 / bins as f64)
                .exp()
                .round() as usize
        }
    };
    (0..bins)
        .filter_map(|i| {
            let (a, b) = (edge(i), edge(i + 1));
            bucket(
                a,
                b - 1,
                states.iter().filter(|s| s.params >= a && s.params < b),
            )
        })
        .collect()
}

fn bucket<'a>(lo: usize, hi: usize, it: impl Iterator<Item = &'a StateStat>) -> Option<Bucket> {
    let v: Vec<&StateStat> = it.collect();
    let best = v.iter().copied().max_by(|a, b| {
        a.val_mean
            .total_cmp(&b.val_mean)
            .then(b.params.cmp(&a.params))
    })?;
    Some(Bucket {
        lo,
        hi,
        states: v.len(),
        val_mean: mean(&v.iter().map(|s| s.val_mean).collect::<Vec<_>>()),
        best: best.state,
        best_val: best.val_mean,
    })
}

fn marginal(states: &[StateStat], data: GroupSet) -> Vec<Marginal> {
    let acc: BTreeMap<u16, f64> = states
        .iter()
        .map(|s| (s.state.bits(), s.val_mean))
        .collect();
    Group::ALL
        .iter()
        .map(|&g| {
            let d: Vec<f64> = acc
                .iter()
                .filter(|(b, _)| !GroupSet::from_bits(**b).contains(g))
                .filter_map(|(b, a)| {
                    acc.get(&GroupSet::from_bits(*b).with(g).bits())
                        .map(|ag| ag - a)
                })
                .collect();
            let m = mean(&d);
            let half = t975(d.len().saturating_sub(1)) * std_dev(&d) / (d.len() as f64).sqrt();
            Marginal {
                group: g,
                in_data: data.contains(g),
                pairs: d.len(),
                effect: if d.is_empty() { f64::NAN } else { m },
                lo: m - half,
                hi: m + half,
            }
        })
        .collect()
}
