//! The final evaluation from the dashboard: started on a worker thread, followed in
//! the log, and kept in the session.

use super::app::*;
use crate::engine::experiments::ExpProgress;
use crate::engine::session;
use crate::engine::train::Flow;

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
        std::thread::spawn(move || {
            let progress_ui = ui.clone();
            let r = session::final_eval(&snap, &snap.settings.final_eval, &mut |p| {
                if let ExpProgress::Begin {
                    label,
                    index,
                    total,
                } = p
                {
                    let s = EvalState::Running {
                        label: label.to_string(),
                        index,
                        total,
                    };
                    if progress_ui.send(UiEvent::Eval(s)).is_err() {
                        return Flow::Cancel;
                    }
                }
                Flow::Continue
            });
            let done = match r {
                Ok(e) => {
                    // Kept in the session first, so that what is shown is on disk.
                    if let Some(p) = path {
                        let kept = session::keep_evaluation(&p, &snap.settings.final_eval, &e)
                            .map(Box::new)
                            .map_err(|e| format!("{e:#}"));
                        let _ = ui.send(UiEvent::EvalKept(kept));
                    }
                    EvalState::Done(e.rows)
                }
                Err(e) => EvalState::Failed(format!("{e:#}")),
            };
            let _ = ui.send(UiEvent::Eval(done));
        });
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
