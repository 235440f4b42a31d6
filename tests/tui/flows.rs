//! The researcher's walk from watching a search to deciding with it: forms that show
//! whole messages and defaults, numbers that never look cut, the finished and
//! read-only dashboards, and help that scrolls. The panes and bars as the search goes
//! on are in `panes`.

use super::{dashboard_app, render, setup_app};
use aen::tui::app::{App, Overlay, PANES, Pane, RunStatus, Screen, SetupFocus};
use aen::tui::keys::{self, Action, Mode};
use aen::tui::widgets::wrap_words;
use aen_engine::search::{Event, FinishReason, SettingChange};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::time::Duration;

#[path = "flows_panes.rs"]
mod panes;

fn key(app: &mut App, code: KeyCode) {
    app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

/// The set-up screen with `text` confirmed into child.train_size (second field).
fn setup_with_bad_train_size(text: &str) -> App {
    let mut app = setup_app();
    app.update(Action::FocusNext);
    app.update(Action::Down);
    app.update(Action::Edit);
    typed(&mut app, text);
    key(&mut app, KeyCode::Enter);
    app
}

fn the_error(app: &App) -> String {
    app.setup.form.fields[1].error.clone().expect("a bad value")
}

#[test]
fn form_errors_are_read_whole_at_every_size() {
    let app = setup_with_bad_train_size("0");
    let e = the_error(&app);
    assert!(e.contains("allowed: 1 to 60000"), "{e}");
    // The focused form's pane: three fifths of the screen, at most 87 columns.
    for (w, h, left) in [(80, 24, 48), (120, 40, 72), (200, 60, 87)] {
        let screen = render(&app, (w, h));
        // The message wraps under the field at the pane's inner width.
        for row in wrap_words(&format!("✗ {e}"), left - 4) {
            assert!(screen.contains(&row), "{w}x{h} lacks {row:?}:\n{screen}");
        }
    }
    insta::assert_snapshot!("setup_form_error_120x40", render(&app, (120, 40)));
}

#[test]
fn unreadable_values_also_say_what_is_allowed() {
    let app = setup_with_bad_train_size("ab");
    let e = the_error(&app);
    assert!(e.contains("not a whole number; allowed: 1 to 60000"), "{e}");
}

#[test]
fn starting_with_a_bad_value_names_it_even_when_its_pane_is_hidden() {
    let mut app = setup_with_bad_train_size("0");
    app.update(Action::FocusNext); // settings -> data: the form is hidden at 80x24
    assert!(!render(&app, (80, 24)).contains("child.train_size"));
    key(&mut app, KeyCode::Char('s'));
    let Some(Overlay::Error(msg)) = &app.overlay else {
        panic!("no error dialog")
    };
    assert!(msg.contains(&the_error(&app)), "{msg}");
    let screen = render(&app, (80, 24));
    assert!(
        screen.contains("child.train_size") && screen.contains("allowed: 1 to"),
        "{screen}"
    );
    assert_eq!(app.setup.focus, SetupFocus::Settings);
    assert_eq!(app.setup.form.selected, 1, "the bad field is selected");
    assert_eq!(app.screen, Screen::Setup);
}

#[test]
fn editing_replaces_first_then_moves_a_cursor_and_shows_the_default() {
    let mut app = setup_app();
    app.update(Action::FocusNext); // groups -> settings, child.epochs selected
    let screen = render(&app, (120, 40));
    let help = aen_engine::settings::spec("child.epochs").unwrap().help;
    assert!(screen.contains("default 4 · "), "{screen}");
    assert!(screen.contains(&help[..20]), "{screen}");
    app.update(Action::Edit);
    assert!(render(&app, (120, 40)).contains("typing replaces"));
    key(&mut app, KeyCode::Left); // keeps "4", cursor before it
    typed(&mut app, "1");
    key(&mut app, KeyCode::Right);
    typed(&mut app, "2");
    assert_eq!(app.setup.form.editing.as_deref(), Some("142"));
    key(&mut app, KeyCode::Backspace);
    key(&mut app, KeyCode::Home);
    key(&mut app, KeyCode::Delete);
    typed(&mut app, "3");
    assert_eq!(app.setup.form.editing.as_deref(), Some("34"));
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.settings.child.epochs, 34);
    // A fresh edit still replaces the whole value with the first key.
    app.update(Action::Edit);
    typed(&mut app, "5");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.settings.child.epochs, 5);
}

