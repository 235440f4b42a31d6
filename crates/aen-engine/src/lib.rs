//! aen-engine: what runs on aen-core. Child trainers and replicates, the search and its
//! strategies, sweeps and comparisons, experiments and `aen reproduce`, sessions and
//! snapshots, the settings table, reports. Nothing here knows about terminals (no
//! terminal crate is in its dependency tree), and the TUI and the CLI drive it alike.
//! Core items are named through `aen_core`; only the group types the engine's API
//! turns on ([`Group`], [`GroupSet`]) are re-exported here, for convenience.

#![warn(clippy::too_many_lines)]

// The engine's own name for the core's modules (`crate::groups`); private, so a core
// item has one public path, in aen_core.
use aen_core::{batched, classes, data, fsio, gdata, groups, kernel, nn, orbits, train};

pub mod analysis;
mod child;
pub mod compare;
mod error;
mod evaluation;
pub mod experiments;
pub mod gexport;
pub mod network;
pub mod report;
pub mod reproduce;
mod reward;
pub mod runner;
pub mod search;
pub mod session;
pub mod settings;
pub mod snapshot;
pub mod start;
pub mod stats;
pub mod sweep;
pub mod task;
pub mod throughput;

pub use error::{Error, Result, ResultExt};

// What a program built on the engine needs, at its root: settings and group sets in,
// a search started or resumed (`session`), long work started as a `Task` (`start`),
// a snapshot read back. The public modules are the API's namespaces; their
// submodules are private, and each re-exports what a client names.
pub use child::{ChildSpec, child_seed};
pub use groups::{Group, GroupSet};
pub use runner::Runner;
pub use search::{Control, Event, SearchHandle};
pub use settings::Settings;
pub use snapshot::Snapshot;
pub use task::{Task, Update};
