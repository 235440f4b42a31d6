//! The final evaluation from the dashboard: started on a worker thread, followed in
//! the log, and kept in the session.

use super::app::*;
use crate::engine::session;
use crate::engine::start::{self, Training};
use crate::engine::task::Update;

impl App {
    /// Starts the final evaluation of the finished run on a worker thread.
    pub fn start_eval(&mut self) {
        let Some(snap) = self.dash.snapshot.clone() else {
            self.dash
                .push_log("the final evaluation needs a finished search".into());
            return;
        };
        if matches!(self.dash.eval, Some(EvalState::Running { .. })) {
            self.overlay = Some(Overlay::Eval);
            return;
        }
        // An evaluation kept in the session is shown; retraining it takes a second `e`.
        if snap.evaluation(&snap.settings.final_eval).is_some()
            && !std::mem::take(&mut self.dash.confirm_eval)
        {
            self.dash.confirm_eval = true;
            self.dash.push_log(
                "this session holds its final evaluation (shown): press e again to retrain it"
                    .into(),
            );
            self.overlay = Some(Overlay::Eval);
            return;
        }
        let total = session::final_eval_trainings(&snap, &snap.settings.final_eval);
        self.dash.eval = Some(EvalState::Running {
            label: "starting".into(),
            index: 0,
            total,
        });
        self.dash.push_log(format!(
            "final evaluation: retraining {} networks under the single-equivariance protocol",
            total
        ));
        self.overlay = Some(Overlay::Eval);
        let Some(ui) = self.ui.clone() else { return };
        let path = self.dash.snapshot_path.clone();
        let eval = snap.settings.final_eval.clone();
        let task = match start::final_eval(snap, eval, path) {
            Ok(task) => task,
            Err(e) => {
                self.dash.eval = Some(EvalState::Failed(format!("cannot start: {e}")));
                return;
            }
        };
        task.forward(move |u| match u {
            Update::Event(Training::Begun {
                label,
                index,
                total,
            }) => ui
                .send(UiEvent::Eval(EvalState::Running {
                    label,
                    index,
                    total,
                }))
                .is_ok(),
            Update::Event(Training::Done) => true,
            Update::Done(r) => {
                let done = match r {
                    Ok(done) => {
                        // Kept in the session first, so that what is shown is on disk.
                        if let Some(kept) = done.kept {
                            let kept = kept.map(Box::new).map_err(|e| format!("{e:#}"));
                            let _ = ui.send(UiEvent::EvalKept(kept));
                        }
                        EvalState::Done(done.eval.rows)
                    }
                    Err(e) => EvalState::Failed(format!("{e:#}")),
                };
                ui.send(UiEvent::Eval(done)).is_ok()
            }
        });
        self.keep(task);
    }

    pub(super) fn on_eval(&mut self, s: EvalState) {
        match &s {
            EvalState::Done(rows) => {
                let line = crate::engine::experiments::verdict(rows).map_or_else(
                    || "final evaluation done".to_string(),
                    |v| format!("final evaluation done: {}", v.summary()),
                );
                self.dash.push_log(line);
            }
            EvalState::Failed(e) => self.dash.push_log(format!("final evaluation failed: {e}")),
            EvalState::Running { .. } => {}
        }
        self.dash.eval = Some(s);
    }
}
