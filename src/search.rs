//! The search (PAPER.md §6): deep Q-learning over group vectors, on a worker thread.
//!
//! The caller gets a [`SearchHandle`]: events come out of `events`, controls go into
//! `control`. Nothing here knows about terminals.
//!
//! Resuming is exact by replay: every random choice comes from seeded generators, and
//! each child network's accuracy depends only on (settings, state), so re-running the
//! search from the start with the snapshot's table of trained models (no child is
//! retrained) and its live setting changes re-applied at the same steps rebuilds the
//! Q-networks, Adam moments, replay memory and RNG exactly as they were.

use crate::config::{Settings, format_schedule};
use crate::data::{self, BaseData};
use crate::gdata::{self, GData};
use crate::groups::{GroupSet, NUM_GROUPS};
use crate::nn::Dev;
use crate::orbits::ChildOrbits;
use crate::snapshot::{self, Snapshot};
use crate::train::{self, Flow, TrainConfig, TrainProgress, TrainResult};
use dfdx::optim::{Adam, AdamConfig, Optimizer};
use dfdx::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::time::{Duration, Instant};

type QNet = (
    (Linear<NUM_GROUPS, 400>, ReLU),
    (Linear<400, 400>, ReLU),
    (Linear<400, 400>, ReLU),
    Linear<400, NUM_GROUPS>,
);
type QModel = <QNet as BuildOnDevice<Dev, f32>>::Built;

/// A live change of a setting, applied at the next step boundary.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum SettingChange {
    /// A fixed epsilon, or None to return to the schedule.
    FixedEpsilon(Option<f64>),
    EpsilonSchedule(Vec<(usize, f64)>),
    ChildEpochs(usize),
    ChildLr(f64),
    ChildBatch(usize),
    QLr(f64),
    Gamma(f64),
    TargetUpdate(usize),
    MaxModels(usize),
    MaxEpisodes(usize),
}

impl SettingChange {
    /// Applies the change to `s`, refusing values the config file would refuse.
    pub fn apply(&self, s: &mut Settings) -> Result<(), crate::config::ConfigError> {
        let mut t = s.clone();
        match self.clone() {
            SettingChange::FixedEpsilon(e) => t.search.fixed_epsilon = e,
            SettingChange::EpsilonSchedule(v) => t.search.epsilon_schedule = v,
            SettingChange::ChildEpochs(v) => t.child.epochs = v,
            SettingChange::ChildLr(v) => t.child.lr = v,
            SettingChange::ChildBatch(v) => t.child.batch = v,
            SettingChange::QLr(v) => t.search.q_lr = v,
            SettingChange::Gamma(v) => t.search.gamma = v,
            SettingChange::TargetUpdate(v) => t.search.target_update = v,
            SettingChange::MaxModels(v) => t.search.max_models = v,
            SettingChange::MaxEpisodes(v) => t.search.max_episodes = v,
        }
        t.validate()?;
        *s = t;
        Ok(())
    }

    pub fn describe(&self) -> String {
        match self {
            SettingChange::FixedEpsilon(Some(e)) => format!("epsilon fixed at {e}"),
            SettingChange::FixedEpsilon(None) => "epsilon back on its schedule".into(),
            SettingChange::EpsilonSchedule(v) => format!("epsilon schedule {}", format_schedule(v)),
            SettingChange::ChildEpochs(v) => format!("child epochs {v}"),
            SettingChange::ChildLr(v) => format!("child learning rate {v}"),
            SettingChange::ChildBatch(v) => format!("child batch {v}"),
            SettingChange::QLr(v) => format!("Q learning rate {v}"),
            SettingChange::Gamma(v) => format!("gamma {v}"),
            SettingChange::TargetUpdate(v) => format!("target update every {v} models"),
            SettingChange::MaxModels(v) => format!("max models {v}"),
            SettingChange::MaxEpisodes(v) => format!("max episodes {v}"),
        }
    }
}

/// Commands from the client to the worker.
#[derive(Clone, Debug)]
pub enum Control {
    Pause,
    Resume,
    Stop,
    /// Save a snapshot to this path, or to the session's autosave path.
    Save(Option<PathBuf>),
    Set(SettingChange),
}

/// One environment step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    pub step: usize,
    pub episode: usize,
    pub state: GroupSet,
    pub action: usize,
    pub next_state: GroupSet,
    pub greedy: bool,
    pub q_values: Vec<f32>,
    pub reward: f64,
    pub val_acc: f64,
    pub params: usize,
    pub epsilon: f64,
    pub new_model: bool,
}

