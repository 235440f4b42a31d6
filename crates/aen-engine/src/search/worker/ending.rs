//! How a run ends: checking a replay against the snapshot it replays, ending the
//! replay once it has caught up, and the last save and event of a run.

use super::{Halt, Worker};
use crate::search::protocol::{Event, FinishReason};
use crate::search::records::StepRecord;
use crate::snapshot;

impl Worker {
    /// A replay that leaves the recorded path means the snapshot was altered or made
    /// by another build or device: continuing would silently change its results.
    pub(super) fn check_replay(&self, rec: &StepRecord) -> Result<(), Halt> {
        let Some(old) = self
            .replay
            .as_ref()
            .and_then(|s| s.history.steps.get(self.step))
        else {
            return Ok(());
        };
        if (old.state, old.action) != (rec.state, rec.action) {
            return Err(Halt::Failed(format!(
                "the replay of the snapshot diverged at step {} (recorded: action {} from {}, now: action {} from {}): \
                 it was altered or made by another build or device (this is aen {}; a DQN search of aen 0.1 \
                 replays differently here, as its Q-network moved to aen's own kernel); it was left unchanged",
                self.step,
                old.action,
                old.state.bit_string(),
                rec.action,
                rec.state.bit_string(),
                env!("CARGO_PKG_VERSION"),
            )));
        }
        Ok(())
    }

    /// Reports the replay's progress; it ends at the next point where changes apply
    /// (`Worker::change_point`), so that changes made when it ended apply there again.
    pub(super) fn report_replay(&mut self) {
        let Some(total) = self.replay.as_ref().map(|s| s.history.steps.len()) else {
            return;
        };
        if self.step.is_multiple_of(50) || self.step >= total {
            self.send(Event::Replaying {
                done: self.step.min(total),
                total,
            });
        }
    }

    pub(super) fn end_replay(&mut self) {
        self.replay = None;
        self.replayed = Some((self.history.steps.len(), self.history.changes.len()));
        for c in std::mem::take(&mut self.pending) {
            self.apply_live(c);
        }
        self.send(Event::History(Box::new(self.history.clone())));
        self.send(Event::Log(format!(
            "resumed at step {} with {} models trained",
            self.step,
            self.children.count()
        )));
    }

    pub(super) fn finish(mut self, reason: FinishReason, error: Option<String>) {
        self.report_trainers(None, true);
        // A resumed run that ends where its snapshot ended (opened to look at, or
        // finished already) has caught up: it is unchanged, and nothing is written.
        if self.replay.is_some() && !self.replaying() && error.is_none() {
            self.end_replay();
        }
        let path = self.path.clone();
        let replay_unfinished = self.replaying() || error.is_some() && self.replay.is_some();
        if let Some(snap) = self.replay.take().filter(|_| replay_unfinished) {
            // Stopped before catching up: what was rebuilt is less than the snapshot
            // holds, so the snapshot is left as it was.
            if let Some(e) = error {
                self.send(Event::Error(e));
            } else {
                self.send(Event::Log(
                    "stopped while replaying the snapshot: it was left unchanged".into(),
                ));
            }
            self.send(Event::Finished {
                reason,
                saved: path.exists().then_some(path),
                snapshot: Box::new(snap),
            });
            return;
        }
        let snap = self.snapshot();
        let unchanged =
            self.replayed == Some((self.history.steps.len(), self.history.changes.len()));
        let saved = if !self.autosave {
            Err(snapshot::SnapshotError::Write(
                "not saved: autosave is off".into(),
            ))
        } else if unchanged && error.is_none() {
            Ok(())
        } else {
            snapshot::save(&snap, &path)
        };
        if let Some(e) = error {
            self.send(Event::Error(e));
        }
        if let Err(e) = &saved
            && self.autosave
        {
            self.send(Event::Error(format!("saving the snapshot failed: {e}")));
        }
        if !unchanged {
            self.send(Event::Log(format!(
                "search ended after {:.0} s",
                self.started.elapsed().as_secs_f64()
            )));
        }
        self.send(Event::Finished {
            reason,
            saved: saved.ok().map(|_| path),
            snapshot: Box::new(snap),
        });
    }
}
