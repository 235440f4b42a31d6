//! Which group sets a table or a shard covers: a shard's part of the 4,096 states, and
//! a set of states as a bit field (how a table's header lists them).

use crate::error::{Result, ResultExt, bail};
use crate::groups::{GroupSet, NUM_GROUPS};
use serde::{Deserialize, Serialize};

/// Every group set.
pub const SPACE: usize = 1 << NUM_GROUPS;

/// A shard: part `index` (0-based) of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    /// Parses `K/N` with 0 <= K < N.
    ///
    /// ```
    /// use aen_engine::sweep::table::Shard;
    /// assert_eq!(Shard::parse("1/4").unwrap(), Shard { index: 1, count: 4 });
    /// assert!(Shard::parse("4/4").is_err());
    /// assert!(Shard::parse("0/0").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Shard> {
        let (k, n) = text
            .split_once('/')
            .with_context(|| format!("shard `{text}` is not K/N"))?;
        let index: usize = k
            .trim()
            .parse()
            .with_context(|| format!("shard `{text}`: `{k}` is not a whole number"))?;
        let count: usize = n
            .trim()
            .parse()
            .with_context(|| format!("shard `{text}`: `{n}` is not a whole number"))?;
        if count > SPACE {
            bail!(
                "shard `{text}`: at most {SPACE} parts (there are {SPACE} group sets; more parts would be empty)"
            );
        }
        if count == 0 {
            bail!("shard `{text}`: the number of parts must be at least 1");
        }
        if index >= count {
            bail!(
                "shard `{text}`: K is 0-based and must be below N (0/{count} .. {}/{count})",
                count - 1
            );
        }
        Ok(Shard { index, count })
    }

    /// Whether the state at `position` in the sorted list of states belongs here.
    /// Interleaving by position balances the parts: each gets every N-th state, so
    /// all parts see a similar mix of small and large group sets.
    pub fn owns(&self, position: usize) -> bool {
        position % self.count == self.index
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The set of states a sweep covers, as a 4,096-bit set.
#[derive(Clone, PartialEq, Eq)]
pub struct StateSet(Vec<u64>);

impl StateSet {
    pub fn new(states: &[GroupSet]) -> StateSet {
        let mut words = vec![0u64; SPACE / 64];
        for s in states {
            let b = s.bits() as usize;
            words[b / 64] |= 1 << (b % 64);
        }
        StateSet(words)
    }

    pub fn contains(&self, s: GroupSet) -> bool {
        let b = s.bits() as usize;
        self.0[b / 64] & (1 << (b % 64)) != 0
    }

    /// The states in increasing order of their bits (the table's order).
    pub fn states(&self) -> Vec<GroupSet> {
        (0..SPACE as u16)
            .map(GroupSet::from_bits)
            .filter(|s| self.contains(*s))
            .collect()
    }

    pub fn len(&self) -> usize {
        self.0.iter().map(|w| w.count_ones() as usize).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(super) fn to_hex(&self) -> String {
        self.0.iter().map(|w| format!("{w:016x}")).collect()
    }

    pub(super) fn from_hex(text: &str) -> Option<StateSet> {
        if text.len() != SPACE / 4 || !text.is_ascii() {
            return None;
        }
        let words = (0..SPACE / 64)
            .map(|i| u64::from_str_radix(&text[i * 16..(i + 1) * 16], 16).ok())
            .collect::<Option<Vec<u64>>>()?;
        Some(StateSet(words))
    }
}

impl std::fmt::Debug for StateSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StateSet({} states)", self.len())
    }
}
