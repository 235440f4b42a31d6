//! What a reproduction is asked for (the plan) and what it reports (the outcome): the
//! types both the runner and the report read.

use crate::data::DatasetKind;
use crate::experiments::{SingleTable, Verdict};
use crate::groups::GroupSet;
use crate::settings::Settings;
use serde::{Deserialize, Serialize};

/// What to reproduce.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub datasets: Vec<DatasetKind>,
    /// Presets searched (1 to 5 in the paper).
    pub presets: Vec<usize>,
    /// Seeds of every single-equivariance cell and of every final evaluation.
    pub seeds: usize,
    pub quick: bool,
}

impl Plan {
    /// Shrinks `s` to the quick protocol: small splits, one epoch, 30-model searches.
    /// Flags given after this still override it.
    pub fn quick_settings(s: &mut Settings) {
        (s.child.train_size, s.child.val_size, s.child.test_size) = (500, 250, 250);
        s.child.epochs = 1;
        (s.search.max_models, s.search.episode_len, s.search.q_batch) = (30, 10, 16);
        let f = &mut s.final_eval;
        (f.train_size, f.val_size, f.test_size, f.epochs) = (1000, 500, 500, 1);
    }
}

/// One search's answer.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SearchResult {
    pub dataset: DatasetKind,
    pub preset: usize,
    pub data_groups: GroupSet,
    pub models: usize,
    pub verdict: Option<Verdict>,
}

/// Everything the report is made of.
pub struct Outcome {
    pub singles: Vec<(DatasetKind, SingleTable)>,
    pub searches: Vec<SearchResult>,
    pub seconds: f64,
    /// Parts done, of all the plan's.
    pub done: usize,
    pub total: usize,
}

impl Outcome {
    /// Nothing done yet of `total` parts.
    pub(super) fn new(total: usize) -> Outcome {
        Outcome {
            singles: Vec::new(),
            searches: Vec::new(),
            seconds: 0.0,
            done: 0,
            total,
        }
    }
}