#[test]
fn a_long_value_scrolls_with_the_cursor() {
    let mut app = setup_app();
    app.update(Action::FocusNext);
    let i = app
        .setup
        .form
        .fields
        .iter()
        .position(|f| f.spec.key == "search.epsilon_schedule")
        .unwrap();
    app.setup.form.selected = i;
    app.update(Action::Edit);
    key(&mut app, KeyCode::End);
    let text = app.setup.form.fields[i].text.clone();
    let tail: String = text.chars().skip(text.chars().count() - 12).collect();
    let screen = render(&app, (80, 24));
    assert!(screen.contains(&format!("{tail}▏")), "{screen}");
    assert!(screen.contains('…'), "the cut start is marked: {screen}");
    key(&mut app, KeyCode::Home);
    let head: String = text.chars().take(12).collect();
    let screen = render(&app, (80, 24));
    assert!(screen.contains(&format!("▏{head}")), "{screen}");
}

#[test]
fn the_save_prompt_starts_selected_so_typing_replaces_the_name() {
    let mut app = dashboard_app();
    key(&mut app, KeyCode::Char('w'));
    assert!(render(&app, (80, 24)).contains("typing replaces"));
    typed(&mut app, "mine");
    let Some(Overlay::Prompt(p)) = &app.overlay else {
        panic!("no prompt")
    };
    assert_eq!(p.text, "mine");
}

#[test]
fn the_q_values_say_when_the_network_is_still_warming_up() {
    let mut app = dashboard_app();
    // The recording's last step is 37, under its batch of 128.
    let screen = render(&app, (160, 48));
    assert!(
        screen.contains("Q-values warming up: replay memory 38/128"),
        "{screen}"
    );
    assert!(render(&app, (80, 24)).contains("Q warming up 38/128"));
    app.dash.run.settings.search.q_batch = 16;
    let screen = render(&app, (160, 48));
    assert!(
        !screen.contains("warming") && screen.contains("Q-values of"),
        "{screen}"
    );
    app.dash.run.settings.search.replay_capacity = 8;
    assert!(render(&app, (160, 48)).contains("replay memory 8/16"));
}

#[test]
fn numbers_are_never_cut_into_other_numbers_at_80x24() {
    let app = dashboard_app();
    let screen = render(&app, (80, 24));
    // 478410 parameters: compact, never a cut 4784.
    assert!(
        screen.contains("478k") && !screen.contains("4784"),
        "{screen}"
    );
    // Nine rows for twelve groups: eight shown and the count of the rest.
    assert!(
        screen.contains("+4 more"),
        "the Q-value list says it is cut"
    );
    assert!(
        screen.contains("r90 hfl vfl htr vtr") && screen.contains("sc1 sc2 sc3 sc4 sc5"),
        "{screen}"
    );
    assert!(screen.contains("State  on  off"), "the state legend");
    assert!(
        screen.contains("rot90,sc7  23.0 18.9k"),
        "groups readable: {screen}"
    );
    // The status bar drops the device rather than cut the ETA.
    assert!(screen.contains("ETA 0m00s"), "{screen}");
    // Sorted by test accuracy, the narrow table shows that column.
    let mut app = app;
    app.update(Action::Sort);
    let screen = render(&app, (80, 24));
    assert!(screen.contains("groups     test params"), "{screen}");
}

#[test]
fn tab_follows_the_layout() {
    let mut app = dashboard_app();
    let mut seen = vec![app.dash.focus];
    for _ in 1..PANES.len() {
        app.update(Action::FocusNext);
        seen.push(app.dash.focus);
    }
    use Pane::*;
    assert_eq!(seen, [QValues, Accuracy, Rewards, State, Best, Params, Log]);
}

fn hint_keys(mode: Mode) -> Vec<&'static str> {
    keys::hints(mode).into_iter().map(|(k, _)| k).collect()
}

