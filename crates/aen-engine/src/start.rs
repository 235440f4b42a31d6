//! Long work started on a thread of its own, one function per kind, each returning a
//! [`Task`] that sends the work's events and then its result. (A search starts through
//! [`crate::session::start`], whose handle is a task of events with controls.)

use crate::compare::{GroundTruth, StrategyResult};
use crate::error::{Error, Result};
use crate::experiments::ExpProgress;
use crate::groups::GroupSet;
use crate::network::ModelJson;
use crate::session::{self, FinalEval};
use crate::settings::{FinalEvalSettings, Settings, StrategyKind};
use crate::snapshot::Snapshot;
use crate::sweep::{self, Outcome, Plan, SweepEvent};
use crate::task::{Sink, Task, Update};
use crate::train::{Flow, TrainProgress};
use std::path::PathBuf;
use std::sync::Arc;

/// A task that sends events of type `E`, then the result of the work.
pub type Work<E, T> = Task<Update<E, Result<T>>>;

fn failed<E, T>(what: &'static str) -> impl FnOnce(String) -> Update<E, Result<T>> {
    move |msg| Update::Done(Err(Error::msg(format!("{what} panicked: {msg}"))))
}

/// Continue unless the task was cancelled.
fn flow<U>(sink: &Sink<U>) -> Flow {
    if sink.stopped() {
        Flow::Cancel
    } else {
        Flow::Continue
    }
}

/// [`sweep::run`] with `jobs` trainers; cancelling keeps the rows that finished.
pub fn sweep(
    settings: Settings,
    plan: Plan,
    out: PathBuf,
    jobs: usize,
) -> std::io::Result<Work<SweepEvent, Outcome>> {
    Task::spawn(
        "aen-sweep",
        move |sink| {
            let stop = sink.stop_flag().clone();
            let r = sweep::run(&settings, &plan, &out, jobs, stop, &mut |e| {
                sink.send(Update::Event(e));
            });
            sink.send(Update::Done(r));
        },
        failed("the sweep"),
    )
}

/// What a comparison runs: `strategies`, each `repeats` times for `budget` models,
/// `jobs` runs at once.
pub struct CompareRuns {
    pub strategies: Vec<StrategyKind>,
    pub repeats: usize,
    pub budget: usize,
    pub jobs: usize,
}

/// [`crate::compare::compare_until`] on the table `truth`; its events are (runs done,
/// runs in all).
pub fn compare(
    settings: Settings,
    truth: Arc<GroundTruth>,
    runs: CompareRuns,
) -> std::io::Result<Work<(usize, usize), Vec<StrategyResult>>> {
    Task::spawn(
        "aen-compare",
        move |sink| {
            let progress = |done, total| sink.send(Update::Event((done, total)));
            let runs = crate::compare::Runs {
                strategies: &runs.strategies,
                repeats: runs.repeats,
                budget: runs.budget,
                jobs: runs.jobs,
            };
            let r =
                crate::compare::compare_until(&settings, truth, runs, &progress, sink.stop_flag());
            sink.send(Update::Done(r));
        },
        failed("the comparison"),
    )
}

/// What a final evaluation reports: a training begun (its label and place in the
/// list), or one done.
#[derive(Clone, Debug)]
pub enum Training {
    Begun {
        label: String,
        index: usize,
        total: usize,
    },
    Done,
}

/// Sends an experiment's progress as [`Training`] events; Cancel once cancelled.
fn trainings<T>(sink: &Sink<Update<Training, T>>, p: ExpProgress) -> Flow {
    match p {
        ExpProgress::Begin {
            label,
            index,
            total,
        } => sink.send(Update::Event(Training::Begun {
            label: label.to_string(),
            index,
            total,
        })),
        ExpProgress::Done { .. } => sink.send(Update::Event(Training::Done)),
        ExpProgress::Batch(_) => {}
    }
    flow(sink)
}

/// [`crate::experiments::single_test`]: the single-equivariance table.
pub fn single_test(
    settings: Settings,
    base: crate::data::BaseData,
    sizes: crate::gdata::SplitSizes,
    epochs: usize,
    seeds: usize,
) -> std::io::Result<Work<Training, crate::experiments::SingleTable>> {
    Task::spawn(
        "aen-single-test",
        move |sink| {
            let r =
                crate::experiments::single_test(&settings, &base, sizes, epochs, seeds, &mut |p| {
                    trainings(sink, p)
                });
            sink.send(Update::Done(r.map_err(Error::other)));
        },
        failed("the single-equivariance table"),
    )
}

/// [`crate::experiments::replicates`]: `net` on `gd` under seed indices 0..seeds.
pub fn replicates(
    settings: Settings,
    gd: crate::gdata::GData,
    net: GroupSet,
    seeds: usize,
) -> std::io::Result<Work<Training, Vec<crate::train::TrainResult>>> {
    Task::spawn(
        "aen-replicates",
        move |sink| {
            let r = crate::experiments::replicates(&settings, gd, net, seeds, &mut |p| {
                trainings(sink, p)
            });
            sink.send(Update::Done(r.map_err(Error::other)));
        },
        failed("the replicates"),
    )
}

