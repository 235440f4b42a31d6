//! The interactive terminal client of the engine (ratatui + crossterm).
//!
//! One loop: draw from state, wait up to a tick for a key or resize, then drain the
//! engine's and the preview's channels. Rendering never waits on training.

pub mod app;
pub mod dashboard;
pub mod form;
pub mod keys;
pub mod logfile;
pub mod overlay;
pub mod preview;
pub mod setup_view;
pub mod theme;
pub mod widgets;

use crate::config::Settings;
use app::{App, Screen};
use crossterm::event::{self, Event as CtEvent, KeyEventKind};
use ratatui::prelude::*;
use std::path::PathBuf;
use std::time::Duration;

/// Draws the whole UI for the current state.
pub fn draw(f: &mut Frame, app: &App) {
    let area = f.area();
    let [main, hints] = Layout::vertical([Constraint::Min(3), Constraint::Length(1)]).areas(area);
    match app.screen {
        Screen::Setup => setup_view::render(f, main, app),
        Screen::Dashboard => dashboard::render(f, main, app),
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
    if let Some(p) = &resume {
        crate::snapshot::load(p)?;
    }
    let log = logfile::init();
    logfile::write("aen TUI started");
    let mut app = App::new(
        settings,
        theme::Theme::from_env(),
        Some(preview::PreviewService::start()),
    );
    if let Some(p) = resume {
        app.resume(p).map_err(anyhow::Error::msg)?;
    }
    // ratatui's init installs a panic hook that restores the terminal first.
    let mut terminal = ratatui::try_init()?;
    only_ui_panics_restore();
    let result = event_loop(&mut terminal, &mut app);
    ratatui::restore();
    if let Some(p) = &app.dash.snapshot_path
        && p.exists()
    {
        println!("session saved in {}", p.display());
        println!("resume with: aen --resume {}", p.display());
    }
    if let Some(l) = log {
        logfile::write("aen TUI ended");
        eprintln!("log: {}", l.display());
    }
    result
}

/// Worker and preview panics are caught and shown in the UI, so they must not restore
/// the terminal under it (ratatui's hook would, for any thread): they go to the log.
fn only_ui_panics_restore() {
    let ui = std::thread::current().id();
    let restore_then_report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().id() == ui {
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

fn event_loop(terminal: &mut ratatui::DefaultTerminal, app: &mut App) -> anyhow::Result<()> {
    while !app.quit {
        terminal.draw(|f| draw(f, app))?;
        if event::poll(Duration::from_millis(100))? {
            match event::read()? {
                CtEvent::Key(k) if k.kind == KeyEventKind::Press => app.on_key(k),
                // The next draw uses the new size.
                CtEvent::Resize(..) => {}
                _ => {}
            }
        }
        app.drain();
    }
    Ok(())
}