#[test]
fn hints_follow_the_state_of_the_search() {
    let mut app = dashboard_app();
    assert_eq!(app.mode(), Mode::Dashboard);
    let running = hint_keys(Mode::Dashboard);
    assert!(running.contains(&"Space") && running.contains(&"s") && running.contains(&"t"));
    let snap =
        aen_engine::snapshot::load(std::path::Path::new("tests/fixtures/session.json")).unwrap();
    app.on_engine(Event::Finished {
        reason: FinishReason::MaxModels,
        saved: None,
        snapshot: Box::new(snap),
    });
    assert_eq!(app.mode(), Mode::Finished);
    let done = hint_keys(Mode::Finished);
    for k in ["e", "x", "n", "s"] {
        assert!(done.contains(&k), "{k} in {done:?}");
    }
    // `w` saves a copy of the ended session (in the help, not the full hint bar).
    let w = KeyEvent::new(KeyCode::Char('w'), KeyModifiers::NONE);
    assert_eq!(keys::action_for(Mode::Finished, &w), Some(Action::Save));
    for k in ["Space", "t", "w"] {
        assert!(!done.contains(&k), "{k} in {done:?}");
    }
    let screen = render(&app, (80, 24));
    assert!(
        screen.contains("e evaluate") && screen.contains("n new"),
        "{screen}"
    );
    assert!(
        render(&app, (160, 48)).contains("Episode rewards (search ended)"),
        "{screen}"
    );
    let status = render(&app, (160, 48)).lines().next().unwrap().to_string();
    assert!(
        !status.contains("ETA"),
        "nothing left to wait for: {status}"
    );
    key(&mut app, KeyCode::Char(' '));
    assert!(app.dash.log.back().unwrap().contains("search ended"));
    key(&mut app, KeyCode::Char('n'));
    assert_eq!(app.screen, Screen::Setup);
}

#[test]
fn read_only_shows_the_history_holds_the_clock_and_says_why_space_does_nothing() {
    let path = std::path::PathBuf::from("tests/fixtures/session.json");
    let mut snap = aen_engine::snapshot::load(&path).unwrap();
    let change = SettingChange::new("search.fixed_epsilon", "0.3");
    snap.history.changes.push((12, change.clone()));
    let mut app = setup_app();
    app.open_read_only(snap, path);
    assert_eq!(app.dash.status, RunStatus::ReadOnly);
    assert_eq!(app.mode(), Mode::Finished);
    let log: Vec<&String> = app.dash.log.iter().collect();
    let at = |needle: &str| log.iter().position(|l| l.contains(needle)).unwrap();
    let applied = at(&format!("step 12: applied {}", change.describe()));
    assert!(
        at("model 1:") < applied && applied < at("model 30:"),
        "{log:?}"
    );
    let before = app.dash.elapsed();
    std::thread::sleep(Duration::from_millis(30));
    assert_eq!(app.dash.elapsed(), before, "the clock stands still");
    key(&mut app, KeyCode::Char(' '));
    assert!(app.dash.log.back().unwrap().contains("read-only"));
    let screen = render(&app, (80, 24));
    assert!(!screen.contains("Space pause") && !screen.contains("t tweak"));
    assert!(app.handle.is_none());
}

#[test]
fn help_scrolls_to_its_last_line_on_a_short_screen() {
    let mut app = dashboard_app();
    app.update(Action::Help);
    const SIZE: (u16, u16) = (80, 20);
    let first = render(&app, SIZE);
    assert!(
        !first.contains("Ctrl-C") && first.contains("↑/↓ scroll"),
        "{first}"
    );
    for _ in 0..40 {
        key(&mut app, KeyCode::Down);
        render(&app, SIZE);
    }
    let last = render(&app, SIZE);
    assert!(last.contains("Ctrl-C"), "{last}");
    insta::assert_snapshot!("help_scrolled_80x20", last);
    // Scrolling stopped at the end: as many presses up reach the top again.
    let Some(Overlay::Help(scroll)) = app.overlay else {
        panic!("help closed")
    };
    for _ in 0..scroll {
        key(&mut app, KeyCode::Up);
    }
    assert!(render(&app, SIZE).contains("Keys"));
    key(&mut app, KeyCode::Char('x'));
    assert!(app.overlay.is_none());
}
