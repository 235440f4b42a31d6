//! A pool of child trainers: N worker threads, each with its own device, training the
//! child network of a group set on one shared G-dataset.
//!
//! Jobs are (id, state, seed index); results come back on a channel in the order they
//! finish. A job can be cancelled while queued (it is dropped) or while training (its
//! stop flag is checked after every batch). Either way a [`JobResult`] with
//! [`JobError::Cancelled`] is sent, so a caller that counts outstanding jobs never waits
//! for one that will not come.
//!
//! aen's CPU kernel trains a child on one thread, so one worker per core scales. A result
//! depends only on (child settings, G-data, state, seed index), never on which worker
//! trained it or when: see [`child_seed_k`].

pub use crate::child::{ChildSpec, child_seed_k};
use crate::gdata::GData;
use crate::groups::GroupSet;
use crate::nn::Dev;
use crate::orbits::ChildOrbits;
use crate::train::{self, Flow, TrainConfig, TrainResult};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

/// A caller-chosen job id; the pool only hands it back.
pub type JobId = u64;

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

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum JobError {
    #[error("cancelled")]
    Cancelled,
    #[error("training failed: {0}")]
    Failed(String),
}

#[derive(Clone, Debug)]
pub struct JobResult {
    pub id: JobId,
    pub state: GroupSet,
    pub seed_index: u32,
    /// Which worker trained it (None if cancelled before it started).
    pub worker: Option<usize>,
    pub outcome: Result<TrainResult, JobError>,
}

#[derive(Clone, Copy, Debug)]
struct Job {
    id: JobId,
    state: GroupSet,
    seed_index: u32,
}

/// A job being trained: by which worker, its stop flag and how far it has got.
#[derive(Default)]
struct Running {
    worker: usize,
    stop: AtomicBool,
    progress: Mutex<Option<train::TrainProgress>>,
}

#[derive(Default)]
struct Queue {
    waiting: VecDeque<Job>,
    /// The jobs being trained.
    running: HashMap<JobId, Arc<Running>>,
    closed: bool,
}

struct Shared {
    queue: Mutex<Queue>,
    ready: Condvar,
}

/// The pool. Dropping it shuts it down (cancelling what is queued or training).
pub struct Pool {
    shared: Arc<Shared>,
    results: Receiver<JobResult>,
    /// Kept to report jobs cancelled while queued.
    tx: Sender<JobResult>,
    threads: Vec<JoinHandle<()>>,
}

