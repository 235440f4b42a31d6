//! Training ahead (docs/method.md §6, "Parallel search"): while one child trains for
//! the state the search needs now, idle trainers train the states it will most likely
//! need next, and the search takes them from here when it gets there.
//!
//! Nothing the search records depends on this. A child's accuracy depends only on the
//! settings and its state (the seed is [`crate::child_seed`]), never on which thread
//! trained it or when, and the search still visits states one at a time in its own
//! order: speculation only changes how long it waits. Wrong predictions cost idle
//! time, never a different result.
//!
//! Predictions come from a copy of the strategy ([`Strategy::lookahead`]) walked ahead
//! from the current step: through states whose accuracies are known (their real
//! values), and past states being trained (with a pessimistic guess). Exploratory moves
//! come from seeded generators whose draws do not depend on rewards, so they are
//! predicted exactly; greedy moves use the Q-values of now, which rarely change their
//! argmax within a few steps.

use super::strategy::{Choice, Known, Strategy};
use crate::classes::Classes;
use crate::gdata::GData;
use crate::groups::GroupSet;
use crate::runner::{ChildSpec, JobError, JobId, Runner};
use crate::settings::Settings;
use crate::train::{TrainProgress, TrainResult};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// How many steps a prediction walks ahead at most.
const HORIZON: usize = 64;

/// The accuracy assumed for a state still being trained: below every real one, so a
/// local search does not move to it and an evolution does not select it.
const GUESS: f64 = f64::NEG_INFINITY;

/// What the trainers are doing, for progress displays.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Trainers {
    /// Child trainers in the pool (1: the search trains on its own thread).
    pub workers: usize,
    /// Trainers training now.
    pub busy: usize,
    /// States the search needed that were already trained or training ahead.
    pub hits: usize,
    /// States the search needed that nobody had started.
    pub misses: usize,
    /// Predicted states whose training finished.
    pub trained_ahead: usize,
    /// Predicted states trained (wholly or in part) that the search has not used:
    /// cancelled predictions and finished ones not reached (yet).
    pub wasted: usize,
}

impl Trainers {
    /// The share of needed states that were predicted, in 0..=1 (None before any).
    pub fn hit_rate(&self) -> Option<f64> {
        let n = self.hits + self.misses;
        (n > 0).then(|| self.hits as f64 / n as f64)
    }
}

impl Trainers {
    /// "predicted 92% of 250" (or "no state needed yet").
    pub fn hits_text(&self) -> String {
        match self.hit_rate() {
            Some(r) => format!("predicted {:.0}% of {}", 100.0 * r, self.hits + self.misses),
            None => "no state needed yet".into(),
        }
    }
}

impl std::fmt::Display for Trainers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.hit_rate() {
            None => write!(
                f,
                "{} child trainers: nothing trained in this run",
                self.workers
            ),
            Some(_) => write!(
                f,
                "{} child trainers: {} states the search needed; {} predictions trained, {} trainings not used (wrong predictions, cancelled or not reached)",
                self.workers,
                self.hits_text(),
                self.trained_ahead,
                self.wasted
            ),
        }
    }
}

/// Where a prediction starts: a copy of the strategy at the current step.
pub struct Origin {
    strategy: Strategy,
    /// The move just chosen, whose outcome the search is waiting for (None while the
    /// base model, the empty state, is evaluated).
    pending: Option<Choice>,
    /// Steps left in the episode after the pending move.
    left: usize,
}

impl Origin {
    pub fn new(strategy: &Strategy, pending: Option<&Choice>, left: usize) -> Origin {
        Origin {
            strategy: strategy.lookahead(),
            pending: pending.cloned(),
            left,
        }
    }
}

/// What a walk ahead may know: the states the search has reached ([`Known`]), and the
/// accuracies of states not reached but known (in the snapshot being resumed, or
/// trained ahead).
pub trait Knowledge: Known {
    fn available(&self, s: GroupSet) -> Option<f64>;
}

/// The search's knowledge plus what the walk ahead has visited.
struct Walk<'a> {
    children: &'a dyn Knowledge,
    seen: HashMap<GroupSet, f64>,
}

