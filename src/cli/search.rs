//! `aen search`: the headless client of the search engine.

use super::flags::{CHILD, DATA, FINAL, SEARCH, SettingFlags};
use super::output::{self, Interrupt, PipeClosed, print};
use crate::engine::experiments;
use crate::engine::search::Trainers;
use crate::engine::search::{Event, FinishReason, RunView, SearchHandle, SettingChange};
use crate::engine::session;
use crate::engine::settings::{self, FinalEvalSettings, Settings};
use crate::engine::snapshot::{self, Snapshot};
use crate::engine::start::{self, Training};
use crate::render::shell_quote;
use anyhow::{Context, Result, bail};
use clap::Args;
use indicatif::ProgressBar;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args, Debug)]
pub struct SearchArgs {
    #[command(flatten)]
    pub flags: SettingFlags<{ DATA + CHILD + SEARCH + FINAL }>,
    /// Output folder for models.csv, summary.json and the plots.
    #[arg(long, default_value = "aen-out")]
    pub out: PathBuf,
    /// Continue this snapshot; settings that can change live may be given as flags.
    #[arg(long, value_name = "PATH")]
    pub resume: Option<PathBuf>,
    /// Where to autosave the session (default: a new file in the user's data dir,
    /// sessions/).
    #[arg(long, value_name = "PATH")]
    pub snapshot: Option<PathBuf>,
    /// Replace the file given by --snapshot if it exists.
    #[arg(long)]
    pub overwrite: bool,
    /// Retrain the best states and single-group networks at the end (or, with
    /// --resume of a finished search, only that).
    #[arg(long)]
    pub final_eval: bool,
    /// Also write the best state's network, trained under the final-evaluation
    /// protocol, into OUT/network (as `aen export-net --snapshot` does).
    #[arg(long)]
    pub export_net: bool,
    /// Machine-readable progress: one JSON object per event on stdout.
    #[arg(long)]
    pub json: bool,
}

/// How a search run ended, for the client.
struct Ended {
    snapshot: Snapshot,
    saved: Option<PathBuf>,
    reason: FinishReason,
    error: Option<String>,
    pipe_closed: bool,
}

pub fn run(a: SearchArgs, mut settings: Settings) -> Result<()> {
    // Bad flags, and outputs over inputs, are errors before --out is created.
    let mut flagged = settings.clone();
    a.flags.apply(&mut flagged)?;
    session::check_export(
        &a.out,
        a.resume
            .as_ref()
            .or(a.snapshot.as_ref())
            .map(PathBuf::as_path),
        flagged.search.table.as_deref(),
    )?;
    session::check_out_dir(&a.out)?;
    let handle = match &a.resume {
        Some(path) => {
            let snap = snapshot::load(path)?;
            session::check_export(&a.out, Some(path), snap.settings.search.table.as_deref())?;
            let changes = live_changes(&a.flags)?;
            if snap.finished.is_some() && a.final_eval && changes.is_empty() {
                // A finished search needs no replay: evaluate straight away.
                return finish_outputs(&a, &snap, None);
            }
            if let Some(p) = &a.snapshot {
                bail!(
                    "--snapshot {} with --resume: a resumed search keeps saving to the file it came from",
                    p.display()
                );
            }
            session::resume(snap, path.clone(), changes)?
        }
        None => {
            a.flags.apply(&mut settings)?;
            for w in settings.warnings() {
                eprintln!("warning: {w}");
            }
            session::start(settings, a.snapshot.clone(), a.overwrite)?
        }
    };
    let ended = drive(&a, handle)?;
    finish_outputs(&a, &ended.snapshot, Some(&ended))
}

/// Flags given with --resume become live changes; others cannot change a run, except
/// those of the final evaluation, which apply to it (see [`eval_settings`]).
fn live_changes<const M: u8>(flags: &SettingFlags<M>) -> Result<Vec<SettingChange>> {
    flags
        .given()
        .filter(|(key, _)| !is_final(key))
        .map(|(key, value)| match settings::spec(key) {
            Some(s) if s.live => Ok(SettingChange::new(key, value)),
            _ => bail!(
                "{key} cannot change when resuming: the run keeps the settings it started with"
            ),
        })
        .collect()
}

