//! The runner itself: a queue of jobs, N worker threads taking passes from it, and the
//! reports they send.

use super::job::{JobError, JobId, JobResult, QueuedJob, Running};
use super::pass::train_pass;
use crate::child::ChildSpec;
use crate::gdata::GData;
use crate::groups::GroupSet;
use crate::nn::Dev;
use crate::train;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

/// What the runner reports, in the order it happens.
#[derive(Clone, Debug)]
pub enum Report {
    /// A worker has taken job `id` from the queue.
    Started { id: JobId, worker: usize },
    /// Job `id` finished, failed or was cancelled.
    Finished(JobResult),
}

impl Report {
    /// The result, for callers that only count finished jobs.
    pub fn finished(self) -> Option<JobResult> {
        match self {
            Report::Finished(r) => Some(r),
            Report::Started { .. } => None,
        }
    }
}

#[derive(Default)]
struct Queue {
    waiting: VecDeque<QueuedJob>,
    /// The jobs being trained.
    running: HashMap<JobId, Arc<Running>>,
    closed: bool,
}

struct Shared {
    queue: Mutex<Queue>,
    ready: Condvar,
}

/// The runner. Dropping it shuts it down (cancelling what is queued or training).
pub struct Runner {
    shared: Arc<Shared>,
    results: Receiver<Report>,
    /// Kept to report jobs cancelled while queued.
    tx: Sender<Report>,
    threads: Vec<JoinHandle<()>>,
}

impl Runner {
    /// Starts `workers` threads (at least one) training on `data` with `spec`.
    pub fn new(workers: usize, data: Arc<GData>, spec: ChildSpec) -> Runner {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue::default()),
            ready: Condvar::new(),
        });
        let (tx, results) = mpsc::channel();
        let threads = (0..workers.max(1))
            .map(|w| {
                let (shared, data, tx) = (shared.clone(), data.clone(), tx.clone());
                std::thread::Builder::new()
                    .name(format!("aen-runner-{w}"))
                    .spawn(move || worker(w, &shared, &data, &spec, &tx))
                    .expect("spawning a runner thread")
            })
            .collect();
        Runner {
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
        let job = QueuedJob {
            id,
            state,
            seed_index,
        };
        let mut q = self.shared.queue.lock().expect("runner queue lock");
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
        let q = self.shared.queue.lock().expect("runner queue lock");
        q.running
            .get(&id)
            .and_then(|r| *r.progress.lock().expect("progress lock"))
    }

    /// Moves job `id` to the front of the queue. False if it is not queued (training,
    /// finished or unknown).
    pub fn promote(&self, id: JobId) -> bool {
        let mut q = self.shared.queue.lock().expect("runner queue lock");
        let Some(pos) = q.waiting.iter().position(|j| j.id == id) else {
            return false;
        };
        let job = q.waiting.remove(pos).expect("position is in range");
        q.waiting.push_front(job);
        true
    }

    /// Whether job `id` is training now (not queued, not finished).
    pub fn running(&self, id: JobId) -> bool {
        let q = self.shared.queue.lock().expect("runner queue lock");
        q.running.contains_key(&id)
    }

    /// Workers training now (each may train a pass of several jobs).
    pub fn busy(&self) -> usize {
        let q = self.shared.queue.lock().expect("runner queue lock");
        let workers: std::collections::HashSet<usize> =
            q.running.values().map(|r| r.worker).collect();
        workers.len()
    }

    /// Where reports arrive: one `Started` per job a worker takes, one `Finished` per
    /// submitted job.
    pub fn reports(&self) -> &Receiver<Report> {
        &self.results
    }

    /// The next finished job, skipping `Started` reports, waiting at most `timeout`.
    pub fn next_result(
        &self,
        timeout: std::time::Duration,
    ) -> Result<JobResult, mpsc::RecvTimeoutError> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if let Report::Finished(r) = self.results.recv_timeout(left)? {
                return Ok(r);
            }
        }
    }

    /// Cancels job `id`: dropped if queued, stopped at its next batch if training.
    /// Returns whether the job was found (false if it already finished or never was).
    /// A job cancelled during its final evaluation still reports its result.
    pub fn cancel(&self, id: JobId) -> bool {
        let mut q = self.shared.queue.lock().expect("runner queue lock");
        if let Some(r) = q.running.get(&id) {
            r.stop.store(true, Ordering::SeqCst);
            return true;
        }
        let Some(pos) = q.waiting.iter().position(|j| j.id == id) else {
            return false;
        };
        let job = q.waiting.remove(pos).expect("position is in range");
        drop(q);
        let _ = self.tx.send(Report::Finished(cancelled(job)));
        true
    }

    /// Cancels every queued and running job.
    pub fn cancel_all(&self) {
        let mut q = self.shared.queue.lock().expect("runner queue lock");
        for r in q.running.values() {
            r.stop.store(true, Ordering::SeqCst);
        }
        let dropped: Vec<QueuedJob> = q.waiting.drain(..).collect();
        drop(q);
        for job in dropped {
            let _ = self.tx.send(Report::Finished(cancelled(job)));
        }
    }

    /// Jobs queued or training.
    pub fn pending(&self) -> usize {
        let q = self.shared.queue.lock().expect("runner queue lock");
        q.waiting.len() + q.running.len()
    }

    /// Jobs queued and not yet started.
    pub fn queued(&self) -> usize {
        self.shared
            .queue
            .lock()
            .expect("runner queue lock")
            .waiting
            .len()
    }

    /// Cancels everything outstanding, joins the workers, and returns the results not
    /// yet received (those that finished before the cancel arrived, and the cancelled).
    pub fn shutdown(mut self) -> Vec<JobResult> {
        self.close();
        self.results
            .try_iter()
            .filter_map(Report::finished)
            .collect()
    }

    fn close(&mut self) {
        self.cancel_all();
        self.shared.queue.lock().expect("runner queue lock").closed = true;
        self.shared.ready.notify_all();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        self.close();
    }
}

