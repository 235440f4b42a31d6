//! The TUI rendered into ratatui's TestBackend at 80x24, 120x40 and 200x60: the set-up screen,
//! the dashboard fed with a recorded session's events, the help overlay and the
//! settings forms. Whole screens are insta snapshots (kept in this file, so their names
//! stay); keys and clicks are in `interaction`, opened sessions in `opened`.

use aen::tui::app::LiveForm;
use aen::tui::app::{App, Overlay, Pane, RunStatus, Screen};
use aen::tui::form::{Form, live_specs};
use aen::tui::keys::{self, Action, Mode};
use aen::tui::preview::PreviewResult;
use aen::tui::theme::Theme;
use aen_core::data::{self, DatasetKind, Source, SourceKind};
use aen_engine::search::{Event, RunInfo};
use aen_engine::settings::Settings;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::{Terminal, backend::TestBackend};

const SIZES: [(u16, u16); 3] = [(80, 24), (120, 40), (200, 60)];

fn settings() -> Settings {
    let mut s = Settings::default();
    s.data.source = "embedded".into();
    s
}

/// An app on the set-up screen with embedded sources only and a synchronous preview,
/// so the picture does not depend on the machine.
fn setup_app() -> App {
    // The set-up screen counts the networks once the classes are at hand: find them
    // first, so the picture does not depend on a background thread.
    aen_core::classes::Classes::of(settings().shift()).unwrap();
    let mut app = App::new(settings(), Theme { color: false }, None);
    app.tables = None;
    app.setup.sources = [DatasetKind::Mnist, DatasetKind::FashionMnist]
        .iter()
        .map(|&k| {
            (
                k,
                vec![Source {
                    kind: SourceKind::Embedded,
                    dir: None,
                }],
            )
        })
        .collect();
    app.setup.source = vec![0, 0];
    let base = data::open(DatasetKind::Mnist, None, Some(SourceKind::Embedded)).unwrap();
    let samples = aen_core::gdata::preview_samples(
        &base,
        app.settings.data.groups,
        4,
        app.setup.preview_seed,
        6,
    )
    .unwrap();
    app.on_preview(PreviewResult {
        id: app.setup.preview_id,
        kind: DatasetKind::Mnist,
        side: 28,
        classes: Vec::new(),
        samples: Ok(samples),
        counts: Some((base.train.len(), None)),
    });
    app
}

/// A dashboard fed, event by event, with the recorded session in tests/fixtures.
fn dashboard_app() -> App {
    let snap =
        aen_engine::snapshot::load(std::path::Path::new("tests/fixtures/session.json")).unwrap();
    let mut app = setup_app();
    app.screen = Screen::Dashboard;
    app.on_engine(Event::Started(Box::new(RunInfo {
        dataset: "MNIST".into(),
        source: "embedded (compiled into aen)".into(),
        data_groups: snap.settings.data.groups,
        device: "CPU, 2 threads".into(),
        settings: snap.settings.clone(),
        snapshot_path: "/tmp/session.json".into(),
        prior_seconds: 0.0,
    })));
    let h = &snap.history;
    let mut models = h.models.iter().peekable();
    if let Some(m) = models.next_if(|m| m.index == 1) {
        app.on_engine(Event::ModelTrained(m.clone()));
    }
    let mut episodes = h.episodes.iter().peekable();
    for s in &h.steps {
        app.on_engine(Event::Step(Box::new(s.clone())));
        if let Some(m) = models.next_if(|m| m.first_step == s.step) {
            app.on_engine(Event::ModelTrained(m.clone()));
        }
        if let Some(e) = episodes.next_if(|e| {
            h.steps
                .get(s.step + 1)
                .is_none_or(|n| n.episode > e.episode)
        }) {
            app.on_engine(Event::EpisodeEnd(e.clone()));
        }
    }
    app.dash
        .log
        .retain(|l| !l.contains("/tmp/") && !l.contains("saved"));
    app
}

