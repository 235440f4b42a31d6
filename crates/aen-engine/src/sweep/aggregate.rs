//! The figures a sweep report is made of: per-network statistics, buckets by number of
//! groups and by parameters, and the marginal effect of each group.

use super::table::Table;
use crate::groups::{Group, GroupSet, NUM_GROUPS};
use crate::stats::{mean, std_dev, t975};
use std::collections::BTreeMap;

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

/// One entry per network: under classes, each class's sets in the table fold into the
/// entry of its closure (their rows are one network's), counting the sets; without
/// classes, the states as they are.
pub(super) fn per_network(states: &[StateStat], table: &Table) -> Vec<StateStat> {
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

pub(super) fn by_groups(states: &[StateStat]) -> Vec<Bucket> {
    (0..=NUM_GROUPS)
        .filter_map(|k| bucket(k, k, states.iter().filter(|s| s.state.len() == k)))
        .collect()
}

/// Eight bins of equal width on a log scale of the parameter count: counts span two
/// orders of magnitude (45k to 478k on MNIST), and most states sit at the low end.
pub(super) fn by_params(states: &[StateStat]) -> Vec<Bucket> {
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

pub(super) fn marginal(states: &[StateStat], data: GroupSet) -> Vec<Marginal> {
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
