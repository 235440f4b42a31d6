//! Many trainings at once (docs/method.md §7): each job trains one network on one
//! G-dataset under one replicate seed. Jobs spread over the CPU cores, one thread per
//! core (aen's CPU kernel trains on the thread it is called from; the one-thread rayon
//! pool keeps dfdx's CUDA-build and reference paths there too), so every training runs
//! single-threaded and its result does not depend on how many run beside it.

use crate::gdata::GData;
use crate::groups::{GroupSet, Shift};
use crate::nn::Dev;
use crate::orbits::ChildOrbits;
use crate::search::replicate_seed;
use crate::settings::{Equivalence, network_classes, network_of};
use crate::train::{self, Flow, TrainConfig, TrainProgress, TrainResult};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

/// One training: network `net` on `data[gd]`, replicate `k`.
#[derive(Clone, Debug)]
pub struct Job {
    pub gd: usize,
    pub net: GroupSet,
    pub k: usize,
    pub label: String,
}

/// What the trainings share: the protocol, the data seed and the translation rule.
#[derive(Clone, Copy, Debug)]
pub struct Protocol {
    pub epochs: usize,
    pub batch: usize,
    pub lr: f64,
    pub seed: u64,
    pub shift: Shift,
    /// Whether equivalent sets share their closure's seed (`search.equivalence`).
    pub equivalence: Equivalence,
}

/// Reports from the jobs, in the order they happen.
pub enum JobEvent<'a> {
    Begin(&'a Job, usize),
    Batch(TrainProgress),
    Done(&'a Job, &'a TrainResult),
}

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("cancelled")]
    Cancelled,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

fn train_job(
    dev: &Dev,
    data: &[GData],
    job: &Job,
    p: Protocol,
    on_batch: &mut dyn FnMut(TrainProgress) -> Flow,
) -> Result<TrainResult, JobError> {
    let gd = &data[job.gd];
    let orbits =
        ChildOrbits::for_shape(gd.shape(), job.net, p.shift).map_err(anyhow::Error::from)?;
    let grid = crate::classes::Grid {
        side: gd.side,
        shift: p.shift,
    };
    let classes = network_classes(p.equivalence, grid);
    let cfg = TrainConfig {
        epochs: p.epochs,
        batch: p.batch,
        lr: p.lr,
        seed: replicate_seed(p.seed, network_of(classes.as_deref(), job.net), job.k),
    };
    train::train_child(dev, &orbits, gd, cfg, on_batch).map_err(|e| match e {
        train::TrainError::Cancelled => JobError::Cancelled,
        e => JobError::Other(e.into()),
    })
}

/// Runs every job and returns the results in job order; `progress` runs on the calling
/// thread and may cancel. With one thread the jobs run on the calling thread, as a
/// single training always has.
pub fn run(
    data: &[GData],
    jobs: &[Job],
    p: Protocol,
    threads: usize,
    progress: &mut dyn FnMut(JobEvent) -> Flow,
) -> Result<Vec<TrainResult>, JobError> {
    if threads <= 1 {
        let dev = Dev::default();
        let mut out = Vec::with_capacity(jobs.len());
        for (i, job) in jobs.iter().enumerate() {
            if progress(JobEvent::Begin(job, i)) == Flow::Cancel {
                return Err(JobError::Cancelled);
            }
            let r = train_job(&dev, data, job, p, &mut |b| progress(JobEvent::Batch(b)))?;
            progress(JobEvent::Done(job, &r));
            out.push(r);
        }
        return Ok(out);
    }
    run_parallel(data, jobs, p, threads, progress)
}

enum Msg {
    Begin(usize),
    Done(usize, Result<TrainResult, JobError>),
}

fn run_parallel(
    data: &[GData],
    jobs: &[Job],
    p: Protocol,
    threads: usize,
    progress: &mut dyn FnMut(JobEvent) -> Flow,
) -> Result<Vec<TrainResult>, JobError> {
    let next = AtomicUsize::new(0);
    let cancel = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel();
    let mut out: Vec<Option<TrainResult>> = vec![None; jobs.len()];
    let mut failure = None;
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let (tx, next, cancel) = (tx.clone(), &next, &cancel);
            scope.spawn(move || {
                let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build();
                let work = || {
                    let dev = Dev::default();
                    loop {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        if i >= jobs.len() || cancel.load(Ordering::SeqCst) {
                            break;
                        }
                        let _ = tx.send(Msg::Begin(i));
                        let mut stop = |_| {
                            if cancel.load(Ordering::SeqCst) {
                                Flow::Cancel
                            } else {
                                Flow::Continue
                            }
                        };
                        let r = train_job(&dev, data, &jobs[i], p, &mut stop);
                        let _ = tx.send(Msg::Done(i, r));
                    }
                };
                match pool {
                    Ok(pool) => pool.install(work),
                    Err(e) => {
                        let err = anyhow::anyhow!("cannot start a training thread: {e}");
                        let _ = tx.send(Msg::Done(usize::MAX, Err(err.into())));
                    }
                }
            });
        }
        drop(tx);
        for msg in rx {
            let flow = match msg {
                Msg::Begin(i) => progress(JobEvent::Begin(&jobs[i], i)),
                Msg::Done(i, Ok(r)) => {
                    let flow = progress(JobEvent::Done(&jobs[i], &r));
                    out[i] = Some(r);
                    flow
                }
                Msg::Done(_, Err(e)) => {
                    failure.get_or_insert(e);
                    Flow::Cancel
                }
            };
            if flow == Flow::Cancel {
                cancel.store(true, Ordering::SeqCst);
            }
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    out.into_iter()
        .map(|r| r.ok_or(JobError::Cancelled))
        .collect()
}
