//! What the settings imply: split sizes, the translation rule, the input grid, the
//! G-data, the equivalence classes, the budget, trainers, children per pass, epsilon.

use super::{Settings, epsilon_at, network_classes};
use crate::classes::{Classes, Grid};
use crate::data::{BaseData, DatasetKind, SourceKind};
use crate::gdata::{self, GData, GDataError, SplitSizes};
use crate::groups::{GroupSet, Shift};
use crate::orbits::INPUT_SIDE;
use std::sync::Arc;

impl Settings {
    pub fn source_kind(&self) -> Option<SourceKind> {
        // Validation guarantees the name parses.
        SourceKind::parse(&self.data.source).ok().flatten()
    }

    pub fn child_sizes(&self) -> SplitSizes {
        SplitSizes {
            train: self.child.train_size,
            val: self.child.val_size,
            test: self.child.test_size,
        }
    }

    pub fn final_sizes(&self) -> SplitSizes {
        SplitSizes {
            train: self.final_eval.train_size,
            val: self.final_eval.val_size,
            test: self.final_eval.test_size,
        }
    }

    /// The translation rule of htrans and vtrans.
    pub fn shift(&self) -> Shift {
        Shift::new(self.data.translation, self.data.step)
    }

    /// The G-dataset of `base` for `groups` with these data settings: translation,
    /// seed, resampling and normalization.
    pub fn gdata(
        &self,
        base: &BaseData,
        groups: GroupSet,
        sizes: SplitSizes,
    ) -> Result<GData, GDataError> {
        let (shift, seed) = (self.shift(), self.data.seed);
        Ok(gdata::build(base, groups, shift, seed, sizes)?
            .resampled(self.data.resample, base, shift, seed)
            .normalized(self.data.normalize))
    }

    /// The input grid and translation rule the equivalence classes are found on.
    pub fn grid(&self) -> Grid {
        Grid {
            side: self.input_side(),
            shift: self.shift(),
        }
    }

    /// Side of the networks' input: `data.resize` if set, else the data set's own
    /// (read from one header or image of a `files` set; 28 if it cannot be read, and
    /// then loading the data fails with the reason).
    pub fn input_side(&self) -> usize {
        self.input_dims().0
    }

    /// Side and channels of the networks' input (see `input_side`).
    pub fn input_dims(&self) -> (usize, usize) {
        let (side, channels) = match (self.data.dataset, &self.data.data_dir) {
            (DatasetKind::Files, Some(d)) => {
                crate::data::custom::peek(d).map_or((INPUT_SIDE, 1), |(r, _, c)| (r, c))
            }
            _ => (INPUT_SIDE, 1),
        };
        (self.data.resize.unwrap_or(side), channels)
    }

    /// The classes of equivalent group sets under these settings (None under
    /// `search.equivalence = none`, where every set is its own network).
    pub fn classes(&self) -> Option<Arc<Classes>> {
        network_classes(self.search.equivalence, self.grid())
    }

    /// How many child networks the 4,096 group sets make under these settings.
    pub fn networks(&self) -> usize {
        self.classes().map_or(crate::classes::SPACE, |c| c.len())
    }

    /// Networks a search trains at most: `search.max_models`, or every network if
    /// there are fewer.
    pub fn budget(&self) -> usize {
        self.search.max_models.min(self.networks())
    }

    /// How many child networks train at once: `child.jobs`, or if 0 one per core on
    /// the CPU and one with CUDA (one device, whose kernels are parallel already).
    pub fn trainers(&self) -> usize {
        match self.child.jobs {
            0 if cfg!(feature = "cuda") => 1,
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
    }

    /// Children per pass of a trainer: `child.per_pass`, or if 0 one on the CPU and 32
    /// with CUDA.
    pub fn per_pass(&self) -> usize {
        match self.child.per_pass {
            0 if cfg!(feature = "cuda") => 32,
            0 => 1,
            n => n,
        }
    }

    /// Epsilon for `models_trained` under these settings.
    pub fn epsilon(&self, models_trained: usize) -> f64 {
        if let Some(e) = self.search.fixed_epsilon {
            return e;
        }
        epsilon_at(&self.search.epsilon_schedule, models_trained)
    }
}
