//! One search run against the table, looking accuracies up instead of training, and
//! the regret curve of its models.

use super::truth::GroundTruth;
use crate::error::{Result, bail};
use crate::groups::GroupSet;
use crate::search::children::Evaluator;
use crate::search::records::ModelRecord;
use crate::search::{self, Event, RunInfo};
use crate::settings::Settings;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// One search run against the table: the models in the order it trained them.
pub fn run_once(
    settings: &Settings,
    truth: &Arc<GroundTruth>,
    seed: u64,
) -> Result<Vec<ModelRecord>> {
    run_until(settings, truth, seed, &AtomicBool::new(false))
}

/// [`run_once`], stopped early when `stop` is set (the result is then an error).
pub(super) fn run_until(
    settings: &Settings,
    truth: &Arc<GroundTruth>,
    seed: u64,
    stop: &AtomicBool,
) -> Result<Vec<ModelRecord>> {
    let mut s = settings.clone();
    s.data.seed = seed;
    // A run stops at the budget or at the settings' episodes (the paper's 60, or
    // --max-episodes), whichever comes first, and keeps its last regret: a DQN can walk
    // among evaluated states for ever, and 100,000 episodes of one step are hours.
    let info = RunInfo {
        dataset: "table".into(),
        source: "table".into(),
        data_groups: s.data.groups,
        device: "table".into(),
        settings: s.clone(),
        snapshot_path: Default::default(),
        prior_seconds: 0.0,
    };
    let eval = Evaluator::Table(truth.lookup(seed as usize));
    let h = search::spawn(s, info, eval, None, Vec::new(), None);
    let mut error = None;
    loop {
        let ev = match h
            .events()
            .recv_timeout(std::time::Duration::from_millis(200))
        {
            Ok(ev) => ev,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                if stop.load(Ordering::SeqCst) {
                    h.stop();
                }
                continue;
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
        };
        if stop.load(Ordering::SeqCst) {
            h.stop();
        }
        match ev {
            Event::Error(e) => error = Some(e),
            Event::Finished { snapshot, .. } => {
                if let Some(e) = error {
                    bail!(e);
                }
                if stop.load(Ordering::SeqCst) {
                    bail!("stopped");
                }
                return Ok(snapshot.history.models);
            }
            _ => {}
        }
    }
    bail!(error.unwrap_or_else(|| "the search ended without finishing".into()))
}

/// Regret after each model of a run (index n-1: after n models).
pub fn regret_curve(models: &[ModelRecord], truth: &GroundTruth, budget: usize) -> Vec<f64> {
    let mut best: Option<&ModelRecord> = None;
    let mut out = Vec::with_capacity(budget);
    for m in models.iter().take(budget) {
        let better = best.is_none_or(|b| {
            m.val_acc > b.val_acc || (m.val_acc == b.val_acc && m.params < b.params)
        });
        if better {
            best = Some(m);
        }
        out.push(truth.best - truth.true_test(best.map_or(GroupSet::EMPTY, |b| b.state)));
    }
    // A run that could not reach the budget keeps its last regret.
    let last = out.last().copied().unwrap_or(f64::NAN);
    out.resize(budget, last);
    out
}
