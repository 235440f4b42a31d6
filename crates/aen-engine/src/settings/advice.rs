//! What to tell a user about settings: those that are valid but under which the search
//! cannot do what it is for (said before it starts, never refused), and what differs
//! between runs' settings.

use super::{Settings, StrategyKind, TABLE};

impl Settings {
    /// Why the search would learn little or nothing under these settings (most of it
    /// about deep Q-learning), each naming the setting; empty when nothing is amiss.
    pub fn warnings(&self) -> Vec<String> {
        self.warnings_for(self.budget())
    }

    /// [`Settings::warnings`] for a run of `budget` models (a client that cannot wait
    /// for the classes to be counted passes what it knows).
    pub fn warnings_for(&self, budget: usize) -> Vec<String> {
        let s = &self.search;
        let mut out = Vec::new();
        if self.data.dataset == crate::data::DatasetKind::Files
            && self.data.normalize == crate::gdata::Normalize::Paper
        {
            out.push(
                "data.normalize = paper standardises your files with MNIST's constants (0.1307, 0.3081); --normalize dataset measures theirs, per channel".into(),
            );
        }
        if s.strategy != StrategyKind::Dqn {
            return out;
        }
        if budget < s.q_batch {
            out.push(format!(
                "search.max_models {budget} < search.q_batch {}: the Q-network may never train (it waits for a batch of steps)",
                s.q_batch
            ));
        }
        let last = self.epsilon(budget.saturating_sub(1));
        if last >= 1.0 {
            let why = match s.fixed_epsilon {
                Some(_) => "search.fixed_epsilon is 1".to_string(),
                None => format!("search.epsilon_schedule keeps epsilon 1 for all {budget} models"),
            };
            out.push(format!("{why}: this is a random search"));
        }
        if s.episode_len > budget {
            out.push(format!(
                "search.episode_len {} > search.max_models {budget}: hardly an episode ends (no rewards to show)",
                s.episode_len
            ));
        }
        out
    }
}

/// Every setting whose values are not all the same in `runs`, in table order, as
/// (key, each run's value); nothing that is the same in all of them.
pub fn differences(runs: &[&Settings]) -> Vec<(&'static str, Vec<String>)> {
    TABLE
        .iter()
        .map(|s| (s.key, runs.iter().map(|r| s.get(r)).collect::<Vec<_>>()))
        .filter(|(_, v)| v.iter().any(|x| x != &v[0]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_name_each_setting_not_equal_in_all_runs_with_every_value() {
        let a = Settings::default();
        let mut b = a.clone();
        b.search.gamma = 0.9;
        let mut c = a.clone();
        c.child.epochs = a.child.epochs + 1;
        let d = differences(&[&a, &b, &c]);
        let keys: Vec<&str> = d.iter().map(|(k, _)| *k).collect();
        assert_eq!(keys.len(), 2, "{d:?}");
        assert!(keys.contains(&"search.gamma") && keys.contains(&"child.epochs"));
        let (_, gamma) = d.iter().find(|(k, _)| *k == "search.gamma").unwrap();
        assert_eq!(gamma.len(), 3);
        assert_eq!(gamma[0], gamma[2]);
        assert_ne!(gamma[0], gamma[1]);
        assert!(differences(&[&a, &a.clone(), &a.clone()]).is_empty());
        assert!(differences(&[&a]).is_empty() && differences(&[]).is_empty());
    }
}
