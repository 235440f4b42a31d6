//! The interactive terminal client of the engine (ratatui + crossterm).
//!
//! One loop waits on one channel (keys, resizes, engine events, previews, final
//! evaluation progress) with a tick as time-out, folds every waiting event into the
//! state, then draws. Rendering never waits on training.

mod analysis_view;
pub mod app;
mod browser;
pub mod charts;
mod compare_view;
pub mod dashboard;
mod events;
mod export;
mod final_eval;
pub mod form;
mod form_view;
mod input;
pub mod keys;
pub mod logfile;
mod models_table;
pub mod overlay;
pub mod preview;
mod prompts;
mod q_pane;
pub mod remembered;
mod sessions;
mod sessions_view;
pub mod setup_view;
pub mod state;
pub mod theme;
pub mod truth;
mod truth_map;
pub mod truth_state;
mod truth_view;
pub mod widgets;

use crate::engine::settings::Settings;
use app::{App, Screen, UiEvent};
use crossterm::event::{self, Event as CtEvent, KeyEventKind};
use ratatui::prelude::*;
use std::path::PathBuf;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

/// How often the screen is redrawn when nothing happens (the clocks move).
const TICK: Duration = Duration::from_millis(250);

/// Draws the whole UI for the current state.
pub fn draw(f: &mut Frame, app: &App) {
    let area = f.area();
    app.hits.clear();
    let [main, hints] = Layout::vertical([Constraint::Min(3), Constraint::Length(1)]).areas(area);
    match app.screen {
        Screen::Setup => setup_view::render(f, main, app),
        Screen::Dashboard => dashboard::render(f, main, &app.dash, &app.theme, &app.hits),
    }
    widgets::hint_bar(f, hints, app.mode(), &app.theme);
    overlay::render(f, area, app);
}

/// Runs the TUI until the user quits; `resume` opens a snapshot straight into the
/// dashboard.
pub fn run(settings: Settings, resume: Option<PathBuf>) -> anyhow::Result<()> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        anyhow::bail!(
            "the interactive UI needs a terminal; for scripts and servers use a subcommand such as `aen search` (see `aen --help`)"
        );
    }
    // Load the snapshot before touching the terminal, so a bad path is a plain error.
    let resume = match resume {
        Some(p) => Some((crate::engine::snapshot::load(&p)?, p)),
        None => None,
    };
    let log = logfile::init();
    logfile::write("aen TUI started");
    let (tx, rx) = mpsc::channel();
    let preview_tx = tx.clone();
    let preview = preview::PreviewService::start(Box::new(move |r| {
        preview_tx.send(UiEvent::Preview(r)).is_ok()
    }));
    // The last launch's data set, source and groups, where nothing chose others.
    let settings = match remembered::default_path() {
        Some(p) => remembered::apply(settings, &p),
        None => settings,
    };
    let mut app = App::new(settings, theme::Theme::from_env(), Some(preview));
    app.ui = Some(tx.clone());
    if let Some((snap, p)) = resume {
        app.resume_snapshot(snap, p).map_err(anyhow::Error::msg)?;
    }
    // ratatui's init installs a panic hook that restores the terminal first.
    let mut terminal = ratatui::try_init()?;
    crossterm::execute!(std::io::stdout(), crossterm::event::EnableMouseCapture)?;
    only_ui_panics_restore();
    spawn_terminal_reader(tx);
    let result = event_loop(&mut terminal, &mut app, &rx);
    let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
    ratatui::restore();
    // Work still running stops at its next batch and cleans up (a sweep keeps its rows
    // and lets go of its table, an export removes the folder it made).
    crate::engine::task::stop_all(std::mem::take(&mut app.background), Duration::from_secs(10));
    if let Some(p) = &app.dash.snapshot_path
        && p.exists()
        && app.dash.status != app::RunStatus::ReadOnly
    {
        println!("session saved in {}", p.display());
        println!(
            "resume with: aen --resume {}",
            crate::render::shell_quote(p)
        );
    }
    if let Some(l) = log {
        logfile::write("aen TUI ended");
        eprintln!("log: {}", l.display());
    }
    result
}

/// Keys, mouse events and resizes from crossterm, forwarded to the UI channel.
fn spawn_terminal_reader(tx: mpsc::Sender<UiEvent>) {
    std::thread::Builder::new()
        .name("aen-terminal".into())
        .spawn(move || {
            while let Ok(ev) = event::read() {
                let ui = match ev {
                    CtEvent::Key(k) if k.kind == KeyEventKind::Press => UiEvent::Key(k),
                    CtEvent::Mouse(m) => UiEvent::Mouse(m),
                    CtEvent::Resize(..) => UiEvent::Resize,
                    _ => continue,
                };
                if tx.send(ui).is_err() {
                    return;
                }
            }
        })
        .expect("spawning the terminal reader");
}

/// Worker and preview panics are caught and shown in the UI, so they must not restore
/// the terminal under it (ratatui's hook would, for any thread): they go to the log.
fn only_ui_panics_restore() {
    let ui = std::thread::current().id();
    let restore_then_report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().id() == ui {
            let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
            restore_then_report(info);
        } else {
            let name = std::thread::current()
                .name()
                .unwrap_or("unnamed")
                .to_string();
            logfile::write(&format!("panic in thread {name}: {info}"));
        }
    }));
}

fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut App,
    rx: &mpsc::Receiver<UiEvent>,
) -> anyhow::Result<()> {
    while !app.quit {
        terminal.draw(|f| draw(f, app))?;
        match rx.recv_timeout(TICK) {
            Ok(e) => {
                app.on_event(e);
                // Fold in everything else waiting before the next draw.
                while let Ok(e) = rx.try_recv() {
                    app.on_event(e);
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        app.tick();
    }
    Ok(())
}
