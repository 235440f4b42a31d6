//! aen-core: the layer every search stands on. The twelve groups as grid permutations,
//! orbits (weight tying), equivalent group sets, data sets and G-data, the tied child
//! network in dfdx, its training (one child or many in a pass), and safe file I/O. It
//! knows nothing of searches, settings or terminals. The method is docs/method.md.

#![warn(clippy::too_many_lines)]

pub mod batched;
pub mod classes;
pub mod data;
mod error;
pub mod fsio;
pub mod gdata;
pub mod groups;
pub mod kernel;
pub mod nn;
mod norm;
pub mod orbits;
pub mod train;

pub use error::{Error, Result, ResultExt};
// How a context prints under `{:#}`, for the errors of crates built on the core (the
// engine's) to print their chains as the core's do.
pub use error::chain;
