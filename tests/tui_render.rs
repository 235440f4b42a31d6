//! The TUI rendered into ratatui's TestBackend at 80x24, 120x40 and 200x60: the set-up screen,
//! the dashboard fed with a recorded session's events, the help overlay and the
//! settings forms. Whole screens are insta snapshots.

use crate::common;

use aen::tui::app::LiveForm;
use aen::tui::app::{App, Overlay, Pane, RunStatus, Screen};
use aen::tui::form::{Form, live_specs};
use aen::tui::keys::{self, Action, Mode};
use aen::tui::preview::PreviewResult;
use aen::tui::theme::Theme;
use aen_core::data::{self, DatasetKind, Source, SourceKind};
use aen_core::groups::GroupSet;
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
fn invalid_live_values_are_refused_in_the_form() {
    let mut app = live_form_with("1.7");
    let screen = render(&app, (160, 48));
    assert!(
        screen.contains("search.fixed_epsilon = 1.7 is out of range"),
        "{screen}"
    );
    app.update(Action::Apply);
    assert!(
        matches!(app.overlay, Some(Overlay::Form(_))),
        "apply is refused while a value is bad"
    );
}

#[test]
fn group_toggles_and_presets_update_the_vector() {
    let mut app = setup_app();
    assert_eq!(app.settings.data.groups, GroupSet::preset(2).unwrap());
    app.update(Action::Toggle); // rot90 off
    assert_eq!(app.settings.data.groups.bit_string(), "010000001100");
    app.update(Action::NextPreset);
    assert_eq!(app.settings.data.groups, GroupSet::preset(0).unwrap());
    app.update(Action::NextPreset);
    assert_eq!(app.settings.data.groups, GroupSet::preset(1).unwrap());
    assert!(render(&app, (80, 24)).contains("vector 011000100001  preset 1"));
}

#[test]
fn quitting_asks_first_and_ctrl_c_does_not() {
    let mut app = setup_app();
    app.on_key(KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE));
    assert!(matches!(app.overlay, Some(Overlay::ConfirmQuit)));
    app.on_key(KeyEvent::new(KeyCode::Char('n'), KeyModifiers::NONE));
    assert!(!app.quit && app.overlay.is_none());
    app.on_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert!(app.quit);
}

#[test]
fn engine_errors_become_a_dialog() {
    let mut app = dashboard_app();
    app.on_engine(Event::Error("the search worker panicked: boom".into()));
    assert_eq!(app.dash.status, RunStatus::Failed);
    assert!(render(&app, (80, 24)).contains("the search worker panicked: boom"));
}