/// One trained child network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelRecord {
    /// 1-based: the n-th distinct state trained.
    pub index: usize,
    pub state: GroupSet,
    pub val_acc: f64,
    pub test_acc: f64,
    pub params: usize,
    pub seconds: f64,
    /// The step at which the state was first reached (0 for the all-zero start).
    pub first_step: usize,
    /// Epsilon in force when it was trained.
    pub epsilon: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpisodeRecord {
    pub episode: usize,
    pub total_reward: f64,
    pub mean_reward: f64,
    pub steps: usize,
}

/// Everything the charts need, rebuilt on resume.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    pub steps: Vec<StepRecord>,
    pub models: Vec<ModelRecord>,
    pub episodes: Vec<EpisodeRecord>,
    /// (step at which it applied, change).
    pub changes: Vec<(usize, SettingChange)>,
}

impl History {
    pub fn best(&self, k: usize) -> Vec<&ModelRecord> {
        let mut v: Vec<&ModelRecord> = self.models.iter().collect();
        v.sort_by(|a, b| {
            b.val_acc
                .total_cmp(&a.val_acc)
                .then(a.params.cmp(&b.params))
        });
        v.truncate(k);
        v
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FinishReason {
    MaxModels,
    MaxEpisodes,
    Stopped,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunInfo {
    pub dataset: String,
    pub source: String,
    pub data_groups: GroupSet,
    pub device: String,
    pub settings: Settings,
    pub snapshot_path: PathBuf,
}

/// Events from the worker.
#[derive(Clone, Debug)]
pub enum Event {
    Started(Box<RunInfo>),
    /// Replaying a snapshot: `done` of `total` steps re-run.
    Replaying {
        done: usize,
        total: usize,
    },
    /// The full history so far (after a resume's replay).
    History(Box<History>),
    Step(Box<StepRecord>),
    EpisodeEnd(EpisodeRecord),
    ModelTrained(ModelRecord),
    /// A child network is training (throttled to a few updates a second).
    Training {
        state: GroupSet,
        progress: TrainProgress,
    },
    SettingChanged {
        step: usize,
        change: SettingChange,
    },
    SettingRefused {
        change: SettingChange,
        reason: String,
    },
    Paused,
    Unpaused,
    Saved(PathBuf),
    Log(String),
    Error(String),
    Finished {
        reason: FinishReason,
        snapshot: Option<PathBuf>,
    },
}

/// The client's end of a running search.
pub struct SearchHandle {
    pub events: Receiver<Event>,
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

    pub fn stop_flag(&self) -> Arc<AtomicBool> {
        self.stop.clone()
    }

    pub fn join(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Where a new session autosaves: `<data dir>/sessions/<timestamp>.json`.
pub fn default_snapshot_path() -> PathBuf {
    let dir = data::user_data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("sessions");
    dir.join(format!(
        "{}.json",
        chrono::Local::now().format("%Y%m%d-%H%M%S")
    ))
}

/// Starts a search on a worker thread. With `resume`, continues that snapshot.
pub fn spawn(settings: Settings, resume: Option<Snapshot>, snapshot_path: PathBuf) -> SearchHandle {
    let (etx, erx) = mpsc::channel();
    let (ctx, crx) = mpsc::channel();
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = stop.clone();
    let thread = std::thread::Builder::new()
        .name("aen-search".into())
        .spawn(move || {
            let etx2 = etx.clone();
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let mut w = Worker::new(settings, resume, snapshot_path, etx, crx, stop2)?;
                w.run()
            }));
            match result {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    let _ = etx2.send(Event::Error(format!("{e:#}")));
                }
                Err(panic) => {
                    let msg = panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_else(|| "unknown panic".into());
                    let _ = etx2.send(Event::Error(format!("the search worker panicked: {msg}")));
                }
            }
        })
        .expect("spawning a thread");
    SearchHandle {
        events: erx,
        control: ctx,
        stop,
        thread: Some(thread),
    }
}

/// The reward of PAPER.md §6: (acc - b) * exp(|acc - b|), accuracies in percent.
///
/// ```
/// assert_eq!(aen::search::reward(90.0, 90.0), 0.0);
/// assert!((aen::search::reward(91.0, 90.0) - std::f64::consts::E).abs() < 1e-12);
/// assert!(aen::search::reward(80.0, 90.0) < -2e5);
/// ```
pub fn reward(acc: f64, base: f64) -> f64 {
    let d = acc - base;
    d * d.abs().exp()
}

/// The seed of the child network trained for `state`: independent of the search's RNG,
/// so replaying a search from cached accuracies follows the same path.
pub fn child_seed(seed: u64, state: GroupSet) -> u64 {
    seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (state.bits() as u64).wrapping_mul(0xD1B5_4A32_D192_ED03)
        ^ 0xC41D
}

/// Loads the base data and builds the search G-dataset for `settings`.
pub fn prepare_data(settings: &Settings) -> anyhow::Result<(BaseData, GData)> {
    let want = settings.source_kind()?;
    let base = data::open(
        settings.data.dataset,
        settings.data.data_dir.as_deref(),
        want,
    )?;
    let gd = gdata::build(
        &base,
        settings.data.groups,
        settings.data.step,
        settings.data.seed,
        settings.child_sizes(),
    )?;
    Ok((base, gd))
}

struct Transition {
    state: GroupSet,
    action: usize,
    reward: f32,
    next: GroupSet,
}

fn state_vec(s: GroupSet) -> [f32; NUM_GROUPS] {
    // Input scaled by 1/10 as in PAPER.md §6.
    std::array::from_fn(|k| if s.bits() & (1 << k) != 0 { 0.1 } else { 0.0 })
}

struct Worker {
    settings: Settings,
    initial_settings: Settings,
    dev: Dev,
    qdev: Dev,
    gd: GData,
    info: RunInfo,
    policy: QModel,
    target: QModel,
    qgrads: Gradients<f32, Dev>,
    qopt: Adam<QModel, f32, Dev>,
    rng: ChaCha8Rng,
    memory: VecDeque<Transition>,
    /// Models trained in this run (or re-reached in a replay), by state.
    cache: HashMap<GroupSet, ModelRecord>,
    /// A resumed snapshot's models not yet re-reached by the replay.
    prior: HashMap<GroupSet, ModelRecord>,
    history: History,
    /// Steps and changes to replay before going live.
    replay: Option<Snapshot>,
    events: Sender<Event>,
    control: Receiver<Control>,
    stop: Arc<AtomicBool>,
    paused: bool,
    pending: Vec<SettingChange>,
    base_acc: f64,
    step: usize,
    path: PathBuf,
    started: Instant,
}

impl Worker {
    fn new(
        settings: Settings,
        resume: Option<Snapshot>,
        path: PathBuf,
        events: Sender<Event>,
        control: Receiver<Control>,
        stop: Arc<AtomicBool>,
    ) -> anyhow::Result<Worker> {
        settings.validate()?;
        let (base, gd) = prepare_data(&settings)?;
        let seed = settings.data.seed;
        let qdev = Dev::seed_from_u64(seed ^ 0x0051_A7E5);
        let policy = qdev.build_module::<QNet, f32>();
        let target = policy.clone();
        let qgrads = policy.alloc_grads();
        let qopt = Adam::new(
            &policy,
            AdamConfig {
                lr: settings.search.q_lr,
                ..Default::default()
            },
        );
        let info = RunInfo {
            dataset: base.kind.title().to_string(),
            source: base.source.to_string(),
            data_groups: settings.data.groups,
            device: crate::nn::device_name(),
            settings: settings.clone(),
            snapshot_path: path.clone(),
        };
        let prior = resume
            .as_ref()
            .map(|s| {
                s.history
                    .models
                    .iter()
                    .map(|m| (m.state, m.clone()))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Worker {
            initial_settings: settings.clone(),
            settings,
            dev: Dev::default(),
            qdev,
            gd,
            info,
            policy,
            target,
            qgrads,
            qopt,
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0xD0_5EA2C4),
            memory: VecDeque::new(),
            cache: HashMap::new(),
            prior,
            history: History::default(),
            replay: resume,
            events,
            control,
            stop,
            paused: false,
            pending: Vec::new(),
            base_acc: 0.0,
            step: 0,
            path,
            started: Instant::now(),
        })
    }

