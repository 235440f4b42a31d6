//! Every behaviour test of the aen program in one binary: after a change, one test
//! binary is linked, not one per file. Each file is a module of its own; see its
//! header for what it shows. `cargo test --release NAME` runs the tests whose path
//! holds NAME (a file's module name, such as `sweep::`, selects the file).

mod common;
#[path = "support/peak_alloc.rs"]
mod peak_alloc;

/// The fuzz and data tests measure one call's memory per thread (see peak_alloc).
#[global_allocator]
static ALLOC: peak_alloc::PeakAlloc = peak_alloc::PeakAlloc;

mod batched;
mod classes;
mod cli;
mod compare;
mod compat;
mod config;
mod data;
mod equivariance;
mod export;
mod fetch;
mod fidelity;
mod formats;
mod fuzz_props;
mod gdata;
mod groups;
mod hardening;
mod hardening_data;
mod import_cycles;
mod kernel;
mod network;
mod nothing_lost;
mod orbits;
mod parallel;
mod replicates;
mod reproduce;
mod runner;
mod search;
mod slurm;
mod strategies;
mod sweep;
mod tui_render;
mod tui_tmux;
