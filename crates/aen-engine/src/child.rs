//! What a child network is, apart from its data: the settings it trains under
//! ([`ChildSpec`]), its training configuration, and its seeds (docs/method.md §5, §11).
//! The trainers, the search and the experiments all take them from here.

use crate::classes::Grid;
use crate::groups::{GroupSet, Shift};
use crate::settings::{Equivalence, Settings, network_classes, network_of};
use crate::train::TrainConfig;

/// The seed of the child network for `state` and seed index `k` under data seed `seed`
/// (docs/method.md §5, §7): the one seed scheme of every training in aen (searches,
/// sweeps, replicates, final evaluations, exports). It is independent of the search's
/// RNG, so replaying a search from cached accuracies follows the same path.
///
/// Index 0 is the seed of every single run. Index k > 0 is the splitmix64 finaliser of
/// the index-0 seed plus `k * 0x9E37_79B9_7F4A_7C15`: a well-mixed, distinct seed per
/// (state, k). The G-data stays the same for every k, so seeds model training noise
/// (initial weights and batch order) only. (Before aen 0.3, replicates of experiments
/// mixed k in another way; see the README's "Results".)
///
/// ```
/// use aen_core::groups::GroupSet;
/// use aen_engine::child_seed;
/// let s = GroupSet::parse("rot90").unwrap();
/// assert_ne!(child_seed(7, s, 1), child_seed(7, s, 0));
/// assert_ne!(child_seed(7, s, 1), child_seed(7, s, 2));
/// assert_ne!(child_seed(7, s, 0), child_seed(8, s, 0));
/// ```
pub fn child_seed(seed: u64, state: GroupSet, k: u32) -> u64 {
    let base = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (state.bits() as u64).wrapping_mul(0xD1B5_4A32_D192_ED03)
        ^ 0xC41D;
    if k == 0 {
        return base;
    }
    let mut z = base.wrapping_add((k as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Which seed scheme this aen trains replicates under, recorded where results of
/// several seeds must belong together (a reproduction folder): 1 was aen 0.1 and 0.2, whose
/// experiments mixed the seed index in differently from sweeps; 2 is [`child_seed`].
pub const SEED_SCHEME: u32 = 2;

/// The training configuration of the search protocol for `state`: seed index 0 of its
/// [`ChildSpec`], so the search and a sweep's first seed train the same network.
pub fn child_config(settings: &Settings, state: GroupSet) -> TrainConfig {
    ChildSpec::from_settings(settings).train_config(state, 0)
}

/// What every child is trained with: the part of [`Settings`] a child's result depends
/// on besides the G-data.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChildSpec {
    /// The translation steps, for the orbits.
    pub shift: Shift,
    /// The input grid (side and translation steps), for the classes of equivalent sets.
    pub grid: Grid,
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
            grid: s.grid(),
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
            network_classes(self.equivalence, self.grid).as_deref(),
            state,
        )
    }

    /// The seed `state` trains from at seed index `k`: its network's.
    pub fn seed(&self, state: GroupSet, k: u32) -> u64 {
        child_seed(self.data_seed, self.network(state), k)
    }

    pub fn train_config(&self, state: GroupSet, seed_index: u32) -> TrainConfig {
        TrainConfig {
            epochs: self.epochs,
            batch: self.batch,
            lr: self.lr,
            seed: self.seed(state, seed_index),
        }
    }
}