#[test]
fn a_data_dir_is_offered_first_in_the_set_up_screen() {
    let dir = tempfile::tempdir().unwrap();
    common::write_set(&dir.path().join("mnist"), 50, 20);
    let mut s = settings();
    s.data.source = "auto".into();
    s.data.data_dir = Some(dir.path().to_path_buf());
    aen_core::classes::Classes::of(s.shift()).unwrap();
    let app = App::new(s, Theme { color: false }, None);
    let (kind, src) = app.selected_source();
    assert_eq!((kind, src.kind), (DatasetKind::Mnist, SourceKind::DataDir));
    assert!(render(&app, (80, 24)).contains("‹data-dir›"));
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

/// A snapshot name is a file name: a path, a hidden name or an empty one is refused in
/// the dialog with the reason, and nothing is saved.
#[test]
fn a_snapshot_name_that_is_not_a_file_name_is_refused_with_the_reason() {
    use aen::tui::app::{Prompt, PromptState};
    for (name, says) in [
        ("runs/a", "not a path"),
        (".hidden", "may not start with ."),
        ("tab\there", "no control characters"),
        ("a\\b", "not a path"),
    ] {
        let mut app = dashboard_app();
        app.overlay = Some(Overlay::Prompt(PromptState::new(
            Prompt::SaveName,
            name.to_string(),
        )));
        app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
        match &app.overlay {
            Some(Overlay::Error(e)) => assert!(e.contains(says), "{name}: {e}"),
            _ => panic!("{name}: no error shown"),
        }
    }
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

#[test]
fn a_click_toggles_a_group_focuses_a_pane_and_the_wheel_scrolls() {
    let mut app = setup_app();
    let screen = render(&app, (120, 40));
    assert!(
        !app.settings
            .data
            .groups
            .contains(aen_core::groups::Group::VFlip)
    );
    click(&mut app, find(&screen, "[ ] vflip"));
    assert!(
        app.settings
            .data
            .groups
            .contains(aen_core::groups::Group::VFlip)
    );
    assert_eq!(app.setup.focus, aen::tui::app::SetupFocus::Groups);

    let mut app = dashboard_app();
    let screen = render(&app, (120, 40));
    assert_ne!(app.dash.focus, Pane::Log);
    click(&mut app, find(&screen, " Log"));
    assert_eq!(app.dash.focus, Pane::Log);
    let screen = render(&app, (120, 40));
    click(&mut app, find(&screen, "Episode rewards"));
    assert_eq!(app.dash.focus, Pane::Rewards);
}

#[test]
fn sessions_are_renamed_and_deleted_from_the_browser_and_a_click_selects_one() {
    use aen::tui::app::Browser;
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.json");
    let b = dir.path().join("b.json");
    std::fs::copy("tests/fixtures/session.json", &a).unwrap();
    std::fs::copy("tests/fixtures/session.json", &b).unwrap();
    let snap = aen_engine::snapshot::summary(&a).unwrap();
    let browser = |selected| {
        Overlay::Sessions(Browser {
            loading: false,
            running: None,
            confirm_open: false,
            entries: vec![(a.clone(), Ok(snap.clone())), (b.clone(), Ok(snap.clone()))],
            selected,
            dir: Some(dir.path().to_path_buf()),
            confirm_delete: false,
            note: None,
            ..Default::default()
        })
    };
    let key =
        |app: &mut App, c: char| app.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    let mut app = setup_app();
    app.overlay = Some(browser(0));
    let screen = render(&app, (120, 40));
    click(&mut app, find(&screen, "b.json"));
    let Some(Overlay::Sessions(br)) = &app.overlay else {
        panic!("browser closed")
    };
    assert_eq!(br.selected, 1, "a click selects the row");

    // Rename b to "run 2": the suggestion is replaced by what is typed.
    key(&mut app, 'r');
    assert!(matches!(app.overlay, Some(Overlay::Prompt(_))));
    for c in "run 2".chars() {
        key(&mut app, c);
    }
    app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    assert!(!b.exists() && dir.path().join("run 2.json").exists());
    let Some(Overlay::Sessions(br)) = &app.overlay else {
        panic!("browser back")
    };
    assert_eq!(br.note.as_deref(), Some("renamed to run 2.json"));

    // An empty name renames nothing and says so, in the browser.
    app.overlay = Some(browser(0));
    key(&mut app, 'r');
    app.on_key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE));
    app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    let Some(Overlay::Sessions(br)) = &app.overlay else {
        panic!("browser kept")
    };
    assert!(br.note.as_deref().unwrap().contains("needs a name"));
    assert!(a.exists());

    // Renaming over another file is refused; so is a path.
    app.overlay = Some(browser(0));
    key(&mut app, 'r');
    for c in "run 2".chars() {
        key(&mut app, c);
    }
    app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    assert!(a.exists());
    let Some(Overlay::Sessions(br)) = &app.overlay else {
        panic!("browser back")
    };
    assert!(br.note.as_deref().unwrap().contains("exists already"));

    // Delete asks first; another key keeps the file; a second d deletes it.
    app.overlay = Some(browser(0));
    key(&mut app, 'd');
    assert!(render(&app, (120, 40)).contains("press d again to delete a.json"));
    key(&mut app, 'x');
    assert!(render(&app, (120, 40)).contains("kept: nothing was deleted"));
    key(&mut app, 'd');
    assert!(a.exists(), "an unbound key cancels too: one d only asks");
    key(&mut app, 'j');
    key(&mut app, 'k');
    key(&mut app, 'd');
    assert!(a.exists(), "one d only asks");
    key(&mut app, 'd');
    assert!(!a.exists(), "the second d deletes");
}

