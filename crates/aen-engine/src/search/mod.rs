//! The search (docs/method.md §6): deep Q-learning over group vectors, on a worker
//! thread. Split by concern: `agent` (the DQN), `children` (child evaluation and its
//! cache), `protocol` (events, controls, live changes), `records` (what a run
//! records) and the worker loop. Clients start and resume runs through
//! [`crate::session`], which hands them a [`SearchHandle`].

pub(crate) mod agent;
pub(crate) mod ahead;
pub(crate) mod change;
pub(crate) mod children;
pub(crate) mod protocol;
pub(crate) mod records;
pub(crate) mod strategy;
mod view;
mod worker;

pub use crate::child::child_config;
pub use agent::q_network;
pub use protocol::{Control, Event, FinishReason, RunInfo, SettingChange};
pub use records::{EpisodeRecord, History, ModelRecord, StepRecord};
pub use view::RunView;
// Which children train ahead of the search, and the Q table's markers (an unscored
// action, the evolution strategy's jump), for clients that show them.
pub use ahead::Trainers;
pub use strategy::{JUMP, UNKNOWN};

use crate::settings::Settings;
use crate::snapshot::Snapshot;
use crate::task::{Sink, Task};
use children::Evaluator;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{self, Receiver, Sender};

/// The client's end of a running search: a [`Task`] of [`Event`]s, plus the controls
/// (pause, live changes) only a search takes.
pub struct SearchHandle {
    task: Task<Event>,
    control: Sender<Control>,
    /// Where the run autosaves.
    path: std::path::PathBuf,
}

impl SearchHandle {
    /// The run's events, unless they are forwarded.
    pub fn events(&self) -> &Receiver<Event> {
        self.task.updates()
    }

    /// Hands every event to `f` on the search's thread instead (see [`Task::forward`]).
    pub fn forward(&self, f: impl FnMut(Event) -> bool + Send + 'static) {
        self.task.forward(f);
    }

    /// Sends a control to the worker; false if it has ended.
    pub fn send(&self, c: Control) -> bool {
        self.control.send(c).is_ok()
    }

    /// Where the run autosaves.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Asks the worker to stop at the next batch; it saves a snapshot first.
    pub fn stop(&self) {
        self.task.cancel();
        // Wakes a paused worker, which waits on its controls.
        let _ = self.control.send(Control::Stop);
    }

    /// The flag `stop` sets, for signal handlers.
    pub fn stop_flag(&self) -> Arc<AtomicBool> {
        self.task.cancel_flag()
    }

    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    pub fn join(self) {
        self.task.join();
    }
}

/// The paper's reward of docs/method.md §6: (acc - b) * exp(|acc - b|), accuracies in
/// percent; `search.reward` chooses among [`crate::settings::Reward`].
///
/// ```
/// assert_eq!(aen_engine::search::reward(90.0, 90.0), 0.0);
/// assert!((aen_engine::search::reward(91.0, 90.0) - std::f64::consts::E).abs() < 1e-12);
/// assert!(aen_engine::search::reward(80.0, 90.0) < -2e5);
/// ```
pub fn reward(acc: f64, base: f64) -> f64 {
    crate::reward::Reward::Paper.of(acc, base)
}

/// Starts the worker thread. The data is prepared by the caller, so that bad settings
/// or data are errors before any thread starts. `autosave` is the lock of the snapshot
/// the run saves to, held until the worker ends; without it nothing is written
/// (searches against a table in `aen compare`).
pub(crate) fn spawn(
    settings: Settings,
    info: RunInfo,
    eval: Evaluator,
    resume: Option<Snapshot>,
    changes: Vec<SettingChange>,
    autosave: Option<crate::fsio::Lock>,
) -> SearchHandle {
    let (ctx, crx) = mpsc::channel();
    for c in changes {
        let _ = ctx.send(Control::Set(c));
    }
    let path = info.snapshot_path.clone();
    let task = Task::spawn(
        "aen-search",
        move |sink: &Sink<Event>| {
            let lock = autosave;
            let save = lock.is_some();
            let channels = worker::Channels {
                events: sink.clone(),
                control: crx,
            };
            worker::Worker::new(settings, info, eval, resume, channels, save).run();
            drop(lock);
        },
        |msg| Event::Error(format!("the search worker panicked: {msg}")),
    )
    .expect("spawning a thread");
    SearchHandle {
        task,
        control: ctx,
        path,
    }
}
