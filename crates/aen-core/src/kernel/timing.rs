//! Where a training step's time goes: a phase timer that costs nothing when off.

use std::time::{Duration, Instant};

/// Where a step's time goes (`Work::time`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Standardising images into the input rows.
    Input,
    /// Tied weights and biases gathered into full matrices.
    Gather,
    /// The matrix products.
    Matmul,
    /// Bias rows, ReLU and its mask, bias gradients.
    Elementwise,
    /// Tied weight gradients scatter-added into their orbits.
    Scatter,
    /// Softmax cross-entropy (or Huber) and its gradient.
    Loss,
    Optimiser,
    /// Validation and test passes, whatever they spend it on.
    Eval,
}

/// Time spent per phase, and steps taken.
#[derive(Clone, Debug, Default)]
pub struct Timing {
    pub spent: [Duration; 8],
    pub steps: u64,
}

impl Timing {
    pub const PHASES: [&str; 8] = [
        "input",
        "gather",
        "matmul",
        "elementwise",
        "scatter",
        "loss",
        "optimiser",
        "evaluation",
    ];

    pub fn total(&self) -> Duration {
        self.spent.iter().sum()
    }

    pub fn add(&mut self, other: &Timing) {
        for (a, b) in self.spent.iter_mut().zip(other.spent) {
            *a += b;
        }
        self.steps += other.steps;
    }
}

/// A stopwatch that is free when off.
#[derive(Debug)]
pub(super) struct Clock {
    pub(super) on: Option<(Instant, Timing)>,
    pub(super) eval: bool,
}

impl Clock {
    pub(super) fn tick(&mut self, p: Phase) {
        if let Some((last, t)) = &mut self.on {
            let now = Instant::now();
            let p = if self.eval { Phase::Eval } else { p };
            t.spent[p as usize] += now - *last;
            *last = now;
        }
    }
}
