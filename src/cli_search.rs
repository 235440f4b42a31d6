//! `aen search`: the headless client of the search engine.

use crate::cli::SearchArgs;
use crate::config::Settings;
use crate::experiments::{self, ExpProgress};
use crate::report;
use crate::search::{self, Control, Event, FinishReason, SettingChange};
use crate::snapshot::{self, Snapshot};
use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

pub fn run_search(a: SearchArgs, mut settings: Settings) -> Result<()> {
    let resume = match &a.resume {
        Some(p) => Some(snapshot::load(p)?),
        None => None,
    };
    let mut live_changes = Vec::new();
    if let Some(snap) = &resume {
        // The run continues under the settings it started with; flags that still make
        // sense become live changes applied where the snapshot ends.
        settings = snap.settings.clone();
        if let Some(v) = a.max_models {
            live_changes.push(SettingChange::MaxModels(v));
        }
        if let Some(v) = a.max_episodes {
            live_changes.push(SettingChange::MaxEpisodes(v));
        }
        if let Some(v) = a.epsilon {
            live_changes.push(SettingChange::FixedEpsilon(Some(v)));
        }
    } else {
        a.data.apply(&mut settings);
        a.child.apply(&mut settings);
        if let Some(g) = a.data_groups {
            settings.data.groups = g;
        }
        if let Some(v) = a.max_models {
            settings.search.max_models = v;
        }
        if let Some(v) = a.max_episodes {
            settings.search.max_episodes = v;
        }
        if let Some(v) = a.episode_len {
            settings.search.episode_len = v;
        }
        if a.epsilon.is_some() {
            settings.search.fixed_epsilon = a.epsilon;
        }
    }
    settings.validate()?;
    let path = a
        .snapshot
        .clone()
        .or_else(|| a.resume.clone())
        .unwrap_or_else(search::default_snapshot_path);

    // A finished search with --final-eval needs no replay: evaluate straight away.
    let finished_snap = match resume {
        Some(s) if s.finished.is_some() && a.final_eval && live_changes.is_empty() => Some(s),
        other => {
            let snap = run_engine(&a, settings.clone(), other, path.clone(), live_changes)?;
            match snap {
                Some(s) if s.finished.is_some() => Some(s),
                Some(s) => {
                    report::write_outputs(&a.out, &s, None)?;
                    println!("wrote {}", a.out.display());
                    return Ok(());
                }
                None => return Ok(()),
            }
        }
    };
    let Some(snap) = finished_snap else {
        return Ok(());
    };
    let rows = if a.final_eval {
        Some(final_eval(&snap, &a)?)
    } else {
        None
    };
    report::write_outputs(&a.out, &snap, rows.as_deref())?;
    println!(
        "wrote models.csv, summary.json, accuracy.png and rewards.png to {}",
        a.out.display()
    );
    Ok(())
}

