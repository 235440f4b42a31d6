//! The ground-truth view as a bench: a cursor over the map whose cell the text beside
//! it describes (state, class, accuracy, rank), drawn at every scale with and without
//! colour, kept through resizes; PgUp/PgDn scroll the text; and no text of the view
//! is cut at 80x24, 120x40 or 200x60.

use super::truth::{best, key, pump, write_rows};
use super::{render, setup_app};
use aen::render::thousands;
use aen::tui::app::{App, CompareState, TruthView};
use aen::tui::theme::Theme;
use aen::tui::truth::{map_state, map_xy};
use aen_core::groups::GroupSet;
use aen_engine::experiments::set_label;
use crossterm::event::{KeyCode, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::buffer::Buffer;
use ratatui::style::Color;
use ratatui::text::Line;
use ratatui::{Terminal, backend::TestBackend};
use std::path::Path;
use std::sync::mpsc::channel;

const SIZES: [(u16, u16); 3] = [(80, 24), (120, 40), (200, 60)];
const WHITE: Color = Color::Rgb(255, 255, 255);

fn buffer(app: &App, (w, h): (u16, u16)) -> Buffer {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| aen::tui::draw(f, app)).unwrap();
    t.backend().buffer().clone()
}

fn tv(app: &App) -> &TruthView {
    app.truth.as_ref().unwrap()
}

/// The view of a table of `app`'s settings in `dir` (two trainers, whatever the
/// machine), its path made short and fixed for the pictures.
fn open(mut app: App, dir: &Path, keep: impl Fn(GroupSet) -> bool) -> App {
    app.settings.child.jobs = 2;
    app.settings.search.max_models = 30;
    write_rows(dir, &app.settings, keep);
    app.tables = Some(dir.to_path_buf());
    key(&mut app, KeyCode::Char('g'));
    app.truth.as_mut().unwrap().path = "tables/made-by-aen-sweep.csv".into();
    app
}

/// The text right of the map (rows inside the frame), whitespace left out: a word
/// cut by an edge or a wrap shows as missing characters here.
fn text_of(buf: &Buffer, scale: u16) -> String {
    let from = 1 + 64 / scale + 2;
    let area = buf.area;
    (1..area.height - 2)
        .flat_map(|y| (from..area.width - 1).map(move |x| (x, y)))
        .map(|p| buf[p].symbol().to_string())
        .filter(|s| !s.trim().is_empty())
        .collect()
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect()
}

fn assert_whole(buf: &Buffer, scale: u16, wanted: &str) {
    let text = text_of(buf, scale);
    assert!(text.contains(&squash(wanted)), "{wanted:?} in {text}");
}

/// What the text says of state `s` of a complete table: its accuracy, its rank among
/// the 4,096 (ties share the best place) and its class.
fn described(app: &App, s: GroupSet) -> String {
    let tv = tv(app);
    let acc = tv.mean(s.bits() as usize).unwrap();
    let above = (0..4096)
        .filter(|&b| tv.mean(b).is_some_and(|m| m > acc))
        .count();
    let classes = app.settings.classes().unwrap();
    let built = match classes.class_of(s).members.len() {
        1 => "built by no other set".to_string(),
        n => format!("built by {n} sets"),
    };
    format!(
        "{acc:.2}% mean test accuracy (1 of 1 seed) rank #{} of 4,096 network {}, {built}",
        thousands(above + 1),
        set_label(classes.closure(s))
    )
}

#[test]
fn the_cursor_describes_the_state_under_it_and_moves_a_cell_a_key() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = open(setup_app(), dir.path(), |_| true);
    // It starts on the data's groups; the map shows every state at 120x40.
    let start = app.settings.data.groups;
    assert_eq!(tv(&app).cursor, map_xy(start));
    let buf = buffer(&app, (120, 40));
    let head = |s: GroupSet| format!("cursor (←↑↓→): {}", set_label(s));
    assert_whole(
        &buf,
        1,
        &format!("{} {}", head(start), described(&app, start)),
    );
    // To the true best, a state a key (h and k as well as the arrows): each step is
    // one state further, and the text follows it.
    let (bx, by) = map_xy(best());
    let mut step = 0usize;
    while tv(&app).cursor != (bx, by) {
        let (x, y) = tv(&app).cursor;
        let code = match (x > bx, step.is_multiple_of(2)) {
            (true, true) => KeyCode::Left,
            (true, false) => KeyCode::Char('h'),
            (false, true) => KeyCode::Up,
            (false, false) => KeyCode::Char('k'),
        };
        key(&mut app, code);
        let want = if x > bx { (x - 1, y) } else { (x, y - 1) };
        assert_eq!(tv(&app).cursor, want);
        let s = map_state(want.0, want.1);
        let buf = buffer(&app, (120, 40));
        assert_whole(&buf, 1, &format!("{} {}", head(s), described(&app, s)));
        step += 1;
    }
    assert_eq!(step, 36);
    let buf = buffer(&app, (120, 40));
    let classes = app.settings.classes().unwrap();
    let net = set_label(classes.closure(best()));
    assert_whole(
        &buf,
        1,
        &format!(
            "95.00% mean test accuracy (1 of 1 seed) rank #1 of 4,096 network {net}, built by 6 sets"
        ),
    );
    // The arrows move the cursor: the text stays where it was.
    assert_eq!(tv(&app).scroll, 0);
}

