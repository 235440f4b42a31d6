//! Settings: defaults < config file < command-line flags.
//!
//! The file is TOML with optional sections; unknown keys and wrong types are errors
//! from the parser (which names the key), out-of-range values are errors from
//! [`Settings::validate`] (which names the key and the allowed range).

use crate::data::{DatasetKind, SourceKind};
use crate::gdata::SplitSizes;
use crate::groups::GroupSet;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub data: DataSettings,
    pub child: ChildSettings,
    pub search: SearchSettings,
    pub final_eval: FinalEvalSettings,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DataSettings {
    pub dataset: DatasetKind,
    /// auto, data-dir, downloaded, system or embedded.
    pub source: String,
    pub data_dir: Option<PathBuf>,
    /// The group vector that makes the G-data.
    pub groups: GroupSet,
    /// Translation step d of htrans / vtrans.
    pub step: usize,
    pub seed: u64,
}

/// The search protocol for each child network (PAPER.md §5).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChildSettings {
    pub epochs: usize,
    pub train_size: usize,
    pub val_size: usize,
    pub test_size: usize,
    pub batch: usize,
    pub lr: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SearchSettings {
    pub episode_len: usize,
    pub max_models: usize,
    pub max_episodes: usize,
    pub q_lr: f64,
    pub gamma: f64,
    /// Copy the policy network into the target network every this many models trained.
    pub target_update: usize,
    pub replay_capacity: usize,
    pub q_batch: usize,
    /// (models trained, epsilon) steps; epsilon is that of the last threshold reached.
    pub epsilon_schedule: Vec<(usize, f64)>,
    /// Overrides the schedule when set.
    pub fixed_epsilon: Option<f64>,
}

/// The single-equivariance protocol, used by `single-test` and the final evaluation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FinalEvalSettings {
    pub epochs: usize,
    pub train_size: usize,
    pub val_size: usize,
    pub test_size: usize,
    /// How many of the best searched states are retrained.
    pub top_k: usize,
}

impl Default for DataSettings {
    fn default() -> Self {
        DataSettings {
            dataset: DatasetKind::Mnist,
            source: "auto".into(),
            data_dir: None,
            groups: GroupSet::preset(2).expect("preset 2 exists"),
            step: 4,
            seed: 0,
        }
    }
}

impl Default for ChildSettings {
    fn default() -> Self {
        ChildSettings {
            epochs: 4,
            train_size: 4000,
            val_size: 1000,
            test_size: 1000,
            batch: 64,
            lr: 1e-3,
        }
    }
}

pub fn paper_epsilon_schedule() -> Vec<(usize, f64)> {
    vec![
        (0, 1.0),
        (200, 0.9),
        (300, 0.8),
        (400, 0.7),
        (500, 0.6),
        (600, 0.5),
        (700, 0.4),
        (800, 0.3),
        (900, 0.2),
        (950, 0.1),
        (1000, 0.05),
        (1200, 0.01),
    ]
}

impl Default for SearchSettings {
    fn default() -> Self {
        SearchSettings {
            episode_len: 100,
            max_models: 1000,
            max_episodes: 60,
            q_lr: 1e-3,
            gamma: 0.5,
            target_update: 2,
            replay_capacity: 10_000,
            q_batch: 128,
            epsilon_schedule: paper_epsilon_schedule(),
            fixed_epsilon: None,
        }
    }
}

