//! Group vectors: which of the twelve groups are selected, the presets, and how a set
//! is written and parsed.

use super::group::{Group, GroupError, NUM_GROUPS};
use serde::{Deserialize, Serialize};
use std::fmt;

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
