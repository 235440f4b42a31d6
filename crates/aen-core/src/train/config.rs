//! What a training is given and what it gives back.

use crate::gdata::{GData, Split};
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
    /// The network and the data do not fit each other (or the trainer cannot take them).
    #[error("{0}")]
    Shape(String),
}

/// What a caller says after each batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Cancel,
}

/// A child's batch order (docs/method.md §5): the training indices, reshuffled
/// cumulatively every epoch by a generator seeded from the child's seed.
struct BatchOrder {
    rng: ChaCha8Rng,
    order: Vec<usize>,
}

impl BatchOrder {
    fn new(seed: u64, n: usize) -> BatchOrder {
        BatchOrder {
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0xBA7C4),
            order: (0..n).collect(),
        }
    }

    /// The next epoch's order.
    fn epoch(&mut self) -> &[usize] {
        self.order.shuffle(&mut self.rng);
        &self.order
    }
}

/// A network being trained, whatever computes it.
pub(crate) trait Learner {
    /// One optimiser step on the images `idx` of `train`.
    fn step(&mut self, train: &Split, idx: &[usize]);
    /// Accuracy in percent on `split`.
    fn accuracy(&mut self, split: &Split) -> f64;
}

/// The protocol every way of training a child follows (docs/method.md §5): its batch
/// order, a per-epoch resample where the G-data has one, progress and cancelling after
/// every step, validation after every epoch and a test at the end. Returns the
/// validation curve and the test accuracy.
pub(crate) fn run(
    learner: &mut impl Learner,
    data: &GData,
    cfg: TrainConfig,
    on_batch: &mut dyn FnMut(TrainProgress) -> Flow,
) -> Result<(Vec<f64>, f64), TrainError> {
    let mut orders = BatchOrder::new(cfg.seed, data.train.len());
    let batches = data.train.len().div_ceil(cfg.batch);
    let mut val_curve = Vec::with_capacity(cfg.epochs);
    for epoch in 0..cfg.epochs {
        let order = orders.epoch();
        let fresh = data.train_epoch(epoch);
        let train = fresh.as_ref().unwrap_or(&data.train);
        for (b, idx) in order.chunks(cfg.batch).enumerate() {
            learner.step(train, idx);
            let p = TrainProgress {
                epoch,
                epochs: cfg.epochs,
                batch: b + 1,
                batches,
            };
            if on_batch(p) == Flow::Cancel {
                return Err(TrainError::Cancelled);
            }
        }
        val_curve.push(learner.accuracy(&data.val));
    }
    let test = learner.accuracy(&data.test);
    Ok((val_curve, test))
}
