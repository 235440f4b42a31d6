//! One of the twelve cyclic groups of docs/method.md §1: its bit, name and generator
//! on an n x n grid, and the errors of naming or building groups.

use super::perm::Perm;
use std::fmt;

pub const NUM_GROUPS: usize = 12;

/// One of the twelve groups, in bit order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Group {
    Rot90,
    HFlip,
    VFlip,
    HTrans,
    VTrans,
    Sc1,
    Sc2,
    Sc3,
    Sc4,
    Sc5,
    Sc6,
    Sc7,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum GroupError {
    #[error("unknown group `{name}`; valid names: {}", valid_names())]
    UnknownName { name: String },
    #[error("group vector `{0}` must be 12 characters of 0 and 1 (bit 0 = rot90 on the left)")]
    BadBits(String),
    #[error("unknown preset `{0}`; presets are preset:0 .. preset:5")]
    BadPreset(String),
    #[error("group {group} needs an even grid size, got {n}")]
    OddGrid { group: &'static str, n: usize },
    #[error("translation step must be between 1 and the grid size {n}, got {step}")]
    BadStep { step: usize, n: usize },
    #[error("a translation of order {order} needs a grid size it divides, got {n}")]
    BadOrder { order: usize, n: usize },
    #[error("grid size must be at least 1")]
    EmptyGrid,
    #[error("group set `{0}` names no group; to ask for none, write `none` or 000000000000")]
    NoGroupNamed(String),
}

fn valid_names() -> String {
    Group::ALL
        .iter()
        .map(|g| g.name())
        .collect::<Vec<_>>()
        .join(", ")
}

impl Group {
    pub const ALL: [Group; NUM_GROUPS] = [
        Group::Rot90,
        Group::HFlip,
        Group::VFlip,
        Group::HTrans,
        Group::VTrans,
        Group::Sc1,
        Group::Sc2,
        Group::Sc3,
        Group::Sc4,
        Group::Sc5,
        Group::Sc6,
        Group::Sc7,
    ];

    pub fn bit(self) -> usize {
        self as usize
    }

    pub fn from_bit(bit: usize) -> Option<Group> {
        Group::ALL.get(bit).copied()
    }

    pub fn name(self) -> &'static str {
        match self {
            Group::Rot90 => "rot90",
            Group::HFlip => "hflip",
            Group::VFlip => "vflip",
            Group::HTrans => "htrans",
            Group::VTrans => "vtrans",
            Group::Sc1 => "sc1",
            Group::Sc2 => "sc2",
            Group::Sc3 => "sc3",
            Group::Sc4 => "sc4",
            Group::Sc5 => "sc5",
            Group::Sc6 => "sc6",
            Group::Sc7 => "sc7",
        }
    }

    /// A few words for help screens.
    pub fn describe(self) -> &'static str {
        match self {
            Group::Rot90 => "90-degree rotation",
            Group::HFlip => "horizontal flip",
            Group::VFlip => "vertical flip",
            Group::HTrans => "cyclic shift right by step",
            Group::VTrans => "cyclic shift down by step",
            Group::Sc1 => "quadrant cycle TL>TR>BR>BL",
            Group::Sc2 => "swap left and right halves",
            Group::Sc3 => "swap top and bottom halves",
            Group::Sc4 => "swap top/bottom of left half",
            Group::Sc5 => "swap top/bottom of right half",
            Group::Sc6 => "swap left/right of top half",
            Group::Sc7 => "swap left/right of bottom half",
        }
    }

    pub fn from_name(name: &str) -> Result<Group, GroupError> {
        let lower = name.trim().to_ascii_lowercase();
        Group::ALL
            .iter()
            .copied()
            .find(|g| g.name() == lower)
            .ok_or(GroupError::UnknownName {
                name: name.trim().to_string(),
            })
    }

    fn needs_even(self) -> bool {
        matches!(
            self,
            Group::Sc1
                | Group::Sc2
                | Group::Sc3
                | Group::Sc4
                | Group::Sc5
                | Group::Sc6
                | Group::Sc7
        )
    }

    /// Image of cell (r, c) under the generator on an n x n grid with translation step d.
    fn map(self, r: usize, c: usize, n: usize, d: usize) -> (usize, usize) {
        let h = n / 2;
        match self {
            Group::Rot90 => (c, n - 1 - r),
            Group::HFlip => (r, n - 1 - c),
            Group::VFlip => (n - 1 - r, c),
            Group::HTrans => (r, (c + d) % n),
            Group::VTrans => ((r + d) % n, c),
            Group::Sc1 => match (r < h, c < h) {
                (true, true) => (r, c + h),
                (true, false) => (r + h, c),
                (false, false) => (r, c - h),
                (false, true) => (r - h, c),
            },
            Group::Sc2 => (r, (c + h) % n),
            Group::Sc3 => ((r + h) % n, c),
            Group::Sc4 if c < h => ((r + h) % n, c),
            Group::Sc5 if c >= h => ((r + h) % n, c),
            Group::Sc6 if r < h => (r, (c + h) % n),
            Group::Sc7 if r >= h => (r, (c + h) % n),
            Group::Sc4 | Group::Sc5 | Group::Sc6 | Group::Sc7 => (r, c),
        }
    }

    /// The generator as a permutation of the n*n cells.
    pub fn generator(self, n: usize, step: usize) -> Result<Perm, GroupError> {
        if n == 0 {
            return Err(GroupError::EmptyGrid);
        }
        if self.needs_even() && !n.is_multiple_of(2) {
            return Err(GroupError::OddGrid {
                group: self.name(),
                n,
            });
        }
        if matches!(self, Group::HTrans | Group::VTrans) && (step == 0 || step > n) {
            return Err(GroupError::BadStep { step, n });
        }
        let mut p = vec![0u32; n * n];
        for r in 0..n {
            for c in 0..n {
                let (r2, c2) = self.map(r, c, n, step);
                p[r * n + c] = (r2 * n + c2) as u32;
            }
        }
        Ok(Perm(p))
    }

    /// The order of the cyclic group on an n x n grid (smallest k > 0 with g^k = id).
    pub fn order(self, n: usize, step: usize) -> Result<usize, GroupError> {
        Ok(self.generator(n, step)?.order())
    }
}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
