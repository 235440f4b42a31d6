//! Training the jobs a worker takes at once: one alone, several in one batched pass.

use super::job::{JobError, QueuedJob, Running};
use crate::child::ChildSpec;
use crate::gdata::GData;
use crate::groups::GroupSet;
use crate::nn::Dev;
use crate::orbits::ChildOrbits;
use crate::train::{self, Flow, TrainConfig, TrainResult};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// Trains one child in the calling thread, exactly as a pool worker would.
pub fn train_one(
    dev: &Dev,
    data: &GData,
    spec: &ChildSpec,
    state: GroupSet,
    seed_index: u32,
    on_batch: &mut dyn FnMut(train::TrainProgress) -> Flow,
) -> Result<TrainResult, JobError> {
    let orbits = ChildOrbits::for_shape(data.shape(), state, spec.shift)
        .map_err(|e| JobError::Failed(e.to_string()))?;
    train::train_child(
        dev,
        &orbits,
        data,
        spec.train_config(state, seed_index),
        on_batch,
    )
    .map_err(|e| match e {
        train::TrainError::Cancelled => JobError::Cancelled,
        e @ train::TrainError::Shape(_) => JobError::Failed(e.to_string()),
    })
}

/// Trains the jobs of one pass: one alone as `train_one` does, several together
/// (`batched`). A job cancelled in a pass is reported cancelled; the pass stops only
/// when all of its jobs are.
pub(super) fn train_pass(
    dev: &Dev,
    data: &GData,
    spec: &ChildSpec,
    pass: &[(QueuedJob, Arc<Running>)],
) -> Vec<Result<TrainResult, JobError>> {
    let mut on_batch = |p: train::TrainProgress| {
        let mut all_stopped = true;
        for (_, run) in pass {
            *run.progress.lock().expect("progress lock") = Some(p);
            all_stopped &= run.stop.load(Ordering::Relaxed);
        }
        if all_stopped {
            Flow::Cancel
        } else {
            Flow::Continue
        }
    };
    if let [(job, _)] = pass {
        return vec![train_one(
            dev,
            data,
            spec,
            job.state,
            job.seed_index,
            &mut on_batch,
        )];
    }
    let orbits: Vec<Result<ChildOrbits, JobError>> = pass
        .iter()
        .map(|(job, _)| {
            ChildOrbits::for_shape(data.shape(), job.state, spec.shift)
                .map_err(|e| JobError::Failed(e.to_string()))
        })
        .collect();
    let ok: Vec<usize> = (0..pass.len()).filter(|&i| orbits[i].is_ok()).collect();
    let nets: Vec<&ChildOrbits> = ok.iter().filter_map(|&i| orbits[i].as_ref().ok()).collect();
    let cfgs: Vec<TrainConfig> = (ok.iter())
        .map(|&i| spec.train_config(pass[i].0.state, pass[i].0.seed_index))
        .collect();
    let trained = crate::batched::train_children(dev, &nets, data, &cfgs, &mut on_batch);
    let mut trained: Box<dyn Iterator<Item = Option<TrainResult>>> = match trained {
        Ok(r) => Box::new(r.into_iter().map(Some)),
        Err(train::TrainError::Cancelled) => Box::new(std::iter::repeat(None)),
        Err(e @ train::TrainError::Shape(_)) => {
            let e = JobError::Failed(e.to_string());
            return pass.iter().map(|_| Err(e.clone())).collect();
        }
    };
    let mut out = Vec::with_capacity(pass.len());
    for ((_, run), o) in pass.iter().zip(orbits) {
        out.push(match o {
            Err(e) => Err(e),
            Ok(_) => match trained.next().flatten() {
                Some(r) if !run.stop.load(Ordering::Relaxed) => Ok(r),
                _ => Err(JobError::Cancelled),
            },
        });
    }
    out
}