    fn emit(&self, e: Event) {
        // Replayed steps are not news; the client gets the whole history at the end.
        if self.replaying()
            && matches!(
                e,
                Event::Step(_)
                    | Event::EpisodeEnd(_)
                    | Event::ModelTrained(_)
                    | Event::SettingChanged { .. }
            )
        {
            return;
        }
        let _ = self.events.send(e);
    }

    fn replaying(&self) -> bool {
        self.replay
            .as_ref()
            .is_some_and(|s| self.step < s.history.steps.len())
    }

    fn models_trained(&self) -> usize {
        self.history.models.len()
    }

    fn snapshot(&self) -> Snapshot {
        Snapshot::new(
            self.initial_settings.clone(),
            &self.info,
            self.history.clone(),
            self.finished_reason(),
        )
    }

    fn finished_reason(&self) -> Option<FinishReason> {
        if self.models_trained() >= self.settings.search.max_models {
            Some(FinishReason::MaxModels)
        } else if self.history.episodes.len() >= self.settings.search.max_episodes {
            Some(FinishReason::MaxEpisodes)
        } else {
            None
        }
    }

    /// Saves a snapshot; `announce` for saves the user asked for (autosaves are quiet).
    /// A failed save is a warning: the search goes on and the next save may succeed.
    fn save(&self, path: &std::path::Path, announce: bool) {
        match snapshot::save(&self.snapshot(), path) {
            Ok(()) if announce => {
                let _ = self.events.send(Event::Saved(path.to_path_buf()));
            }
            Ok(()) => {}
            Err(e) => {
                let _ = self.events.send(Event::Log(format!(
                    "warning: saving the snapshot failed: {e:#}"
                )));
            }
        }
    }

