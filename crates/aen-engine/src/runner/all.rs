//! A list of jobs run to the end, results in job order: what experiments, final
//! evaluations and `aen reproduce` need from the runner.

use super::job::JobError;
use super::pass::train_one;
use super::pool::{Report, Runner};
use crate::child::ChildSpec;
use crate::gdata::GData;
use crate::groups::GroupSet;
use crate::nn::Dev;
use crate::train::{Flow, TrainProgress, TrainResult};
use std::sync::Arc;

/// One training: the network of `state`, seed index `k`, named `label` in reports.
#[derive(Clone, Debug)]
pub struct Job {
    pub state: GroupSet,
    pub k: u32,
    pub label: String,
}

/// Reports from [`train_all`], in the order they happen.
pub enum JobEvent<'a> {
    /// Job `index` (of the list) has started.
    Begin(&'a Job, usize),
    /// A batch of the running job (with one thread only).
    Batch(TrainProgress),
    Done(&'a Job, &'a TrainResult),
}

/// Trains every job on `data` under `spec` and returns the results in job order;
/// `progress` runs on the calling thread and may cancel. With one thread the jobs run
/// on the calling thread, as a single training always has; with more, on a [`Runner`].
/// Either way each result is the same (the seed depends on the job alone).
pub fn train_all(
    data: Arc<GData>,
    spec: ChildSpec,
    jobs: &[Job],
    threads: usize,
    progress: &mut dyn FnMut(JobEvent) -> Flow,
) -> Result<Vec<TrainResult>, JobError> {
    if threads <= 1 || jobs.len() <= 1 {
        let dev = Dev::default();
        let mut out = Vec::with_capacity(jobs.len());
        for (i, job) in jobs.iter().enumerate() {
            if progress(JobEvent::Begin(job, i)) == Flow::Cancel {
                return Err(JobError::Cancelled);
            }
            let r = train_one(&dev, &data, &spec, job.state, job.k, &mut |b| {
                progress(JobEvent::Batch(b))
            })?;
            if progress(JobEvent::Done(job, &r)) == Flow::Cancel && i + 1 < jobs.len() {
                return Err(JobError::Cancelled);
            }
            out.push(r);
        }
        return Ok(out);
    }
    let runner = Runner::new(threads.min(jobs.len()), data, spec);
    for (i, job) in jobs.iter().enumerate() {
        runner.submit(i as u64, job.state, job.k);
    }
    let mut out: Vec<Option<TrainResult>> = vec![None; jobs.len()];
    let (mut left, mut failure, mut cancelled) = (jobs.len(), None, false);
    while left > 0 {
        // Every job reports Finished (cancelled ones too), so this ends.
        let Ok(report) = runner.reports().recv() else {
            break;
        };
        let flow = match report {
            Report::Started { id, .. } if !cancelled => {
                progress(JobEvent::Begin(&jobs[id as usize], id as usize))
            }
            Report::Started { .. } => Flow::Continue,
            Report::Finished(r) => {
                left -= 1;
                let i = r.id as usize;
                match r.outcome {
                    Ok(t) => {
                        let flow = progress(JobEvent::Done(&jobs[i], &t));
                        out[i] = Some(t);
                        flow
                    }
                    Err(JobError::Cancelled) => Flow::Continue,
                    Err(e) => {
                        failure.get_or_insert(e);
                        Flow::Cancel
                    }
                }
            }
        };
        if flow == Flow::Cancel && !cancelled && left > 0 {
            cancelled = true;
            runner.cancel_all();
        }
    }
    if let Some(e) = failure {
        return Err(e);
    }
    out.into_iter()
        .map(|r| r.ok_or(JobError::Cancelled))
        .collect()
}
