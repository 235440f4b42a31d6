//! The engine: groups, orbits, data, G-data, the tied network, training, the search,
//! snapshots, experiments and reports, and the session API that both clients drive.
//! Nothing here knows about terminals. The method as implemented is docs/method.md.

pub mod batched;
pub mod classes;
pub mod compare;
pub mod data;
pub mod experiments;
pub mod fsio;
pub mod gdata;
pub mod gexport;
pub mod groups;
pub mod nn;
pub mod orbits;
pub mod pool;
pub mod replicates;
pub mod report;
pub mod reproduce;
pub mod reward;
pub mod search;
pub mod session;
pub mod settings;
pub mod snapshot;
pub mod stats;
pub mod sweep;
pub mod train;
