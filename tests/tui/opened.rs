//! Sessions opened from the browser: names refused, renamed and deleted, two side by
//! side, a kept final evaluation and its log, and the session that is running.

use super::{click, dashboard_app, find, render, setup_app};
use aen::tui::app::{App, Overlay, RunStatus};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

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
