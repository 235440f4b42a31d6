//! Engine events on the dashboard: the run's history and settings are the engine's
//! fold ([`RunView::apply`](crate::engine::search::RunView)); what is the dashboard's
//! own (status, log, trainers, overlays) is set here.

use super::app::{App, Overlay, RunStatus};
use super::widgets::fmt_num;
use crate::engine::search::Event;
use std::time::Instant;

impl App {
    pub fn on_engine(&mut self, e: Event) {
        self.dash.run.apply(&e);
        apply_run(self, e);
    }
}

/// Events about the run's progress.
fn apply_run(app: &mut App, e: Event) {
    let d = &mut app.dash;
    match e {
        Event::Started(info) => {
            d.push_log(format!(
                "started on {} ({}), {}",
                info.dataset, info.source, info.device
            ));
            d.snapshot_path = Some(info.snapshot_path.clone());
            d.prior_seconds = info.prior_seconds;
            d.info = Some(*info);
            d.status = RunStatus::Running;
        }
        Event::Replaying { done, total } => d.status = RunStatus::Replaying(done, total),
        Event::History(_) => {
            if matches!(d.status, RunStatus::Replaying(..) | RunStatus::Starting) {
                d.status = RunStatus::Running;
            }
        }
        Event::Step(_) => d.training = None,
        // Only the DQN walks in episodes: the others' episode ends say nothing.
        Event::EpisodeEnd(ep)
            if d.run.settings.search.strategy == crate::engine::settings::StrategyKind::Dqn =>
        {
            d.push_log(format!(
                "episode {} ended: total reward {}",
                ep.episode,
                fmt_num(ep.total_reward)
            ));
        }
        Event::ModelTrained(m) => {
            d.training = None;
            d.push_log(super::state::model_line(&m));
            d.note_model_arrival(Instant::now());
        }
        Event::Training { state, progress } => d.training = Some((state, progress)),
        Event::Trainers(t) => d.trainers = Some(t),
        other => apply_control(app, other),
    }
}

/// Events about settings, pausing, saving, errors and the end of the run.
fn apply_control(app: &mut App, e: Event) {
    let d = &mut app.dash;
    match e {
        Event::SettingChanged { step, change } => {
            d.push_log(format!("step {step}: applied {}", change.describe()))
        }
        Event::SettingRefused { change, reason } => {
            d.push_log(format!("refused {}: {reason}", change.describe()))
        }
        Event::Paused => {
            d.status = RunStatus::Paused;
            d.set_paused(true, Instant::now());
            d.push_log("paused".into());
        }
        Event::Unpaused => {
            d.status = RunStatus::Running;
            d.set_paused(false, Instant::now());
            d.push_log("resumed".into());
        }
        Event::Saved(p) => d.push_log(format!("saved {}", p.display())),
        Event::Warning(m) => d.push_log(format!("warning: {m}")),
        Event::Log(m) => d.push_log(m),
        Event::Error(msg) => {
            d.status = RunStatus::Failed;
            d.ended.get_or_insert_with(Instant::now);
            d.push_log(format!("error: {msg}"));
            app.overlay = Some(Overlay::Error(msg));
            // A panicked worker sends nothing more; one that failed sends Finished.
            app.handle = None;
        }
        Event::Finished {
            reason,
            saved,
            snapshot,
        } => {
            d.training = None;
            d.push_log(format!(
                "finished ({reason:?}); snapshot {}",
                saved
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| "not saved".into())
            ));
            if d.status != RunStatus::Failed {
                d.status = RunStatus::Finished(reason);
            }
            d.ended = Some(Instant::now());
            d.show_kept_evaluation(&snapshot);
            d.snapshot = Some(*snapshot);
            if let Some(h) = app.handle.take() {
                h.join();
            }
        }
        _ => {}
    }
}
