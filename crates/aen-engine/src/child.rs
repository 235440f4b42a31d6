//! What a child network is, apart from its data: the settings it trains under
//! ([`ChildSpec`]), its training configuration, and its seeds (docs/method.md §5, §11).
//! The trainers, the search and the experiments all take them from here.

use crate::groups::{GroupSet, Shift};
use crate::settings::{Equivalence, Settings, network_classes, network_of};
use crate::train::TrainConfig;

/// The seed of the child network trained for `state`: independent of the search's RNG,
/// so replaying a search from cached accuracies follows the same path.
pub fn child_seed(seed: u64, state: GroupSet) -> u64 {
    seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (state.bits() as u64).wrapping_mul(0xD1B5_4A32_D192_ED03)
        ^ 0xC41D
}

/// The seed of replicate `k` of the network for `state` (docs/method.md §5): replicate 0
/// is `child_seed`, the seed of every single run, so one replicate reproduces it; others
/// mix k in with an odd constant, giving each k its own seed.
pub fn replicate_seed(seed: u64, state: GroupSet, k: usize) -> u64 {
    child_seed(seed, state) ^ (k as u64).wrapping_mul(0xA24B_AED4_963E_E407)
}

/// The training configuration of the search protocol for `state`.
pub fn child_config(settings: &Settings, state: GroupSet) -> TrainConfig {
    TrainConfig {
        epochs: settings.child.epochs,
        batch: settings.child.batch,
        lr: settings.child.lr,
        seed: child_seed(
            settings.data.seed,
            network_of(settings.classes().as_deref(), state),
        ),
    }
}

/// The seed of the child network for `state` and seed index `k` under data seed `seed`.
///
/// Index 0 is exactly [`child_seed`], so a sweep's first seed reproduces
/// what the search trains. Index k > 0 is the splitmix64 finaliser of
/// `child_seed(seed, state) + k * 0x9E37_79B9_7F4A_7C15`: a well-mixed, distinct seed per
/// (state, k). The G-data stays the same for every k, so seeds model training noise
/// (initial weights and batch order) only.
///
/// ```
/// use aen_engine::groups::GroupSet;
/// use aen_engine::child::child_seed_k;
/// let s = GroupSet::parse("rot90").unwrap();
/// assert_eq!(child_seed_k(7, s, 0), aen_engine::child::child_seed(7, s));
/// assert_ne!(child_seed_k(7, s, 1), child_seed_k(7, s, 0));
/// assert_ne!(child_seed_k(7, s, 1), child_seed_k(7, s, 2));
/// ```
pub fn child_seed_k(seed: u64, state: GroupSet, k: u32) -> u64 {
    let base = child_seed(seed, state);
    if k == 0 {
        return base;
    }
    let mut z = base.wrapping_add((k as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// What every child is trained with: the part of [`Settings`] a child's result depends
/// on besides the G-data.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChildSpec {
    /// The translation steps, for the orbits.
    pub shift: Shift,
    pub epochs: usize,
    pub batch: usize,
    pub lr: f64,
    /// The data seed, from which child seeds derive.
    pub data_seed: u64,
    /// Children a worker trains in one pass (`Settings::per_pass`).
    pub per_pass: usize,
    /// Whether equivalent sets share their closure's seed (`search.equivalence`).
    pub equivalence: Equivalence,
}

impl ChildSpec {
    pub fn from_settings(s: &Settings) -> ChildSpec {
        ChildSpec {
            shift: s.shift(),
            epochs: s.child.epochs,
            batch: s.child.batch,
            lr: s.child.lr,
            data_seed: s.data.seed,
            per_pass: s.per_pass(),
            equivalence: s.search.equivalence,
        }
    }

    /// The state whose network and seed `state` trains (its closure, or itself).
    pub fn network(&self, state: GroupSet) -> GroupSet {
        network_of(
            network_classes(self.equivalence, self.shift).as_deref(),
            state,
        )
    }

    pub fn train_config(&self, state: GroupSet, seed_index: u32) -> TrainConfig {
        TrainConfig {
            epochs: self.epochs,
            batch: self.batch,
            lr: self.lr,
            seed: child_seed_k(self.data_seed, self.network(state), seed_index),
        }
    }
}
