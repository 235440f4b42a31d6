//! The ground-truth view: a table found for the settings on screen drawn as a map with
//! its true best, the dashboard naming the true best beside the run's, a sweep
//! started, stopped and continued from the view, and the strategies compared.

use super::{render, setup_app};
use aen::tui::app::{App, CompareState, Overlay, UiEvent};
use aen_core::groups::GroupSet;
use aen_engine::settings::Settings;
use aen_engine::sweep::table::{self, Header, Row, StateSet};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

pub(super) fn key(app: &mut App, code: KeyCode) {
    app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
}

pub(super) fn best() -> GroupSet {
    GroupSet::parse("hflip,sc4").unwrap()
}

/// A complete one-seed table for `s` in `dir`, as a sweep under `s`'s classes writes
/// it (one network per class): hflip,sc4's class at 95 %, the others spread over 40 to
/// 90 %.
pub(super) fn write_table(dir: &Path, s: &Settings) -> PathBuf {
    write_rows(dir, s, |_| true)
}

/// The table of `write_table` with the rows of the classes whose network `keep`
/// takes: a sweep stopped part way.
pub(super) fn write_rows(dir: &Path, s: &Settings, keep: impl Fn(GroupSet) -> bool) -> PathBuf {
    let states = aen_engine::sweep::all_states(None);
    let classes = s.classes();
    let net = |g| aen_engine::settings::network_of(classes.as_deref(), g);
    let rows: Vec<Row> = (states.iter())
        .filter(|&&st| keep(net(st)))
        .map(|&st| {
            let c = net(st);
            let acc = if c == net(best()) {
                95.0
            } else {
                40.0 + ((c.bits() as u64 * 37) % 500) as f64 / 10.0
            };
            Row {
                state: st,
                seed: 0,
                val_acc: acc,
                test_acc: acc,
                params: 1000 + c.bits() as usize,
                seconds: 0.1,
                class: c,
                trained: states.iter().find(|&&m| net(m) == c) == Some(&st),
            }
        })
        .collect();
    let header = Header {
        settings: aen_engine::sweep::table::identity_of(
            s,
            s.data.dataset.name(),
            &s.data.source,
            "0123456789abcdef".into(),
        ),
        seeds: 1,
        states: StateSet::new(&states),
        shard: None,
        version: 2,
    };
    let path = dir.join("made-by-aen-sweep.csv");
    std::fs::write(&path, table::render(&header, &rows)).unwrap();
    path
}

/// Folds the UI channel's events in until `done` holds (or two minutes pass).
pub(super) fn pump(app: &mut App, rx: &Receiver<UiEvent>, done: impl Fn(&App) -> bool) {
    let until = Instant::now() + Duration::from_secs(120);
    while !done(app) {
        assert!(Instant::now() < until, "timed out");
        if let Ok(e) = rx.recv_timeout(Duration::from_millis(200)) {
            app.on_event(e);
        }
    }
}

#[test]
fn a_table_of_these_settings_is_found_and_drawn_as_a_map_with_its_true_best() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = setup_app();
    let path = write_table(dir.path(), &app.settings);
    // A table of other settings beside it is passed over.
    let mut other = app.settings.clone();
    other.child.epochs += 1;
    let odir = tempfile::tempdir().unwrap();
    std::fs::copy(
        write_table(odir.path(), &other),
        dir.path().join("other.csv"),
    )
    .unwrap();
    app.tables = Some(dir.path().to_path_buf());
    key(&mut app, KeyCode::Char('g'));
    assert!(matches!(app.overlay, Some(Overlay::Truth)));
    let tv = app.truth.as_ref().unwrap();
    assert_eq!(tv.path, path);
    assert_eq!(tv.rows, 4096);
    let truth = tv.truth.as_ref().expect("a complete table");
    assert_eq!(truth.rank(best()), Some(1));
    let screen = render(&app, (120, 40));
    assert!(
        screen.contains("4,096 of 4,096 rows (100%), 1 seed"),
        "{screen}"
    );
    assert!(screen.contains(" 1. 95.00% hflip,sc4"), "{screen}");
    assert!(
        screen.contains("the data's groups rot90,hflip,sc4,sc5:"),
        "{screen}"
    );
    // Every state is trained: no cell of the map (32 rows of 64 under its title) is
    // left as not trained (the cursor's, on the data's groups, is a half block), and
    // the true best's cell has the top shade.
    let map: Vec<Vec<char>> = (screen.lines().skip(2).take(32))
        .map(|l| l.chars().skip(3).take(64).collect())
        .collect();
    let (cx, cy) = aen::tui::truth::map_xy(app.settings.data.groups);
    for (row, line) in map.iter().enumerate() {
        for (col, c) in line.iter().enumerate() {
            let shades = if (col, row) == (cx, cy / 2) {
                "▀▄"
            } else {
                "░▒▓█"
            };
            assert!(shades.contains(*c), "{col},{row}: {screen}");
        }
    }
    let (x, y) = aen::tui::truth::map_xy(best());
    assert_eq!(map[y / 2][x], '█', "{screen}");
    let small = render(&app, (80, 24)).replace(dir.path().to_str().unwrap(), "TABLES");
    insta::assert_snapshot!("truth_80x24", small);
    key(&mut app, KeyCode::Esc);
    assert!(app.overlay.is_none());
}

