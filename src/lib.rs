//! aen: autoequivariant network search.
//!
//! Three layers, one crate each (README, "Layout"): `aen-core` (groups, orbits,
//! classes, data, G-data, the tied network and its training), `aen-engine` (trainers,
//! the search, sweeps, comparisons, experiments, sessions, settings; no terminal crate),
//! and this crate, the `aen` program: its two clients `cli` and `tui`, behind the
//! default-on `tui` feature. This crate exports no library API of its own: a program
//! built on aen names `aen_engine` (searches, sweeps, sessions, settings) and `aen_core`
//! (groups, data, the network), each item by the one path of the crate that defines it.

#![warn(clippy::too_many_lines)]

// The program's own name for the engine; not re-exported, so each item has one public
// path, in the crate that defines it.
#[cfg(feature = "tui")]
use aen_engine as engine;

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
