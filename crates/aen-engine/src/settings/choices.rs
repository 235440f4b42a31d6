//! Settings whose values are one of a few names.

use super::value::SettingValue;
use serde::{Deserialize, Serialize};

/// Which strategy a search runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StrategyKind {
    #[default]
    Dqn,
    Random,
    Local,
    Evolution,
}

impl StrategyKind {
    pub const ALL: [StrategyKind; 4] = [
        StrategyKind::Dqn,
        StrategyKind::Random,
        StrategyKind::Local,
        StrategyKind::Evolution,
    ];

    pub fn name(self) -> &'static str {
        match self {
            StrategyKind::Dqn => "dqn",
            StrategyKind::Random => "random",
            StrategyKind::Local => "local",
            StrategyKind::Evolution => "evolution",
        }
    }

    /// What the per-action scores of a step mean, for charts.
    pub fn scores_title(self) -> &'static str {
        match self {
            StrategyKind::Dqn => "Q-values",
            _ => "accuracy of each one-bit neighbour (known ones)",
        }
    }
}

impl SettingValue for StrategyKind {
    const HINT: &'static str = "NAME";
    const CHOICES: &'static [&'static str] = &["dqn", "random", "local", "evolution"];
    fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim().to_ascii_lowercase();
        StrategyKind::ALL
            .into_iter()
            .find(|k| k.name() == t)
            .ok_or_else(|| "is not a strategy; choose dqn, random, local or evolution".into())
    }
    fn show(&self) -> String {
        self.name().to_string()
    }
}

/// Which group sets count as one network (docs/method.md §11).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Equivalence {
    /// Sets with the same closure build the same network: it trains once, from the
    /// closure's seed.
    #[default]
    Closure,
    /// Every set is a network of its own, with its own seed (aen before 0.2).
    None,
}

impl Equivalence {
    pub const ALL: [Equivalence; 2] = [Equivalence::Closure, Equivalence::None];

    pub fn name(self) -> &'static str {
        match self {
            Equivalence::Closure => "closure",
            Equivalence::None => "none",
        }
    }
}

impl SettingValue for Equivalence {
    const HINT: &'static str = "NAME";
    const CHOICES: &'static [&'static str] = &["closure", "none"];
    fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim().to_ascii_lowercase();
        Equivalence::ALL
            .into_iter()
            .find(|k| k.name() == t)
            .ok_or_else(|| "is not an equivalence; choose closure or none".into())
    }
    fn show(&self) -> String {
        self.name().to_string()
    }
}
