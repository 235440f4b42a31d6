//! The search loop on its worker thread: steps and episodes, controls at step
//! boundaries, autosaves, and resume by replay (docs/method.md §6).
//!
//! Resuming is exact by replay: every random choice comes from seeded generators, and
//! each child network's accuracy depends only on (settings, state), so re-running the
//! search from the start with the snapshot's table of trained models (no child is
//! retrained) and its live setting changes re-applied at the same steps rebuilds the
//! Q-networks, Adam moments, replay memory and RNG exactly as they were.

mod changes;
mod ending;

use super::ahead::{self, Origin, Wait};
use super::children::{Children, Evaluator, Outcome};
use super::protocol::{Control, Event, FinishReason, RunInfo, SettingChange};
use super::records::{EpisodeRecord, History, ModelRecord, StepRecord};
use super::strategy::{Choice, Strategy};
use crate::groups::GroupSet;
use crate::settings::Settings;
use crate::snapshot::{self, Snapshot};
use crate::task::Sink;
use crate::train::Flow;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::time::{Duration, Instant};

/// Why the loop stopped early.
enum Halt {
    Stopped,
    Failed(String),
}

pub(super) struct Worker {
    settings: Settings,
    initial_settings: Settings,
    info: RunInfo,
    strategy: Strategy,
    children: Children,
    history: History,
    /// The snapshot being replayed, until the replay has caught up with it.
    replay: Option<Snapshot>,
    /// Live changes that arrived during the replay, applied once it is over.
    pending: Vec<SettingChange>,
    /// How many of the replayed snapshot's recorded changes have been applied.
    next_change: usize,
    /// What the resumed snapshot holds beside the run: its final evaluations and the
    /// researcher's note and tags, kept in every snapshot saved.
    evaluations: Vec<crate::snapshot::Evaluation>,
    note: String,
    tags: Vec<String>,
    /// (steps, changes) when the replay caught up: if nothing was added after it, the
    /// snapshot on disk is already this run and is not rewritten.
    replayed: Option<(usize, usize)>,
    events: Sink<Event>,
    control: Receiver<Control>,
    stop: Arc<AtomicBool>,
    paused: bool,
    base_acc: f64,
    step: usize,
    path: PathBuf,
    /// Whether the run writes its snapshot (not when searching a table in a comparison).
    autosave: bool,
    started: Instant,
    /// Where the trainers' predictions start: the step in progress.
    origin: Option<Origin>,
    /// When the trainers were last reported.
    reported: Instant,
    /// No walk ahead before this step unless a new state comes up (see `look_ahead`).
    quiet_until: usize,
}

/// Steps without a walk ahead after one that found nothing to train.
const QUIET_STEPS: usize = 8;

pub(super) struct Channels {
    pub events: Sink<Event>,
    pub control: Receiver<Control>,
}

impl Worker {
    pub fn new(
        settings: Settings,
        info: RunInfo,
        eval: Evaluator,
        resume: Option<Snapshot>,
        ch: Channels,
        autosave: bool,
    ) -> Worker {
        let prior: &[ModelRecord] = resume.as_ref().map_or(&[], |s| &s.history.models);
        let (resume_evaluations, note, tags) = resume.as_ref().map_or_else(Default::default, |s| {
            (s.evaluations.clone(), s.note.clone(), s.tags.clone())
        });
        let info_path = info.snapshot_path.clone();
        let mut children = Children::new(eval, prior, &settings);
        children.set_trainers(&settings);
        Worker {
            strategy: Strategy::new(&settings),
            children,
            autosave,
            initial_settings: settings.clone(),
            settings,
            info,
            history: History::default(),
            replay: resume,
            pending: Vec::new(),
            next_change: 0,
            evaluations: resume_evaluations,
            note,
            tags,
            replayed: None,
            stop: ch.events.stop_flag().clone(),
            events: ch.events,
            control: ch.control,
            paused: false,
            base_acc: 0.0,
            step: 0,
            path: info_path,
            started: Instant::now(),
            origin: None,
            reported: Instant::now(),
            quiet_until: 0,
        }
    }

    fn send(&self, e: Event) {
        self.events.send(e);
    }

    /// Sends an event, except replayed steps: the client gets the whole history once
    /// the replay is over.
    fn emit(&self, e: Event) {
        let replayed = matches!(
            e,
            Event::Step(_)
                | Event::EpisodeEnd(_)
                | Event::ModelTrained(_)
                | Event::SettingChanged { .. }
        );
        // Until the replay has ended: what happens after its last step (the end of
        // an episode) is in the history sent when it ends.
        if !(replayed && self.replay.is_some()) {
            self.send(e);
        }
    }

    fn replaying(&self) -> bool {
        self.replay
            .as_ref()
            .is_some_and(|s| self.step < s.history.steps.len())
    }

    fn seconds(&self) -> f64 {
        self.info.prior_seconds + self.started.elapsed().as_secs_f64()
    }

    fn snapshot(&self) -> Snapshot {
        Snapshot {
            evaluations: self.evaluations.clone(),
            note: self.note.clone(),
            tags: self.tags.clone(),
            ..Snapshot::new(
                self.initial_settings.clone(),
                &self.info,
                self.history.clone(),
                self.finished_reason(),
                self.seconds(),
            )
        }
    }

