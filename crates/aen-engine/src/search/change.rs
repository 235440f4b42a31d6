//! Live changes of settings, by key of the settings table, so every live setting is
//! declared once.

use crate::settings::{self, ConfigError, Settings};
use serde::{Deserialize, Serialize};

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
        use crate::settings::SettingValue;
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
