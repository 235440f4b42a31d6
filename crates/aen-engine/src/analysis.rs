//! What a run's models say so far, for the TUI's analysis view and reports: the best
//! validation accuracy against networks trained, the Pareto front of accuracy against
//! parameters, and each group's effect (mean validation with it against without it).

use crate::groups::Group;
use crate::search::ModelRecord;

/// The best validation accuracy after each model, in training order.
pub fn best_so_far(models: &[ModelRecord]) -> Vec<f64> {
    let mut best = f64::NEG_INFINITY;
    (models.iter())
        .map(|m| {
            best = best.max(m.val_acc);
            best
        })
        .collect()
}

/// The models no other beats on both counts (higher validation accuracy with no more
/// parameters, or fewer parameters with no lower accuracy), fewest parameters first:
/// the paper's trade-off between symmetry and accuracy.
pub fn pareto_front(models: &[ModelRecord]) -> Vec<&ModelRecord> {
    let mut v: Vec<&ModelRecord> = models.iter().collect();
    // By parameters, then the better accuracy first, so a sweep keeps each step up.
    v.sort_by(|a, b| {
        a.params
            .cmp(&b.params)
            .then(b.val_acc.total_cmp(&a.val_acc))
    });
    let mut front: Vec<&ModelRecord> = Vec::new();
    for m in v {
        if front.last().is_none_or(|last| m.val_acc > last.val_acc) {
            front.push(m);
        }
    }
    front
}

/// One group's effect on the models trained so far.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupEffect {
    pub group: Group,
    /// Mean validation accuracy of the models with the group, and how many they are.
    pub with: Option<f64>,
    pub with_n: usize,
    pub without: Option<f64>,
    pub without_n: usize,
}

impl GroupEffect {
    /// Mean with minus mean without, in points, once both sides have a model.
    pub fn effect(&self) -> Option<f64> {
        Some(self.with? - self.without?)
    }
}

/// Each group's mean validation accuracy over the models with it and those without it.
/// The search does not draw its models at random, so this describes the run, not the
/// groups: the sweep report's paired marginal effect is the estimate to trust.
pub fn group_effects(models: &[ModelRecord]) -> Vec<GroupEffect> {
    let mean = |v: &[f64]| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
    Group::ALL
        .iter()
        .map(|&g| {
            let (with, without): (Vec<&ModelRecord>, Vec<&ModelRecord>) =
                models.iter().partition(|m| m.state.contains(g));
            let acc = |v: &[&ModelRecord]| v.iter().map(|m| m.val_acc).collect::<Vec<f64>>();
            GroupEffect {
                group: g,
                with: mean(&acc(&with)),
                with_n: with.len(),
                without: mean(&acc(&without)),
                without_n: without.len(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::groups::GroupSet;

    fn model(bits: u16, val: f64, params: usize) -> ModelRecord {
        ModelRecord {
            index: 0,
            state: GroupSet::from_bits(bits),
            val_acc: val,
            test_acc: val,
            params,
            seconds: 0.0,
            first_step: 0,
            epsilon: 1.0,
            val_curve: Vec::new(),
        }
    }

    #[test]
    fn the_front_keeps_exactly_the_undominated_models() {
        let ms = vec![
            model(0, 50.0, 1000),
            model(1, 60.0, 500), // dominates the first
            model(2, 55.0, 400),
            model(3, 55.0, 450), // dominated by the one above
            model(4, 70.0, 2000),
            model(5, 65.0, 2000), // same size, lower
        ];
        let front: Vec<(usize, f64)> = pareto_front(&ms)
            .iter()
            .map(|m| (m.params, m.val_acc))
            .collect();
        assert_eq!(front, vec![(400, 55.0), (500, 60.0), (2000, 70.0)]);
        assert_eq!(best_so_far(&ms), vec![50.0, 60.0, 60.0, 60.0, 70.0, 70.0]);
    }

    #[test]
    fn group_effects_compare_the_models_with_and_without_each_group() {
        // Every model with rot90 is 10 points better than its twin without it.
        let rot = GroupSet::single(Group::ALL[0]).bits();
        let other = GroupSet::single(Group::ALL[1]).bits();
        let ms = vec![
            model(0, 50.0, 1),
            model(rot, 60.0, 1),
            model(rot | other, 70.0, 1),
            model(other, 60.0, 1),
        ];
        let e = &group_effects(&ms)[0];
        assert_eq!(
            (e.with, e.with_n, e.without, e.without_n),
            (Some(65.0), 2, Some(55.0), 2)
        );
        assert_eq!(e.effect(), Some(10.0));
        let none = group_effects(&[model(0, 50.0, 1)]);
        assert_eq!(none[0].effect(), None);
    }
}
