//! The translation step: how htrans and vtrans choose their step on each grid.

use super::group::GroupError;
use serde::{Deserialize, Serialize};

/// How htrans and vtrans choose their step on each grid (docs/method.md §1, §9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Translation {
    /// One step d on every grid, as the paper: orders differ between 28 and 20.
    Paper,
    /// Each grid shifts by n / 4, so the shift has order 4 on both grids and the joint
    /// group of a 28 -> 20 layer stays cyclic of order 4.
    Compatible,
}

/// The translation step as a rule that gives each grid its own step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Shift {
    /// The same step on every grid.
    Step(usize),
    /// The step n / order on an n x n grid, which must divide evenly.
    Order(usize),
}

/// Every grid shifts by the same step.
impl From<usize> for Shift {
    fn from(step: usize) -> Shift {
        Shift::Step(step)
    }
}

/// The order of translations under [`Translation::Compatible`]: it divides both 28 and
/// 20, the only orders a shift can have on both grids being 1, 2 and 4.
pub const COMPATIBLE_ORDER: usize = 4;

impl Shift {
    pub fn new(translation: Translation, step: usize) -> Shift {
        match translation {
            Translation::Paper => Shift::Step(step),
            Translation::Compatible => Shift::Order(COMPATIBLE_ORDER),
        }
    }

    /// The step on an n x n grid.
    pub fn step_on(self, n: usize) -> Result<usize, GroupError> {
        match self {
            Shift::Step(d) => Ok(d),
            Shift::Order(k) if k > 0 && k <= n && n.is_multiple_of(k) => Ok(n / k),
            Shift::Order(k) => Err(GroupError::BadOrder { order: k, n }),
        }
    }
}