#[test]
fn a_models_details_show_its_curve_orbits_and_the_g_data() {
    let mut app = dashboard_app();
    app.dash.focus = Pane::Best;
    app.update(Action::Down);
    let second = app.dash.sorted_models()[1].clone();
    app.on_key(KeyEvent::new(KeyCode::Char('i'), KeyModifiers::NONE));
    let Some(Overlay::Model(m)) = &app.overlay else {
        panic!("i opens the details")
    };
    assert_eq!(
        m.record.state, second.state,
        "the row at the top of the table"
    );
    let screen = render(&app, (120, 40));
    for want in [
        format!("Model {}:", second.index),
        "validation by epoch:".to_string(),
        "layer 1:".to_string(),
        "weight orbits".to_string(),
        "G-data (rot90,hflip,sc4,sc5)".to_string(),
    ] {
        assert!(screen.contains(&want), "{want}: {screen}");
    }
    app.on_key(KeyEvent::new(KeyCode::Char('x'), KeyModifiers::NONE));
    assert!(app.overlay.is_none(), "any key closes");
}

/// `c` on one session, then `c` on another, compares the two, each read whole from
/// its file: both curves, a row each, and every setting that differs with each run's
/// value, nothing else.
#[test]
fn two_sessions_show_side_by_side() {
    use aen::tui::app::Browser;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("session.json");
    std::fs::copy("tests/fixtures/session.json", &path).unwrap();
    let mut short = aen_engine::snapshot::load(&path).unwrap();
    short.history.models.truncate(12);
    short.settings.search.episode_len = 7;
    let short_path = dir.path().join("short.json");
    aen_engine::snapshot::save(&short, &short_path).unwrap();
    let mut app = setup_app();
    app.overlay = Some(Overlay::Sessions(Browser {
        loading: false,
        running: None,
        confirm_open: false,
        entries: [&path, &short_path]
            .map(|p| (p.clone(), Ok(aen_engine::snapshot::summary(p).unwrap())))
            .into(),
        selected: 0,
        dir: Some("/sessions".into()),
        confirm_delete: false,
        note: None,
        ..Default::default()
    }));
    let key =
        |app: &mut App, c: char| app.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    key(&mut app, 'c');
    assert!(render(&app, (120, 40)).contains("marked: select another session"));
    key(&mut app, 'j');
    key(&mut app, 'c');
    assert!(matches!(&app.overlay, Some(Overlay::Compare(runs)) if runs.len() == 2));
    let screen = render(&app, (120, 40));
    for want in [
        "2 runs compared",
        "session.json",
        "short.json",
        "best state",
        "mean of 20",
        // Every setting that differs, each run's value; nothing else.
        "settings that differ",
        "search.episode_len",
    ] {
        assert!(screen.contains(want), "{want}: {screen}");
    }
    let row = |text: &str| {
        screen
            .lines()
            .find(|l| l.contains(text))
            .unwrap()
            .to_string()
    };
    let cells = |line: String| {
        line.split_whitespace()
            .map(String::from)
            .collect::<Vec<_>>()
    };
    assert!(
        cells(row("search.episode_len"))
            .windows(2)
            .any(|w| w == ["10", "7"]),
        "{screen}"
    );
    assert!(
        cells(row("short.json  ")).contains(&"12".to_string()),
        "{screen}"
    );
    assert!(
        cells(row("session.json  ")).contains(&"30".to_string()),
        "{screen}"
    );
    assert!(!screen.contains("search.gamma"), "{screen}");
    // Any key closes it, back to the browser it was opened from.
    key(&mut app, 'q');
    assert!(
        matches!(app.overlay, Some(Overlay::Sessions(_))),
        "any key closes"
    );
}

