//! A run as its events tell it: the one fold of the engine's events into the run's
//! history, the settings in force (live changes applied), the last step and the
//! current episode's rewards. The TUI and the CLI both keep a [`RunView`] and feed it
//! every event, so neither folds events by itself.

use super::protocol::Event;
use super::records::{History, StepRecord};
use crate::settings::Settings;

#[derive(Clone, Debug, Default)]
pub struct RunView {
    pub history: History,
    /// The settings in force: those the run started with, live changes applied.
    pub settings: Settings,
    /// Rewards of the episode in progress.
    pub current_rewards: Vec<f64>,
    pub last_step: Option<StepRecord>,
}

impl RunView {
    pub fn new(settings: Settings) -> RunView {
        RunView {
            settings,
            ..RunView::default()
        }
    }

    /// Folds one event in. Events that say nothing of the history or the settings
    /// (progress, trainers, logs) leave it as it is.
    pub fn apply(&mut self, e: &Event) {
        match e {
            Event::Started(info) => self.settings = info.settings.clone(),
            Event::History(h) => {
                // A resumed run starts from its first settings; the changes it replayed
                // are in force now (setting each in order leaves the last of each key).
                for (_, c) in &h.changes {
                    let _ = c.apply(&mut self.settings);
                }
                self.current_rewards = h.current_episode_rewards();
                self.last_step = h.steps.last().cloned();
                self.history = (**h).clone();
            }
            Event::Step(s) => {
                self.current_rewards.push(s.reward);
                self.history.steps.push((**s).clone());
                self.last_step = Some((**s).clone());
            }
            Event::EpisodeEnd(ep) => {
                self.history.episodes.push(ep.clone());
                self.current_rewards.clear();
            }
            Event::ModelTrained(m) => self.history.models.push(m.clone()),
            Event::SettingChanged { step, change } => {
                // A change the worker applied applies here too (same checks).
                let _ = change.apply(&mut self.settings);
                self.history.changes.push((*step, change.clone()));
            }
            _ => {}
        }
    }

    /// The best validation accuracy so far.
    pub fn best_val(&self) -> Option<f64> {
        self.history
            .models
            .iter()
            .map(|m| m.val_acc)
            .reduce(f64::max)
    }
}