#[test]
fn the_cursor_stops_at_the_edges() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = open(setup_app(), dir.path(), |_| true);
    render(&app, (120, 40));
    for _ in 0..70 {
        key(&mut app, KeyCode::Left);
        key(&mut app, KeyCode::Up);
    }
    assert_eq!(tv(&app).cursor, (0, 0));
    let buf = buffer(&app, (120, 40));
    assert_whole(&buf, 1, "cursor (←↑↓→): plain");
    for _ in 0..70 {
        key(&mut app, KeyCode::Char('l'));
        key(&mut app, KeyCode::Char('j'));
    }
    assert_eq!(tv(&app).cursor, (63, 63));
    let buf = buffer(&app, (120, 40));
    assert_whole(
        &buf,
        1,
        &format!("cursor (←↑↓→): {}", set_label(GroupSet::ALL)),
    );
    // Two states a cell side at 80x24: a key moves two, and the edge is the same.
    render(&app, (80, 24));
    key(&mut app, KeyCode::Right);
    key(&mut app, KeyCode::Down);
    assert_eq!(tv(&app).cursor, (63, 63));
    key(&mut app, KeyCode::Left);
    assert_eq!(tv(&app).cursor, (61, 63));
}

/// Where the cursor is drawn at `size`, a map of `k` states a cell side: exactly one
/// cell of the map looks like it (white in colour, a half block without), on the
/// cursor's half, with ▲ and ▶ on the frame at its column and row.
fn assert_drawn(app: &App, size: (u16, u16), k: usize) {
    let buf = buffer(app, size);
    let (x, y) = tv(app).cursor_shown();
    let (col, row, upper) = (
        (x / k) as u16,
        (y / k / 2) as u16,
        (y / k).is_multiple_of(2),
    );
    let rows = (32 / k as u16).min(size.1 - 5);
    let mut marked = Vec::new();
    for r in 0..rows {
        for c in 0..64 / k as u16 {
            let cell = &buf[(2 + c, 2 + r)];
            let half = if app.theme.color {
                (cell.fg == WHITE)
                    .then_some(true)
                    .or((cell.bg == WHITE).then_some(false))
            } else {
                ["▄", "▀"]
                    .iter()
                    .position(|s| cell.symbol() == *s)
                    .map(|i| i == 1)
            };
            if let Some(up) = half {
                marked.push((c, r, up));
            }
        }
    }
    assert_eq!(marked, [(col, row, upper)], "{size:?} at scale {k}");
    assert_eq!(buf[(2 + col, 2 + rows)].symbol(), "▲", "{size:?}");
    assert_eq!(buf[(1, 2 + row)].symbol(), "▶", "{size:?}");
    let what = match k {
        1 => format!("cursor (←↑↓→): {}", set_label(map_state(x, y))),
        k => format!("cursor (←↑↓→): {} states ({k}x{k})", k * k),
    };
    if size.1 >= 11 {
        assert_whole(&buf, k as u16, &what);
    }
}

#[test]
fn the_cursor_is_drawn_at_each_scale_with_and_without_colour() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = open(setup_app(), dir.path(), |_| true);
    let scales = [
        ((200, 60), 1),
        ((120, 40), 1),
        ((80, 24), 2),
        ((80, 16), 4),
        ((60, 11), 8),
    ];
    for (size, k) in scales {
        for color in [false, true] {
            app.theme = Theme { color };
            assert_drawn(&app, size, k);
            // A key moves it a drawn cell, and it is drawn there.
            key(&mut app, KeyCode::Right);
            assert_drawn(&app, size, k);
            key(&mut app, KeyCode::Left);
        }
    }
    // A cell of 4x4 states names how many it holds and the best trained of them.
    render(&app, (80, 16));
    let (x, y) = tv(&app).cursor;
    let (x0, y0) = (x / 4 * 4, y / 4 * 4);
    let block: Vec<GroupSet> = (0..16).map(|i| map_state(x0 + i % 4, y0 + i / 4)).collect();
    let top = (block.iter())
        .map(|s| tv(&app).mean(s.bits() as usize).unwrap())
        .fold(f64::MIN, f64::max);
    let screen = render(&app, (80, 16));
    assert!(screen.contains("16 states (4x4), all trained"), "{screen}");
    assert!(screen.contains("best of them: "), "{screen}");
    assert!(
        screen.contains(&format!("{top:.2}% mean test accuracy")),
        "{screen}"
    );
}

