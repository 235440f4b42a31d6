//! What a training is given and what it gives back.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
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

/// A child's batch order (docs/method.md §5): the training indices, reshuffled
/// cumulatively every epoch by a generator seeded from the child's seed. Every way of
/// training a child draws it from here, so all of them see the same batches.
pub(crate) struct BatchOrder {
    rng: ChaCha8Rng,
    order: Vec<usize>,
}

impl BatchOrder {
    pub(crate) fn new(seed: u64, n: usize) -> BatchOrder {
        BatchOrder {
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0xBA7C4),
            order: (0..n).collect(),
        }
    }

    /// The next epoch's order.
    pub(crate) fn epoch(&mut self) -> &[usize] {
        self.order.shuffle(&mut self.rng);
        &self.order
    }
}
