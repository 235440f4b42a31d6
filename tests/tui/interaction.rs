//! The set-up screen and dashboard answering keys and clicks: refused form values, group
//! toggles and presets, quitting, error dialogs, a model's details, warnings, Q-value bars,
//! the rewards and accuracy panes, remembered choices and a saved copy.

use super::{click, dashboard_app, find, live_form_with, render, settings, setup_app};
use crate::common;
use aen::tui::app::{App, Overlay, Pane, RunStatus};
use aen::tui::keys::Action;
use aen::tui::preview::PreviewResult;
use aen::tui::theme::Theme;
use aen_core::data::{self, DatasetKind, SourceKind};
use aen_core::groups::GroupSet;
use aen_engine::search::Event;
use aen_engine::settings::Settings;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

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
