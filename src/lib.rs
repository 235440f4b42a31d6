//! aen: autoequivariant network search.
//!
//! The engine ([`engine`]: groups, orbits, data, networks, training, the Q-learning
//! search, snapshots and the session API) knows nothing of terminals; `cli` and `tui`
//! are its two thin clients, behind the default-on `tui` feature, so
//! `cargo build --lib --no-default-features` builds the engine alone.

#![warn(clippy::too_many_lines)]

pub mod engine;

pub use engine::{
    batched, classes, compare, data, experiments, fsio, gdata, gexport, groups, nn, orbits, pool,
    replicates, report, reproduce, reward, search, session, settings, snapshot, stats, sweep,
    train,
};

#[cfg(feature = "tui")]
pub mod cli;
#[cfg(feature = "tui")]
pub mod render;
#[cfg(feature = "tui")]
pub mod tui;
