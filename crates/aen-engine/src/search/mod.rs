//! The search (docs/method.md §6): deep Q-learning over group vectors, on a worker
//! thread. Split by concern: [`agent`] (the DQN), [`children`] (child evaluation and its
//! cache), [`protocol`] (events, controls, live changes), [`records`] (what a run
//! records) and the worker loop. Clients start and resume runs through
//! [`crate::session`], which hands them a [`SearchHandle`].

pub mod agent;
pub mod ahead;
pub mod change;
pub mod children;
pub mod protocol;
pub mod records;
pub mod strategy;
pub mod view;
mod worker;

pub use crate::child::{child_config, child_seed, replicate_seed};
pub use protocol::{Control, Event, FinishReason, RunInfo, SettingChange};
pub use records::{EpisodeRecord, History, ModelRecord, StepRecord};
pub use view::RunView;

use crate::settings::Settings;
use crate::snapshot::Snapshot;
use children::Evaluator;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};

/// The client's end of a running search.
pub struct SearchHandle {
    pub events: Receiver<Event>,
    /// Where the run autosaves.
    pub path: std::path::PathBuf,
    pub control: Sender<Control>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SearchHandle {
    /// Asks the worker to stop at the next batch; it saves a snapshot first.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = self.control.send(Control::Stop);
    }

    /// The flag `stop` sets, for signal handlers.
    pub fn stop_flag(&self) -> Arc<AtomicBool> {
        self.stop.clone()
    }

    pub fn join(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The paper's reward of docs/method.md §6: (acc - b) * exp(|acc - b|), accuracies in
/// percent; `search.reward` chooses among [`crate::reward::Reward`].
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
    let (etx, erx) = mpsc::channel();
    let (ctx, crx) = mpsc::channel();
    for c in changes {
        let _ = ctx.send(Control::Set(c));
    }
    let stop = Arc::new(AtomicBool::new(false));
    let path = info.snapshot_path.clone();
    let channels = worker::Channels {
        events: etx.clone(),
        control: crx,
        stop: stop.clone(),
    };
    let thread = std::thread::Builder::new()
        .name("aen-search".into())
        .spawn(move || {
            let lock = autosave;
            let save = lock.is_some();
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                worker::Worker::new(settings, info, eval, resume, channels, save).run()
            }));
            drop(lock);
            if let Err(panic) = result {
                let msg = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "unknown panic".into());
                let _ = etx.send(Event::Error(format!("the search worker panicked: {msg}")));
            }
        })
        .expect("spawning a thread");
    SearchHandle {
        events: erx,
        path,
        control: ctx,
        stop,
        thread: Some(thread),
    }
}