    fn apply_change(&mut self, change: SettingChange) {
        match change.apply(&mut self.settings) {
            Ok(()) => {
                if let SettingChange::QLr(lr) = change {
                    self.qopt.cfg.lr = lr;
                }
                self.history.changes.push((self.step, change.clone()));
                self.emit(Event::SettingChanged {
                    step: self.step,
                    change,
                });
            }
            Err(e) => {
                let _ = self.events.send(Event::SettingRefused {
                    change,
                    reason: e.to_string(),
                });
            }
        }
    }

    /// Handles controls at a step boundary; blocks while paused. Returns false to stop.
    fn poll_controls(&mut self) -> bool {
        if self.replaying() {
            // Re-apply the changes recorded at this step, in order, instead of live ones.
            let due: Vec<SettingChange> = self
                .replay
                .as_ref()
                .map(|s| {
                    s.history
                        .changes
                        .iter()
                        .filter(|(st, _)| *st == self.step)
                        .map(|(_, c)| c.clone())
                        .collect()
                })
                .unwrap_or_default();
            for c in due {
                self.apply_change(c);
            }
        }
        loop {
            if self.stop.load(Ordering::SeqCst) {
                return false;
            }
            let msg = if self.paused {
                match self.control.recv_timeout(Duration::from_millis(200)) {
                    Ok(m) => Some(m),
                    Err(mpsc::RecvTimeoutError::Timeout) => continue,
                    Err(mpsc::RecvTimeoutError::Disconnected) => return false,
                }
            } else {
                match self.control.try_recv() {
                    Ok(m) => Some(m),
                    Err(TryRecvError::Empty) => None,
                    // The client is gone: finish as if stopped, so the snapshot is saved.
                    Err(TryRecvError::Disconnected) => return false,
                }
            };
            match msg {
                None => return true,
                Some(Control::Pause) => {
                    if !self.paused {
                        self.paused = true;
                        let _ = self.events.send(Event::Paused);
                    }
                }
                Some(Control::Resume) => {
                    if self.paused {
                        self.paused = false;
                        let _ = self.events.send(Event::Unpaused);
                    }
                }
                Some(Control::Stop) => return false,
                Some(Control::Save(_)) if self.replaying() => {
                    let _ = self.events.send(Event::Log(
                        "still replaying the snapshot: save again once it has caught up".into(),
                    ));
                }
                Some(Control::Save(p)) => {
                    let p = p.unwrap_or_else(|| self.path.clone());
                    self.save(&p, true);
                }
                Some(Control::Set(c)) => {
                    if self.replaying() {
                        // Recorded changes come first; new ones apply once replay is over.
                        self.pending.push(c);
                    } else {
                        self.apply_change(c);
                    }
                }
            }
        }
    }

