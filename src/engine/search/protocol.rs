//! The messages between a running search and its client: controls in, events out,
//! and live setting changes (by key of the settings table, so every live setting is
//! declared once).

use super::records::{EpisodeRecord, History, ModelRecord, StepRecord};
use crate::engine::groups::GroupSet;
use crate::engine::settings::{self, ConfigError, Settings};
use crate::engine::snapshot::Snapshot;
use crate::engine::train::TrainProgress;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// A live change of a setting, applied at the next step boundary: a key of the
/// settings table and the value as text.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SettingChange {
    pub key: String,
    pub value: String,
}

impl SettingChange {
    pub fn new(key: &str, value: impl ToString) -> SettingChange {
        SettingChange {
            key: key.to_string(),
            value: value.to_string(),
        }
    }

    /// Applies the change to `s`, refusing settings that cannot change live and values
    /// the config file would refuse.
    pub fn apply(&self, s: &mut Settings) -> Result<(), ConfigError> {
        let spec =
            settings::spec(&self.key).ok_or_else(|| ConfigError::UnknownKey(self.key.clone()))?;
        if !spec.live {
            return Err(ConfigError::NotLive { key: spec.key });
        }
        s.set(spec.key, &self.value)
    }

    pub fn describe(&self) -> String {
        if self.value.is_empty() {
            format!("{} unset", self.key)
        } else {
            format!("{} = {}", self.key, self.value)
        }
    }
}

/// Version-1 snapshots wrote changes as one variant per setting; they still load.
#[derive(Deserialize)]
enum LegacyChange {
    FixedEpsilon(Option<f64>),
    EpsilonSchedule(Vec<(usize, f64)>),
    ChildEpochs(usize),
    ChildLr(f64),
    ChildBatch(usize),
    QLr(f64),
    Gamma(f64),
    TargetUpdate(usize),
    MaxModels(usize),
    MaxEpisodes(usize),
}

impl From<LegacyChange> for SettingChange {
    fn from(c: LegacyChange) -> SettingChange {
        use crate::engine::settings::SettingValue;
        let (key, value) = match c {
            LegacyChange::FixedEpsilon(v) => ("search.fixed_epsilon", v.show()),
            LegacyChange::EpsilonSchedule(v) => ("search.epsilon_schedule", v.show()),
            LegacyChange::ChildEpochs(v) => ("child.epochs", v.show()),
            LegacyChange::ChildLr(v) => ("child.lr", v.show()),
            LegacyChange::ChildBatch(v) => ("child.batch", v.show()),
            LegacyChange::QLr(v) => ("search.q_lr", v.show()),
            LegacyChange::Gamma(v) => ("search.gamma", v.show()),
            LegacyChange::TargetUpdate(v) => ("search.target_update", v.show()),
            LegacyChange::MaxModels(v) => ("search.max_models", v.show()),
            LegacyChange::MaxEpisodes(v) => ("search.max_episodes", v.show()),
        };
        SettingChange::new(key, value)
    }
}

impl<'de> Deserialize<'de> for SettingChange {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr {
            Keyed { key: String, value: String },
            Legacy(LegacyChange),
        }
        Ok(match Repr::deserialize(d)? {
            Repr::Keyed { key, value } => SettingChange { key, value },
            Repr::Legacy(c) => c.into(),
        })
    }
}

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

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FinishReason {
    MaxModels,
    MaxEpisodes,
    Stopped,
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