impl Default for FinalEvalSettings {
    fn default() -> Self {
        FinalEvalSettings {
            epochs: 10,
            train_size: 10_000,
            val_size: 1000,
            test_size: 1000,
            top_k: 3,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read config: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {msg}")]
    Parse { path: PathBuf, msg: String },
    #[error("{key} = {value} is out of range; allowed: {allowed}")]
    Range {
        key: &'static str,
        value: String,
        allowed: String,
    },
    #[error("{key}: {msg}")]
    Invalid { key: &'static str, msg: String },
}

fn range<T: PartialOrd + std::fmt::Display>(
    key: &'static str,
    v: T,
    lo: T,
    hi: T,
) -> Result<(), ConfigError> {
    if v < lo || v > hi {
        return Err(ConfigError::Range {
            key,
            value: v.to_string(),
            allowed: format!("{lo} to {hi}"),
        });
    }
    Ok(())
}

fn open_unit(key: &'static str, v: f64) -> Result<(), ConfigError> {
    if !(v > 0.0 && v <= 1.0) {
        return Err(ConfigError::Range {
            key,
            value: v.to_string(),
            allowed: "greater than 0, at most 1".into(),
        });
    }
    Ok(())
}

impl Settings {
    /// The default config file: `<config dir>/aen/config.toml`.
    pub fn default_path() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "aen").map(|p| p.config_dir().join("config.toml"))
    }

    pub fn from_toml(text: &str, path: &Path) -> Result<Settings, ConfigError> {
        let s: Settings = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            msg: e.to_string(),
        })?;
        s.validate()?;
        Ok(s)
    }

    /// Loads `path`, or the default file if it exists, or the defaults.
    pub fn load(path: Option<&Path>) -> Result<Settings, ConfigError> {
        let chosen = match path {
            Some(p) => Some(p.to_path_buf()),
            None => Self::default_path().filter(|p| p.is_file()),
        };
        match chosen {
            None => Ok(Settings::default()),
            Some(p) => {
                let text = std::fs::read_to_string(&p).map_err(|source| ConfigError::Io {
                    path: p.clone(),
                    source,
                })?;
                Self::from_toml(&text, &p)
            }
        }
    }

    pub fn source_kind(&self) -> Result<Option<SourceKind>, ConfigError> {
        SourceKind::parse(&self.data.source).map_err(|e| ConfigError::Invalid {
            key: "data.source",
            msg: e.to_string(),
        })
    }

    pub fn child_sizes(&self) -> SplitSizes {
        SplitSizes {
            train: self.child.train_size,
            val: self.child.val_size,
            test: self.child.test_size,
        }
    }

    pub fn final_sizes(&self) -> SplitSizes {
        SplitSizes {
            train: self.final_eval.train_size,
            val: self.final_eval.val_size,
            test: self.final_eval.test_size,
        }
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        self.source_kind()?;
        range("data.step", self.data.step, 1, 28)?;
        let c = &self.child;
        range("child.epochs", c.epochs, 1, 1000)?;
        range("child.train_size", c.train_size, 1, 60_000)?;
        range("child.val_size", c.val_size, 1, 60_000)?;
        range("child.test_size", c.test_size, 1, 10_000)?;
        range("child.batch", c.batch, 1, 4096)?;
        open_unit("child.lr", c.lr)?;
        let s = &self.search;
        range("search.episode_len", s.episode_len, 1, 100_000)?;
        range("search.max_models", s.max_models, 1, 4096)?;
        range("search.max_episodes", s.max_episodes, 1, 100_000)?;
        open_unit("search.q_lr", s.q_lr)?;
        range("search.gamma", s.gamma, 0.0, 0.999)?;
        range("search.target_update", s.target_update, 1, 10_000)?;
        range("search.replay_capacity", s.replay_capacity, 1, 1_000_000)?;
        range("search.q_batch", s.q_batch, 1, 4096)?;
        if let Some(e) = s.fixed_epsilon {
            range("search.fixed_epsilon", e, 0.0, 1.0)?;
        }
        validate_schedule(&s.epsilon_schedule)?;
        let f = &self.final_eval;
        range("final_eval.epochs", f.epochs, 1, 1000)?;
        range("final_eval.train_size", f.train_size, 1, 60_000)?;
        range("final_eval.val_size", f.val_size, 1, 60_000)?;
        range("final_eval.test_size", f.test_size, 1, 10_000)?;
        range("final_eval.top_k", f.top_k, 1, 64)?;
        Ok(())
    }

    /// Epsilon for `models_trained` under these settings.
    pub fn epsilon(&self, models_trained: usize) -> f64 {
        if let Some(e) = self.search.fixed_epsilon {
            return e;
        }
        epsilon_at(&self.search.epsilon_schedule, models_trained)
    }
}

pub fn validate_schedule(schedule: &[(usize, f64)]) -> Result<(), ConfigError> {
    let key = "search.epsilon_schedule";
    if schedule.is_empty() {
        return Err(ConfigError::Invalid {
            key,
            msg: "needs at least one [models, epsilon] pair".into(),
        });
    }
    if schedule[0].0 != 0 {
        return Err(ConfigError::Invalid {
            key,
            msg: "the first pair must start at 0 models".into(),
        });
    }
    for w in schedule.windows(2) {
        if w[1].0 <= w[0].0 {
            return Err(ConfigError::Invalid {
                key,
                msg: format!("thresholds must increase: {} then {}", w[0].0, w[1].0),
            });
        }
    }
    for &(_, e) in schedule {
        range(key, e, 0.0, 1.0)?;
    }
    Ok(())
}

pub fn epsilon_at(schedule: &[(usize, f64)], models_trained: usize) -> f64 {
    schedule
        .iter()
        .take_while(|(t, _)| *t <= models_trained)
        .last()
        .map(|(_, e)| *e)
        .unwrap_or(1.0)
}

/// Parses `0:1.0,200:0.9,...` (for flags and forms).
pub fn parse_schedule(text: &str) -> Result<Vec<(usize, f64)>, ConfigError> {
    let key = "search.epsilon_schedule";
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (a, b) = part.split_once(':').ok_or_else(|| ConfigError::Invalid {
            key,
            msg: format!("`{part}` is not MODELS:EPSILON"),
        })?;
        let t = a.trim().parse().map_err(|_| ConfigError::Invalid {
            key,
            msg: format!("`{a}` is not a whole number"),
        })?;
        let e = b.trim().parse().map_err(|_| ConfigError::Invalid {
            key,
            msg: format!("`{b}` is not a number"),
        })?;
        out.push((t, e));
    }
    validate_schedule(&out)?;
    Ok(out)
}

pub fn format_schedule(s: &[(usize, f64)]) -> String {
    s.iter()
        .map(|(t, e)| format!("{t}:{e}"))
        .collect::<Vec<_>>()
        .join(",")
}
