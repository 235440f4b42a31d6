//! The twelve cyclic groups of docs/method.md §1 as permutations of an n x n grid, and
//! group vectors (which of the twelve are selected).
//!
//! A permutation `p` maps cell index `i = r*n + c` to `p[i]`, the cell the content of
//! `i` moves to. Applying `g` to an image therefore writes `out[p[i]] = in[i]`.

use serde::{Deserialize, Serialize};
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

/// A permutation of grid cells: `self.0[i]` is where cell i goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Perm(pub Vec<u32>);

impl Perm {
    pub fn identity(len: usize) -> Perm {
        Perm((0..len as u32).collect())
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn is_identity(&self) -> bool {
        self.0.iter().enumerate().all(|(i, &p)| p as usize == i)
    }

    /// `self` after `first`: cell i goes to self(first(i)).
    pub fn after(&self, first: &Perm) -> Perm {
        Perm(first.0.iter().map(|&j| self.0[j as usize]).collect())
    }

    pub fn pow(&self, k: usize) -> Perm {
        let mut out = Perm::identity(self.len());
        for _ in 0..k {
            out = self.after(&out);
        }
        out
    }

    /// Smallest k > 0 with self^k = id: the lcm of the cycle lengths.
    pub fn order(&self) -> usize {
        let mut seen = vec![false; self.len()];
        let mut order = 1usize;
        for start in 0..self.len() {
            if seen[start] {
                continue;
            }
            let mut len = 0;
            let mut i = start;
            while !seen[i] {
                seen[i] = true;
                i = self.0[i] as usize;
                len += 1;
            }
            order = lcm(order, len);
        }
        order
    }

    pub fn is_bijection(&self) -> bool {
        let mut hit = vec![false; self.len()];
        for &p in &self.0 {
            match hit.get_mut(p as usize) {
                Some(h) if !*h => *h = true,
                _ => return false,
            }
        }
        true
    }

    /// Moves the content of every cell to its image: `out[p(i)] = img[i]`.
    pub fn apply<T: Copy>(&self, img: &[T], out: &mut [T]) {
        for (i, &p) in self.0.iter().enumerate() {
            out[p as usize] = img[i];
        }
    }
}

pub fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

pub fn lcm(a: usize, b: usize) -> usize {
    a / gcd(a, b) * b
}

/// Which of the twelve groups are selected: bit k set means `Group::ALL[k]`.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct GroupSet(u16);

/// The paper's six multi-group presets (§3).
pub const PRESETS: [&[Group]; 6] = [
    &[],
    &[Group::HFlip, Group::VFlip, Group::Sc2, Group::Sc7],
    &[Group::Rot90, Group::HFlip, Group::Sc4, Group::Sc5],
    &[Group::Rot90, Group::HTrans, Group::Sc3, Group::Sc6],
    &[
        Group::Rot90,
        Group::HFlip,
        Group::VFlip,
        Group::HTrans,
        Group::VTrans,
        Group::Sc1,
    ],
    &Group::ALL,
];

impl GroupSet {
    pub const EMPTY: GroupSet = GroupSet(0);
    pub const ALL: GroupSet = GroupSet((1 << NUM_GROUPS) - 1);

    pub fn from_bits(bits: u16) -> GroupSet {
        GroupSet(bits & Self::ALL.0)
    }

    pub fn bits(self) -> u16 {
        self.0
    }

    pub fn single(g: Group) -> GroupSet {
        GroupSet(1 << g.bit())
    }

    pub fn preset(k: usize) -> Option<GroupSet> {
        PRESETS.get(k).map(|gs| gs.iter().copied().collect())
    }

    pub fn contains(self, g: Group) -> bool {
        self.0 & (1 << g.bit()) != 0
    }

    pub fn toggle(self, g: Group) -> GroupSet {
        GroupSet(self.0 ^ (1 << g.bit()))
    }

