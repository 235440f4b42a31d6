//! Child networks for the search: each distinct state is trained once (docs/method.md
//! §6) and its record cached; a resumed snapshot's models are reused, never retrained.

use super::ahead::Ahead;
use super::records::ModelRecord;
use crate::child::ChildSpec;
use crate::child::child_config;
use crate::classes::Classes;
use crate::error::{Error, Result};
use crate::gdata::GData;
use crate::groups::GroupSet;
use crate::nn::Dev;
use crate::orbits::ChildOrbits;
use crate::settings::{Settings, network_of};
use crate::train::{self, Flow, TrainProgress, TrainResult};
use std::collections::HashMap;
use std::sync::Arc;

/// Accuracies looked up instead of trained (a ground-truth table, one seed of it).
pub trait Lookup: Send {
    /// (validation %, test %, parameters) of `state`.
    fn get(&self, state: GroupSet) -> Option<(f64, f64, usize)>;
    /// Names the source in errors.
    fn name(&self) -> String;
}

/// Where accuracies come from.
pub enum Evaluator {
    /// Train each child on the search's G-data.
    Train(Arc<GData>),
    /// Look them up (milliseconds per thousand models).
    Table(Box<dyn Lookup>),
}

pub struct Children {
    /// Made on the worker thread: a CUDA device cannot move between threads.
    dev: Dev,
    eval: Evaluator,
    /// The classes of equivalent states (`search.equivalence`); None: each state is
    /// its own network.
    classes: Option<Arc<Classes>>,
    /// Models trained in this run (or re-reached in a replay), by network (the
    /// state's closure, or the state).
    cache: HashMap<GroupSet, ModelRecord>,
    /// A resumed snapshot's models not yet re-reached by the replay, by network.
    prior: HashMap<GroupSet, ModelRecord>,
    trained: usize,
    /// The trainers that train ahead, when there are several (`child.jobs`).
    ahead: Option<Ahead>,
}

/// What evaluating a state gave.
pub enum Outcome {
    /// Trained (or taken from the snapshot being resumed) at this step: a new model.
    New(ModelRecord),
    /// Reached before: the cached record.
    Known(ModelRecord),
    Cancelled,
}

impl Children {
    pub fn new(eval: Evaluator, prior: &[ModelRecord], settings: &Settings) -> Children {
        let classes = settings.classes();
        let mut by_network = HashMap::new();
        for m in prior {
            let net = network_of(classes.as_deref(), m.state);
            by_network.entry(net).or_insert_with(|| m.clone());
        }
        Children {
            dev: Dev::default(),
            eval,
            classes,
            cache: HashMap::new(),
            prior: by_network,
            trained: 0,
            ahead: None,
        }
    }

    /// The network `state` trains: its closure, or itself.
    pub fn network(&self, state: GroupSet) -> GroupSet {
        network_of(self.classes.as_deref(), state)
    }

    /// Starts, resizes or stops the trainers that train ahead, to match `settings`:
    /// `child.jobs` trainers of `child.per_pass` children each, on the child settings
    /// of now (a live change of those discards what was trained ahead under the old
    /// ones).
    pub fn set_trainers(&mut self, settings: &Settings) {
        let Evaluator::Train(data) = &self.eval else {
            return;
        };
        let workers = settings.trainers();
        let spec = ChildSpec::from_settings(settings);
        // One trainer of one child at a time has nothing to train ahead on.
        if workers * spec.per_pass < 2 {
            self.ahead = None;
        } else if !self.ahead.as_ref().is_some_and(|a| a.fits(workers, &spec)) {
            self.ahead = Some(Ahead::new(workers, data.clone(), spec));
        }
    }

    pub fn ahead(&self) -> Option<&Ahead> {
        self.ahead.as_ref()
    }

    pub fn ahead_mut(&mut self) -> Option<&mut Ahead> {
        self.ahead.as_mut()
    }