/// Runs the engine to its end; returns the saved snapshot (None if it failed to save).
fn run_engine(
    a: &SearchArgs,
    settings: Settings,
    resume: Option<Snapshot>,
    path: std::path::PathBuf,
    live_changes: Vec<SettingChange>,
) -> Result<Option<Snapshot>> {
    let max_models = settings.search.max_models;
    let handle = search::spawn(settings, resume, path.clone());
    for c in live_changes {
        let _ = handle.control.send(Control::Set(c));
    }
    let stop = handle.stop_flag();
    let interrupted = Arc::new(AtomicBool::new(false));
    {
        let (stop, interrupted) = (stop.clone(), interrupted.clone());
        // A second Ctrl-C while saving is ignored on purpose: the save is quick and
        // stopping it would defeat its purpose.
        let _ = ctrlc::set_handler(move || {
            interrupted.store(true, Ordering::SeqCst);
            stop.store(true, Ordering::SeqCst);
        });
    }
    let bar = if a.json || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(max_models as u64)
    };
    bar.set_style(
        ProgressStyle::with_template(
            "[{elapsed_precise}] {bar:30} {pos}/{len} models  {msg}  ETA {eta}",
        )
        .expect("valid template"),
    );
    let started = Instant::now();
    let (mut episode, mut eps, mut best, mut models) = (0usize, 1.0f64, f64::NAN, 0usize);
    let mut failed = None;
    let mut finished = None;
    for ev in handle.events.iter() {
        if a.json
            && let Some(line) = event_json(&ev)
        {
            println!("{line}");
        }
        match &ev {
            Event::Started(info) if !a.json => {
                eprintln!(
                    "searching on {} ({}), G-data {} [{}], {}; snapshot {}",
                    info.dataset,
                    info.source,
                    info.data_groups,
                    info.data_groups.bit_string(),
                    info.device,
                    info.snapshot_path.display()
                );
            }
            Event::Replaying { done, total } => {
                bar.set_message(format!("replaying snapshot {done}/{total} steps"))
            }
            Event::History(h) => {
                models = h.models.len();
                best = h.models.iter().map(|m| m.val_acc).fold(f64::NAN, f64::max);
                episode = h.episodes.len();
                bar.set_position(models as u64);
            }
            Event::Step(s) => {
                episode = s.episode;
                eps = s.epsilon;
            }
            Event::ModelTrained(m) => {
                models = m.index;
                best = best.max(m.val_acc);
                bar.set_position(models as u64);
            }
            Event::EpisodeEnd(e) => episode = e.episode + 1,
            Event::SettingChanged { change, step } => {
                bar.println(format!("step {step}: {}", change.describe()))
            }
            Event::SettingRefused { change, reason } => {
                bar.println(format!("refused {}: {reason}", change.describe()))
            }
            Event::Log(m) => bar.println(m.clone()),
            Event::Error(e) => {
                failed = Some(e.clone());
            }
            Event::Finished { reason, snapshot } => {
                finished = Some((reason.clone(), snapshot.clone()));
            }
            _ => {}
        }
        if let Event::SettingChanged {
            change: SettingChange::MaxModels(m),
            ..
        } = &ev
        {
            bar.set_length(*m as u64);
        }
        bar.set_message(format!(
            "episode {episode}, epsilon {eps:.2}, best {best:.2}%"
        ));
    }
    bar.finish_and_clear();
    handle.join();
    if let Some(e) = failed {
        bail!("the search failed: {e}");
    }
    let Some((reason, saved)) = finished else {
        bail!("the search worker ended without finishing")
    };
    let secs = started.elapsed().as_secs_f64();
    match reason {
        FinishReason::Stopped => {
            if let Some(p) = &saved {
                eprintln!(
                    "{} after {secs:.0} s with {models} models trained; snapshot saved.\nresume with: aen search --resume {}",
                    if interrupted.load(Ordering::SeqCst) {
                        "interrupted"
                    } else {
                        "stopped"
                    },
                    p.display()
                );
            }
        }
        r => eprintln!(
            "finished ({r:?}) after {secs:.0} s: {models} models trained, best validation accuracy {best:.2}%"
        ),
    }
    match saved {
        Some(p) => {
            Ok(Some(snapshot::load(&p).with_context(|| {
                format!("reading back {}", p.display())
            })?))
        }
        None => Ok(None),
    }
}

fn final_eval(snap: &Snapshot, a: &SearchArgs) -> Result<Vec<experiments::EvalRow>> {
    let settings = &snap.settings;
    let base = crate::data::open(
        settings.data.dataset,
        settings.data.data_dir.as_deref(),
        settings.source_kind()?,
    )?;
    let top: Vec<_> = snap
        .history
        .best(settings.final_eval.top_k)
        .iter()
        .map(|m| (m.state, m.val_acc))
        .collect();
    eprintln!(
        "final evaluation: retraining {} best states and 13 single-group networks",
        top.len()
    );
    let bar = if a.json || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        ProgressBar::new((top.len() + 13) as u64)
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {msg} ETA {eta}")
            .expect("valid template"),
    );
    let (rows, note) = experiments::final_eval(settings, &base, &top, &mut |p| {
        if let ExpProgress::Begin { label, index, .. } = p {
            bar.set_position(index as u64);
            bar.set_message(label.to_string());
        }
        crate::train::Flow::Continue
    })
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    bar.finish_and_clear();
    if let Some(n) = note {
        eprintln!("note: {n}");
    }
    print!("{}", experiments::eval_table_text(&rows));
    Ok(rows)
}

fn event_json(ev: &Event) -> Option<String> {
    let v = match ev {
        Event::Step(s) => serde_json::json!({"event": "step", "data": s}),
        Event::ModelTrained(m) => serde_json::json!({"event": "model", "data": m}),
        Event::EpisodeEnd(e) => serde_json::json!({"event": "episode", "data": e}),
        Event::SettingChanged { step, change } => {
            serde_json::json!({"event": "setting", "step": step, "change": change})
        }
        Event::Finished { reason, snapshot } => {
            serde_json::json!({"event": "finished", "reason": reason, "snapshot": snapshot})
        }
        Event::Error(e) => serde_json::json!({"event": "error", "message": e}),
        Event::Saved(p) => serde_json::json!({"event": "saved", "path": p}),
        _ => return None,
    };
    Some(v.to_string())
}
