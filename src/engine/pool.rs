//! A pool of child trainers: N worker threads, each with its own device, training the
//! child network of a group set on one shared G-dataset.
//!
//! Jobs are (id, state, seed index); results come back on a channel in the order they
//! finish. A job can be cancelled while queued (it is dropped) or while training (its
//! stop flag is checked after every batch). Either way a [`JobResult`] with
//! [`JobError::Cancelled`] is sent, so a caller that counts outstanding jobs never waits
//! for one that will not come.
//!
//! The tied-layer kernel is single-threaded, so one worker per core scales. A result
//! depends only on (child settings, G-data, state, seed index), never on which worker
//! trained it or when: see [`child_seed_k`].

use crate::engine::gdata::GData;
use crate::engine::groups::GroupSet;
use crate::engine::nn::Dev;
use crate::engine::orbits::ChildOrbits;
use crate::engine::settings::{Equivalence, Settings, network_classes, network_of};
use crate::engine::train::{self, Flow, TrainConfig, TrainResult};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

/// A caller-chosen job id; the pool only hands it back.
pub type JobId = u64;

/// The seed of the child network for `state` and seed index `k` under data seed `seed`.
///
/// Index 0 is exactly [`crate::engine::search::child_seed`], so a sweep's first seed reproduces
/// what the search trains. Index k > 0 is the splitmix64 finaliser of
/// `child_seed(seed, state) + k * 0x9E37_79B9_7F4A_7C15`: a well-mixed, distinct seed per
/// (state, k). The G-data stays the same for every k, so seeds model training noise
/// (initial weights and batch order) only.
///
/// ```
/// use aen::groups::GroupSet;
/// use aen::pool::child_seed_k;
/// let s = GroupSet::parse("rot90").unwrap();
/// assert_eq!(child_seed_k(7, s, 0), aen::search::child_seed(7, s));
/// assert_ne!(child_seed_k(7, s, 1), child_seed_k(7, s, 0));
/// assert_ne!(child_seed_k(7, s, 1), child_seed_k(7, s, 2));
/// ```
pub fn child_seed_k(seed: u64, state: GroupSet, k: u32) -> u64 {
    let base = crate::engine::search::child_seed(seed, state);
    if k == 0 {
        return base;
    }
    let mut z = base.wrapping_add((k as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// What every child is trained with: the part of [`Settings`] a child's result depends
/// on besides the G-data.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChildSpec {
    /// The translation steps, for the orbits.
    pub shift: crate::engine::groups::Shift,
    pub epochs: usize,
    pub batch: usize,
    pub lr: f64,
    /// The data seed, from which child seeds derive.
    pub data_seed: u64,
    /// Children a worker trains in one pass (`Settings::per_pass`).
    pub per_pass: usize,
    /// Whether equivalent sets share their closure's seed (`search.equivalence`).
    pub equivalence: Equivalence,
}

impl ChildSpec {
    pub fn from_settings(s: &Settings) -> ChildSpec {
        ChildSpec {
            shift: s.shift(),
            epochs: s.child.epochs,
            batch: s.child.batch,
            lr: s.child.lr,
            data_seed: s.data.seed,
            per_pass: s.per_pass(),
            equivalence: s.search.equivalence,
        }
    }

    /// The state whose network and seed `state` trains (its closure, or itself).
    pub fn network(&self, state: GroupSet) -> GroupSet {
        network_of(
            network_classes(self.equivalence, self.shift).as_deref(),
            state,
        )
    }

    pub fn train_config(&self, state: GroupSet, seed_index: u32) -> TrainConfig {
        TrainConfig {
            epochs: self.epochs,
            batch: self.batch,
            lr: self.lr,
            seed: child_seed_k(self.data_seed, self.network(state), seed_index),
        }
    }
}

/// Trains one child in the calling thread, exactly as a pool worker would.
pub fn train_one(
    dev: &Dev,
    data: &GData,
    spec: &ChildSpec,
    state: GroupSet,
    seed_index: u32,
    on_batch: &mut dyn FnMut(train::TrainProgress) -> Flow,
) -> Result<TrainResult, JobError> {
    let orbits =
        ChildOrbits::new(state, spec.shift).map_err(|e| JobError::Failed(e.to_string()))?;
    train::train_child(
        dev,
        &orbits,
        data,
        spec.train_config(state, seed_index),
        on_batch,
    )
    .map_err(|e| match e {
        train::TrainError::Cancelled => JobError::Cancelled,
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
            ChildOrbits::new(job.state, spec.shift).map_err(|e| JobError::Failed(e.to_string()))
        })
        .collect();
    let ok: Vec<usize> = (0..pass.len()).filter(|&i| orbits[i].is_ok()).collect();
    let nets: Vec<&ChildOrbits> = ok.iter().filter_map(|&i| orbits[i].as_ref().ok()).collect();
    let cfgs: Vec<TrainConfig> = (ok.iter())
        .map(|&i| spec.train_config(pass[i].0.state, pass[i].0.seed_index))
        .collect();
    let trained = crate::engine::batched::train_children(dev, &nets, data, &cfgs, &mut on_batch);
    let mut trained: Box<dyn Iterator<Item = Option<TrainResult>>> = match trained {
        Ok(r) => Box::new(r.into_iter().map(Some)),
        Err(train::TrainError::Cancelled) => Box::new(std::iter::repeat(None)),
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