    /// Whether reaching `state` means training it (it was neither reached before nor
    /// taken from a resumed snapshot).
    pub fn needs_training(&self, state: GroupSet) -> bool {
        let net = self.network(state);
        matches!(self.eval, Evaluator::Train(_))
            && !self.cache.contains_key(&net)
            && !self.prior.contains_key(&net)
    }

    /// Distinct networks evaluated so far.
    pub fn count(&self) -> usize {
        self.trained
    }

    /// The record of `state`, training it first if it is new. `step` and the settings
    /// fill in where and under which epsilon it was first reached.
    pub fn evaluate(
        &mut self,
        state: GroupSet,
        step: usize,
        settings: &Settings,
        on_batch: &mut dyn FnMut(TrainProgress) -> Flow,
    ) -> Result<Outcome> {
        let net = self.network(state);
        if let Some(m) = self.cache.get(&net) {
            return Ok(Outcome::Known(m.clone()));
        }
        let index = self.trained + 1;
        let rec = if let Some(mut m) = self.prior.remove(&net) {
            // Trained before the snapshot was taken: counts as new in the replayed run.
            m.index = index;
            m.first_step = step;
            m
        } else {
            let Some(r) = self.compute(state, settings, on_batch)? else {
                return Ok(Outcome::Cancelled);
            };
            ModelRecord {
                index,
                state,
                val_acc: r.val_acc,
                test_acc: r.test_acc,
                params: r.params,
                seconds: r.seconds,
                first_step: step,
                epsilon: settings.epsilon(self.trained),
                val_curve: r.val_curve,
            }
        };
        self.trained += 1;
        self.cache.insert(net, rec.clone());
        Ok(Outcome::New(rec))
    }
}

impl Children {
    /// The training result of a new state (looked up: no curve, no seconds); None if
    /// cancelled.
    fn compute(
        &mut self,
        state: GroupSet,
        settings: &Settings,
        on_batch: &mut dyn FnMut(TrainProgress) -> Flow,
    ) -> Result<Option<TrainResult>> {
        match &self.eval {
            Evaluator::Table(t) => {
                let (v, te, p) = t.get(state).ok_or_else(|| {
                    Error::msg(format!(
                        "{} has no row for {} [{}]",
                        t.name(),
                        state,
                        state.bit_string()
                    ))
                })?;
                Ok(Some(TrainResult {
                    val_acc: v,
                    test_acc: te,
                    params: p,
                    seconds: 0.0,
                    val_curve: Vec::new(),
                }))
            }
            Evaluator::Train(_) if self.ahead.is_some() => {
                let r = (self.ahead.as_mut().and_then(|a| a.take(state))).ok_or_else(|| {
                    Error::msg(format!("{state} was evaluated before it was trained"))
                })?;
                Ok(Some(r))
            }
            Evaluator::Train(gd) => {
                let orbits = ChildOrbits::for_shape(gd.shape(), state, settings.shift())?;
                let cfg = child_config(settings, state);
                match train::train_child(&self.dev, &orbits, gd, cfg, on_batch) {
                    Ok(r) => Ok(Some(r)),
                    Err(train::TrainError::Cancelled) => Ok(None),
                    Err(e @ train::TrainError::Shape(_)) => Err(e.into()),
                }
            }
        }
    }
}

impl super::ahead::Knowledge for Children {
    fn available(&self, state: GroupSet) -> Option<f64> {
        (self.prior.get(&self.network(state)).map(|m| m.val_acc))
            .or_else(|| self.ahead.as_ref()?.ready(state).map(|r| r.val_acc))
    }
}

impl super::strategy::Known for Children {
    fn accuracy(&self, s: GroupSet) -> Option<f64> {
        self.cache.get(&self.network(s)).map(|m| m.val_acc)
    }
    fn count(&self) -> usize {
        self.cache.len()
    }
    fn classes(&self) -> Option<&Classes> {
        self.classes.as_deref()
    }
}
