//! The dashboard follows the strategy of its run: each strategy's search on the
//! committed ground-truth table (so every accuracy, and so every screen, is the same on
//! any machine) fed event by event into the TUI, drawn at three sizes; the live form
//! offers the settings the strategy reads; the DQN's own learning is shown; the models
//! table filters by groups and keeps its best rows in view.

use super::{render, setup_app};
use aen::tui::app::{App, LiveForm, Overlay, Pane, Screen};
use aen::tui::form::{Form, live_specs};
use aen::tui::keys::Action;
use aen_core::groups::GroupSet;
use aen_engine::search::Event;
use aen_engine::settings::{Equivalence, Settings, StrategyKind};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::path::PathBuf;
use std::time::Duration;

const SIZES: [(u16, u16); 3] = [(80, 24), (120, 40), (200, 60)];

/// The settings of the committed table (bench/results/sweep-mnist-p2.csv), looked up
/// instead of trained.
fn table_settings(kind: StrategyKind) -> Settings {
    let mut s = Settings::default();
    s.data.source = "embedded".into();
    s.data.groups = GroupSet::preset(2).unwrap();
    s.data.normalize = aen_core::gdata::Normalize::None;
    s.search.table = Some(PathBuf::from("bench/results/sweep-mnist-p2.csv"));
    s.search.equivalence = Equivalence::None;
    s.search.strategy = kind;
    s.search.max_models = 40;
    s.search.episode_len = 10;
    s.search.q_batch = 16;
    s.search.fixed_epsilon = Some(0.5);
    s.search.population = 8;
    s.search.tournament = 3;
    s
}

/// The whole run's events, as the worker sent them.
fn run_events(kind: StrategyKind) -> Vec<Event> {
    let dir = tempfile::tempdir().unwrap();
    let h = aen_engine::session::start(table_settings(kind), Some(dir.path().join("s.json")), true)
        .unwrap();
    let mut events = Vec::new();
    loop {
        let e = h.events().recv_timeout(Duration::from_secs(120)).unwrap();
        let done = matches!(e, Event::Finished { .. });
        if let Event::Error(msg) = &e {
            panic!("{msg}");
        }
        events.push(e);
        if done {
            h.join();
            return events;
        }
    }
}

/// A dashboard fed with a finished run of `kind`; paths and the clock left out.
fn strategy_app(kind: StrategyKind) -> App {
    let mut app = setup_app();
    app.screen = Screen::Dashboard;
    for e in run_events(kind) {
        app.on_engine(e);
    }
    app.dash
        .log
        .retain(|l| !l.contains("/tmp") && !l.contains("saved") && !l.contains(" s.json"));
    app
}

#[test]
fn the_dashboard_of_each_strategy() {
    for kind in StrategyKind::ALL {
        let app = strategy_app(kind);
        for size in SIZES {
            let screen = render(&app, size);
            let name = format!("dashboard_{}_{}x{}", kind.name(), size.0, size.1);
            insta::assert_snapshot!(name, screen);
        }
        let screen = render(&app, (200, 60));
        let status = screen.lines().next().unwrap();
        // Episodes and epsilon are the DQN's alone; evolution shows its own settings.
        assert_eq!(
            status.contains("eps "),
            kind == StrategyKind::Dqn,
            "{status}"
        );
        assert_eq!(
            status.contains("population 8 tournament 3"),
            kind == StrategyKind::Evolution,
            "{status}"
        );
        // Only the DQN has episode rewards to show; the others show the best so far.
        assert_eq!(
            screen.contains("Episode rewards"),
            kind == StrategyKind::Dqn,
            "{screen}"
        );
        assert_eq!(
            screen.contains("best validation"),
            kind != StrategyKind::Dqn,
            "{screen}"
        );
        // The models table has room for its further columns at 200 columns.
        assert!(screen.contains("params how"), "{screen}");
    }
}

#[test]
fn the_live_form_offers_the_settings_the_strategy_reads() {
    let keys = |kind: StrategyKind| -> Vec<&'static str> {
        live_specs(kind).iter().map(|s| s.key).collect()
    };
    let dqn = keys(StrategyKind::Dqn);
    let evolution = keys(StrategyKind::Evolution);
    for k in ["search.q_lr", "search.gamma", "search.fixed_epsilon"] {
        assert!(dqn.contains(&k) && !evolution.contains(&k), "{k}");
    }
    for k in ["search.population", "search.tournament"] {
        assert!(evolution.contains(&k) && !dqn.contains(&k), "{k}");
    }
    // Random and local search read neither's own settings.
    let random = keys(StrategyKind::Random);
    assert!(random.contains(&"search.max_models") && !random.contains(&"search.q_lr"));
    // The form a person opens on an evolution run shows them.
    let mut app = strategy_app(StrategyKind::Evolution);
    let draft = app.dash.run.settings.clone();
    app.overlay = Some(Overlay::Form(Box::new(LiveForm {
        form: Form::new(live_specs(draft.search.strategy), &draft, true),
        draft,
    })));
    let screen = render(&app, (120, 40));
    assert!(screen.contains("search.population") && !screen.contains("search.q_lr"));
}