fn is_final(key: &str) -> bool {
    key.starts_with("final_eval.")
}

/// The final evaluation's settings: the run's, with the final-evaluation flags given.
fn eval_settings(a: &SearchArgs, snap: &Snapshot) -> Result<FinalEvalSettings> {
    let mut s = snap.settings.clone();
    for (key, value) in a.flags.given().filter(|(k, _)| is_final(k)) {
        s.set(key, value)?;
    }
    Ok(s.final_eval)
}

/// Follows the run to its end: progress bar, JSON lines, warnings; Ctrl-C or SIGTERM
/// stop it (it saves first).
fn drive(a: &SearchArgs, handle: SearchHandle) -> Result<Ended> {
    output::on_interrupt(handle.stop_flag());
    let bar = output::bar(
        0,
        "[{elapsed_precise}] {bar:30} {pos}/{len} models  {msg}  ETA {eta}",
        a.json,
    );
    let mut view = View::default();
    let mut pipe_closed = false;
    let mut error = None;
    let mut ended = None;
    for ev in handle.events().iter() {
        if a.json
            && !pipe_closed
            && let Some(line) = event_json(&ev)
            && print(format!("{line}\n")).is_err()
        {
            // Nobody reads any more: stop cleanly, so the snapshot is kept.
            pipe_closed = true;
            handle.stop();
        }
        view.on_event(&ev, &bar, a.json);
        match ev {
            Event::Error(e) => error = Some(e),
            Event::Finished {
                reason,
                saved,
                snapshot,
            } => ended = Some((reason, saved, *snapshot)),
            _ => {}
        }
    }
    bar.finish_and_clear();
    handle.join();
    if let Some(t) = view.trainers.filter(|_| !a.json) {
        eprintln!("{t}");
    }
    let Some((reason, saved, snapshot)) = ended else {
        bail!(
            "the search failed: {}",
            error.unwrap_or_else(|| "the worker ended without finishing".into())
        )
    };
    Ok(Ended {
        snapshot,
        saved,
        reason,
        error,
        pipe_closed,
    })
}

/// The progress line's state.
#[derive(Default)]
struct View {
    /// The run as its events tell it (the engine's fold, as in the TUI).
    run: RunView,
    /// The child trainers, when there are several.
    trainers: Option<Trainers>,
}

impl View {
    fn on_event(&mut self, ev: &Event, bar: &ProgressBar, json: bool) {
        self.run.apply(ev);
        match ev {
            Event::Started(info) => {
                bar.set_length(info.settings.budget() as u64);
                if !json {
                    eprintln!(
                        "searching on {} ({}), G-data {} [{}], {}; {}; snapshot {}",
                        info.dataset,
                        info.source,
                        info.data_groups,
                        info.data_groups.bit_string(),
                        info.device,
                        networks_line(&info.settings),
                        info.snapshot_path.display()
                    );
                }
            }
            Event::Replaying { done, total } => {
                bar.set_message(format!("replaying snapshot {done}/{total} steps"));
                return;
            }
            Event::History(h) => bar.set_position(h.models.len() as u64),
            Event::ModelTrained(m) => bar.set_position(m.index as u64),
            Event::Trainers(t) => self.trainers = Some(*t),
            Event::SettingChanged { change, step } => {
                if change.key == "search.max_models" {
                    bar.set_length(self.run.settings.budget() as u64);
                }
                output::note(bar, format!("step {step}: {}", change.describe()))
            }
            Event::SettingRefused { change, reason } => {
                output::note(bar, format!("refused {}: {reason}", change.describe()))
            }
            Event::Warning(m) => output::note(bar, format!("warning: {m}")),
            Event::Log(m) if !bar.is_hidden() => bar.println(m),
            _ => {}
        }
        let best = (self.run.best_val()).map_or("-".into(), |b| format!("{b:.2}%"));
        let episode = self.run.history.episodes.len();
        let eps = self.run.last_step.as_ref().map_or(1.0, |s| s.epsilon);
        let per_min = bar.position() as f64 / bar.elapsed().as_secs_f64().max(1.0) * 60.0;
        let trainers = self.trainers.map_or(String::new(), |t| {
            format!(
                ", {}/{} trainers busy, {}",
                t.busy,
                t.workers,
                t.hits_text()
            )
        });
        bar.set_message(format!(
            "episode {episode}, epsilon {eps:.2}, best {best}, {per_min:.0} models/min{trainers}",
        ));
    }
}

