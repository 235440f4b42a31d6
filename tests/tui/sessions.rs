//! The session browser as a researcher's bench: notes and tags kept in the session
//! file, a filter by data set, strategy or tag that every key respects, and several runs
//! compared at once. The index that lists a folder of sessions without reading them is
//! in `index`.

use super::{find, render, setup_app};
use aen::tui::app::{App, Browser, Overlay, Prompt, Reader, UiEvent};
use aen_engine::snapshot::{self, Snapshot};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

#[path = "sessions_index.rs"]
mod index;

fn key(app: &mut App, code: KeyCode) {
    app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

/// Dates a file's modification `secs` seconds back: the index keeps only files that
/// have not changed for a moment, and the browser lists the newest first.
fn age(p: &Path, secs: u64) {
    let f = std::fs::File::options().write(true).open(p).unwrap();
    f.set_modified(SystemTime::now() - Duration::from_secs(secs))
        .unwrap();
}

/// The fixture session changed by `edit`, saved as `name` in `dir`, dated `secs` back.
fn session(dir: &Path, name: &str, secs: u64, edit: impl FnOnce(&mut Snapshot)) -> PathBuf {
    let mut s = snapshot::load(Path::new("tests/fixtures/session.json")).unwrap();
    edit(&mut s);
    let p = dir.join(name);
    snapshot::save(&s, &p).unwrap();
    age(&p, secs);
    p
}

/// The app with the browser open on `dir`, read as the TUI reads it.
fn browsing(dir: &Path) -> App {
    let mut app = setup_app();
    let mut b = Browser {
        dir: Some(dir.to_path_buf()),
        ..Browser::default()
    };
    b.append(snapshot::list(dir), true);
    app.overlay = Some(Overlay::Sessions(b));
    app
}

fn browser(app: &App) -> &Browser {
    match (&app.overlay, &app.behind) {
        (Some(Overlay::Sessions(b)), _) => b,
        (_, Some(b)) => b,
        _ => panic!("the browser is gone"),
    }
}

fn said(app: &App) -> String {
    browser(app).note.clone().unwrap_or_default()
}

/// Selects the row of `name` among the rows shown.
fn select(app: &mut App, name: &str) {
    let Some(Overlay::Sessions(b)) = &mut app.overlay else {
        panic!("no browser")
    };
    let shown = b.visible();
    b.selected = (shown.iter())
        .position(|&i| b.entries[i].0.file_name().unwrap() == name)
        .unwrap_or_else(|| panic!("{name} is not shown"));
}

/// Answers the prompt open now with `text` as it stands, bypassing the keys (a paste
/// can bring what a key cannot).
fn answer(app: &mut App, text: &str) {
    let Some(Overlay::Prompt(p)) = &mut app.overlay else {
        panic!("no prompt")
    };
    p.text = text.into();
    p.fresh = false;
    key(app, KeyCode::Enter);
}

fn shown_names(app: &App) -> Vec<String> {
    let b = browser(app);
    (b.visible().into_iter())
        .map(|i| {
            b.entries[i]
                .0
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

#[test]
fn notes_and_tags_are_edited_in_the_browser_and_kept_in_the_session_file() {
    let dir = tempfile::tempdir().unwrap();
    let a = session(dir.path(), "a.json", 3600, |_| {});
    let b = session(dir.path(), "b.json", 7200, |_| {});
    let before = snapshot::load(&a).unwrap();
    let mtime = std::fs::metadata(&a).unwrap().modified().unwrap();
    let mut app = browsing(dir.path());
    select(&mut app, "a.json");

    key(&mut app, KeyCode::Char('n'));
    assert!(matches!(&app.overlay, Some(Overlay::Prompt(p)) if p.kind == Prompt::Note));
    typed(&mut app, "best p2 run so far");
    key(&mut app, KeyCode::Enter);
    assert_eq!(said(&app), "note saved in a.json");
    key(&mut app, KeyCode::Char('t'));
    typed(&mut app, " ablation, mnist  Ablation,p2 ");
    key(&mut app, KeyCode::Enter);
    assert_eq!(said(&app), "tags saved in a.json");

    // In the file, read whole and as a summary; the rest of the run as it was, and its
    // place in the list (its modification time) too.
    let after = snapshot::load(&a).unwrap();
    assert_eq!(after.note, "best p2 run so far");
    assert_eq!(after.tags, ["ablation", "mnist", "p2"]);
    let json = |v: &Snapshot| serde_json::to_value((&v.history, &v.settings)).unwrap();
    assert_eq!(json(&after), json(&before));
    assert_eq!(after.saved_at, before.saved_at);
    assert_eq!(std::fs::metadata(&a).unwrap().modified().unwrap(), mtime);
    let sum = snapshot::summary(&a).unwrap();
    assert_eq!(
        (sum.note.as_str(), sum.tags.len()),
        ("best p2 run so far", 3)
    );
    let screen = render(&app, (160, 48));
    assert!(
        screen.contains("ablation mnist p2"),
        "tags in the row: {screen}"
    );
    assert!(screen.contains("note: best p2 run so far"), "{screen}");

    // Refused with the reason, the file untouched: control characters, ...
    let bytes = std::fs::read(&a).unwrap();
    key(&mut app, KeyCode::Char('t'));
    answer(&mut app, "keep\tthis");
    assert!(said(&app).contains("tags not saved: tags hold no control characters"));
    key(&mut app, KeyCode::Char('n'));
    answer(&mut app, "two\nlines");
    assert!(said(&app).contains("note not saved: a note is one line"));
    // ... a session another aen holds (a search writing it) ...
    let lock = aen_core::fsio::Lock::take(&a).unwrap();
    key(&mut app, KeyCode::Char('n'));
    answer(&mut app, "mine");
    assert!(
        said(&app).contains("in use by another aen"),
        "{}",
        said(&app)
    );
    drop(lock);
    assert_eq!(std::fs::read(&a).unwrap(), bytes);
    // ... and Esc keeps everything, back in the browser.
    key(&mut app, KeyCode::Char('n'));
    typed(&mut app, "not this");
    key(&mut app, KeyCode::Esc);
    assert!(matches!(app.overlay, Some(Overlay::Sessions(_))));
    assert_eq!(std::fs::read(&a).unwrap(), bytes);

    // Empty clears: the fields are gone from the file, as in a session never noted.
    key(&mut app, KeyCode::Char('n'));
    answer(&mut app, "");
    key(&mut app, KeyCode::Char('t'));
    answer(&mut app, " , ");
    let text = std::fs::read_to_string(&a).unwrap();
    assert!(
        !text.contains("\"note\"") && !text.contains("\"tags\""),
        "{text}"
    );

    // The session a search writes now is refused, saying what to do; no prompt opens.
    if let Some(Overlay::Sessions(br)) = &mut app.overlay {
        br.running = Some(a.clone());
    }
    key(&mut app, KeyCode::Char('n'));
    assert!(matches!(app.overlay, Some(Overlay::Sessions(_))));
    assert!(said(&app).contains("a search is writing this session now"));
    assert!(said(&app).contains("once the search has ended"));

    // A read-only file says so, and stays as it was.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&b, std::fs::Permissions::from_mode(0o444)).unwrap();
        let bytes = std::fs::read(&b).unwrap();
        select(&mut app, "b.json");
        key(&mut app, KeyCode::Char('n'));
        answer(&mut app, "a note");
        assert!(said(&app).contains("b.json is read-only"), "{}", said(&app));
        assert_eq!(std::fs::read(&b).unwrap(), bytes);
    }

    // An unreadable session cannot be noted.
    std::fs::write(dir.path().join("broken.json"), "{").unwrap();
    let mut app = browsing(dir.path());
    select(&mut app, "broken.json");
    key(&mut app, KeyCode::Char('t'));
    assert!(said(&app).contains("cannot annotate an unreadable session"));
}

#[test]
fn the_filter_shows_sessions_by_data_set_strategy_or_tag_and_keys_act_on_the_rows_shown() {
    use aen_engine::settings::StrategyKind;
    let dir = tempfile::tempdir().unwrap();
    let a = session(dir.path(), "a.json", 100, |s| s.tags = vec!["Keep".into()]);
    let b = session(dir.path(), "b.json", 200, |s| {
        s.settings.search.strategy = StrategyKind::Random
    });
    let c = session(dir.path(), "c.json", 300, |s| {
        s.dataset = "Fashion-MNIST".into()
    });
    let mut app = browsing(dir.path());
    assert_eq!(shown_names(&app), ["a.json", "b.json", "c.json"]);

    // By tag, in any case; the title says so and how to clear it.
    key(&mut app, KeyCode::Char('/'));
    typed(&mut app, "KEEP");
    key(&mut app, KeyCode::Enter);
    assert_eq!(shown_names(&app), ["a.json"]);
    let screen = render(&app, (120, 40));
    assert!(
        screen.contains("Sessions holding \"KEEP\": 1 of 3 (Esc clears the filter)"),
        "{screen}"
    );
    // Esc clears it, and a second Esc closes the browser.
    key(&mut app, KeyCode::Esc);
    assert_eq!(shown_names(&app).len(), 3);
    assert!(said(&app).contains("filter cleared"));

    // By strategy: Enter-less open (v) opens the row shown, not the first session.
    key(&mut app, KeyCode::Char('/'));
    typed(&mut app, "random");
    key(&mut app, KeyCode::Enter);
    assert_eq!(shown_names(&app), ["b.json"]);
    key(&mut app, KeyCode::Char('v'));
    assert_eq!(app.dash.snapshot_path.as_deref(), Some(b.as_path()));

    // By data set: a click selects among the rows shown; delete and rename act on them.
    let mut app = browsing(dir.path());
    key(&mut app, KeyCode::Char('/'));
    typed(&mut app, "mnist");
    key(&mut app, KeyCode::Enter);
    assert_eq!(shown_names(&app), ["a.json", "b.json", "c.json"]);
    key(&mut app, KeyCode::Char('/'));
    typed(&mut app, "fashion");
    key(&mut app, KeyCode::Enter);
    assert_eq!(shown_names(&app), ["c.json"]);
    let screen = render(&app, (120, 40));
    super::click(&mut app, find(&screen, "c.json"));
    assert_eq!(browser(&app).selected, 0);
    key(&mut app, KeyCode::Char('r'));
    typed(&mut app, "fashion run");
    key(&mut app, KeyCode::Enter);
    let renamed = dir.path().join("fashion run.json");
    assert!(renamed.exists() && !c.exists() && a.exists() && b.exists());
    assert_eq!(
        shown_names(&app),
        ["fashion run.json"],
        "the filter stays on"
    );
    key(&mut app, KeyCode::Char('d'));
    key(&mut app, KeyCode::Char('d'));
    assert!(!renamed.exists() && a.exists() && b.exists());
    assert!(render(&app, (120, 40)).contains("no session matches the filter"));
    key(&mut app, KeyCode::Esc);
    assert_eq!(shown_names(&app), ["a.json", "b.json"]);
    key(&mut app, KeyCode::Esc);
    assert!(app.overlay.is_none());
}

#[test]
fn rows_of_an_earlier_read_of_the_folder_are_not_shown() {
    let dir = tempfile::tempdir().unwrap();
    session(dir.path(), "a.json", 100, |_| {});
    let rows = snapshot::list(dir.path());
    let mut app = setup_app();
    app.overlay = Some(Overlay::Sessions(Browser {
        loading: true,
        reader: Reader::new(7, None),
        ..Browser::default()
    }));
    app.on_event(UiEvent::Sessions(6, rows.clone(), true));
    assert!(browser(&app).entries.is_empty() && browser(&app).loading);
    app.on_event(UiEvent::Sessions(7, rows.clone(), false));
    app.on_event(UiEvent::Sessions(7, rows, true));
    assert_eq!(browser(&app).entries.len(), 2);
    assert!(!browser(&app).loading);
}

#[test]
fn several_marked_runs_are_compared_with_a_curve_and_a_column_each() {
    let dir = tempfile::tempdir().unwrap();
    let long = "ablation-of-the-p2-groups-without-the-scalings.json";
    for k in 0..7u64 {
        let name = if k == 2 {
            long.to_string()
        } else {
            format!("run{k}.json")
        };
        session(dir.path(), &name, 100 * (k + 1), |s| {
            s.settings.search.episode_len = 5 + k as usize;
            s.history.models.truncate(30 - k as usize);
            if k == 1 {
                s.settings.child.lr = 0.005;
            }
        });
    }
    let mut app = browsing(dir.path());
    // Space marks (shown in the row), and again unmarks.
    for name in ["run0.json", "run3.json", long, "run1.json"] {
        select(&mut app, name);
        key(&mut app, KeyCode::Char(' '));
    }
    key(&mut app, KeyCode::Char(' '));
    assert_eq!(browser(&app).marked.len(), 3);
    // The folder's name is the one thing that changes from run to run (same length).
    let fixed = |screen: String| {
        let d = dir.path().display().to_string();
        screen.replace(
            &d,
            &"/tmp/sessions-here"
                .chars()
                .cycle()
                .take(d.chars().count())
                .collect::<String>(),
        )
    };
    for (w, h) in [(80, 24), (120, 40), (200, 60)] {
        insta::assert_snapshot!(format!("browser_{w}x{h}"), fixed(render(&app, (w, h))));
    }
    let screen = render(&app, (160, 48));
    let marked = (screen.lines()).filter(|l| l.contains("┃● "));
    assert_eq!(marked.count(), 3, "{screen}");
    select(&mut app, "run4.json");
    key(&mut app, KeyCode::Char('c'));
    let Some(Overlay::Compare(runs)) = &app.overlay else {
        panic!("no comparison: {}", said(&app))
    };
    let names: Vec<&str> = runs.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["run0.json", "run3.json", long, "run4.json"]);
    for size in [(80, 24), (120, 40), (200, 60)] {
        let screen = render(&app, size);
        insta::assert_snapshot!(
            format!("compare_{}x{}", size.0, size.1),
            fixed(screen.clone())
        );
        assert!(screen.contains("4 runs compared"), "{size:?}: {screen}");
        assert!(
            screen.contains("settings that differ"),
            "{size:?}: {screen}"
        );
        // Every setting whose values differ, with each run's value; none that agree.
        let row = (screen.lines())
            .find(|l| l.contains("search.episode_len"))
            .unwrap_or_else(|| panic!("{size:?}: {screen}"));
        let values: Vec<&str> = row.split_whitespace().collect();
        for v in ["5", "8", "7", "9"] {
            assert!(values.contains(&v), "{size:?}: {row}");
        }
        assert!(
            !screen.contains("child.lr"),
            "equal in these four: {screen}"
        );
        assert!(!screen.contains("search.max_models"), "{screen}");
        // Names whole, or ending in an ellipsis where they do not fit; never cut.
        for name in &names {
            let whole = screen.contains(name);
            let cut = (1..name.len()).any(|n| screen.contains(&format!("{}…", &name[..n])));
            assert!(whole || cut, "{size:?}: {name}: {screen}");
        }
        assert!(
            screen.contains(long) == (size.0 == 200),
            "{size:?}: the long name is whole only where it fits: {screen}"
        );
        // Numbered, and marked as their curves are drawn (no colour in tests).
        for label in ["⣿1", "•2", "▀3", "█4"] {
            assert!(screen.contains(label), "{size:?}: {label}: {screen}");
        }
    }
    // Any key closes it, back to the browser as it was: the marks are kept.
    key(&mut app, KeyCode::Char('x'));
    assert!(matches!(app.overlay, Some(Overlay::Sessions(_))));
    assert_eq!(browser(&app).marked.len(), 3);

    // At most six at once: the seventh is refused with the reason.
    let mut app = browsing(dir.path());
    for name in shown_names(&app) {
        select(&mut app, &name);
        key(&mut app, KeyCode::Char(' '));
    }
    key(&mut app, KeyCode::Char('c'));
    assert!(matches!(app.overlay, Some(Overlay::Sessions(_))));
    assert!(
        said(&app).contains("7 sessions marked and selected: at most 6"),
        "{}",
        said(&app)
    );
    // Six are compared; one that cannot be read whole is named.
    key(&mut app, KeyCode::Char(' '));
    key(&mut app, KeyCode::Up);
    std::fs::write(dir.path().join("run0.json"), "{}").unwrap();
    key(&mut app, KeyCode::Char('c'));
    assert!(
        said(&app).contains("cannot compare run0.json"),
        "{}",
        said(&app)
    );
}
