//! aen: autoequivariant network search.
//!
//! Three layers, one crate each (README, "Layout"): `aen-core` (groups, orbits,
//! classes, data, G-data, the tied network and its training), `aen-engine` (trainers,
//! the search, sweeps, comparisons, experiments, sessions, settings; no terminal crate),
//! and this crate, the `aen` program: its two clients `cli` and `tui`, behind the
//! default-on `tui` feature. The engine's modules are re-exported here, so
//! `aen::groups` and `aen::search` name what they always named.

#![warn(clippy::too_many_lines)]

pub use aen_engine as engine;

pub use aen_engine::{
    analysis, batched, classes, compare, data, experiments, fsio, gdata, gexport, groups, kernel,
    network, nn, orbits, report, reproduce, reward, runner, search, session, settings, snapshot,
    stats, sweep, throughput, train,
};

#[cfg(feature = "tui")]
pub mod cli;
#[cfg(feature = "tui")]
pub mod render;
#[cfg(feature = "tui")]
pub mod tui;