/// A final evaluation done, and the session as saved with it (when one was named).
pub struct Evaluated {
    pub eval: FinalEval,
    pub kept: Option<Result<Snapshot>>,
}

/// [`session::final_eval`] of `snap` under `eval`; with `keep_in`, the evaluation is
/// then kept in the session saved there ([`session::keep_evaluation`]), so that what a
/// front end shows is on disk.
pub fn final_eval(
    snap: Snapshot,
    eval: FinalEvalSettings,
    keep_in: Option<PathBuf>,
) -> std::io::Result<Work<Training, Evaluated>> {
    Task::spawn(
        "aen-final-eval",
        move |sink| {
            let r = session::final_eval(&snap, &eval, &mut |p| trainings(sink, p));
            let r = r.map(|done| Evaluated {
                kept: (keep_in.as_deref()).map(|p| session::keep_evaluation(p, &eval, &done)),
                eval: done,
            });
            sink.send(Update::Done(r));
        },
        failed("the final evaluation"),
    )
}

/// Trains the network of `groups` under the final-evaluation protocol of `settings`
/// and writes it into `dir` ([`crate::network::export`]): whole, or not at all.
pub fn export(
    settings: Settings,
    groups: GroupSet,
    dir: PathBuf,
) -> std::io::Result<Work<TrainProgress, ModelJson>> {
    Task::spawn(
        "aen-export",
        move |sink| {
            let r = session::open_base(&settings).and_then(|base| {
                crate::network::export(&settings, &base, groups, &dir, &mut |p| {
                    sink.send(Update::Event(p));
                    flow(sink)
                })
            });
            sink.send(Update::Done(r));
        },
        failed("the export"),
    )
}

/// A session of a listing: its file, and its summary or why it cannot be read.
pub type Listed = (
    PathBuf,
    std::result::Result<crate::snapshot::Summary, String>,
);

/// The sessions in `dir` ([`crate::snapshot::Listing`]), sent in batches at most every
/// `batch` so a front end shows rows as they come, then the last batch as the result.
/// What was read is kept in the folder's index, even when cancelled.
pub fn list_sessions(
    dir: PathBuf,
    batch: std::time::Duration,
) -> std::io::Result<Task<Update<Vec<Listed>, Vec<Listed>>>> {
    Task::spawn(
        "aen-sessions",
        move |sink| {
            let mut listing = crate::snapshot::Listing::open(&dir);
            let (mut rows, mut sent) = (Vec::new(), std::time::Instant::now());
            while !sink.stopped()
                && let Some(row) = listing.next()
            {
                rows.push(row);
                if sent.elapsed() >= batch {
                    sink.send(Update::Event(std::mem::take(&mut rows)));
                    sent = std::time::Instant::now();
                }
            }
            listing.save_index();
            sink.send(Update::Done(rows));
        },
        // The rows read so far were sent; the browser then shows the folder as read.
        |_| Update::Done(Vec::new()),
    )
}

/// What a reproduction reports, owned so that it crosses to the front end's thread.
#[derive(Clone, Debug)]
pub enum ReproduceEvent {
    /// Part `index` of `total` begins (`done`: already in the folder).
    Part {
        index: usize,
        total: usize,
        part: crate::reproduce::Part,
        done: bool,
    },
    /// An experiment's training begins.
    Training(String),
    /// An experiment's training, or a search's model, is done.
    Trained,
    /// A resumed search holds this many models.
    Models(usize),
    /// A resumed search replays its snapshot.
    Replaying { done: usize, total: usize },
}

/// [`crate::reproduce::run`] of `plan` under `base` into `dir`; cancelling stops the
/// part in progress, and the same call later continues.
pub fn reproduce(
    base: Settings,
    plan: crate::reproduce::Plan,
    dir: PathBuf,
) -> std::io::Result<Work<ReproduceEvent, crate::reproduce::Outcome>> {
    use crate::reproduce::Progress;
    use crate::search::Event;
    Task::spawn(
        "aen-reproduce",
        move |sink| {
            let r = crate::reproduce::run(&base, &plan, &dir, sink.stop_flag(), &mut |p| {
                let ev = match p {
                    Progress::Part {
                        index,
                        total,
                        part,
                        done,
                    } => Some(ReproduceEvent::Part {
                        index,
                        total,
                        part,
                        done,
                    }),
                    Progress::Exp(ExpProgress::Begin { label, .. }) => {
                        Some(ReproduceEvent::Training(label.to_string()))
                    }
                    Progress::Exp(ExpProgress::Done { .. })
                    | Progress::Search(Event::ModelTrained(_)) => Some(ReproduceEvent::Trained),
                    Progress::Search(Event::History(h)) => {
                        Some(ReproduceEvent::Models(h.models.len()))
                    }
                    Progress::Search(&Event::Replaying { done, total }) => {
                        Some(ReproduceEvent::Replaying { done, total })
                    }
                    Progress::Exp(ExpProgress::Batch(_)) | Progress::Search(_) => None,
                };
                if let Some(ev) = ev {
                    sink.send(Update::Event(ev));
                }
                flow(sink)
            });
            sink.send(Update::Done(r));
        },
        failed("the reproduction"),
    )
}
