//! The search's reward formulas (docs/method.md §6): what a state's validation accuracy
//! is worth against the plain network's.

use serde::{Deserialize, Serialize};

/// Which formula turns (accuracy, base accuracy) into a reward. Accuracies arrive in
/// percent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reward {
    /// d · exp(|d|) with d = acc − b in percentage points: the paper's formula as its
    /// code computes it. It overflows f32 past |d| ≈ 84.3.
    Paper,
    /// The same formula with d as a fraction (acc − b) / 100, bounded by ±e.
    Fraction,
    /// d = acc − b in percentage points: linear, within ±100.
    Diff,
}

impl Reward {
    pub const ALL: [Reward; 3] = [Reward::Paper, Reward::Fraction, Reward::Diff];

    pub fn name(self) -> &'static str {
        match self {
            Reward::Paper => "paper",
            Reward::Fraction => "fraction",
            Reward::Diff => "diff",
        }
    }

    /// The reward of accuracy `acc` against base `base`, both in percent.
    ///
    /// ```
    /// use aen_engine::settings::Reward;
    /// assert!((Reward::Paper.of(91.0, 90.0) - std::f64::consts::E).abs() < 1e-12);
    /// assert!((Reward::Fraction.of(100.0, 0.0) - std::f64::consts::E).abs() < 1e-12);
    /// assert_eq!(Reward::Diff.of(80.0, 90.0), -10.0);
    /// ```
    pub fn of(self, acc: f64, base: f64) -> f64 {
        let points = acc - base;
        match self {
            Reward::Paper => exp_scaled(points),
            Reward::Fraction => exp_scaled(points / 100.0),
            Reward::Diff => points,
        }
    }
}

fn exp_scaled(d: f64) -> f64 {
    d * d.abs().exp()
}