#[test]
fn the_cursor_survives_a_resize_and_the_maps_rescaling() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = open(setup_app(), dir.path(), |_| true);
    render(&app, (120, 40));
    for _ in 0..70 {
        key(&mut app, KeyCode::Right);
        key(&mut app, KeyCode::Down);
    }
    assert_eq!(tv(&app).cursor, (63, 63));
    // Smaller: the cell holding it.
    let screen = render(&app, (80, 24));
    assert!(screen.contains("4 states (2x2), all trained"), "{screen}");
    assert_drawn(&app, (80, 24), 2);
    // So small the map is cut (48 of its 64 rows): the cursor goes to the last row
    // shown, and moves from there.
    assert_drawn(&app, (44, 8), 8);
    assert_eq!(tv(&app).cursor_shown(), (63, 47));
    key(&mut app, KeyCode::Up);
    assert_eq!(tv(&app).cursor, (63, 39));
    // Large again: a state a cell, where it was left.
    assert_drawn(&app, (120, 40), 1);
    assert_eq!(tv(&app).cursor_shown(), (63, 39));
}

#[test]
fn page_keys_scroll_the_text_and_a_click_moves_the_cursor() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = open(setup_app(), dir.path(), |_| true);
    let first = "table tables/made-by-aen-sweep.csv";
    let screen = render(&app, (80, 24));
    assert!(
        screen.contains(first) && screen.contains("↓ PgDn: "),
        "{screen}"
    );
    key(&mut app, KeyCode::PageDown);
    let screen = render(&app, (80, 24));
    assert!(tv(&app).scroll > 0 && !screen.contains(first), "{screen}");
    key(&mut app, KeyCode::End);
    let screen = render(&app, (80, 24));
    assert!(screen.contains("↑ PgUp: "), "{screen}");
    assert!(screen.contains("the cursor: ▶ ▲ on the frame"), "{screen}");
    key(&mut app, KeyCode::Home);
    assert!(render(&app, (80, 24)).contains(first));
    // The wheel scrolls the text too; the cursor stays.
    let at = tv(&app).cursor;
    let mouse = |kind, column, row| MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    };
    app.on_mouse(mouse(MouseEventKind::ScrollDown, 50, 10));
    assert_eq!((tv(&app).scroll, tv(&app).cursor), (3, at));
    // A click on the map, a state a cell at 120x40: the upper state of the two the
    // character holds, the lower on a second click; a click beside the map does
    // nothing to the cursor.
    render(&app, (120, 40));
    let click = mouse(MouseEventKind::Down(MouseButton::Left), 2 + 10, 2 + 5);
    app.on_mouse(click);
    assert_eq!(tv(&app).cursor, (10, 10));
    app.on_mouse(click);
    assert_eq!(tv(&app).cursor, (10, 11));
    app.on_mouse(mouse(MouseEventKind::Down(MouseButton::Left), 100, 5));
    assert_eq!(tv(&app).cursor, (10, 11));
    // The help lists the cursor and page keys.
    key(&mut app, KeyCode::Char('?'));
    let help = render(&app, (120, 40));
    assert!(help.contains("map cursor up a cell"), "{help}");
    assert!(
        help.contains("PgDn") && help.contains("a page down"),
        "{help}"
    );
}