fn cancelled(job: QueuedJob) -> JobResult {
    JobResult {
        id: job.id,
        state: job.state,
        seed_index: job.seed_index,
        worker: None,
        outcome: Err(JobError::Cancelled),
    }
}

fn worker(w: usize, shared: &Shared, data: &GData, spec: &ChildSpec, tx: &Sender<Report>) {
    match rayon::ThreadPoolBuilder::new().num_threads(1).build() {
        Ok(one) => one.install(|| work(w, shared, data, spec, tx)),
        // Without its own pool the worker still trains, on rayon's global one.
        Err(_) => work(w, shared, data, spec, tx),
    }
}

fn work(w: usize, shared: &Shared, data: &GData, spec: &ChildSpec, tx: &Sender<Report>) {
    let dev = Dev::default();
    loop {
        // The jobs at the front of the queue, up to a pass's worth.
        let pass: Vec<(QueuedJob, Arc<Running>)> = {
            let mut q = shared.queue.lock().expect("runner queue lock");
            loop {
                if q.closed {
                    return;
                }
                if !q.waiting.is_empty() {
                    let n = spec.per_pass.max(1).min(q.waiting.len());
                    let jobs: Vec<QueuedJob> = q.waiting.drain(..n).collect();
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
                q = shared.ready.wait(q).expect("runner queue lock");
            }
        };
        for (job, _) in &pass {
            let _ = tx.send(Report::Started {
                id: job.id,
                worker: w,
            });
        }
        // A panic in one training must not take the worker (and its queue) down with it.
        let outcomes = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            train_pass(&dev, data, spec, &pass)
        }))
        .unwrap_or_else(|panic| {
            let msg = crate::task::panic_message(panic.as_ref());
            vec![Err(JobError::Failed(format!("panicked: {msg}"))); pass.len()]
        });
        let mut q = shared.queue.lock().expect("runner queue lock");
        for (job, _) in &pass {
            q.running.remove(&job.id);
        }
        drop(q);
        for ((job, _), outcome) in pass.iter().zip(outcomes) {
            let _ = tx.send(Report::Finished(JobResult {
                id: job.id,
                state: job.state,
                seed_index: job.seed_index,
                worker: Some(w),
                outcome,
            }));
        }
    }
}
