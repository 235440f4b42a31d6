//! Settings: defaults < config file < command-line flags, all declared once in the
//! table below.
//!
//! Each row of [`settings_table!`] gives a setting's key, type, default, allowed values,
//! help text, command-line flag and whether it can change while a search runs. From
//! that one row come the `Settings` struct (and so the TOML file format), validation,
//! the flags of every subcommand, the TUI's forms, the text of live changes and
//! `config.example.toml` ([`example::example_toml`]). Adding a setting is adding a row.

pub mod advice;
mod choices;
mod derived;
pub mod example;
mod value;

pub use crate::reward::Reward;
pub use choices::{Equivalence, StrategyKind};
pub use value::{Bounds, SettingValue};

use crate::classes::{Classes, Grid};
use crate::data::DatasetKind;
use crate::gdata::{Normalize, Resample};
use crate::groups::{GroupSet, Translation};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What a setting's value changes. From this column come what a sweep table's identity
/// must record (every `Child` setting: a test checks it) and what a reproduction folder's
/// identity leaves out (`Resources`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Affects {
    /// A child network's result: its G-data or its training.
    Child,
    /// The search's path, never a child's result.
    Search,
    /// The final evaluation and the single-equivariance table.
    Final,
    /// How fast, never what: no result depends on it.
    Resources,
}

/// One setting, as declared in the table.
pub struct Spec {
    /// `section.name`, as in the config file.
    pub key: &'static str,
    pub section: &'static str,
    pub name: &'static str,
    pub help: &'static str,
    /// The long command-line flag, if the setting has one.
    pub flag: Option<&'static str>,
    /// Whether a running search accepts a change of it.
    pub live: bool,
    /// What its value changes: see [`Affects`].
    pub affects: Affects,
    pub bounds: Bounds,
    /// What the flag's value looks like, for help text.
    pub hint: &'static str,
    /// Every value of a choice setting (empty for the others).
    pub choices: &'static [&'static str],
    get: fn(&Settings) -> String,
    set: fn(&mut Settings, &str) -> Result<(), String>,
    check: fn(&Settings, &Bounds) -> Result<(), String>,
    toml: fn(&Settings) -> Option<toml::Value>,
}

impl std::fmt::Debug for Spec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key)
    }
}

impl Spec {
    /// The one strategy that reads this setting, where only one does: forms show the
    /// running strategy's own settings and dim the others' on the set-up screen.
    pub fn strategy(&self) -> Option<StrategyKind> {
        match self.key {
            "search.fixed_epsilon"
            | "search.epsilon_schedule"
            | "search.q_lr"
            | "search.gamma"
            | "search.target_update"
            | "search.replay_capacity"
            | "search.q_batch" => Some(StrategyKind::Dqn),
            "search.population" | "search.tournament" => Some(StrategyKind::Evolution),
            _ => None,
        }
    }

    /// Whether a search with `strategy` reads this setting.
    pub fn applies_to(&self, strategy: StrategyKind) -> bool {
        self.strategy().is_none_or(|k| k == strategy)
    }

    /// The value in `s`, as text that [`Spec::set`] reads back.
    pub fn get(&self, s: &Settings) -> String {
        (self.get)(s)
    }

    /// Parses `text` into `s` and checks this setting's bounds; other settings are
    /// untouched and unchecked (see [`Settings::set`] for the whole check).
    pub fn set(&self, s: &mut Settings, text: &str) -> Result<(), ConfigError> {
        let mut t = s.clone();
        (self.set)(&mut t, text)
            .map_err(|msg| self.invalid(text.trim(), self.with_allowed(msg)))?;
        self.check(&t)?;
        *s = t;
        Ok(())
    }

    pub fn check(&self, s: &Settings) -> Result<(), ConfigError> {
        (self.check)(s, &self.bounds).map_err(|msg| self.invalid(&self.get(s), msg))
    }

    /// A message about unreadable text, with what would have been accepted.
    fn with_allowed(&self, msg: String) -> String {
        match self.bounds.describe() {
            Some(d) if !msg.contains("allowed") => format!("{msg}; allowed: {d}"),
            _ => msg,
        }
    }

