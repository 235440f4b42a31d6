//! The group sets of the experiments (plain and each group alone) and how any set is
//! labelled in their tables.

use crate::groups::{Group, GroupSet};

/// The 13 group sets of the single-group experiments: plain, then each group alone.
pub fn single_sets() -> Vec<GroupSet> {
    std::iter::once(GroupSet::EMPTY)
        .chain(Group::ALL.iter().map(|&g| GroupSet::single(g)))
        .collect()
}

pub fn set_label(g: GroupSet) -> String {
    if g.is_empty() {
        "plain".into()
    } else {
        g.to_string()
    }
}
