//! How an experiment runs its trainings: the protocol, replicates on every core, and
//! the progress and cancellation it reports.

use crate::child::ChildSpec;
use crate::gdata;
use crate::groups::GroupSet;
use crate::runner::{self, Job, JobError, JobEvent};
use crate::settings::Settings;
use crate::train::{Flow, TrainProgress, TrainResult};

/// What an experiment reports while it runs; returning Cancel stops it.
pub enum ExpProgress<'a> {
    Begin {
        label: &'a str,
        index: usize,
        total: usize,
    },
    Batch(TrainProgress),
    Done {
        label: &'a str,
        result: &'a TrainResult,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum ExpError {
    #[error("cancelled")]
    Cancelled,
    #[error(transparent)]
    Other(#[from] crate::error::Error),
}

impl From<JobError> for ExpError {
    fn from(e: JobError) -> ExpError {
        match e {
            JobError::Cancelled => ExpError::Cancelled,
            JobError::Failed(e) => {
                ExpError::Other(crate::error::Error::msg(format!("training failed: {e}")))
            }
        }
    }
}

/// What an experiment's children train with: the search's child settings for `epochs`
/// epochs, one child per pass (as replicates always trained, so their figures stand).
pub(super) fn child_spec(settings: &Settings, epochs: usize) -> ChildSpec {
    ChildSpec {
        epochs,
        per_pass: 1,
        ..ChildSpec::from_settings(settings)
    }
}

/// Trains `net` on `gd` under replicate seeds 0..seeds, on every core; replicate 0 is
/// the single run of `aen train`.
pub fn replicates(
    settings: &Settings,
    gd: gdata::GData,
    net: GroupSet,
    seeds: usize,
    progress: &mut dyn FnMut(ExpProgress) -> Flow,
) -> Result<Vec<TrainResult>, ExpError> {
    let jobs: Vec<Job> = (0..seeds as u32)
        .map(|k| Job {
            state: net,
            k,
            label: format!("seed {k}"),
        })
        .collect();
    let spec = child_spec(settings, settings.child.epochs);
    let threads = settings.trainers().min(jobs.len()).max(1);
    Ok(runner::train_all(
        gd.into(),
        spec,
        &jobs,
        threads,
        &mut |e| forward(e, 0, seeds, progress),
    )?)
}

pub(super) fn forward(
    e: JobEvent,
    offset: usize,
    total: usize,
    progress: &mut dyn FnMut(ExpProgress) -> Flow,
) -> Flow {
    match e {
        JobEvent::Begin(job, i) => progress(ExpProgress::Begin {
            label: &job.label,
            index: offset + i,
            total,
        }),
        JobEvent::Batch(b) => progress(ExpProgress::Batch(b)),
        JobEvent::Done(job, r) => progress(ExpProgress::Done {
            label: &job.label,
            result: r,
        }),
    }
}
