//! A runner's jobs: their ids, results and errors, and the state of one in training.

use crate::groups::GroupSet;
use crate::train::{TrainProgress, TrainResult};
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

/// A caller-chosen job id; the pool only hands it back.
pub type JobId = u64;

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum JobError {
    #[error("cancelled")]
    Cancelled,
    #[error("training failed: {0}")]
    Failed(String),
}

#[derive(Clone, Debug)]
pub struct JobResult {
    pub id: JobId,
    pub state: GroupSet,
    pub seed_index: u32,
    /// Which worker trained it (None if cancelled before it started).
    pub worker: Option<usize>,
    pub outcome: Result<TrainResult, JobError>,
}

#[derive(Clone, Copy, Debug)]
pub(super) struct QueuedJob {
    pub id: JobId,
    pub state: GroupSet,
    pub seed_index: u32,
}

/// A job being trained: by which worker, its stop flag and how far it has got.
#[derive(Default)]
pub(super) struct Running {
    pub worker: usize,
    pub stop: AtomicBool,
    pub progress: Mutex<Option<TrainProgress>>,
}