impl Pool {
    /// Starts `workers` threads (at least one) training on `data` with `spec`.
    pub fn new(workers: usize, data: Arc<GData>, spec: ChildSpec) -> Pool {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue::default()),
            ready: Condvar::new(),
        });
        let (tx, results) = mpsc::channel();
        let threads = (0..workers.max(1))
            .map(|w| {
                let (shared, data, tx) = (shared.clone(), data.clone(), tx.clone());
                std::thread::Builder::new()
                    .name(format!("aen-pool-{w}"))
                    .spawn(move || worker(w, &shared, &data, &spec, &tx))
                    .expect("spawning a pool thread")
            })
            .collect();
        Pool {
            shared,
            results,
            tx,
            threads,
        }
    }

    pub fn workers(&self) -> usize {
        self.threads.len()
    }

    /// Queues a job behind those already queued. Ids must be unique among the jobs
    /// outstanding, or cancel cannot tell them apart.
    pub fn submit(&self, id: JobId, state: GroupSet, seed_index: u32) {
        self.enqueue(id, state, seed_index, false);
    }

    /// Queues a job ahead of those already queued (work needed now, before work
    /// trained ahead on speculation).
    pub fn submit_first(&self, id: JobId, state: GroupSet, seed_index: u32) {
        self.enqueue(id, state, seed_index, true);
    }

    fn enqueue(&self, id: JobId, state: GroupSet, seed_index: u32, first: bool) {
        let job = Job {
            id,
            state,
            seed_index,
        };
        let mut q = self.shared.queue.lock().expect("pool queue lock");
        if first {
            q.waiting.push_front(job);
        } else {
            q.waiting.push_back(job);
        }
        drop(q);
        self.shared.ready.notify_one();
    }

    /// How far job `id` has got, if it is training now.
    pub fn progress(&self, id: JobId) -> Option<train::TrainProgress> {
        let q = self.shared.queue.lock().expect("pool queue lock");
        q.running
            .get(&id)
            .and_then(|r| *r.progress.lock().expect("progress lock"))
    }

    /// Moves job `id` to the front of the queue. False if it is not queued (training,
    /// finished or unknown).
    pub fn promote(&self, id: JobId) -> bool {
        let mut q = self.shared.queue.lock().expect("pool queue lock");
        let Some(pos) = q.waiting.iter().position(|j| j.id == id) else {
            return false;
        };
        let job = q.waiting.remove(pos).expect("position is in range");
        q.waiting.push_front(job);
        true
    }

    /// Whether job `id` is training now (not queued, not finished).
    pub fn running(&self, id: JobId) -> bool {
        let q = self.shared.queue.lock().expect("pool queue lock");
        q.running.contains_key(&id)
    }

    /// Workers training now (each may train a pass of several jobs).
    pub fn busy(&self) -> usize {
        let q = self.shared.queue.lock().expect("pool queue lock");
        let workers: std::collections::HashSet<usize> =
            q.running.values().map(|r| r.worker).collect();
        workers.len()
    }

    /// Where results arrive, one per submitted job.
    pub fn results(&self) -> &Receiver<JobResult> {
        &self.results
    }

    /// Cancels job `id`: dropped if queued, stopped at its next batch if training.
    /// Returns whether the job was found (false if it already finished or never was).
    /// A job cancelled during its final evaluation still reports its result.
    pub fn cancel(&self, id: JobId) -> bool {
        let mut q = self.shared.queue.lock().expect("pool queue lock");
        if let Some(r) = q.running.get(&id) {
            r.stop.store(true, Ordering::SeqCst);
            return true;
        }
        let Some(pos) = q.waiting.iter().position(|j| j.id == id) else {
            return false;
        };
        let job = q.waiting.remove(pos).expect("position is in range");
        drop(q);
        let _ = self.tx.send(cancelled(job));
        true
    }

    /// Cancels every queued and running job.
    pub fn cancel_all(&self) {
        let mut q = self.shared.queue.lock().expect("pool queue lock");
        for r in q.running.values() {
            r.stop.store(true, Ordering::SeqCst);
        }
        let dropped: Vec<Job> = q.waiting.drain(..).collect();
        drop(q);
        for job in dropped {
            let _ = self.tx.send(cancelled(job));
        }
    }

    /// Jobs queued or training.
    pub fn pending(&self) -> usize {
        let q = self.shared.queue.lock().expect("pool queue lock");
        q.waiting.len() + q.running.len()
    }

    /// Jobs queued and not yet started.
    pub fn queued(&self) -> usize {
        self.shared
            .queue
            .lock()
            .expect("pool queue lock")
            .waiting
            .len()
    }

    /// Cancels everything outstanding, joins the workers, and returns the results not
    /// yet received (those that finished before the cancel arrived, and the cancelled).
    pub fn shutdown(mut self) -> Vec<JobResult> {
        self.close();
        self.results.try_iter().collect()
    }

    fn close(&mut self) {
        self.cancel_all();
        self.shared.queue.lock().expect("pool queue lock").closed = true;
        self.shared.ready.notify_all();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.close();
    }
}

fn cancelled(job: Job) -> JobResult {
    JobResult {
        id: job.id,
        state: job.state,
        seed_index: job.seed_index,
        worker: None,
        outcome: Err(JobError::Cancelled),
    }
}

fn worker(w: usize, shared: &Shared, data: &GData, spec: &ChildSpec, tx: &Sender<JobResult>) {
    let dev = Dev::default();
    loop {
        // The jobs at the front of the queue, up to a pass's worth.
        let pass: Vec<(Job, Arc<Running>)> = {
            let mut q = shared.queue.lock().expect("pool queue lock");
            loop {
                if q.closed {
                    return;
                }
                if !q.waiting.is_empty() {
                    let n = spec.per_pass.max(1).min(q.waiting.len());
                    let jobs: Vec<Job> = q.waiting.drain(..n).collect();
                    break jobs
                        .into_iter()
                        .map(|job| {
                            let run = Arc::new(Running {
                                worker: w,
                                ..Running::default()
                            });
                            q.running.insert(job.id, run.clone());
                            (job, run)
                        })
                        .collect();
                }
                q = shared.ready.wait(q).expect("pool queue lock");
            }
        };
        // A panic in one training must not take the worker (and its queue) down with it.
        let outcomes = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            train_pass(&dev, data, spec, &pass)
        }))
        .unwrap_or_else(|panic| {
            let msg = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".into());
            vec![Err(JobError::Failed(format!("panicked: {msg}"))); pass.len()]
        });
        let mut q = shared.queue.lock().expect("pool queue lock");
        for (job, _) in &pass {
            q.running.remove(&job.id);
        }
        drop(q);
        for ((job, _), outcome) in pass.iter().zip(outcomes) {
            let _ = tx.send(JobResult {
                id: job.id,
                state: job.state,
                seed_index: job.seed_index,
                worker: Some(w),
                outcome,
            });
        }
    }
}

/// Trains the jobs of one pass: one alone as `train_one` does, several together
/// (`batched`). A job cancelled in a pass is reported cancelled; the pass stops only
/// when all of its jobs are.
fn train_pass(
    dev: &Dev,
    data: &GData,
    spec: &ChildSpec,
    pass: &[(Job, Arc<Running>)],
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