#[test]
fn the_view_at_three_sizes_cuts_no_text() {
    let title = " Ground truth: MNIST, data rot90,hflip,sc4,sc5, 4 epochs on 4,000 images ";
    // A sweep stopped part way: a third of the networks trained, the best among them.
    let dir = tempfile::tempdir().unwrap();
    let best_net =
        aen_engine::settings::network_of(setup_app().settings.classes().as_deref(), best());
    let app = open(setup_app(), dir.path(), |net| {
        net == best_net || net.bits().is_multiple_of(3)
    });
    let rows = tv(&app).rows;
    assert!(rows > 0 && rows < 4096);
    for (w, h) in SIZES {
        let screen = render(&app, (w, h));
        insta::assert_snapshot!(format!("truth_partial_{w}x{h}"), screen);
        let buf = buffer(&app, (w, h));
        let scale = if w == 80 { 2 } else { 1 };
        assert!(screen.lines().next().unwrap().contains(title), "{screen}");
        let pct = (100.0 * rows as f64 / 4096.0).round();
        assert_whole(
            &buf,
            scale,
            &format!("{} of 4,096 rows ({pct}%), 1 seed", thousands(rows)),
        );
        assert_whole(&buf, scale, "cursor (←↑↓→):");
        assert_whole(
            &buf,
            scale,
            &format!(
                "best so far (the table is not complete): 1. 95.00% {} (6 sets)",
                set_label(best())
            ),
        );
        if h > 24 {
            assert_whole(
                &buf,
                scale,
                "across: rot90 hflip vflip htrans vtrans sc1, down: sc2 .. sc7, as binary digits (no group at top left)",
            );
            assert_whole(
                &buf,
                scale,
                "colour by rank: worst, median, best trained so far",
            );
        }
    }
    // The complete table with the strategies compared.
    let dir = tempfile::tempdir().unwrap();
    let mut app = open(setup_app(), dir.path(), |_| true);
    let (tx, rx) = channel();
    app.ui = Some(tx);
    key(&mut app, KeyCode::Char('c'));
    pump(&mut app, &rx, |a| {
        !matches!(tv(a).compare, Some(CompareState::Running { .. }))
    });
    let Some(CompareState::Done(results)) = &tv(&app).compare else {
        panic!("the comparison failed");
    };
    // Without colour, each strategy's line starts with the mark its curve is drawn with.
    let marks = ["⣿⣿", "••", "▀▀", "██"];
    let lines: Vec<String> = (results.iter().enumerate())
        .map(|(k, r)| {
            let (m, lo, hi) = r.regret_at(30);
            format!(
                "{} {:<9} {m:5.2} ({lo:.2} to {hi:.2}) points",
                marks[k],
                r.strategy.name()
            )
        })
        .collect();
    for (w, h) in SIZES {
        let screen = render(&app, (w, h));
        insta::assert_snapshot!(format!("truth_compared_{w}x{h}"), screen);
        let buf = buffer(&app, (w, h));
        let scale = if w == 80 { 2 } else { 1 };
        assert!(screen.lines().next().unwrap().contains(title), "{screen}");
        assert_whole(
            &buf,
            scale,
            "regret after 30 models (true best minus the test accuracy of the state held best), mean and 95% interval over 10 runs:",
        );
        for l in &lines {
            assert_whole(&buf, scale, l);
        }
        if h > 24 {
            assert!(
                screen.contains(" Regret (points) by models trained "),
                "{screen}"
            );
        }
    }
}

#[test]
fn long_titles_are_shortened_by_meaning_and_lists_break_after_commas() {
    // A title too long for 80 columns loses the training budget, then "Ground truth".
    let dir = tempfile::tempdir().unwrap();
    let mut app = setup_app();
    app.settings.data.groups = GroupSet::ALL;
    app.tables = Some(dir.path().to_path_buf());
    key(&mut app, KeyCode::Char('g'));
    let all = set_label(GroupSet::ALL);
    let top = |w| render(&app, (w, 24)).lines().next().unwrap().to_string();
    assert!(top(120).contains(&format!(
        " Ground truth: MNIST, data {all}, 4 epochs on 4,000 images "
    )));
    assert!(top(100).contains(&format!(" Ground truth: MNIST, data {all} ")));
    assert!(
        top(80).contains(&format!(" MNIST, data {all} ")),
        "{}",
        top(80)
    );
    assert!(top(60).contains("…"), "{}", top(60));
    // Wrapping: a list of groups breaks after a comma, a number like 4,096 never.
    let line = Line::raw(format!("network {all}, built by 4,096 sets"));
    let rows: Vec<String> = (aen::tui::widgets::wrap_line(&line, 30).iter())
        .map(|l| l.to_string())
        .collect();
    assert!(rows.iter().all(|r| r.chars().count() <= 30), "{rows:?}");
    assert_eq!(
        squash(&rows.concat()),
        squash(&line.to_string()),
        "{rows:?}"
    );
    assert!(rows.iter().any(|r| r.contains("4,096")), "{rows:?}");
    assert!(rows[0].starts_with("network rot90,hflip,"), "{rows:?}");
}