fn render(app: &App, (w, h): (u16, u16)) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| aen::tui::draw(f, app)).unwrap();
    // Elapsed time is the one thing that changes from run to run.
    let text = format!("{}", t.backend());
    let re_elapsed = |s: &str| {
        let mut out = String::new();
        for line in s.lines() {
            match line.find("elapsed ") {
                Some(i) => {
                    out.push_str(&line[..i + 8]);
                    out.push_str("XmXXs");
                    out.push_str(&line[(i + 13).min(line.len())..]);
                }
                None => out.push_str(line),
            }
            out.push('\n');
        }
        out
    };
    re_elapsed(&text)
}

#[test]
fn setup_screen() {
    let app = setup_app();
    for size in SIZES {
        insta::assert_snapshot!(format!("setup_{}x{}", size.0, size.1), render(&app, size));
    }
}

#[test]
fn setup_screen_settings_form_with_a_bad_value() {
    let mut app = setup_app();
    app.update(Action::FocusNext); // groups -> settings
    app.update(Action::Down);
    app.update(Action::Edit);
    for c in "abc".chars() {
        app.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
    app.on_key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE));
    app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    assert!(app.setup.form.has_errors());
    for size in SIZES {
        insta::assert_snapshot!(
            format!("setup_form_{}x{}", size.0, size.1),
            render(&app, size)
        );
    }
    // Starting is refused while a value is bad.
    app.update(Action::Start);
    assert!(matches!(app.overlay, Some(Overlay::Error(_))));
    assert_eq!(app.screen, Screen::Setup);
}

#[test]
fn dashboard_from_a_recorded_session() {
    let app = dashboard_app();
    assert_eq!(app.dash.run.history.models.len(), 30);
    assert_eq!(app.dash.run.history.episodes.len(), 4);
    assert_eq!(app.dash.status, RunStatus::Running);
    for size in SIZES {
        insta::assert_snapshot!(
            format!("dashboard_{}x{}", size.0, size.1),
            render(&app, size)
        );
    }
}

#[test]
fn dashboard_zoomed_pane() {
    let mut app = dashboard_app();
    app.update(Action::FocusNext);
    assert_eq!(app.dash.focus, Pane::Accuracy);
    app.update(Action::Zoom);
    insta::assert_snapshot!("dashboard_zoom_accuracy_80x24", render(&app, (80, 24)));
}

#[test]
fn help_overlay_lists_every_dashboard_key() {
    let mut app = dashboard_app();
    app.update(Action::Help);
    for size in SIZES {
        let screen = render(&app, size);
        if size.1 >= 40 {
            for (label, _) in keys::help_rows(Mode::Dashboard) {
                assert!(screen.contains(label), "help shows {label}");
            }
        }
        insta::assert_snapshot!(format!("help_{}x{}", size.0, size.1), screen);
    }
}