#[test]
fn the_dqn_records_its_q_loss_and_the_analysis_shows_it_with_the_replay_memory() {
    let events = run_events(StrategyKind::Dqn);
    let steps: Vec<_> = (events.iter())
        .filter_map(|e| match e {
            Event::Step(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    // The Q-network learns once the memory holds a batch (16 transitions), after each
    // step from then on.
    for s in &steps {
        assert_eq!(s.q_loss.is_some(), s.step + 1 >= 16, "step {}", s.step);
        assert!(s.q_loss.is_none_or(|l| l.is_finite() && l >= 0.0));
    }
    // The other strategies have none.
    let evo = run_events(StrategyKind::Evolution);
    assert!(
        evo.iter()
            .all(|e| !matches!(e, Event::Step(s) if s.q_loss.is_some()))
    );

    let mut app = strategy_app(StrategyKind::Dqn);
    app.update(Action::Analysis);
    insta::assert_snapshot!("analysis_dqn_120x40", render(&app, (120, 40)));
    let screen = render(&app, (160, 48));
    let n = steps.len();
    assert!(screen.contains("Q-network loss by step"), "{screen}");
    assert!(
        screen.contains(&format!("replay memory {n}/10.0k")),
        "{screen}"
    );
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        app.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
    app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
}

#[test]
fn the_models_table_filters_by_groups_and_keeps_its_best_rows_in_view() {
    let mut app = strategy_app(StrategyKind::Evolution);
    let all = app.dash.run.history.models.len();
    app.dash.focus = Pane::Best;
    app.update(Action::Filter);
    type_text(&mut app, "rot90 sc4");
    let g = GroupSet::parse("rot90,sc4").unwrap();
    let shown = app.dash.sorted_models();
    assert!(!shown.is_empty() && shown.len() < all);
    assert!(shown.iter().all(|m| m.state.bits() & g.bits() == g.bits()));
    let screen = render(&app, (120, 40));
    assert!(
        screen.contains(&format!("Models with rot90,sc4: {}", shown.len())),
        "{screen}"
    );
    // A name that is no group is refused with the reason; the filter stays.
    app.update(Action::Filter);
    type_text(&mut app, "rot91");
    assert!(matches!(&app.overlay, Some(Overlay::Error(e)) if e.contains("rot91")));
    assert_eq!(app.dash.model_filter, Some(g));
    app.overlay = None;
    // Empty lists every model again.
    app.update(Action::Filter);
    app.on_key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE));
    let p = match &mut app.overlay {
        Some(Overlay::Prompt(p)) => p,
        _ => panic!("the filter prompt"),
    };
    p.text.clear();
    app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    assert_eq!(app.dash.model_filter, None);
    assert_eq!(app.dash.sorted_models().len(), all);

    // Moving the selection down the rows on screen scrolls nothing: the best stays.
    let best = aen_engine::experiments::set_label(app.dash.sorted_models()[0].state);
    for _ in 0..5 {
        app.update(Action::Down);
    }
    let screen = render(&app, (200, 60));
    let table: Vec<&str> = (screen.lines()).filter(|l| l.contains("│")).collect();
    assert!(
        table.iter().any(|l| l.contains(&format!("┃{best} "))),
        "{screen}"
    );
    // End selects the last row, which scrolls the best away; Home brings it back.
    app.update(Action::Newest);
    assert_eq!(app.dash.table_offset, all - 1);
    assert!(!render(&app, (120, 40)).contains(&format!("┃{best} ")));
    app.update(Action::Oldest);
    assert!(render(&app, (120, 40)).contains(&format!("┃{best} ")));
    // `i` details the selected row.
    app.update(Action::Down);
    app.update(Action::Details);
    let second = app.dash.sorted_models()[1].index;
    assert!(matches!(&app.overlay, Some(Overlay::Model(m)) if m.record.index == second));
}

/// Where a complete table of the run's settings is at hand, the run's analysis names
/// its regret against the true best at the sizes a researcher uses, not only on the
/// widest screens.
#[test]
fn the_analysis_names_the_regret_where_a_complete_table_exists() {
    let mut app = strategy_app(StrategyKind::Evolution);
    let read =
        aen_engine::sweep::table::read(std::path::Path::new("bench/results/sweep-mnist-p2.csv"))
            .unwrap();
    let truth = aen_engine::compare::GroundTruth::new(&read.table).unwrap();
    app.dash.truth = Some(std::sync::Arc::new(truth));
    app.update(Action::Analysis);
    for size in [(80, 24), (120, 40), (200, 60)] {
        let screen = render(&app, size);
        assert!(screen.contains("regret"), "{size:?}: {screen}");
    }
}

/// Ctrl and Alt chords are commands, never characters typed into a field.
#[test]
fn a_ctrl_chord_types_nothing_into_a_field() {
    let mut app = setup_app();
    app.setup.focus = aen::tui::app::SetupFocus::Settings;
    app.update(Action::Edit);
    let before = app.setup.form.editing.clone();
    assert!(before.is_some(), "a field is being edited");
    app.on_key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    app.on_key(KeyEvent::new(KeyCode::Char('w'), KeyModifiers::ALT));
    assert_eq!(app.setup.form.editing, before);
    app.on_key(KeyEvent::new(KeyCode::Char('7'), KeyModifiers::NONE));
    assert!(
        app.setup
            .form
            .editing
            .as_deref()
            .unwrap_or("")
            .contains('7')
    );
}