#[test]
fn the_dashboard_names_the_true_best_beside_the_runs() {
    let snap_path = Path::new("tests/fixtures/session.json");
    let snap = aen_engine::snapshot::load(snap_path).unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_table(dir.path(), &snap.settings);
    let mut app = setup_app();
    app.tables = Some(dir.path().to_path_buf());
    app.open_read_only(snap, snap_path.to_path_buf());
    let truth = app.dash.truth.clone().expect("the table was found");
    let run_best = app.dash.run.history.best(1)[0].state;
    let rank = truth.rank(run_best).unwrap();
    let screen = render(&app, (160, 48));
    assert!(
        screen.contains("true best test 95.0% hflip,sc4")
            && screen.contains(&format!(
                "the run's best is #{} of 4,096",
                aen::render::thousands(rank)
            )),
        "{screen}"
    );
    key(&mut app, KeyCode::Char('g'));
    let screen = render(&app, (160, 48));
    let label = aen_engine::experiments::set_label(run_best);
    assert!(
        screen.contains(&format!("this run's best {label}: ")),
        "{screen}"
    );
}

#[test]
fn a_sweep_started_here_fills_the_table_stops_and_continues() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = setup_app();
    {
        let c = &mut app.settings.child;
        (
            c.train_size,
            c.val_size,
            c.test_size,
            c.epochs,
            c.batch,
            c.jobs,
        ) = (40, 20, 20, 1, 20, 2);
    }
    app.tables = Some(dir.path().to_path_buf());
    let (tx, rx) = channel();
    app.ui = Some(tx);
    key(&mut app, KeyCode::Char('g'));
    let screen = render(&app, (120, 40));
    assert!(
        screen.contains("no table for these settings yet"),
        "{screen}"
    );
    // What Enter would cost is said before it starts.
    let networks = aen_core::classes::Classes::of(app.settings.shift())
        .unwrap()
        .len();
    let cost = format!("{networks} networks of 1 epoch on 40 images each");
    assert!(screen.contains(&cost), "{cost}: {screen}");
    key(&mut app, KeyCode::Char('c'));
    assert!(
        app.truth
            .as_ref()
            .unwrap()
            .note
            .as_ref()
            .unwrap()
            .contains("needs every group set")
    );

    let screen = render(&app, (120, 40));
    assert!(screen.contains("nothing trained yet"), "{screen}");
    assert!(!screen.contains("NaN"), "{screen}");
    let mut seen = 0;
    for more in [5, 4] {
        key(&mut app, KeyCode::Enter);
        let footer = render(&app, (120, 40)).lines().last().unwrap().to_string();
        assert!(footer.contains("Enter stop"), "{footer}");
        pump(&mut app, &rx, |a| {
            a.truth.as_ref().unwrap().rows >= seen + more
        });
        key(&mut app, KeyCode::Enter);
        pump(&mut app, &rx, |a| a.truth.as_ref().unwrap().sweep.is_none());
        let tv = app.truth.as_ref().unwrap();
        let note = tv.note.clone().unwrap();
        assert!(
            note.starts_with(&format!("stopped with {} of 4,096 rows", tv.rows)),
            "{note}"
        );
        // What the view shows is what the table holds, row for row.
        let read = table::read(&tv.path).unwrap();
        assert_eq!(read.table.rows.len(), tv.rows);
        for r in &read.table.rows {
            assert_eq!(tv.cells[r.state.bits() as usize], vec![r.test_acc]);
        }
        assert!(tv.rows > seen);
        seen = tv.rows;
        let footer = render(&app, (120, 40)).lines().last().unwrap().to_string();
        assert!(footer.contains("Enter sweep"), "{footer}");
        // Closed and opened again, the view is the same table.
        key(&mut app, KeyCode::Esc);
        key(&mut app, KeyCode::Char('g'));
        assert_eq!(app.truth.as_ref().unwrap().rows, seen);
    }
    let screen = render(&app, (120, 40));
    assert!(
        screen.contains(&format!("{seen} of 4,096 rows")),
        "{screen}"
    );
    assert!(
        screen.contains("best so far (the table is not complete):"),
        "{screen}"
    );
}

