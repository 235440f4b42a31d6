//! What a search records: its steps, the models it trained, its episodes and the live
//! changes it applied. Snapshots and exports are built from these.

use super::change::SettingChange;
use crate::groups::GroupSet;
use crate::settings::Settings;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// One environment step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    pub step: usize,
    pub episode: usize,
    pub state: GroupSet,
    pub action: usize,
    pub next_state: GroupSet,
    pub greedy: bool,
    pub q_values: Vec<f32>,
    pub reward: f64,
    pub val_acc: f64,
    pub params: usize,
    pub epsilon: f64,
    pub new_model: bool,
    /// The DQN's Q-network loss (Huber, the batch's mean) in the update after this
    /// step; None for other strategies, before the replay memory holds a batch, and in
    /// snapshots made before aen 0.2 recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q_loss: Option<f64>,
}

/// One trained child network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelRecord {
    /// 1-based: the n-th distinct state trained.
    pub index: usize,
    pub state: GroupSet,
    pub val_acc: f64,
    pub test_acc: f64,
    pub params: usize,
    pub seconds: f64,
    /// The step at which the state was first reached (0 for the all-zero start).
    pub first_step: usize,
    /// Epsilon in force when it was trained.
    pub epsilon: f64,
    /// Validation accuracy after each epoch (empty when looked up in a table, and in
    /// snapshots made before it was recorded).
    #[serde(default)]
    pub val_curve: Vec<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpisodeRecord {
    pub episode: usize,
    pub total_reward: f64,
    pub mean_reward: f64,
    pub steps: usize,
}

/// Everything the charts need, rebuilt on resume.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    pub steps: Vec<StepRecord>,
    pub models: Vec<ModelRecord>,
    pub episodes: Vec<EpisodeRecord>,
    /// (step at which it applied, change).
    pub changes: Vec<(usize, SettingChange)>,
}

impl History {
    /// The `k` best models by validation accuracy, the smaller network first on ties.
    pub fn best(&self, k: usize) -> Vec<&ModelRecord> {
        let mut v: Vec<&ModelRecord> = self.models.iter().collect();
        v.sort_by(|a, b| {
            b.val_acc
                .total_cmp(&a.val_acc)
                .then(a.params.cmp(&b.params))
        });
        v.truncate(k);
        v
    }

    /// Rewards of the steps of the episode still running.
    pub fn current_episode_rewards(&self) -> Vec<f64> {
        self.steps
            .iter()
            .filter(|s| s.episode == self.episodes.len())
            .map(|s| s.reward)
            .collect()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FinishReason {
    MaxModels,
    MaxEpisodes,
    Stopped,
    /// Every network of the space is trained (under classes, before max_models).
    AllNetworks,
}

/// What a client shows about a run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunInfo {
    pub dataset: String,
    pub source: String,
    pub data_groups: GroupSet,
    pub device: String,
    pub settings: Settings,
    pub snapshot_path: PathBuf,
    /// Seconds the run had already taken before this session resumed it.
    #[serde(default)]
    pub prior_seconds: f64,
}