/// A final evaluation kept in a session shows when it is opened, and `e` asks before
/// retraining it.
#[test]
fn a_kept_final_evaluation_shows_when_opened_and_retraining_asks_first() {
    use aen::tui::app::EvalState;
    let path = std::path::PathBuf::from("tests/fixtures/session.json");
    let mut snap = aen_engine::snapshot::load(&path).unwrap();
    let row: aen_engine::experiments::EvalRow = serde_json::from_value(serde_json::json!({
        "kind": "single", "groups": "rot90", "search_val_acc": null, "val_acc": 50.0,
        "test_acc": 49.0, "params": 100, "seconds": 1.0
    }))
    .unwrap();
    snap.add_evaluation(aen_engine::snapshot::Evaluation {
        settings: snap.settings.final_eval.clone(),
        models: snap.history.models.len(),
        saved_at: "yesterday".into(),
        note: None,
        sizes: snap.settings.final_sizes(),
        rows: vec![row],
    });
    let mut app = setup_app();
    app.open_read_only(snap.clone(), path);
    assert!(matches!(&app.dash.eval, Some(EvalState::Done(r)) if r.len() == 1));
    assert!(
        app.dash
            .log
            .iter()
            .any(|l| l.contains("final evaluation kept in the session"))
    );
    app.dash.status = RunStatus::Finished(aen_engine::search::FinishReason::MaxModels);
    app.dash.snapshot = Some(snap);
    app.start_eval();
    assert!(
        matches!(&app.dash.eval, Some(EvalState::Done(_))),
        "retrained at once"
    );
    assert!(
        app.dash
            .log
            .iter()
            .any(|l| l.contains("press e again to retrain"))
    );
}

/// The final evaluation is reported by the engine's verdict, chosen by validation: the
/// log never names a network for its test accuracy.
#[test]
fn the_final_evaluation_log_names_the_networks_chosen_by_validation() {
    use aen::tui::app::{EvalState, UiEvent};
    let row = |kind: &str, groups: &str, val: f64, test: f64| -> aen_engine::experiments::EvalRow {
        serde_json::from_value(serde_json::json!({
            "kind": kind, "groups": groups, "search_val_acc": null, "val_acc": val,
            "test_acc": test, "params": 100, "seconds": 1.0
        }))
        .unwrap()
    };
    let rows = vec![
        row("searched #1", "rot90,hflip", 90.0, 80.0),
        row("single", "vflip", 85.0, 88.0),
        row("single", "sc2", 87.0, 70.0),
    ];
    let mut app = dashboard_app();
    app.on_event(UiEvent::Eval(EvalState::Done(rows)));
    let line = app.dash.log.back().unwrap().clone();
    assert!(
        line.contains("best single sc2") && line.contains("chosen by validation"),
        "{line}"
    );
    assert!(!line.contains("vflip"), "{line}");
}

/// Settings under which the DQN cannot learn are named on the set-up screen, without
/// blocking the search.
#[test]
fn settings_the_dqn_cannot_learn_under_are_warned_of_on_the_set_up_screen() {
    let mut app = setup_app();
    assert!(!render(&app, (160, 48)).contains("warning:"));
    app.settings.search.max_models = 40;
    app.settings.search.episode_len = 60;
    let screen = render(&app, (160, 48));
    for says in [
        "warning: search.max_models 40",
        "warning: search.epsilon_schedule",
        "warning: search.episode_len 60",
    ] {
        assert!(screen.contains(says), "{says}: {screen}");
    }
}

/// The session a search is writing shows as running, and opening another asks first.
#[test]
fn the_running_session_shows_as_running_and_opening_another_asks_first() {
    use aen::tui::app::Browser;
    let path = std::path::PathBuf::from("tests/fixtures/session.json");
    let mut app = setup_app();
    app.overlay = Some(Overlay::Sessions(Browser {
        loading: false,
        running: Some("tests/fixtures/running.json".into()),
        confirm_open: false,
        entries: vec![
            (
                path.clone(),
                Ok(aen_engine::snapshot::summary(&path).unwrap()),
            ),
            (
                "tests/fixtures/running.json".into(),
                Ok(aen_engine::snapshot::summary(&path).unwrap()),
            ),
        ],
        selected: 0,
        dir: Some("/sessions".into()),
        confirm_delete: false,
        note: None,
        ..Default::default()
    }));
    let screen = render(&app, (160, 48));
    assert!(screen.contains("running"), "{screen}");
    app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    let Some(Overlay::Sessions(b)) = &app.overlay else {
        panic!("the browser closed without asking");
    };
    assert!(
        b.note
            .as_deref()
            .unwrap_or("")
            .contains("press Enter (or v) again")
    );
    // Any other key keeps the search.
    app.on_key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE));
    let Some(Overlay::Sessions(b)) = &app.overlay else {
        panic!("closed");
    };
    assert!(!b.confirm_open);
}