/// Reports how the run ended, runs the final evaluation if asked, and writes the
/// outputs, also when the run was stopped or failed.
fn finish_outputs(a: &SearchArgs, snap: &Snapshot, ended: Option<&Ended>) -> Result<()> {
    let models = snap.history.models.len();
    let finished = snap.finished.is_some();
    let path = ended
        .and_then(|e| e.saved.clone())
        .or_else(|| a.resume.clone());
    // The session with the evaluation run now kept in it, whose record is exported.
    let mut kept = None;
    let rows = if a.final_eval && finished && ended.is_none_or(|e| e.error.is_none()) {
        let settings = eval_settings(a, snap)?;
        match snap.evaluation(&settings) {
            Some(kept) => {
                eprintln!(
                    "final evaluation: the one kept in the session (run {}, same settings); nothing retrained",
                    kept.saved_at
                );
                print(experiments::eval_table_text(&kept.rows))?;
                Some(kept.rows.clone())
            }
            None => {
                let done = run_final_eval(snap, &settings, path.clone(), a.json)?;
                if let (Some(p), Some(saved)) = (&path, done.kept) {
                    kept = Some(saved?);
                    eprintln!("the final evaluation is kept in {}", p.display());
                }
                Some(done.eval.rows)
            }
        }
    } else {
        // An evaluation run earlier on this session is part of its record.
        snap.latest_evaluation().map(|e| e.rows.clone())
    };
    session::export(&a.out, kept.as_ref().unwrap_or(snap), rows.as_deref())?;
    eprintln!(
        "wrote {} to {}",
        session::EXPORTS.join(", "),
        a.out.display()
    );
    if a.export_net && ended.is_none_or(|e| e.error.is_none()) {
        export_best(a, snap)?;
    }
    let Some(e) = ended else {
        return Ok(());
    };
    if let Some(msg) = &e.error {
        bail!("the search failed: {msg}");
    }
    // A closed stdout stops the search: unfinished, it is an interruption (saved, and
    // the same command continues it), not a success.
    if e.pipe_closed && e.reason == FinishReason::Stopped {
        return Err(Interrupt(format!(
            "stdout was closed, so the search stopped unfinished; it is saved in {}: resume it with --resume",
            e.saved.as_ref().map_or("(not saved)".into(), |p| p.display().to_string())
        ))
        .into());
    }
    if e.pipe_closed {
        return Err(PipeClosed.into());
    }
    let best = snap.best_val().map_or("-".into(), |b| format!("{b:.2}%"));
    let secs = snap.seconds;
    match (&e.reason, &e.saved) {
        (FinishReason::Stopped, Some(p)) => {
            let msg = format!(
                "stopped after {secs:.0} s with {models} models trained; snapshot saved.\nresume with: aen search --resume {}",
                shell_quote(p)
            );
            if output::interrupted() {
                return Err(Interrupt(msg.replacen("stopped", "interrupted", 1)).into());
            }
            eprintln!("{msg}");
        }
        (FinishReason::Stopped, None) => bail!("stopped, and the snapshot could not be saved"),
        (r, _) => eprintln!(
            "finished ({r:?}) after {secs:.0} s: {models} models trained, best validation accuracy {best}"
        ),
    }
    Ok(())
}

