//! The researcher's walk from watching a search to deciding with it: forms that show
//! whole messages and defaults, numbers that never look cut, the finished and
//! read-only dashboards, help that scrolls, and charts whose labels differ.

use super::{dashboard_app, render, setup_app};
use aen::tui::app::{App, Overlay, PANES, Pane, RunStatus, Screen, SetupFocus};
use aen::tui::keys::{self, Action, Mode};
use aen::tui::widgets::wrap_words;
use aen_core::data::DatasetKind;
use aen_engine::search::{Event, FinishReason, SettingChange};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::time::{Duration, Instant};

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

#[test]
fn the_log_wraps_long_lines_follows_scrolls_and_filters() {
    let mut app = dashboard_app();
    let long = "x".repeat(50) + " the end of a long line " + &"y".repeat(60);
    app.dash.push_log(long.clone());
    while app.dash.focus != Pane::Log {
        app.update(Action::FocusNext);
    }
    // Wrapped, not cut: the end of the line shows, zoomed or not.
    let screen = render(&app, (80, 24));
    assert!(
        screen.contains("yyyyy") && screen.contains("Log (following"),
        "{screen}"
    );
    app.update(Action::Zoom);
    let screen = render(&app, (80, 24));
    assert!(screen.contains("the end of a long line"), "{screen}");
    // Scrolled back, the title says so; End follows again.
    app.update(Action::PageUp);
    assert!(render(&app, (80, 24)).contains("newer below · End follows"));
    app.update(Action::Newest);
    assert!(render(&app, (80, 24)).contains("Log (following"));
    app.update(Action::Oldest);
    assert_eq!(app.dash.log_offset, app.dash.log.len() - 1);
    // `/` keeps only the lines holding a text.
    app.update(Action::Filter);
    for c in "end of a".chars() {
        app.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
    app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    assert_eq!(app.dash.log_filter.as_deref(), Some("end of a"));
    let screen = render(&app, (80, 24));
    assert!(screen.contains("lines with \"end of a\""), "{screen}");
    assert!(!screen.contains("model 1 "), "{screen}");
}

#[test]
fn the_eta_follows_the_recent_models() {
    let mut app = dashboard_app();
    let d = &mut app.dash;
    d.run.settings.search.max_models = 40;
    d.model_arrivals.clear();
    // Without arrivals seen: the training seconds of the last 20 models.
    let recent = &d.run.history.models[10..];
    let mean = recent.iter().map(|m| m.seconds).sum::<f64>() / 20.0;
    let eta = d.eta().unwrap().as_secs_f64();
    assert!((eta - mean * 10.0).abs() < 1e-6, "{eta} vs {}", mean * 10.0);
    // With arrivals: wall time per model, 2 s apart.
    let t0 = Instant::now();
    for k in 0..3 {
        d.note_model_arrival(t0 + Duration::from_secs(2 * k));
    }
    assert_eq!(d.eta(), Some(Duration::from_secs(20)));
}

#[test]
fn axis_labels_differ_even_for_a_flat_series() {
    use aen::tui::charts::{axis_labels, bounds, label};
    let text = |b: [f64; 2], digits| -> Vec<String> {
        axis_labels(b, 80, |v| label(v, digits))
            .into_iter()
            .map(|s| s.content.to_string())
            .collect()
    };
    let flat = text(bounds([-2.2e8].into_iter()), 0);
    assert!(flat.windows(2).all(|w| w[0] != w[1]), "{flat:?}");
    assert_eq!(text([0.0, 1.0], 0), ["0", "1"]);
    assert_eq!(text([0.0, 4.0], 0), ["0", "2", "4"]);
}

#[test]
fn fashion_previews_name_their_classes() {
    let mut app = setup_app();
    let mut p = app.setup.preview.clone().unwrap();
    p.kind = DatasetKind::FashionMnist;
    let first = p.samples.as_ref().unwrap()[0].clone();
    app.setup.preview = Some(p);
    let name = DatasetKind::FashionMnist.class_name(first.label);
    assert!(!name.chars().all(|c| c.is_ascii_digit()));
    // Each sample names the transformation drawn for it, where there is room.
    let screen = render(&app, (200, 60));
    let caption = format!("{name}: original → {}", first.transform);
    assert!(screen.contains(&caption), "{caption}\n{screen}");
    assert!(render(&app, (80, 24)).contains(&format!("{name}: ")));
}

/// The drawn element is named as it applies: the powers of the data's groups in order,
/// "identity" where every power drawn is 0; and naming it changes no image.
#[test]
fn a_preview_sample_names_the_element_drawn_for_it() {
    let base = aen_core::data::open(
        DatasetKind::Mnist,
        None,
        Some(aen_core::data::SourceKind::Embedded),
    )
    .unwrap();
    let g = aen_core::groups::GroupSet::parse("rot90,hflip").unwrap();
    let samples = aen_core::gdata::preview_samples(&base, g, 4, 7, 40).unwrap();
    let names: std::collections::BTreeSet<&str> =
        samples.iter().map(|s| s.transform.as_str()).collect();
    let allowed = [
        "identity",
        "rot90",
        "rot90^2",
        "rot90^3",
        "hflip",
        "rot90, then hflip",
        "rot90^2, then hflip",
        "rot90^3, then hflip",
    ];
    assert!(names.iter().all(|n| allowed.contains(n)), "{names:?}");
    assert!(names.len() >= 4, "40 draws of 8 elements: {names:?}");
    for s in &samples {
        let side = 28;
        let px = |img: &[u8], r: usize, c: usize| img[r * side + c];
        let (o, t) = (&s.original, &s.transformed);
        match s.transform.as_str() {
            "identity" => assert_eq!(o, t),
            // A horizontal flip alone mirrors each row.
            "hflip" => {
                assert!((0..side).all(|r| (0..side).all(|c| px(o, r, c) == px(t, r, side - 1 - c))))
            }
            _ => {}
        }
    }
}

/// While paused the status bar tells the truth: trainers are paused, not busy; a pause
/// counts in no pace and leaves no gap in the ETA; an epsilon changed now shows beside
/// the one in force.
#[test]
fn the_status_bar_is_true_while_paused() {
    let mut app = dashboard_app();
    let t0 = Instant::now();
    let d = &mut app.dash;
    d.status = RunStatus::Running;
    d.run.settings.search.max_models = 40;
    d.model_arrivals.clear();
    for k in 0..3 {
        d.note_model_arrival(t0 + Duration::from_secs(2 * k));
    }
    let eta = d.eta().unwrap();
    assert_eq!(eta, Duration::from_secs(20));
    d.status = RunStatus::Paused;
    d.set_paused(true, t0 + Duration::from_secs(4));
    assert!(aen::tui::dashboard::trainers_text(d).contains("trainers paused"));
    // Ten minutes paused, then going on: the ETA is what it was.
    d.set_paused(false, t0 + Duration::from_secs(604));
    d.status = RunStatus::Running;
    d.note_model_arrival(t0 + Duration::from_secs(606));
    assert_eq!(d.eta().unwrap(), eta);
    assert_eq!(d.paused_for, Duration::from_secs(600));
    // A fixed epsilon set now: the bar shows the one in force and the next.
    d.run.settings.search.fixed_epsilon = Some(0.2);
    let (_, rest, _) = aen::tui::dashboard::status_text(d);
    assert!(rest.contains("→ 0.20 next step"), "{rest}");
}

/// A choice setting cycles with ←/→ on the set-up form, a changed value is marked, and
/// `d` puts it back to its default.
#[test]
fn choices_cycle_changed_values_are_marked_and_d_resets() {
    let mut app = setup_app();
    app.setup.focus = SetupFocus::Settings;
    let at = app
        .setup
        .form
        .fields
        .iter()
        .position(|f| f.spec.key == "search.strategy")
        .expect("the strategy is on the set-up form");
    app.setup.form.selected = at;
    key(&mut app, KeyCode::Right);
    assert_eq!(app.settings.search.strategy.name(), "random");
    let screen = render(&app, (160, 48));
    assert!(
        screen.contains("search.strategy         •random"),
        "{screen}"
    );
    key(&mut app, KeyCode::Left);
    key(&mut app, KeyCode::Left);
    assert_eq!(app.settings.search.strategy.name(), "evolution");
    key(&mut app, KeyCode::Char('d'));
    assert_eq!(app.settings.search.strategy.name(), "dqn");
    assert!(render(&app, (160, 48)).contains("search.strategy          dqn"));
}

/// The hint bar never cuts a hint: at 80 columns the navigation keys give way first,
/// and `g` (ground truth) and `?` stay on the dashboard.
#[test]
fn the_hint_bar_shows_whole_hints_only() {
    for mode in [Mode::Setup, Mode::Dashboard, Mode::Finished] {
        for cols in [80usize, 120, 200] {
            let (hints, gap) = aen::tui::widgets::fitting_hints(mode, cols);
            let used: usize = (hints.iter())
                .map(|(k, w)| k.chars().count() + w.chars().count() + 1 + gap.len())
                .sum();
            assert!(used <= cols, "{mode:?} at {cols}: {used}");
            assert!(hints.iter().any(|(k, _)| *k == "?"), "{mode:?} at {cols}");
        }
    }
    let (hints, _) = aen::tui::widgets::fitting_hints(Mode::Dashboard, 80);
    assert!(hints.iter().any(|(k, _)| *k == "g"), "{hints:?}");
}
