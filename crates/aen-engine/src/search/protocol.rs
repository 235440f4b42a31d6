//! The messages between a running search and its client: controls in, events out.

pub use super::change::SettingChange;
use super::records::{EpisodeRecord, History, ModelRecord, StepRecord};
pub use super::records::{FinishReason, RunInfo};
use crate::groups::GroupSet;
use crate::snapshot::Snapshot;
use crate::train::TrainProgress;
use std::path::PathBuf;

/// Commands from the client to the worker.
#[derive(Clone, Debug)]
pub enum Control {
    Pause,
    Resume,
    Stop,
    /// Save a snapshot to this path, or to the session's autosave path.
    Save(Option<PathBuf>),
    Set(SettingChange),
}

/// Events from the worker.
#[derive(Clone, Debug)]
pub enum Event {
    Started(Box<RunInfo>),
    /// Replaying a snapshot: `done` of `total` steps re-run.
    Replaying {
        done: usize,
        total: usize,
    },
    /// The full history so far (after a resume's replay).
    History(Box<History>),
    Step(Box<StepRecord>),
    EpisodeEnd(EpisodeRecord),
    ModelTrained(ModelRecord),
    /// A child network is training (throttled to a few updates a second).
    Training {
        state: GroupSet,
        progress: TrainProgress,
    },
    /// What the child trainers are doing (searches with several, `child.jobs`).
    Trainers(super::ahead::Trainers),
    SettingChanged {
        step: usize,
        change: SettingChange,
    },
    SettingRefused {
        change: SettingChange,
        reason: String,
    },
    Paused,
    Unpaused,
    Saved(PathBuf),
    /// Something the user should read, such as a failed autosave.
    Warning(String),
    Log(String),
    Error(String),
    /// The last event: why the run ended, where it was saved (None if it could not
    /// be), and the run as saved, with its whole history.
    Finished {
        reason: FinishReason,
        saved: Option<PathBuf>,
        snapshot: Box<Snapshot>,
    },
}
