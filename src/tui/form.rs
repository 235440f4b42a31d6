//! The settings form: text fields bound to settings, validated as they are confirmed,
//! with the message shown beside a bad value. The same form serves the set-up screen
//! (all fields) and live tweaks (fields the engine can change while running).

use crate::config::{Settings, format_schedule, parse_schedule};
use crate::search::SettingChange;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKey {
    Step,
    Seed,
    ChildEpochs,
    TrainSize,
    ValSize,
    TestSize,
    ChildBatch,
    ChildLr,
    EpisodeLen,
    MaxModels,
    MaxEpisodes,
    QLr,
    Gamma,
    TargetUpdate,
    ReplayCapacity,
    QBatch,
    Schedule,
    FixedEpsilon,
}

use FieldKey::*;

pub const SETUP_FIELDS: &[FieldKey] = &[
    ChildEpochs,
    TrainSize,
    ValSize,
    TestSize,
    ChildBatch,
    ChildLr,
    EpisodeLen,
    MaxModels,
    MaxEpisodes,
    QLr,
    Gamma,
    TargetUpdate,
    ReplayCapacity,
    QBatch,
    Schedule,
    FixedEpsilon,
    Step,
    Seed,
];

pub const LIVE_FIELDS: &[FieldKey] = &[
    FixedEpsilon,
    Schedule,
    ChildEpochs,
    ChildLr,
    ChildBatch,
    QLr,
    Gamma,
    TargetUpdate,
    MaxModels,
    MaxEpisodes,
];

impl FieldKey {
    pub fn label(self) -> &'static str {
        match self {
            Step => "translation step",
            Seed => "seed",
            ChildEpochs => "child epochs",
            TrainSize => "train images",
            ValSize => "validation images",
            TestSize => "test images",
            ChildBatch => "child batch",
            ChildLr => "child learning rate",
            EpisodeLen => "episode length",
            MaxModels => "max models",
            MaxEpisodes => "max episodes",
            QLr => "Q learning rate",
            Gamma => "gamma",
            TargetUpdate => "target update (models)",
            ReplayCapacity => "replay memory",
            QBatch => "Q batch",
            Schedule => "epsilon schedule",
            FixedEpsilon => "fixed epsilon (blank: schedule)",
        }
    }

    pub fn get(self, s: &Settings) -> String {
        match self {
            Step => s.data.step.to_string(),
            Seed => s.data.seed.to_string(),
            ChildEpochs => s.child.epochs.to_string(),
            TrainSize => s.child.train_size.to_string(),
            ValSize => s.child.val_size.to_string(),
            TestSize => s.child.test_size.to_string(),
            ChildBatch => s.child.batch.to_string(),
            ChildLr => s.child.lr.to_string(),
            EpisodeLen => s.search.episode_len.to_string(),
            MaxModels => s.search.max_models.to_string(),
            MaxEpisodes => s.search.max_episodes.to_string(),
            QLr => s.search.q_lr.to_string(),
            Gamma => s.search.gamma.to_string(),
            TargetUpdate => s.search.target_update.to_string(),
            ReplayCapacity => s.search.replay_capacity.to_string(),
            QBatch => s.search.q_batch.to_string(),
            Schedule => format_schedule(&s.search.epsilon_schedule),
            FixedEpsilon => s
                .search
                .fixed_epsilon
                .map(|e| e.to_string())
                .unwrap_or_default(),
        }
    }

    /// Parses `text` into `s` and validates the result; the message names the problem.
    pub fn set(self, s: &mut Settings, text: &str) -> Result<(), String> {
        fn num<T: std::str::FromStr>(t: &str) -> Result<T, String> {
            t.trim()
                .parse()
                .map_err(|_| format!("`{}` is not a valid number", t.trim()))
        }
        let mut t = s.clone();
        match self {
            Step => t.data.step = num(text)?,
            Seed => t.data.seed = num(text)?,
            ChildEpochs => t.child.epochs = num(text)?,
            TrainSize => t.child.train_size = num(text)?,
            ValSize => t.child.val_size = num(text)?,
            TestSize => t.child.test_size = num(text)?,
            ChildBatch => t.child.batch = num(text)?,
            ChildLr => t.child.lr = num(text)?,
            EpisodeLen => t.search.episode_len = num(text)?,
            MaxModels => t.search.max_models = num(text)?,
            MaxEpisodes => t.search.max_episodes = num(text)?,
            QLr => t.search.q_lr = num(text)?,
            Gamma => t.search.gamma = num(text)?,
            TargetUpdate => t.search.target_update = num(text)?,
            ReplayCapacity => t.search.replay_capacity = num(text)?,
            QBatch => t.search.q_batch = num(text)?,
            Schedule => {
                t.search.epsilon_schedule = parse_schedule(text).map_err(|e| e.to_string())?
            }
            FixedEpsilon => {
                t.search.fixed_epsilon = if text.trim().is_empty() {
                    None
                } else {
                    Some(num(text)?)
                }
            }
        }
        t.validate().map_err(|e| e.to_string())?;
        *s = t;
        Ok(())
    }

    /// The live change this field makes, read from settings that already hold it.
    pub fn change(self, s: &Settings) -> Option<SettingChange> {
        Some(match self {
            FixedEpsilon => SettingChange::FixedEpsilon(s.search.fixed_epsilon),
            Schedule => SettingChange::EpsilonSchedule(s.search.epsilon_schedule.clone()),
            ChildEpochs => SettingChange::ChildEpochs(s.child.epochs),
            ChildLr => SettingChange::ChildLr(s.child.lr),
            ChildBatch => SettingChange::ChildBatch(s.child.batch),
            QLr => SettingChange::QLr(s.search.q_lr),
            Gamma => SettingChange::Gamma(s.search.gamma),
            TargetUpdate => SettingChange::TargetUpdate(s.search.target_update),
            MaxModels => SettingChange::MaxModels(s.search.max_models),
            MaxEpisodes => SettingChange::MaxEpisodes(s.search.max_episodes),
            _ => return None,
        })
    }
}