    fn finished_reason(&self) -> Option<FinishReason> {
        let s = &self.settings.search;
        if self.children.count() >= self.settings.networks() {
            Some(FinishReason::AllNetworks)
        } else if self.children.count() >= self.settings.budget() {
            Some(FinishReason::MaxModels)
        } else if self.history.episodes.len() >= s.max_episodes {
            Some(FinishReason::MaxEpisodes)
        } else {
            None
        }
    }

    /// Handles controls at a step boundary; blocks while paused.
    fn poll_controls(&mut self) -> Result<(), Halt> {
        self.change_point();
        loop {
            if self.stop.load(Ordering::SeqCst) {
                return Err(Halt::Stopped);
            }
            let msg = if self.paused {
                match self.control.recv_timeout(Duration::from_millis(200)) {
                    Ok(m) => m,
                    Err(mpsc::RecvTimeoutError::Timeout) => continue,
                    Err(mpsc::RecvTimeoutError::Disconnected) => return Err(Halt::Stopped),
                }
            } else {
                match self.control.try_recv() {
                    Ok(m) => m,
                    Err(TryRecvError::Empty) => return Ok(()),
                    // The client is gone: finish as if stopped, so the snapshot is saved.
                    Err(TryRecvError::Disconnected) => return Err(Halt::Stopped),
                }
            };
            self.handle(msg)?;
        }
    }

    fn handle(&mut self, msg: Control) -> Result<(), Halt> {
        match msg {
            Control::Pause if !self.paused => {
                self.paused = true;
                self.send(Event::Paused);
            }
            Control::Resume if self.paused => {
                self.paused = false;
                self.send(Event::Unpaused);
            }
            Control::Pause | Control::Resume => {}
            Control::Stop => return Err(Halt::Stopped),
            Control::Save(_) if self.replaying() => self.send(Event::Warning(
                "still replaying the snapshot: save again once it has caught up".into(),
            )),
            Control::Save(p) => {
                let p = p.unwrap_or_else(|| self.path.clone());
                let snap = match p == self.path {
                    true => self.snapshot(),
                    false => snapshot::checkpoint_of(&self.snapshot(), &self.path),
                };
                match snapshot::save(&snap, &p) {
                    Ok(()) => self.send(Event::Saved(p)),
                    Err(e) => self.send(Event::Warning(format!("saving failed: {e}"))),
                }
            }
            // Recorded changes come first; new ones apply once the replay is over.
            Control::Set(c) if self.replaying() => self.pending.push(c),
            Control::Set(c) => self.apply_live(c),
        }
        Ok(())
    }

    /// The record of `state` and whether it is a new model; trains it if needed.
    fn evaluate(&mut self, state: GroupSet) -> Result<(ModelRecord, bool), Halt> {
        self.await_trainers(state)?;
        self.origin = None;
        let stop = self.stop.clone();
        let events = self.events.clone();
        let mut last = Instant::now() - Duration::from_secs(1);
        let mut on_batch = |p| {
            if last.elapsed() > Duration::from_millis(250) {
                last = Instant::now();
                events.send(Event::Training { state, progress: p });
            }
            if stop.load(Ordering::SeqCst) {
                Flow::Cancel
            } else {
                Flow::Continue
            }
        };
        let outcome = self
            .children
            .evaluate(state, self.step, &self.settings, &mut on_batch)
            .map_err(|e| Halt::Failed(format!("{e:#}")))?;
        match outcome {
            Outcome::Known(m) => Ok((m, false)),
            Outcome::Cancelled => Err(Halt::Stopped),
            Outcome::New(m) => {
                self.history.models.push(m.clone());
                Ok((m, true))
            }
        }
    }

    /// Asks the trainers for the state of the move `pending` (the base model if None)
    /// if it is untrained, then predicts the states the search will need after it
    /// (`left` steps are left in its episode) and trains them ahead on free trainers.
    fn look_ahead(&mut self, pending: Option<&Choice>, left: usize) {
        let next = pending.map_or(GroupSet::EMPTY, |c| c.next);
        let new = self.children.needs_training(next);
        if new && let Some(a) = self.children.ahead_mut() {
            a.need(next);
        }
        // A replay trains nothing; and after a walk ahead found nothing to train, the
        // next few steps (through known states) would not either.
        if self.children.ahead().is_none()
            || self.replaying()
            || !new && self.step < self.quiet_until
        {
            return;
        }
        self.origin = Some(Origin::new(&self.strategy, pending, left));
        self.replan();
    }

    fn replan(&mut self) {
        let (Some(origin), Some(a)) = (&self.origin, self.children.ahead()) else {
            return;
        };
        if !a.has_free() {
            return;
        }
        let want = a.capacity();
        let next = ahead::predict(origin, &self.children, &self.settings, want);
        if next.is_empty() {
            self.quiet_until = self.step + QUIET_STEPS;
        }
        if let Some(a) = self.children.ahead_mut() {
            a.plan(&next);
        }
    }