    fn invalid(&self, value: &str, msg: String) -> ConfigError {
        ConfigError::Invalid {
            key: self.key,
            value: value.to_string(),
            msg,
        }
    }

    /// The default value as text.
    pub fn default_text(&self) -> String {
        self.get(&Settings::default())
    }
}

/// Declares the settings: a struct per section, their defaults, and [`TABLE`].
macro_rules! settings_table {
    ($(
        $(#[doc = $sdoc:literal])*
        [$section:ident: $Section:ident] {
            $(
                $(#[doc = $help:literal])+
                $name:ident: $ty:ty = $default:expr,
                    flag $flag:expr, live $live:literal, allowed $bounds:expr, affects $affects:ident;
            )*
        }
    )*) => {
        /// Every setting of aen; see the module docs.
        #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct Settings {
            $( $(#[doc = $sdoc])* pub $section: $Section, )*
        }
        $(
            $(#[doc = $sdoc])*
            #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
            #[serde(default, deny_unknown_fields)]
            pub struct $Section {
                $( $(#[doc = $help])+ pub $name: $ty, )*
            }
            impl Default for $Section {
                fn default() -> Self {
                    $Section { $( $name: $default, )* }
                }
            }
        )*
        /// Every setting, in the order of the config file.
        pub static TABLE: &[Spec] = &[$($(
            Spec {
                key: concat!(stringify!($section), ".", stringify!($name)),
                section: stringify!($section),
                name: stringify!($name),
                help: concat!($($help, "\n"),+),
                flag: $flag,
                live: $live,
                bounds: $bounds,
                affects: Affects::$affects,
                hint: <$ty as SettingValue>::HINT,
                choices: <$ty as SettingValue>::CHOICES,
                get: |s| SettingValue::show(&s.$section.$name),
                set: |s, t| {
                    s.$section.$name = SettingValue::parse(t)?;
                    Ok(())
                },
                check: |s, b| SettingValue::check(&s.$section.$name, b),
                toml: |s| toml::Value::try_from(&s.$section.$name).ok(),
            },
        )*)*];
        /// The sections, with their descriptions, in the order of the config file.
        pub static SECTIONS: &[(&str, &str)] = &[$(
            (stringify!($section), concat!($($sdoc, "\n"),*)),
        )*];
    };
}

settings_table! {
    /// The base data set and the G-data built from it (docs/method.md §2).
    [data: DataSettings] {
        /// Base data set: "mnist", "fashion-mnist", or "files": whatever --data-dir
        /// holds (IDX, .npz, .npy, CIFAR-10 batches or an image folder).
        dataset: DatasetKind = DatasetKind::Mnist,
            flag Some("dataset"), live false, allowed Bounds::Any, affects Child;
        /// Where it comes from: "auto" (the first found of data-dir, downloaded,
        /// system, embedded), or one of those names to insist on it.
        source: String = "auto".into(),
            flag Some("source"), live false, allowed Bounds::Source, affects Child;
        /// A folder holding train-images-idx3-ubyte(.gz), train-labels-idx1-ubyte(.gz),
        /// t10k-images-idx3-ubyte(.gz) and t10k-labels-idx1-ubyte(.gz), directly or in
        /// a sub-folder named after the data set; with dataset "files", any format
        /// `aen data list` names. Unset by default.
        data_dir: Option<PathBuf> = None,
            flag Some("data-dir"), live false, allowed Bounds::Any, affects Child;
        /// Resize every image to N x N (bilinear, per channel) when it loads, for data
        /// whose images are not square with an even side. Unset by default: images
        /// are taken as they are.
        resize: Option<usize> = None,
            flag Some("resize"), live false, allowed Bounds::Int(2, 512), affects Child;
        /// Groups applied at random to every image of the G-data: names
        /// ("rot90,hflip"), 12 bits with rot90 on the left ("110000001100"),
        /// "preset:0" .. "preset:5", "none" or "all".
        groups: GroupSet = GroupSet::preset(2).unwrap_or_default(),
            flag Some("data-groups"), live false, allowed Bounds::Any, affects Child;
        /// Translation step d of htrans and vtrans, in cells of both the input grid
        /// (28x28 for MNIST) and the 20x20 hidden grid.
        step: usize = 4,
            flag Some("step"), live false, allowed Bounds::Int(1, 20), affects Child;
        /// htrans and vtrans: "paper" shifts by step on both grids (orders 7 and 5 at
        /// step 4); "compatible" shifts each grid by a quarter of its size (7 on 28, 5
        /// on 20, order 4 on both) and ignores step.
        translation: Translation = Translation::Paper,
            flag Some("translation"), live false, allowed Bounds::Any, affects Child;
        /// Seed of the data splits, the group transformations, every network's initial
        /// weights and the search's random choices.
        seed: u64 = 0,
            flag Some("seed"), live false, allowed Bounds::Any, affects Child;
        /// Input standardisation: "paper" ((x - 0.1307) / 0.3081 on pixels in [0, 1]),
        /// "none" (pixels in [0, 1]) or "dataset" (mean and standard deviation of the
        /// training split).
        normalize: Normalize = Normalize::Paper,
            flag Some("normalize"), live false, allowed Bounds::Any, affects Child;
        /// Group elements of the training images: "fixed" (drawn once) or "per-epoch"
        /// (a fresh seeded draw every epoch); validation and test stay fixed.
        resample: Resample = Resample::Fixed,
            flag Some("resample"), live false, allowed Bounds::Any, affects Child;
    }
    /// The search protocol for each child network (docs/method.md §5).
    [child: ChildSettings] {
        /// Epochs of each child network.
        epochs: usize = 4,
            flag Some("epochs"), live true, allowed Bounds::Int(1, 1000), affects Child;
        /// Training images (train + validation + test must fit the data; the embedded
        /// pool holds 10,000).
        train_size: usize = 4000,
            flag Some("train-size"), live false, allowed Bounds::Int(1, 60_000), affects Child;
        /// Validation images: the accuracy that makes the reward.
        val_size: usize = 1000,
            flag Some("val-size"), live false, allowed Bounds::Int(1, 60_000), affects Child;
        /// Test images, reported beside the validation accuracy.
        test_size: usize = 1000,
            flag Some("test-size"), live false, allowed Bounds::Int(1, 10_000), affects Child;
        /// Mini-batch size.
        batch: usize = 64,
            flag Some("batch"), live true, allowed Bounds::Int(1, 4096), affects Child;
        /// Adam learning rate of the child networks.
        lr: f64 = 1e-3,
            flag Some("lr"), live true, allowed Bounds::OpenUnit, affects Child;
        /// Child networks trained at once: 0 is one per core on the CPU (one with
        /// CUDA). Results do not depend on it: a search trains ahead the states it
        /// predicts it will need next, a sweep trains several states at once.
        jobs: usize = 0,
            flag Some("jobs"), live true, allowed Bounds::Int(0, 1024), affects Resources;
        /// Children each trainer trains in one pass, with one set of batched gathers
        /// and matrix products for all of them: 0 is 1 on the CPU (each child alone,
        /// the same bits however many trainers) and 32 with CUDA, where a pass costs
        /// about what one child does. Above 1, results change at float precision.
        per_pass: usize = 0,
            flag Some("per-pass"), live true, allowed Bounds::Int(0, 512), affects Child;
    }
    /// Deep Q-learning over group vectors (docs/method.md §6).
    [search: SearchSettings] {
        /// The search strategy: dqn (the paper's deep Q-learning), random (uniform over
        /// untried states), local (hill climbing over one-bit flips with random
        /// restarts) or evolution (regularized evolution).
        strategy: StrategyKind = StrategyKind::Dqn,
            flag Some("strategy"), live false, allowed Bounds::Any, affects Search;
        /// A fixed epsilon instead of the schedule. Unset by default (empty in forms).
        fixed_epsilon: Option<f64> = None,
            flag Some("epsilon"), live true, allowed Bounds::Float(0.0, 1.0), affects Search;
        /// Epsilon-greedy schedule: [models trained, epsilon] pairs; epsilon is that of
        /// the last threshold reached. Thresholds increase from 0; epsilons lie in 0 to
        /// 1. On the command line: 0:1.0,200:0.9,...
        epsilon_schedule: Vec<(usize, f64)> = paper_epsilon_schedule(),
            flag Some("epsilon-schedule"), live true, allowed Bounds::Schedule, affects Search;
        /// Steps per episode.
        episode_len: usize = 100,
            flag Some("episode-len"), live false, allowed Bounds::Int(1, 100_000), affects Search;
        /// Stop after this many distinct models trained ...
        max_models: usize = 1000,
            flag Some("max-models"), live true, allowed Bounds::Int(1, 4096), affects Search;
        /// ... or after this many episodes, whichever comes first.
        max_episodes: usize = 60,
            flag Some("max-episodes"), live true, allowed Bounds::Int(1, 100_000), affects Search;
        /// Reward of a state with d = accuracy - base accuracy: "paper" (d exp|d|, d in
        /// percentage points), "fraction" (the same, d as a fraction, within +-e) or
        /// "diff" (d in points).
        reward: Reward = Reward::Paper,
            flag Some("reward"), live false, allowed Bounds::Any, affects Search;
        /// Adam learning rate of the Q-network.
        q_lr: f64 = 1e-3,
            flag Some("q-lr"), live true, allowed Bounds::OpenUnit, affects Search;
        /// Discount factor.
        gamma: f64 = 0.5,
            flag Some("gamma"), live true, allowed Bounds::Float(0.0, 0.999), affects Search;
        /// Copy the policy network into the target network every this many models
        /// trained.
        target_update: usize = 2,
            flag Some("target-update"), live true, allowed Bounds::Int(1, 10_000), affects Search;
        /// Replay memory size, in transitions.
        replay_capacity: usize = 10_000,
            flag Some("replay-capacity"), live false, allowed Bounds::Int(1, 1_000_000), affects Search;
        /// Q-learning batch size; the Q-network trains once the memory holds a batch.
        q_batch: usize = 128,
            flag Some("q-batch"), live false, allowed Bounds::Int(1, 4096), affects Search;
        /// A sweep table (`aen sweep`) to look accuracies up in instead of training
        /// (seed data.seed mod the table's seeds). Unset by default: train.
        table: Option<PathBuf> = None,
            flag Some("table"), live false, allowed Bounds::Any, affects Search;
        /// Regularized evolution: population size (members before selection starts).
        population: usize = 20,
            flag Some("population"), live true, allowed Bounds::Int(2, 1000), affects Search;
        /// Regularized evolution: members sampled per tournament.
        tournament: usize = 5,
            flag Some("tournament"), live true, allowed Bounds::Int(1, 1000), affects Search;
        /// Group sets that build the same network: "closure" (sets with the same
        /// closure tie their weights identically, so each such network trains once, from
        /// its closure's seed, and max_models counts networks) or "none" (every set is
        /// a network of its own, with its own seed, as aen did before 0.2).
        equivalence: Equivalence = Equivalence::Closure,
            flag Some("equivalence"), live false, allowed Bounds::Any, affects Child;
    }
    /// The single-equivariance protocol, used by `aen single-test` and the final
    /// evaluation of a search (docs/method.md §7). On the embedded pool the training
    /// split shrinks to fit.
    [final_eval: FinalEvalSettings] {
        /// Epochs of each network.
        epochs: usize = 10,
            flag Some("final-epochs"), live false, allowed Bounds::Int(1, 1000), affects Final;
        /// Training images.
        train_size: usize = 10_000,
            flag Some("final-train-size"), live false, allowed Bounds::Int(1, 60_000), affects Final;
        /// Validation images.
        val_size: usize = 1000,
            flag Some("final-val-size"), live false, allowed Bounds::Int(1, 60_000), affects Final;
        /// Test images.
        test_size: usize = 1000,
            flag Some("final-test-size"), live false, allowed Bounds::Int(1, 10_000), affects Final;
        /// How many of the best searched states are retrained.
        top_k: usize = 3,
            flag Some("top-k"), live false, allowed Bounds::Int(1, 64), affects Final;
        /// Seeds per network: with two or more, each row is a mean with its standard
        /// deviation, and the best searched network is compared with the best single
        /// one by Welch's t-test (95% interval of the gain).
        seeds: usize = 1,
            flag Some("final-seeds"), live false, allowed Bounds::Int(1, 100), affects Final;
    }
}

/// The epsilon schedule of docs/method.md §6.
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

/// Config files and snapshots larger than this are refused before they are read.
pub const MAX_CONFIG_BYTES: u64 = 1 << 20;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read config: {msg}")]
    Io { path: PathBuf, msg: String },
    #[error("{path}: {msg}")]
    Parse { path: PathBuf, msg: String },
    #[error("{key} = {value} {msg}")]
    Invalid {
        key: &'static str,
        value: String,
        msg: String,
    },
    #[error("unknown setting `{0}` (see config.example.toml for every key)")]
    UnknownKey(String),
    #[error("{key} cannot change while a search runs")]
    NotLive { key: &'static str },
}

/// The setting with this key (`section.name`).
pub fn spec(key: &str) -> Option<&'static Spec> {
    TABLE.iter().find(|s| s.key == key)
}

impl Settings {
    /// The default config file: `<config dir>/aen/config.toml`.
    pub fn default_path() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "aen").map(|p| p.config_dir().join("config.toml"))
    }

    pub fn from_toml(text: &str, path: &Path) -> Result<Settings, ConfigError> {
        let s: Settings = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            msg: e.to_string().trim_end().to_string(),
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
        let Some(p) = chosen else {
            return Ok(Settings::default());
        };
        let bytes = crate::fsio::read_capped(&p, MAX_CONFIG_BYTES, "config file").map_err(|e| {
            // The path leads the message already.
            ConfigError::Io {
                path: p.clone(),
                msg: e.problem.to_string(),
            }
        })?;
        let text = String::from_utf8(bytes).map_err(|_| ConfigError::Parse {
            path: p.clone(),
            msg: "not UTF-8 text".into(),
        })?;
        Self::from_toml(&text, &p)
    }

    /// Sets one setting from text (a flag, a form field, a live change) and checks
    /// the whole result, so nothing invalid is ever held.
    pub fn set(&mut self, key: &str, text: &str) -> Result<(), ConfigError> {
        let spec = spec(key).ok_or_else(|| ConfigError::UnknownKey(key.to_string()))?;
        let mut t = self.clone();
        spec.set(&mut t, text)?;
        t.validate()?;
        *self = t;
        Ok(())
    }

    /// Every setting within its bounds; finite numbers only.
    pub fn validate(&self) -> Result<(), ConfigError> {
        TABLE.iter().try_for_each(|s| s.check(self))
    }
}

/// The classes under `equivalence` on `grid`; None under `none`. Settings that
/// passed validation always have a shift valid on both grids.
pub fn network_classes(equivalence: Equivalence, grid: impl Into<Grid>) -> Option<Arc<Classes>> {
    match equivalence {
        Equivalence::None => None,
        Equivalence::Closure => Classes::of(grid).ok(),
    }
}

/// The state whose network `state` trains, and whose seed it takes: its closure, or
/// itself when there are no classes.
pub fn network_of(classes: Option<&Classes>, state: GroupSet) -> GroupSet {
    classes.map_or(state, |c| c.closure(state))
}

pub fn epsilon_at(schedule: &[(usize, f64)], models_trained: usize) -> f64 {
    schedule
        .iter()
        .take_while(|(t, _)| *t <= models_trained)
        .last()
        .map(|(_, e)| *e)
        .unwrap_or(1.0)
}
