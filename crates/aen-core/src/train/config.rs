//! What a training is given and what it gives back.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    pub epochs: usize,
    pub batch: usize,
    pub lr: f64,
    /// Seeds both the initial weights and the batch order.
    pub seed: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainResult {
    /// Accuracies in percent.
    pub val_acc: f64,
    pub test_acc: f64,
    pub params: usize,
    pub seconds: f64,
    /// Validation accuracy after each epoch.
    pub val_curve: Vec<f64>,
}

/// Progress inside one training run, for progress bars.
#[derive(Clone, Copy, Debug)]
pub struct TrainProgress {
    pub epoch: usize,
    pub epochs: usize,
    pub batch: usize,
    pub batches: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error("training cancelled")]
    Cancelled,
}

/// What a caller says after each batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Cancel,
}
