//! aen: autoequivariant network search.
//!
//! The engine (groups, orbits, data, networks, training, the Q-learning search and
//! snapshots) lives in this library and knows nothing of terminals; `cli` and `tui`
//! are its two thin clients.

pub mod config;
pub mod data;
pub mod experiments;
pub mod gdata;
pub mod groups;
pub mod nn;
pub mod orbits;
pub mod pool;
pub mod render;
pub mod report;
pub mod search;
pub mod snapshot;
pub mod sweep;
pub mod train;
pub mod tui;

pub mod cli;
pub mod cli_search;
pub mod cli_sweep;
