//! The TUI's export: the run's tables and plots at once, then the best state's network
//! (trained under the final-evaluation protocol, as `aen search --export-net` does) on a
//! worker thread, its outcome told in the log.

use super::app::{App, UiEvent};
use super::state::{EvalState, Overlay};
use crate::engine::session;
use crate::engine::snapshot::Snapshot;
use crate::engine::start;
use crate::engine::task::Update;
use std::path::PathBuf;

impl App {
    /// Writes models.csv, summary.json (with the final evaluation when done) and the
    /// plots to `dir`.
    pub fn export(&mut self, dir: PathBuf) {
        let Some(snap) = self.dash.snapshot.clone() else {
            self.dash
                .push_log("export needs a finished or stopped search".into());
            return;
        };
        // While a second evaluation runs, the first (kept in the session) is exported.
        let rows = match &self.dash.eval {
            Some(EvalState::Done(rows)) => Some(rows.as_slice()),
            _ => snap.latest_evaluation().map(|e| e.rows.as_slice()),
        };
        match session::export(&dir, &snap, rows) {
            Ok(()) => {
                self.dash.push_log(format!(
                    "exported {} to {}",
                    session::EXPORTS.join(", "),
                    dir.display()
                ));
                self.export_network(snap, dir.join("network"));
            }
            Err(e) => self.overlay = Some(Overlay::Error(format!("export failed: {e:#}"))),
        }
    }

    /// Trains and writes the best state's network into `dir` off the UI thread.
    fn export_network(&mut self, snap: Snapshot, dir: PathBuf) {
        let Some(best) = snap.history.best(1).first().map(|m| m.state) else {
            self.dash
                .push_log("no model was trained, so there is no network to export".into());
            return;
        };
        self.dash.push_log(format!(
            "network: training {best} under the final-evaluation protocol ({} epochs) for {}",
            snap.settings.final_eval.epochs,
            dir.display()
        ));
        let Some(ui) = self.ui.clone() else { return };
        // A network is written whole or not at all, so quitting mid-way leaves nothing.
        let task = match start::export(snap.settings.clone(), best, dir.clone()) {
            Ok(task) => task,
            Err(e) => {
                self.dash
                    .push_log(format!("network export failed: cannot start: {e}"));
                return;
            }
        };
        task.forward(move |u| {
            let Update::Done(written) = u else {
                return true;
            };
            let line = match written {
                Ok(m) => format!(
                    "wrote the best state's network ({}, {} parameters; test {:.2}% under the final protocol) to {}",
                    m.groups,
                    m.params,
                    m.test_acc,
                    dir.display()
                ),
                Err(e) => format!("network export failed: {e:#}"),
            };
            ui.send(UiEvent::Log(line)).is_ok()
        });
        self.keep(task);
    }
}