    /// With trainers, waits until `state` is trained (by a trainer that started on it
    /// now, or earlier as a prediction), predicting again as trainers come free.
    fn await_trainers(&mut self, state: GroupSet) -> Result<(), Halt> {
        if !self.children.needs_training(state) || self.children.ahead().is_none() {
            return Ok(());
        }
        loop {
            if self.stop.load(Ordering::SeqCst) {
                return Err(Halt::Stopped);
            }
            let a = self.children.ahead_mut().expect("checked above");
            let waited = a.wait(state, Duration::from_millis(100));
            match waited.map_err(|e| Halt::Failed(format!("{e:#}")))? {
                Wait::Done => break,
                Wait::Arrived => self.replan(),
                Wait::Timeout => {}
            }
            self.report_trainers(Some(state), false);
        }
        self.report_trainers(None, true);
        Ok(())
    }

    /// Sends the trainers' state and the progress of `state`'s training, a few times
    /// a second (or now, if `now`).
    fn report_trainers(&mut self, state: Option<GroupSet>, now: bool) {
        let Some(a) = self.children.ahead() else {
            return;
        };
        if !now && self.reported.elapsed() < Duration::from_millis(250) {
            return;
        }
        self.reported = Instant::now();
        if let Some((s, p)) = state.and_then(|s| Some((s, a.progress(s)?))) {
            self.send(Event::Training {
                state: s,
                progress: p,
            });
        }
        self.send(Event::Trainers(a.stats()));
    }

    /// A new model is saved before it is announced: a model a client has seen is on
    /// disk. A failed autosave stops the search at once, so no work goes unsaved.
    fn record_model(&mut self, m: ModelRecord) -> Result<(), Halt> {
        // Until the replay has ended (after its last step, whose model is the
        // snapshot's own), a model is not new: nothing to save.
        if self.autosave && self.replay.is_none() {
            snapshot::save(&self.snapshot(), &self.path)
                .map_err(|e| Halt::Failed(format!("autosave failed, search stopped: {e}")))?;
        }
        self.emit(Event::ModelTrained(m));
        Ok(())
    }

    /// One environment step from `state`; returns the next state and its reward.
    /// `left`: steps left in the episode after this one.
    fn step_once(
        &mut self,
        walk: GroupSet,
        episode: usize,
        left: usize,
    ) -> Result<(GroupSet, f64), Halt> {
        self.poll_controls()?;
        let eps = self.settings.epsilon(self.children.count());
        let choice = self
            .strategy
            .choose(walk, eps, &self.children, &self.settings.search);
        self.look_ahead(Some(&choice), left);
        let next = choice.next;
        let (rec, new_model) = self.evaluate(next)?;
        let rw = self.settings.search.reward.of(rec.val_acc, self.base_acc);
        let count = self.children.count();
        let q_loss = self.strategy.observe(
            &choice,
            rw,
            rec.val_acc,
            new_model,
            &self.settings.search,
            count,
        );
        let record = StepRecord {
            step: self.step,
            episode,
            state: choice.from,
            action: choice.action,
            next_state: next,
            greedy: choice.greedy,
            q_values: choice.scores,
            reward: rw,
            val_acc: rec.val_acc,
            params: rec.params,
            epsilon: eps,
            new_model,
            q_loss,
        };
        self.check_replay(&record)?;
        self.history.steps.push(record.clone());
        self.emit(Event::Step(Box::new(record)));
        self.step += 1;
        if new_model {
            self.record_model(rec)?;
        }
        self.report_replay();
        Ok((next, rw))
    }

    fn run_episode(&mut self) -> Result<(), Halt> {
        let episode = self.history.episodes.len();
        let (mut state, mut total, mut steps) = (GroupSet::EMPTY, 0.0, 0);
        let len = self.settings.search.episode_len;
        for k in 0..len {
            let (next, rw) = self.step_once(state, episode, len - k - 1)?;
            total += rw;
            steps += 1;
            state = next;
            if self.children.count() >= self.settings.budget() {
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
        Ok(())
    }

    fn search(&mut self) -> Result<FinishReason, Halt> {
        // The all-zero network gives the base accuracy b of the reward.
        self.look_ahead(None, self.settings.search.episode_len);
        let (rec, _) = self.evaluate(GroupSet::EMPTY)?;
        self.base_acc = rec.val_acc;
        self.record_model(rec)?;
        loop {
            if self.finished_reason().is_some() {
                // A replay that ends here (or whose run went on from here: an
                // extended search) applies its changes before the run may end.
                if self.replay.is_some() {
                    self.poll_controls()?;
                }
                if let Some(reason) = self.finished_reason() {
                    return Ok(reason);
                }
            }
            self.run_episode()?;
        }
    }

    pub fn run(mut self) {
        self.send(Event::Started(Box::new(self.info.clone())));
        match self.search() {
            Ok(reason) => self.finish(reason, None),
            Err(Halt::Stopped) => self.finish(FinishReason::Stopped, None),
            Err(Halt::Failed(msg)) => self.finish(FinishReason::Stopped, Some(msg)),
        }
    }
}