/// Q-value bars start at zero: a negative value's bar lies left of a positive one's,
/// so -0.023 and +0.021 no longer look alike.
#[test]
fn q_value_bars_are_drawn_from_zero() {
    let mut app = dashboard_app();
    let mut step = app.dash.run.last_step.clone().unwrap();
    step.q_values = vec![0.0; 12];
    step.q_values[0] = -0.023;
    step.q_values[1] = 0.021;
    step.action = 5;
    app.dash.run.last_step = Some(step);
    app.dash.focus = Pane::QValues;
    app.dash.zoom = true;
    let screen = render(&app, (120, 40));
    let bar_at = |name: &str| {
        let line = screen
            .lines()
            .find(|l| l.contains(&format!(" {name} ")))
            .unwrap();
        let chars: Vec<char> = line.chars().collect();
        let first = chars.iter().position(|&c| c == '█').unwrap();
        let last = chars.iter().rposition(|&c| c == '█').unwrap();
        (first, last)
    };
    let (neg, pos) = (bar_at("rot90"), bar_at("hflip"));
    assert!(
        neg.1 < pos.0,
        "negative {neg:?} should end left of positive {pos:?}:\n{screen}"
    );
}

/// Before the first episode ends the rewards pane says so, not empty axes.
#[test]
fn the_rewards_pane_says_when_no_episode_has_finished() {
    let mut app = dashboard_app();
    app.dash.run.history.episodes.clear();
    app.dash.focus = Pane::Rewards;
    app.dash.zoom = true;
    assert!(render(&app, (120, 40)).contains("no episode finished yet"));
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

/// The set-up screen shows the sizes of the data set on screen, and its last choices
/// come back at the next launch where nothing chose others.
#[test]
fn the_set_up_screen_shows_sizes_and_remembers_its_choices() {
    let app = setup_app();
    let screen = render(&app, (160, 48));
    assert!(screen.contains("10,000 images, one pool"), "{screen}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tui-choices.json");
    let mut chosen = settings();
    chosen.data.dataset = DatasetKind::FashionMnist;
    chosen.data.groups = GroupSet::preset(3).unwrap();
    aen::tui::remembered::save(&chosen, &path);
    // Defaults are filled in from the file...
    let back = aen::tui::remembered::apply(Settings::default(), &path);
    assert_eq!(back.data.dataset, DatasetKind::FashionMnist);
    assert_eq!(back.data.groups, GroupSet::preset(3).unwrap());
    assert_eq!(back.data.source, "embedded");
    // ...but a choice made for this launch (config or flag) wins.
    let mut flagged = Settings::default();
    flagged.data.groups = GroupSet::preset(1).unwrap();
    let back = aen::tui::remembered::apply(flagged, &path);
    assert_eq!(back.data.groups, GroupSet::preset(1).unwrap());
    assert_eq!(back.data.dataset, DatasetKind::FashionMnist);
    // A broken file changes nothing.
    std::fs::write(&path, "junk").unwrap();
    let back = aen::tui::remembered::apply(Settings::default(), &path);
    assert_eq!(back.data.dataset, Settings::default().data.dataset);
}

/// `w` after the search has ended saves a copy, which names the session it copies and
/// shows as a copy in the browser.
#[test]
fn w_after_the_end_saves_a_copy_that_names_its_session() {
    use aen::tui::app::{Browser, Prompt};
    let dir = tempfile::tempdir().unwrap();
    let from = dir.path().join("run.json");
    std::fs::copy("tests/fixtures/session.json", &from).unwrap();
    let snap = aen_engine::snapshot::load(&from).unwrap();
    let mut app = dashboard_app();
    app.dash.status = RunStatus::Finished(aen_engine::search::FinishReason::MaxModels);
    app.dash.snapshot = Some(snap);
    app.dash.snapshot_path = Some(from.clone());
    app.on_key(KeyEvent::new(KeyCode::Char('w'), KeyModifiers::NONE));
    assert!(matches!(&app.overlay, Some(Overlay::Prompt(p)) if p.kind == Prompt::SaveName));
    // Enter would save into the user's sessions folder: the copy is made here through
    // the call the prompt makes.
    let to = dir.path().join("copy.json");
    let copy = aen_engine::snapshot::checkpoint_of(app.dash.snapshot.as_ref().unwrap(), &from);
    aen_engine::snapshot::save_new(&copy, &to).unwrap();
    let back = aen_engine::snapshot::summary(&to).unwrap();
    assert!(back.checkpoint);
    assert_eq!(back.copy_of.as_deref(), Some("run.json"));
    app.overlay = Some(Overlay::Sessions(Browser {
        loading: false,
        running: None,
        confirm_open: false,
        entries: vec![(to.clone(), Ok(back))],
        selected: 0,
        dir: Some(dir.path().to_path_buf()),
        confirm_delete: false,
        note: None,
        ..Default::default()
    }));
    let screen = render(&app, (160, 48));
    assert!(
        screen.contains("copy ") && screen.contains("a copy of run.json"),
        "{screen}"
    );
}

/// The accuracy chart shows the mean of each epsilon's models, as the exported
/// accuracy.png does.
#[test]
fn the_accuracy_chart_shows_the_mean_per_epsilon() {
    let mut app = dashboard_app();
    app.dash.focus = Pane::Accuracy;
    app.dash.zoom = true;
    let screen = render(&app, (120, 40));
    assert!(screen.contains("mean per ε"), "{screen}");
    let bands = aen_engine::report::per_epsilon(&app.dash.run.history.models);
    assert!(!bands.is_empty());
}

#[test]
fn a_data_dir_of_your_own_files_is_offered_with_its_class_names() {
    let dir = tempfile::tempdir().unwrap();
    // A colour image folder: red squares are "apple", blue ones "sky".
    for (class, rgb) in [("apple", [200u8, 20, 20]), ("sky", [20, 20, 200])] {
        for split in ["train", "test"] {
            let d = dir.path().join(split).join(class);
            std::fs::create_dir_all(&d).unwrap();
            for k in 0..3u8 {
                let px = image::Rgb([rgb[0], rgb[1] + k, rgb[2]]);
                image::RgbImage::from_pixel(8, 8, px)
                    .save(d.join(format!("{k}.png")))
                    .unwrap();
            }
        }
    }
    let mut s = settings();
    s.data.dataset = DatasetKind::Files;
    s.data.source = "auto".into();
    s.data.data_dir = Some(dir.path().to_path_buf());
    s.data.groups = aen_core::groups::GroupSet::parse("hflip").unwrap();
    let mut app = App::new(s, Theme { color: false }, None);
    let (kind, src) = app.selected_source();
    assert_eq!((kind, src.kind), (DatasetKind::Files, SourceKind::DataDir));
    let base = data::open(DatasetKind::Files, Some(dir.path()), None).unwrap();
    let samples =
        aen_core::gdata::preview_samples(&base, app.settings.data.groups, 4, 1, 2).unwrap();
    assert_eq!(samples[0].original.len(), 8 * 8 * 3);
    app.on_preview(PreviewResult {
        id: app.setup.preview_id,
        kind: DatasetKind::Files,
        side: 8,
        classes: base.classes.clone(),
        samples: Ok(samples),
        counts: Some((6, Some(6))),
    });
    let screen = render(&app, (120, 32));
    assert!(screen.contains("your files"), "{screen}");
    assert!(
        screen.contains("apple") || screen.contains("sky"),
        "{screen}"
    );
    assert!(screen.contains("8x8 colour · 2 classes"), "{screen}");
    // Half-blocks keep a colour image's colour, or draw it in greys.
    let img: Vec<u8> = [[255, 0, 0, 0], [0, 255, 0, 0], [0, 0, 255, 0]].concat();
    let cells = aen::render::halfblock_cells(&img, 2, true);
    assert_eq!(
        cells[0],
        [([255, 0, 0], [0, 0, 255]), ([0, 255, 0], [0, 0, 0])]
    );
    let grey = aen::render::halfblock_cells(&img, 2, false);
    assert_eq!(grey[0], [([76; 3], [29; 3]), ([149; 3], [0; 3])]);
}
