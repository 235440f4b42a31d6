//! Experiments built on single trainings: the single-equivariance table (13 data sets x
//! 13 networks) and the final evaluation of a search's best states.

mod final_eval;
mod run;
mod sets;
mod single;
mod verdict;

pub use crate::evaluation::EvalRow;
pub use final_eval::{final_eval, fit_sizes};
pub use run::{ExpError, ExpProgress, replicates};
pub use sets::{set_label, single_sets};
pub use single::{SingleTable, single_test};
pub use verdict::{Verdict, eval_table_text, verdict};
