//! The twelve cyclic groups of docs/method.md §1 as permutations of an n x n grid, and
//! group vectors (which of the twelve are selected).
//!
//! A permutation `p` maps cell index `i = r*n + c` to `p[i]`, the cell the content of
//! `i` moves to. Applying `g` to an image therefore writes `out[p[i]] = in[i]`.

mod group;
mod perm;
mod powers;
mod set;
mod shift;

pub use group::{Group, GroupError, NUM_GROUPS};
pub use perm::{Perm, gcd, lcm};
pub use powers::GroupPowers;
pub use set::{GroupSet, PRESETS};
pub use shift::{COMPATIBLE_ORDER, Shift, Translation};