impl Known for Walk<'_> {
    fn accuracy(&self, s: GroupSet) -> Option<f64> {
        (self.children.accuracy(s)).or_else(|| self.seen.get(&self.network(s)).copied())
    }
    fn count(&self) -> usize {
        self.children.count() + self.seen.len()
    }
    fn classes(&self) -> Option<&Classes> {
        self.children.classes()
    }
}

impl Walk<'_> {
    /// Visits `s`; a state that must be trained first is added to `out`. Returns its
    /// accuracy (real or guessed) and whether it is a new model.
    fn visit(&mut self, s: GroupSet, out: &mut Vec<GroupSet>) -> (f64, bool) {
        if let Some(a) = self.accuracy(s) {
            return (a, false);
        }
        let acc = self.children.available(s).unwrap_or_else(|| {
            out.push(s);
            GUESS
        });
        self.seen.insert(self.network(s), acc);
        (acc, true)
    }
}

/// The next states the search will need to train, in the order it will need them, up
/// to `want` of them (the pending move's state first if it is untrained).
pub fn predict(
    origin: &Origin,
    children: &dyn Knowledge,
    settings: &Settings,
    want: usize,
) -> Vec<GroupSet> {
    let s = &settings.search;
    let mut la = origin.strategy.lookahead();
    let mut walk = Walk {
        children,
        seen: HashMap::new(),
    };
    let mut out = Vec::new();
    let mut at = GroupSet::EMPTY;
    match &origin.pending {
        None => {
            walk.visit(GroupSet::EMPTY, &mut out);
        }
        Some(c) => {
            let (acc, new) = walk.visit(c.next, &mut out);
            la.observe(c, 0.0, acc, new, s, walk.count());
            at = c.next;
        }
    }
    let mut left = origin.left;
    for _ in 0..HORIZON {
        if out.len() >= want || walk.count() >= settings.budget() {
            break;
        }
        if left == 0 {
            at = GroupSet::EMPTY;
            left = s.episode_len;
        }
        let eps = settings.epsilon(walk.count());
        let c = la.choose(at, eps, &walk, s);
        let (acc, new) = walk.visit(c.next, &mut out);
        la.observe(&c, 0.0, acc, new, s, walk.count());
        at = c.next;
        left -= 1;
    }
    out.truncate(want);
    out
}

struct Flight {
    id: JobId,
    /// Submitted as a prediction (not because the search needed it).
    predicted: bool,
    /// The search is waiting for it.
    needed: bool,
}

/// The pool of trainers and what it has trained ahead.
pub struct Ahead {
    pool: Runner,
    spec: ChildSpec,
    next_id: JobId,
    flight: HashMap<GroupSet, Flight>,
    /// Trained, not yet reached by the search.
    ready: HashMap<GroupSet, TrainResult>,
    stats: Trainers,
}

/// What waiting for a state gave.
pub enum Wait {
    /// It is trained: take it.
    Done,
    /// Another job came back (a prediction): a good time to predict again.
    Arrived,
    Timeout,
}

impl Ahead {
    pub fn new(workers: usize, data: Arc<GData>, spec: ChildSpec) -> Ahead {
        Ahead {
            pool: Runner::new(workers, data, spec),
            spec,
            next_id: 0,
            flight: HashMap::new(),
            ready: HashMap::new(),
            stats: Trainers {
                workers,
                ..Trainers::default()
            },
        }
    }

    /// Whether the pool trains with `workers` trainers under `spec`.
    pub fn fits(&self, workers: usize, spec: &ChildSpec) -> bool {
        self.pool.workers() == workers && self.spec == *spec
    }

    pub fn stats(&self) -> Trainers {
        Trainers {
            busy: self.pool.busy(),
            wasted: self.stats.wasted + self.ready.len(),
            ..self.stats
        }
    }

    /// States in training at once: each trainer trains a pass of `per_pass` children.
    pub fn capacity(&self) -> usize {
        self.pool.workers() * self.spec.per_pass.max(1)
    }

    /// Whether a trainer is free for a prediction.
    pub fn has_free(&self) -> bool {
        self.flight.len() < self.capacity()
    }

