//! The ground truth: a sweep table by state, with the true (mean test) accuracy of each,
//! and a lookup that answers a search with one seed of it.

use crate::error::{Error, Result, bail};
use crate::groups::GroupSet;
use crate::search::children::Lookup;
use crate::settings::{Equivalence, SettingValue, Settings};
use crate::stats::mean;
use crate::sweep::table::{Identity, Table};
use std::collections::HashMap;
use std::sync::Arc;

/// A table, by state: per seed (validation %, test %) and the parameters.
pub struct GroundTruth {
    rows: HashMap<GroupSet, (Vec<(f64, f64)>, usize)>,
    seeds: usize,
    /// Mean test accuracy over seeds, by state.
    truth: HashMap<GroupSet, f64>,
    pub(super) best: f64,
    /// The mean test accuracy a state needs to be in the true top 1 %.
    pub(super) top1: f64,
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
        s.data.translation = SettingValue::parse(&id.translation).map_err(Error::msg)?;
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
