//! Search strategies compared against a ground-truth table (docs/method.md §10): each
//! strategy runs many times, each run with its own seed, looking accuracies up in the
//! table (one seed of it per run, as a noisy evaluation) instead of training.
//!
//! Regret after n models: the table's best mean test accuracy minus the mean test
//! accuracy of the state the run holds best so far by its own (noisy) validation.

mod report;
mod run;
mod runner;
mod truth;

pub use report::{OUTPUTS, summary_text, write_outputs};
pub use run::{regret_curve, run_once};
pub(crate) use runner::compare_until;
pub use runner::{Runs, StrategyResult, compare};
pub use truth::GroundTruth;