#[derive(Clone, Debug)]
pub struct Field {
    pub key: FieldKey,
    pub text: String,
    pub error: Option<String>,
    pub changed: bool,
}

#[derive(Clone, Debug)]
pub struct Form {
    pub fields: Vec<Field>,
    pub selected: usize,
    /// The text being typed into the selected field.
    pub editing: Option<String>,
    /// Editing just began: the first character typed replaces the old value.
    pub fresh: bool,
    /// The settings the form edits (the valid values only).
    pub settings: Settings,
    pub live: bool,
}

impl Form {
    pub fn new(keys: &[FieldKey], settings: &Settings, live: bool) -> Form {
        Form {
            fields: keys
                .iter()
                .map(|&key| Field {
                    key,
                    text: key.get(settings),
                    error: None,
                    changed: false,
                })
                .collect(),
            selected: 0,
            editing: None,
            fresh: false,
            settings: settings.clone(),
            live,
        }
    }

    pub fn has_errors(&self) -> bool {
        self.fields.iter().any(|f| f.error.is_some())
    }

    pub fn up(&mut self) {
        if self.editing.is_none() {
            self.selected = self.selected.saturating_sub(1);
        }
    }

    pub fn down(&mut self) {
        if self.editing.is_none() && self.selected + 1 < self.fields.len() {
            self.selected += 1;
        }
    }

    /// Enter: start editing, or confirm the edit (validating it).
    pub fn enter(&mut self) {
        match self.editing.take() {
            None => {
                self.editing = Some(self.fields[self.selected].text.clone());
                self.fresh = true;
            }
            Some(text) => self.commit(self.selected, text),
        }
    }

    pub fn commit(&mut self, idx: usize, text: String) {
        let f = &mut self.fields[idx];
        match f.key.set(&mut self.settings, &text) {
            Ok(()) => {
                f.error = None;
                f.changed = true;
                f.text = f.key.get(&self.settings);
            }
            Err(e) => {
                f.error = Some(e);
                f.text = text;
            }
        }
    }

    pub fn cancel_edit(&mut self) -> bool {
        self.editing.take().is_some()
    }

    pub fn type_char(&mut self, c: char) {
        if let Some(t) = &mut self.editing {
            if std::mem::take(&mut self.fresh) {
                t.clear();
            }
            t.push(c);
        }
    }

    pub fn backspace(&mut self) {
        self.fresh = false;
        if let Some(t) = &mut self.editing {
            t.pop();
        }
    }

    /// The live changes the form makes (fields confirmed since it opened).
    pub fn changes(&self) -> Vec<SettingChange> {
        self.fields
            .iter()
            .filter(|f| f.changed && f.error.is_none())
            .filter_map(|f| f.key.change(&self.settings))
            .collect()
    }
}