/// The dashboard with the live form open and `text` typed into its first field
/// (fixed epsilon), confirmed with Enter.
fn live_form_with(text: &str) -> App {
    let mut app = dashboard_app();
    let draft = app.dash.run.settings.clone();
    app.overlay = Some(Overlay::Form(Box::new(LiveForm {
        form: Form::new(live_specs(draft.search.strategy), &draft, true),
        draft,
    })));
    app.update(Action::Edit);
    for c in text.chars() {
        app.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
    app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    app
}

#[test]
fn live_settings_form() {
    let app = live_form_with("0.2");
    for size in SIZES {
        insta::assert_snapshot!(
            format!("live_form_{}x{}", size.0, size.1),
            render(&app, size)
        );
    }
    let Some(Overlay::Form(f)) = &app.overlay else {
        panic!()
    };
    assert_eq!(
        f.form.changes(),
        vec![aen_engine::search::SettingChange::new(
            "search.fixed_epsilon",
            "0.2"
        )]
    );
}

#[test]
fn the_session_browser_lists_snapshots_and_opens_one_read_only() {
    use aen::tui::app::Browser;
    let path = std::path::PathBuf::from("tests/fixtures/session.json");
    let snap = aen_engine::snapshot::summary(&path).unwrap();
    assert_eq!((snap.steps, snap.episodes), (38, 4));
    let mut app = setup_app();
    app.overlay = Some(Overlay::Sessions(Browser {
        loading: false,
        running: None,
        confirm_open: false,
        entries: vec![
            (path.clone(), Ok(snap)),
            ("broken.json".into(), Err("corrupt snapshot".into())),
        ],
        selected: 0,
        dir: Some("/sessions".into()),
        confirm_delete: false,
        note: None,
        ..Default::default()
    }));
    let screen = render(&app, (160, 48));
    assert!(screen.contains("finished"), "status column: {screen}");
    assert!(
        screen.contains("dqn · reward paper"),
        "settings of the selected run: {screen}"
    );
    assert!(
        screen.contains("session.json")
            && screen.contains("MNIST")
            && screen.contains("rot90,hflip,sc4,sc5"),
        "{screen}"
    );
    assert!(
        screen.contains("unreadable") && screen.contains("corrupt snapshot"),
        "{screen}"
    );
    insta::assert_snapshot!("sessions_160x48", screen);
    app.on_key(KeyEvent::new(KeyCode::Char('v'), KeyModifiers::NONE));
    assert_eq!(app.screen, Screen::Dashboard);
    assert_eq!(app.dash.status, RunStatus::ReadOnly);
    assert_eq!(app.dash.run.history.models.len(), 30);
    assert!(app.handle.is_none(), "read-only starts no search");
    // Nothing that writes: extend, evaluate, export.
    let before = std::fs::read(&path).unwrap();
    for c in ['+', 'e', 'x'] {
        app.dash.log.clear();
        app.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        assert!(app.overlay.is_none(), "{c}: a dialog opened");
        assert!(
            app.handle.is_none() && app.dash.eval.is_none(),
            "{c}: work started"
        );
        assert!(
            app.dash
                .log
                .iter()
                .any(|l| l.contains("read-only: nothing here writes")),
            "{c}: {:?}",
            app.dash.log
        );
    }
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[path = "tui/flows.rs"]
mod flows;

#[path = "tui/strategies.rs"]
mod strategies;

#[path = "tui/truth.rs"]
mod truth;

#[path = "tui/truth_cursor.rs"]
mod truth_cursor;

#[path = "tui/sessions.rs"]
mod sessions;

#[path = "tui/interaction.rs"]
mod interaction;

#[path = "tui/opened.rs"]
mod opened;

/// Where `needle` is drawn: (column, row) of its first character.
fn find(screen: &str, needle: &str) -> (u16, u16) {
    for (row, line) in screen.lines().enumerate() {
        if let Some(i) = line.find(needle) {
            // The backend's text is one char per cell; columns count chars.
            let col = line[..i].chars().count();
            // TestBackend's Display quotes each line: skip the opening quote.
            return (col as u16 - 1, row as u16);
        }
    }
    panic!("{needle:?} is not on screen:\n{screen}");
}

fn click(app: &mut App, (column, row): (u16, u16)) {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    app.on_mouse(MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column,
        row,
        modifiers: KeyModifiers::NONE,
    });
}

/// `f`: the run so far, analysed: best against networks trained, the Pareto front of
/// accuracy against parameters, and each group's effect.
#[test]
fn the_analysis_view_shows_best_so_far_the_front_and_group_effects() {
    let mut app = dashboard_app();
    app.on_key(KeyEvent::new(KeyCode::Char('f'), KeyModifiers::NONE));
    assert!(matches!(app.overlay, Some(Overlay::Analysis)));
    let screen = render(&app, (160, 48));
    let models = &app.dash.run.history.models;
    let front = aen_engine::analysis::pareto_front(models);
    let best = aen_engine::analysis::best_so_far(models);
    for want in [
        format!(
            "best validation {:.2}% after 30 networks",
            best.last().unwrap()
        ),
        format!("Pareto front: {} networks", front.len()),
        "Each group: mean val % with it".to_string(),
        "rot90".to_string(),
    ] {
        assert!(screen.contains(&want), "{want}: {screen}");
    }
    insta::assert_snapshot!("analysis_160x48", screen);
    app.on_key(KeyEvent::new(KeyCode::Char('x'), KeyModifiers::NONE));
    assert!(app.overlay.is_none());
}