    /// The record of `state`, training it first if it is new. None if cancelled.
    fn evaluate(&mut self, state: GroupSet) -> anyhow::Result<Option<(ModelRecord, bool)>> {
        if let Some(m) = self.cache.get(&state) {
            return Ok(Some((m.clone(), false)));
        }
        if let Some(mut m) = self.prior.remove(&state) {
            // Trained before the snapshot was taken: counts as new in the replayed run.
            m.index = self.models_trained() + 1;
            m.first_step = self.step;
            self.cache.insert(state, m.clone());
            self.history.models.push(m.clone());
            return Ok(Some((m, true)));
        }
        let orbits = ChildOrbits::new(state, self.settings.data.step)?;
        let cfg = TrainConfig {
            epochs: self.settings.child.epochs,
            batch: self.settings.child.batch,
            lr: self.settings.child.lr,
            seed: child_seed(self.settings.data.seed, state),
        };
        let stop = self.stop.clone();
        let events = self.events.clone();
        let mut last = Instant::now() - Duration::from_secs(1);
        let result = train::train_child(&self.dev, &orbits, &self.gd, cfg, &mut |p| {
            if last.elapsed() > Duration::from_millis(250) {
                last = Instant::now();
                let _ = events.send(Event::Training { state, progress: p });
            }
            if stop.load(Ordering::SeqCst) {
                Flow::Cancel
            } else {
                Flow::Continue
            }
        });
        let r: TrainResult = match result {
            Ok(r) => r,
            Err(train::TrainError::Cancelled) => return Ok(None),
        };
        let rec = ModelRecord {
            index: self.models_trained() + 1,
            state,
            val_acc: r.val_acc,
            test_acc: r.test_acc,
            params: r.params,
            seconds: r.seconds,
            first_step: self.step,
            epsilon: self.settings.epsilon(self.models_trained()),
        };
        self.cache.insert(state, rec.clone());
        self.history.models.push(rec.clone());
        Ok(Some((rec, true)))
    }

    fn q_values(&self, s: GroupSet) -> Vec<f32> {
        let x = self
            .qdev
            .tensor_from_vec(state_vec(s).to_vec(), (1usize, Const::<NUM_GROUPS>));
        self.policy.forward(x).as_vec()
    }

    /// One DQN update on a random batch of the replay memory:
    /// loss = huber(Q(s)[a], r + gamma * max_a' Q_target(s', a')).
    fn optimize(&mut self) {
        let b = self.settings.search.q_batch;
        if self.memory.len() < b {
            return;
        }
        let mut s = Vec::with_capacity(b * NUM_GROUPS);
        let mut s2 = Vec::with_capacity(b * NUM_GROUPS);
        let mut a = Vec::with_capacity(b);
        let mut r = Vec::with_capacity(b);
        for _ in 0..b {
            let t = &self.memory[self.rng.gen_range(0..self.memory.len())];
            s.extend(state_vec(t.state));
            s2.extend(state_vec(t.next));
            a.push(t.action);
            r.push(t.reward);
        }
        let dev = &self.qdev;
        let s = dev.tensor_from_vec(s, (b, Const::<NUM_GROUPS>));
        let s2 = dev.tensor_from_vec(s2, (b, Const::<NUM_GROUPS>));
        let a = dev.tensor_from_vec(a, (b,));
        let r = dev.tensor_from_vec(r, (b,));
        let next_max = self.target.forward(s2).max::<(usize,), _>();
        let target = next_max * (self.settings.search.gamma as f32) + r;
        let grads = std::mem::replace(&mut self.qgrads, self.policy.alloc_grads());
        let q = self.policy.forward(s.traced(grads)).select(a);
        let loss = huber_loss(q, target, 1.0);
        let mut grads = loss.backward();
        self.qopt
            .update(&mut self.policy, &grads)
            .expect("every Q parameter is used");
        self.policy.zero_grads(&mut grads);
        self.qgrads = grads;
    }

