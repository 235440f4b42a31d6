//! Live setting changes: applied when asked for (or refused, with the reason), and
//! re-applied exactly where they were when a snapshot is replayed.

use super::Worker;
use crate::search::protocol::{Event, SettingChange};

impl Worker {
    pub(super) fn apply_change(&mut self, change: SettingChange) {
        match change.apply(&mut self.settings) {
            Ok(()) => {
                self.strategy.sync(&self.settings);
                self.children.set_trainers(&self.settings);
                self.history.changes.push((self.step, change.clone()));
                self.emit(Event::SettingChanged {
                    step: self.step,
                    change,
                });
            }
            Err(e) => self.send(Event::SettingRefused {
                change,
                reason: e.to_string(),
            }),
        }
    }

    /// A change asked for now (not a recorded one being replayed): refused where it
    /// contradicts what the run has done, else applied.
    pub(super) fn apply_live(&mut self, change: SettingChange) {
        if change.key == "search.max_models"
            && let Ok(max) = change.value.trim().parse::<usize>()
            && max < self.children.count()
        {
            let done = self.children.count();
            self.send(Event::SettingRefused {
                change,
                reason: format!(
                    "{done} models are trained already: max models must be at least {done}"
                ),
            });
            return;
        }
        self.apply_change(change);
    }

    /// Re-applies the changes recorded up to this step of the snapshot being replayed,
    /// each once, in their order.
    pub(super) fn replay_changes(&mut self) {
        loop {
            let due = self.replay.as_ref().and_then(|s| {
                s.history
                    .changes
                    .get(self.next_change)
                    .filter(|(st, _)| *st <= self.step)
                    .map(|(_, c)| c.clone())
            });
            let Some(c) = due else { return };
            self.next_change += 1;
            self.apply_change(c);
        }
    }

    /// A point where changes apply: the recorded ones while replaying, and, once the
    /// replay has caught up, the ones that came meanwhile. A change is recorded at the
    /// step of the point that applied it, and a step has one such point (the search
    /// loop's for a run that would end there, else the step's own), so a replay
    /// applies each change exactly where the run did.
    pub(super) fn change_point(&mut self) {
        if self.replay.is_some() {
            self.replay_changes();
            if !self.replaying() {
                self.end_replay();
            }
        }
    }
}