    pub fn with(self, g: Group) -> GroupSet {
        GroupSet(self.0 | (1 << g.bit()))
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    pub fn iter(self) -> impl Iterator<Item = Group> {
        Group::ALL.into_iter().filter(move |g| self.contains(*g))
    }

    /// The 12-character bit string, bit 0 (rot90) on the left.
    pub fn bit_string(self) -> String {
        Group::ALL
            .iter()
            .map(|g| if self.contains(*g) { '1' } else { '0' })
            .collect()
    }

    /// Which preset this set is, if any.
    pub fn preset_index(self) -> Option<usize> {
        (0..PRESETS.len()).find(|&k| GroupSet::preset(k) == Some(self))
    }

    /// Parses names (`rot90,hflip`), 12 bits (`110000000000`), a preset (`preset:2`),
    /// `none` or `all`. Text that names no group (``, `,`) is an error: an empty set
    /// must be asked for explicitly, not reached by a slip.
    ///
    /// ```
    /// use aen_core::groups::GroupSet;
    /// let g = GroupSet::parse("rot90,hflip").unwrap();
    /// assert_eq!(g.bit_string(), "110000000000");
    /// assert_eq!(GroupSet::parse("preset:2").unwrap().to_string(), "rot90,hflip,sc4,sc5");
    /// assert!(GroupSet::parse("rot91").unwrap_err().to_string().contains("valid names"));
    /// assert!(GroupSet::parse(" , ").unwrap_err().to_string().contains("`none`"));
    /// ```
    pub fn parse(text: &str) -> Result<GroupSet, GroupError> {
        let t = text.trim();
        let lower = t.to_ascii_lowercase();
        if lower == "none" || lower == "plain" {
            return Ok(GroupSet::EMPTY);
        }
        if lower == "all" {
            return Ok(GroupSet::ALL);
        }
        if let Some(k) = lower.strip_prefix("preset:") {
            return k
                .trim()
                .parse::<usize>()
                .ok()
                .and_then(GroupSet::preset)
                .ok_or_else(|| GroupError::BadPreset(t.to_string()));
        }
        if !lower.is_empty() && lower.chars().all(|c| c == '0' || c == '1') {
            if lower.len() != NUM_GROUPS {
                return Err(GroupError::BadBits(t.to_string()));
            }
            let mut bits = 0u16;
            for (k, ch) in lower.chars().enumerate() {
                if ch == '1' {
                    bits |= 1 << k;
                }
            }
            return Ok(GroupSet(bits));
        }
        let mut set = GroupSet::EMPTY;
        let mut named = 0;
        for name in lower.split([',', '+', ' ']).filter(|s| !s.is_empty()) {
            set = set.with(Group::from_name(name)?);
            named += 1;
        }
        if named == 0 {
            return Err(GroupError::NoGroupNamed(text.to_string()));
        }
        Ok(set)
    }
}

impl FromIterator<Group> for GroupSet {
    fn from_iter<I: IntoIterator<Item = Group>>(iter: I) -> Self {
        iter.into_iter().fold(GroupSet::EMPTY, |s, g| s.with(g))
    }
}

impl fmt::Display for GroupSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("none");
        }
        let names: Vec<&str> = self.iter().map(|g| g.name()).collect();
        f.write_str(&names.join(","))
    }
}

impl std::str::FromStr for GroupSet {
    type Err = GroupError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        GroupSet::parse(s)
    }
}

impl TryFrom<String> for GroupSet {
    type Error = GroupError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        GroupSet::parse(&s)
    }
}

impl From<GroupSet> for String {
    fn from(g: GroupSet) -> String {
        g.to_string()
    }
}

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

/// All powers g^0 .. g^(order-1) of each selected group's generator, used to draw
/// random group elements quickly.
pub struct GroupPowers {
    pub per_group: Vec<(Group, Vec<Perm>)>,
}

impl GroupPowers {
    pub fn new(
        set: GroupSet,
        n: usize,
        shift: impl Into<Shift>,
    ) -> Result<GroupPowers, GroupError> {
        let step = shift.into().step_on(n)?;
        let mut per_group = Vec::new();
        for g in set.iter() {
            let generator = g.generator(n, step)?;
            let order = generator.order();
            let mut powers = vec![Perm::identity(n * n)];
            for k in 1..order {
                powers.push(generator.after(&powers[k - 1]));
            }
            per_group.push((g, powers));
        }
        Ok(GroupPowers { per_group })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_names_bits_and_presets() {
        let a = GroupSet::parse("rot90,hflip").unwrap();
        assert_eq!(a.bit_string(), "110000000000");
        assert_eq!(GroupSet::parse("110000000000").unwrap(), a);
        assert_eq!(
            GroupSet::parse("preset:2").unwrap().to_string(),
            "rot90,hflip,sc4,sc5"
        );
        assert!(matches!(
            GroupSet::parse("rot91"),
            Err(GroupError::UnknownName { .. })
        ));
        assert!(matches!(
            GroupSet::parse("1100"),
            Err(GroupError::BadBits(_))
        ));
        assert!(matches!(
            GroupSet::parse("preset:9"),
            Err(GroupError::BadPreset(_))
        ));
    }
}