    fn run(&mut self) -> anyhow::Result<()> {
        let _ = self
            .events
            .send(Event::Started(Box::new(self.info.clone())));
        // The all-zero network gives the base accuracy b of the reward.
        let zero = GroupSet::EMPTY;
        let Some((rec, _)) = self.evaluate(zero)? else {
            return self.finish(FinishReason::Stopped);
        };
        self.base_acc = rec.val_acc;
        self.emit(Event::ModelTrained(rec));
        let mut state = zero;
        loop {
            if let Some(reason) = self.finished_reason() {
                return self.finish(reason);
            }
            let episode = self.history.episodes.len();
            let mut total = 0.0;
            let mut steps = 0;
            for _ in 0..self.settings.search.episode_len {
                if !self.poll_controls() {
                    return self.finish(FinishReason::Stopped);
                }
                let eps = self.settings.epsilon(self.models_trained());
                let q = self.q_values(state);
                let greedy = self.rng.r#gen::<f64>() >= eps;
                let action = if greedy {
                    q.iter()
                        .enumerate()
                        .fold(0, |best, (k, &v)| if v > q[best] { k } else { best })
                } else {
                    self.rng.gen_range(0..NUM_GROUPS)
                };
                let next = GroupSet::from_bits(state.bits() ^ (1 << action));
                let Some((rec, new_model)) = self.evaluate(next)? else {
                    return self.finish(FinishReason::Stopped);
                };
                let rw = reward(rec.val_acc, self.base_acc);
                if self.memory.len() == self.settings.search.replay_capacity {
                    self.memory.pop_front();
                }
                self.memory.push_back(Transition {
                    state,
                    action,
                    reward: rw as f32,
                    next,
                });
                self.optimize();
                if new_model
                    && self
                        .models_trained()
                        .is_multiple_of(self.settings.search.target_update)
                {
                    self.target.clone_from(&self.policy);
                }
                let record = StepRecord {
                    step: self.step,
                    episode,
                    state,
                    action,
                    next_state: next,
                    greedy,
                    q_values: q,
                    reward: rw,
                    val_acc: rec.val_acc,
                    params: rec.params,
                    epsilon: eps,
                    new_model,
                };
                self.check_replay(&record);
                self.history.steps.push(record.clone());
                self.emit(Event::Step(Box::new(record)));
                self.step += 1;
                if new_model {
                    // Saved before it is announced: a model a client has seen is on disk.
                    if !self.replaying() {
                        self.save(&self.path.clone(), false);
                    }
                    self.emit(Event::ModelTrained(rec));
                }
                self.maybe_end_replay();
                total += rw;
                steps += 1;
                state = next;
                if self.models_trained() >= self.settings.search.max_models {
                    break;
                }
            }
            let ep = EpisodeRecord {
                episode,
                total_reward: total,
                mean_reward: total / steps.max(1) as f64,
                steps,
            };
            self.history.episodes.push(ep.clone());
            self.emit(Event::EpisodeEnd(ep));
            state = zero;
        }
    }

    /// Warns once if the replay leaves the recorded path (another device or version).
    fn check_replay(&mut self, rec: &StepRecord) {
        if let Some(snap) = &self.replay
            && let Some(old) = snap.history.steps.get(self.step)
            && (old.state, old.action) != (rec.state, rec.action)
        {
            let _ = self.events.send(Event::Log(format!(
                        "replay diverged from the snapshot at step {} (recorded action {}, now {}); continuing from here",
                        self.step, old.action, rec.action
                    )));
            self.replay = None;
            let _ = self
                .events
                .send(Event::History(Box::new(self.history.clone())));
        }
    }

    fn maybe_end_replay(&mut self) {
        if let Some(snap) = &self.replay {
            let total = snap.history.steps.len();
            if self.step.is_multiple_of(50) || self.step >= total {
                let _ = self.events.send(Event::Replaying {
                    done: self.step.min(total),
                    total,
                });
            }
            if self.step >= total {
                self.replay = None;
                for c in std::mem::take(&mut self.pending) {
                    self.apply_change(c);
                }
                let _ = self
                    .events
                    .send(Event::History(Box::new(self.history.clone())));
                let _ = self.events.send(Event::Log(format!(
                    "resumed at step {} with {} models trained",
                    self.step,
                    self.models_trained()
                )));
            }
        }
    }

    fn finish(&mut self, reason: FinishReason) -> anyhow::Result<()> {
        let path = self.path.clone();
        if self.replaying() {
            // Stopped before catching up: what was rebuilt is less than the snapshot
            // holds, so the snapshot is left as it was.
            let _ = self.events.send(Event::Log(
                "stopped while replaying the snapshot: it was left unchanged".into(),
            ));
            let _ = self.events.send(Event::Finished {
                reason,
                snapshot: path.exists().then_some(path),
            });
            return Ok(());
        }
        if self.replay.is_some() {
            self.replay = None;
            let _ = self
                .events
                .send(Event::History(Box::new(self.history.clone())));
        }
        let saved = snapshot::save(&self.snapshot(), &path);
        if let Err(e) = &saved {
            let _ = self
                .events
                .send(Event::Error(format!("saving the snapshot failed: {e:#}")));
        }
        let _ = self.events.send(Event::Log(format!(
            "search ended after {:.0} s",
            self.started.elapsed().as_secs_f64()
        )));
        let _ = self.events.send(Event::Finished {
            reason,
            snapshot: saved.ok().map(|_| path),
        });
        Ok(())
    }
}
