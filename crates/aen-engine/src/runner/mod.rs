//! The one job runner: N worker threads, each with its own device, training children on
//! one shared G-dataset. The search's trainers ahead, sweeps, experiments (single
//! tables, replicates, final evaluations) and `aen reproduce` all train through it.
//!
//! Jobs are (id, state, seed index k); reports come back on a channel as jobs start and
//! finish. A job can be cancelled while queued (it is dropped) or while training (its
//! stop flag is checked after every batch). Either way a [`JobResult`] with
//! [`JobError::Cancelled`] is sent, so a caller that counts outstanding jobs never waits
//! for one that will not come. [`train_all`] runs a list of jobs to the end for callers
//! that want every result in order.
//!
//! aen's CPU kernel trains a child on one thread, so one worker per core scales (each
//! worker's rayon pool has one thread, which keeps dfdx's reference and CUDA-build paths
//! there too). A result depends only on (child settings, G-data, state, k), never on
//! which worker trained it or when: the seed is [`crate::child_seed`].

mod all;
mod job;
mod pass;
mod pool;

pub use crate::child::ChildSpec;
pub use all::{Job, JobEvent, train_all};
pub use job::{JobError, JobId, JobResult};
pub use pass::train_one;
pub use pool::{Report, Runner};
