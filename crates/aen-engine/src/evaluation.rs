//! What a final evaluation leaves: its rows, and the record a session keeps of it.

use crate::groups::GroupSet;
use serde::{Deserialize, Serialize};

/// One row of the final comparison.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EvalRow {
    /// "searched #k", "plain" or "single".
    pub kind: String,
    pub groups: GroupSet,
    pub search_val_acc: Option<f64>,
    /// Means over the seeds (`final_eval.seeds`).
    pub val_acc: f64,
    pub test_acc: f64,
    pub params: usize,
    /// Training seconds, all seeds together.
    pub seconds: f64,
    /// Each seed's accuracies, in seed order (seed 0 is the single run's network).
    #[serde(default)]
    pub val_seeds: Vec<f64>,
    #[serde(default)]
    pub test_seeds: Vec<f64>,
}

impl EvalRow {
    /// The test accuracies to compare: every seed's, or the mean of an old row.
    pub(crate) fn tests(&self) -> Vec<f64> {
        if self.test_seeds.is_empty() {
            vec![self.test_acc]
        } else {
            self.test_seeds.clone()
        }
    }
}

/// A final evaluation as it was run: its settings, the models the session had then,
/// and its rows.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Evaluation {
    pub settings: crate::settings::FinalEvalSettings,
    /// Models the session had when it was evaluated: once extended, the best states
    /// may be others, and the evaluation is of the session as it was.
    pub models: usize,
    pub saved_at: String,
    /// Set when the protocol's training split was shrunk to fit the data.
    #[serde(default)]
    pub note: Option<String>,
    /// The split sizes it trained on: the settings' unless shrunk to fit the data.
    pub sizes: crate::gdata::SplitSizes,
    pub rows: Vec<EvalRow>,
}