#[test]
fn the_strategies_are_compared_on_a_complete_table() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = setup_app();
    app.settings.search.max_models = 30;
    write_table(dir.path(), &app.settings);
    app.tables = Some(dir.path().to_path_buf());
    let (tx, rx) = channel();
    app.ui = Some(tx);
    key(&mut app, KeyCode::Char('g'));
    key(&mut app, KeyCode::Char('c'));
    pump(&mut app, &rx, |a| {
        !matches!(
            a.truth.as_ref().unwrap().compare,
            Some(CompareState::Running { .. })
        )
    });
    let Some(CompareState::Done(results)) = &app.truth.as_ref().unwrap().compare else {
        panic!("the comparison failed");
    };
    assert_eq!(results.len(), 4);
    for r in results {
        assert_eq!(r.curves.len(), aen::tui::truth::COMPARE_REPEATS);
        for c in &r.curves {
            assert_eq!(c.len(), 30);
            assert!(c.iter().all(|v| v.is_finite() && *v >= 0.0));
            // Regret never grows: the state held best only changes for a better one.
            assert!(c.windows(2).all(|w| w[1] <= w[0] + 1e-9), "{c:?}");
        }
    }
    let screen = render(&app, (160, 48));
    assert!(screen.contains("regret after 30 models"), "{screen}");
    for name in ["dqn", "random", "local", "evolution"] {
        assert!(screen.contains(&format!("{name:<9} ")), "{name}: {screen}");
    }
    assert!(
        screen.contains("Regret (points) by models trained"),
        "{screen}"
    );
    // At 80x24 the comparison comes first in the text, before the best states.
    let small = render(&app, (80, 24));
    assert!(small.contains("regret after 30 models"), "{small}");
    assert!(small.contains("dqn "), "{small}");
    // The complete table's keys: no sweep to start; help lists the view's keys and
    // goes back to it; q asks before quitting.
    let footer = small.lines().last().unwrap().to_string();
    assert!(
        footer.contains("c compare") && !footer.contains("Enter"),
        "{footer}"
    );
    key(&mut app, KeyCode::Char('?'));
    let help = render(&app, (80, 24));
    assert!(help.contains("In the ground-truth view"), "{help}");
    assert!(help.contains("compare the search strategies"), "{help}");
    key(&mut app, KeyCode::Esc);
    assert!(matches!(app.overlay, Some(Overlay::Truth)));
    key(&mut app, KeyCode::Char('q'));
    assert!(matches!(app.overlay, Some(Overlay::ConfirmQuit)));
}

#[test]
fn a_table_of_some_group_sets_says_what_it_lacks() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = setup_app();
    let states = aen_engine::sweep::all_states(Some(1));
    let rows: Vec<Row> = (states.iter())
        .map(|&st| Row {
            state: st,
            seed: 0,
            val_acc: 50.0 + st.bits() as f64 / 100.0,
            test_acc: 50.0 + st.bits() as f64 / 100.0,
            params: 1000,
            seconds: 0.1,
            class: aen_engine::settings::network_of(app.settings.classes().as_deref(), st),
            trained: true,
        })
        .collect();
    let header = Header {
        settings: aen_engine::sweep::table::identity_of(
            &app.settings,
            app.settings.data.dataset.name(),
            &app.settings.data.source,
            "0123456789abcdef".into(),
        ),
        seeds: 1,
        states: StateSet::new(&states),
        shard: None,
        version: 2,
    };
    std::fs::write(dir.path().join("t.csv"), table::render(&header, &rows)).unwrap();
    app.tables = Some(dir.path().to_path_buf());
    key(&mut app, KeyCode::Char('g'));
    let screen = render(&app, (200, 60));
    assert!(
        screen.contains("13 of 13 rows (100%) of a table of 13 group sets"),
        "{screen}"
    );
    assert!(
        screen.contains("the table holds 13 of the 4,096 group sets"),
        "{screen}"
    );
    key(&mut app, KeyCode::Char('c'));
    let note = app.truth.as_ref().unwrap().note.clone().unwrap();
    assert!(
        note.contains("a table of all 4,096 group sets; this one was made for 13"),
        "{note}"
    );
}
