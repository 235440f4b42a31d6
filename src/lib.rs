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

// The program's two clients and their text helpers are not library API: the binary
// reaches them through `run`, and the tests through the `testing` feature, which the
// package's dev-dependency on itself turns on for `cargo test`.
#[cfg(all(feature = "tui", feature = "testing"))]
pub mod cli;
#[cfg(all(feature = "tui", not(feature = "testing")))]
mod cli;
#[cfg(all(feature = "tui", feature = "testing"))]
pub mod render;
#[cfg(all(feature = "tui", not(feature = "testing")))]
mod render;
#[cfg(all(feature = "tui", feature = "testing"))]
pub mod tui;
#[cfg(all(feature = "tui", not(feature = "testing")))]
mod tui;

/// The `aen` program: parses the command line, runs the command (or the TUI) and
/// returns the exit status.
#[cfg(feature = "tui")]
pub fn run() -> i32 {
    use clap::Parser;
    cli::main(cli::Cli::parse())
}