    /// The accuracy of a state trained ahead.
    pub fn ready(&self, s: GroupSet) -> Option<&TrainResult> {
        self.ready.get(&self.spec.network(s))
    }

    fn submit(&mut self, s: GroupSet, needed: bool) {
        self.next_id += 1;
        let id = self.next_id;
        if needed {
            self.pool.submit_first(id, s, 0);
        } else {
            self.pool.submit(id, s, 0);
        }
        self.flight.insert(
            s,
            Flight {
                id,
                predicted: !needed,
                needed,
            },
        );
    }

    /// The search needs `s` now (called once per state it reaches untrained): it is
    /// trained first, unless it is trained or training already.
    pub fn need(&mut self, s: GroupSet) {
        let s = self.spec.network(s);
        let predicted =
            self.ready.contains_key(&s) || self.flight.get(&s).is_some_and(|f| f.predicted);
        if predicted {
            self.stats.hits += 1;
        } else {
            self.stats.misses += 1;
        }
        if self.ready.contains_key(&s) {
            return;
        }
        match self.flight.get_mut(&s) {
            // Queued behind other predictions, it goes first now; training or done
            // (its result on the way), it is awaited.
            Some(f) => {
                f.needed = true;
                self.pool.promote(f.id);
            }
            None => self.submit(s, true),
        }
    }

    /// Trains ahead the predicted states `next` (in order) on free trainers, and
    /// cancels predictions that are no longer predicted.
    pub fn plan(&mut self, next: &[GroupSet]) {
        let mut nets: Vec<GroupSet> = Vec::with_capacity(next.len());
        for s in next.iter().map(|&s| self.spec.network(s)) {
            if !nets.contains(&s) {
                nets.push(s);
            }
        }
        let next = &nets[..];
        let stale: Vec<JobId> = (self.flight.iter())
            .filter(|(s, f)| !f.needed && !next.contains(s))
            .map(|(_, f)| f.id)
            .collect();
        for id in stale {
            self.pool.cancel(id);
        }
        self.flight.retain(|s, f| f.needed || next.contains(s));
        for &s in next {
            if self.flight.len() >= self.capacity() {
                break;
            }
            if !self.flight.contains_key(&s) && !self.ready.contains_key(&s) {
                self.submit(s, false);
            }
        }
    }

    /// Waits up to `timeout` for jobs to come back. A failed training of `s` is an
    /// error; a failed prediction is forgotten (trained again, and failing then, if
    /// the search reaches it).
    pub fn wait(&mut self, s: GroupSet, timeout: Duration) -> crate::error::Result<Wait> {
        let s = self.spec.network(s);
        if self.ready.contains_key(&s) {
            return Ok(Wait::Done);
        }
        let Ok(report) = self.pool.reports().recv_timeout(timeout) else {
            return Ok(Wait::Timeout);
        };
        let Some(r) = report.finished() else {
            return Ok(Wait::Arrived);
        };
        let current = self.flight.get(&r.state).is_some_and(|f| f.id == r.id);
        let predicted = self.flight.get(&r.state).is_some_and(|f| f.predicted);
        if current {
            self.flight.remove(&r.state);
        }
        match r.outcome {
            Ok(t) if current => {
                self.stats.trained_ahead += usize::from(predicted);
                self.ready.insert(r.state, t);
            }
            Err(JobError::Failed(msg)) if current && r.state == s => {
                crate::error::bail!("training {} failed: {msg}", r.state)
            }
            // Cancelled after it had started, or a result nobody waits for any more.
            _ => self.stats.wasted += usize::from(r.worker.is_some()),
        }
        Ok(if self.ready.contains_key(&s) {
            Wait::Done
        } else {
            Wait::Arrived
        })
    }

    /// How far the training of `s` has got, if it is training.
    pub fn progress(&self, s: GroupSet) -> Option<TrainProgress> {
        (self.flight.get(&self.spec.network(s))).and_then(|f| self.pool.progress(f.id))
    }

    /// Takes the result of `s` out (the search has reached it).
    pub fn take(&mut self, s: GroupSet) -> Option<TrainResult> {
        self.ready.remove(&self.spec.network(s))
    }
}
