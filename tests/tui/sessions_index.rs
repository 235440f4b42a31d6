//! The index of a sessions folder: unchanged sessions are listed without being read,
//! never as they were before they changed, and one another aen runs shows as running.

use super::render;
use super::{browsing, key, select, session};
use aen::tui::app::Overlay;
use aen_engine::snapshot::{self, INDEX, Listing};
use crossterm::event::KeyCode;
use std::path::Path;

/// A row as listed: file name, data set, note.
type Listed = (String, String, String);

/// The listing of `dir`, and how many rows came from the index and how many from
/// their files.
fn listed(dir: &Path) -> (Vec<Listed>, (usize, usize)) {
    let mut l = Listing::open(dir);
    let rows = (l.by_ref())
        .map(|(p, s)| {
            let s = s.unwrap();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, s.dataset, s.note)
        })
        .collect();
    l.save_index();
    (rows, l.counts())
}

fn index_json(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join(INDEX)).unwrap()).unwrap()
}

#[test]
fn the_index_lists_unchanged_sessions_without_reading_them_and_never_a_stale_one() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let a = session(d, "a.json", 3600, |_| {});
    let b = session(d, "b.json", 7200, |_| {});
    // aen's temporary files and the index itself are not sessions.
    std::fs::write(d.join(".aen-tmp-1-2-3.json"), "{").unwrap();
    let (first, counts) = listed(d);
    assert_eq!(counts, (0, 2));
    let names: Vec<&str> = first.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(names, ["a.json", "b.json"]);
    let (again, counts) = listed(d);
    assert_eq!((again, counts), (first.clone(), (2, 0)));
    // The summaries of the index are those the files give.
    let fresh: Vec<_> = snapshot::list(d);
    assert_eq!(
        fresh[0].1.as_ref().unwrap(),
        &snapshot::summary(&a).unwrap()
    );

    // What the index says is what is shown while the file is as it was...
    let mut index = index_json(d);
    index["entries"]["a.json"]["summary"]["Ok"]["dataset"] = "FROM THE INDEX".into();
    std::fs::write(d.join(INDEX), serde_json::to_vec(&index).unwrap()).unwrap();
    assert_eq!(listed(d).0[0].1, "FROM THE INDEX");
    // ... and never once it changed: saved anew (a new file, its time kept) ...
    aen_engine::session::annotate(&a, Some("noted".into()), None).unwrap();
    let (rows, counts) = listed(d);
    assert_eq!((rows[0].1.as_str(), rows[0].2.as_str()), ("MNIST", "noted"));
    assert_eq!(counts, (1, 1));
    // ... or written in place to the same length, its time set back as it was.
    #[cfg(unix)]
    {
        let mtime = std::fs::metadata(&a).unwrap().modified().unwrap();
        let text = std::fs::read_to_string(&a)
            .unwrap()
            .replace("\"noted\"", "\"NOTED\"");
        std::fs::write(&a, text).unwrap();
        std::fs::File::options()
            .write(true)
            .open(&a)
            .unwrap()
            .set_modified(mtime)
            .unwrap();
        assert_eq!(listed(d).0[0].2, "NOTED");
    }

    // Renamed and deleted files are gone from the list and the index.
    std::fs::rename(&b, d.join("c.json")).unwrap();
    let (rows, counts) = listed(d);
    let names: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!((names, counts), (vec!["a.json", "c.json"], (1, 1)));
    std::fs::remove_file(d.join("c.json")).unwrap();
    assert_eq!(listed(d).0.len(), 1);
    let kept: Vec<String> = (index_json(d)["entries"].as_object().unwrap().keys())
        .cloned()
        .collect();
    assert_eq!(kept, ["a.json"]);

    // A file written just now is read, and not kept until it has settled.
    session(d, "new.json", 0, |_| {});
    assert_eq!(listed(d).1, (1, 1));
    assert_eq!(listed(d).1, (1, 1));

    // A damaged index, or one of another aen, is ignored and written anew.
    let (want, _) = listed(d);
    for bad in [b"\x00garbage".to_vec(), {
        let mut i = index_json(d);
        i["aen"] = "0.0.1".into();
        serde_json::to_vec(&i).unwrap()
    }] {
        std::fs::write(d.join(INDEX), bad).unwrap();
        assert_eq!(listed(d), (want.clone(), (0, 2)));
        assert_eq!(listed(d).1, (1, 1), "the index was written anew");
    }
}

/// A session another aen is running (it holds the session's lock) shows as running,
/// with the holder named; once that process is gone, a lock file it left behind does
/// not keep the session "running".
#[test]
fn a_session_another_aen_runs_shows_as_running() {
    let dir = tempfile::tempdir().unwrap();
    let path = session(dir.path(), "elsewhere.json", 100, |_| {});
    session(dir.path(), "idle.json", 200, |_| {});
    let mut other = std::process::Command::new("sleep")
        .arg("30")
        .spawn()
        .unwrap();
    let lock = aen_core::fsio::Lock::path_of(&path);
    std::fs::write(&lock, format!("{}\naen search\n", other.id())).unwrap();
    let app = browsing(dir.path());
    assert_eq!(aen_core::fsio::lock_holder(&path), Some(other.id()));
    let screen = render(&app, (120, 40));
    let row = |name: &str| {
        (screen.lines())
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("{name}: {screen}"))
            .to_string()
    };
    assert!(row("elsewhere.json").contains("running"), "{screen}");
    assert!(!row("idle.json").contains("running"), "{screen}");
    // Compared, it is running there too.
    let mut app = app;
    select(&mut app, "elsewhere.json");
    key(&mut app, KeyCode::Char('c'));
    select(&mut app, "idle.json");
    key(&mut app, KeyCode::Char('c'));
    assert!(matches!(app.overlay, Some(Overlay::Compare(_))));
    let compared = render(&app, (120, 40));
    let line = |name: &str| {
        compared
            .lines()
            .find(|l| l.contains(name) && l.contains("MNIST"))
    };
    assert!(
        line("elsewhere.json").is_some_and(|l| l.contains("running")),
        "{compared}"
    );
    assert!(
        line("idle.json").is_some_and(|l| l.contains("finished")),
        "{compared}"
    );
    other.kill().unwrap();
    other.wait().unwrap();
    assert_eq!(aen_core::fsio::lock_holder(&path), None);
    let app = browsing(dir.path());
    let screen = render(&app, (120, 40));
    let line = screen
        .lines()
        .find(|l| l.contains("elsewhere.json"))
        .unwrap();
    assert!(!line.contains("running"), "{screen}");
}
