//! The dashboard's panes and bars as a search goes on: the log wraps, follows and filters,
//! the ETA follows recent models, axis labels differ, previews name their classes and
//! elements, and the status and hint bars stay true and whole.

use super::key;
use super::{dashboard_app, render, setup_app};
use aen::tui::app::{Pane, RunStatus, SetupFocus};
use aen::tui::keys::{Action, Mode};
use aen_core::data::DatasetKind;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::time::{Duration, Instant};

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