/// `--export-net`: the best state's network into OUT/network.
fn export_best(a: &SearchArgs, snap: &Snapshot) -> Result<()> {
    let Some(best) = snap.history.best(1).first().map(|m| m.state) else {
        eprintln!("no model was trained, so there is no network to export");
        return Ok(());
    };
    let mut settings = snap.settings.clone();
    settings.final_eval = eval_settings(a, snap)?;
    let dir = a.out.join("network");
    let bar = output::bar(
        0,
        "network: epoch {msg} [{bar:30}] {pos}/{len} batches",
        a.json,
    );
    let meta = super::network::export(settings, best, dir.clone(), &bar)?;
    eprintln!(
        "wrote the best state's network ({}, {} parameters; test {:.2}% under the final protocol) to {}",
        meta.groups,
        meta.params,
        meta.test_acc,
        dir.display()
    );
    Ok(())
}

/// The final evaluation of `snap` under `eval`, as an engine task; with `keep_in`, kept
/// in the session saved there.
fn run_final_eval(
    snap: &Snapshot,
    eval: &FinalEvalSettings,
    keep_in: Option<PathBuf>,
    json: bool,
) -> Result<start::Evaluated> {
    let n = session::final_eval_trainings(snap, eval);
    let seeds = match eval.seeds {
        1 => String::new(),
        k => format!(", {k} seeds each"),
    };
    eprintln!(
        "final evaluation: retraining the {} best states and 13 single-group networks{seeds}",
        eval.top_k.min(snap.history.models.len())
    );
    let bar = output::bar(n as u64, "{bar:30} {pos}/{len} {msg} ETA {eta}", json);
    let started = Instant::now();
    let task = start::final_eval(snap.clone(), eval.clone(), keep_in)
        .context("cannot start the final evaluation's thread")?;
    let done = output::follow(
        task,
        "the final evaluation",
        |ev| match ev {
            Training::Begun { label, .. } => bar.set_message(label),
            Training::Done => bar.inc(1),
        },
        |_| "interrupted during the final evaluation; the session is saved without it".into(),
    );
    bar.finish_and_clear();
    let done = done?;
    let eval = &done.eval;
    if let Some(n) = &eval.note {
        eprintln!("note: {n}");
    }
    eprintln!(
        "final evaluation took {:.0} s",
        started.elapsed().as_secs_f64()
    );
    print(experiments::eval_table_text(&eval.rows))?;
    Ok(done)
}

fn event_json(ev: &Event) -> Option<String> {
    let v = match ev {
        Event::Step(s) => serde_json::json!({"event": "step", "data": s}),
        Event::ModelTrained(m) => serde_json::json!({"event": "model", "data": m}),
        Event::EpisodeEnd(e) => serde_json::json!({"event": "episode", "data": e}),
        Event::Trainers(t) => serde_json::json!({"event": "trainers", "data": t}),
        Event::SettingChanged { step, change } => {
            serde_json::json!({"event": "setting", "step": step, "change": change})
        }
        Event::Finished { reason, saved, .. } => {
            serde_json::json!({"event": "finished", "reason": reason, "snapshot": saved})
        }
        Event::Warning(m) => serde_json::json!({"event": "warning", "message": m}),
        Event::Error(e) => serde_json::json!({"event": "error", "message": e}),
        Event::Saved(p) => serde_json::json!({"event": "saved", "path": p}),
        _ => return None,
    };
    Some(v.to_string())
}

/// "4,096 group sets, 216 distinct networks" (or, under `search.equivalence = none`,
/// each its own network).
fn networks_line(s: &crate::engine::settings::Settings) -> String {
    match s.classes() {
        Some(c) => format!("4,096 group sets, {} distinct networks", c.len()),
        None => "4,096 group sets, each its own network".into(),
    }
}
