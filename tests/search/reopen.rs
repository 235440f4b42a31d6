//! Saved searches reopened: stopped during a replay, opened when finished, extended,
//! refused when their records contradict, and resumed with their changes in force.

use super::{path_of, run};
use crate::common;
use aen_engine::search::{Control, Event, FinishReason, History, SettingChange};
use aen_engine::snapshot;
use common::tiny_settings;

#[test]
fn stopping_during_a_resume_replay_leaves_the_snapshot_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let p = path_of(&dir, "r.json");
    let (_, full) = run(tiny_settings(), None, &p, |_, _| {});
    let before = std::fs::read(&p).unwrap();
    let snap = snapshot::load(&p).unwrap();
    let mut more = snap.settings.clone();
    more.search.max_models = 60;
    // Stop as soon as the worker starts: it is still replaying.
    let (reason, after) = run(more, Some(snap), &p, |e, h| {
        if let Event::Started(_) = e {
            h.stop();
        }
    });
    assert_eq!(reason, FinishReason::Stopped);
    assert_eq!(std::fs::read(&p).unwrap(), before, "not a byte changed");
    assert_eq!(after.models.len(), full.models.len());
}

#[test]
fn opening_a_finished_run_writes_nothing_and_a_checkpoint_stays_as_saved() {
    let dir = tempfile::tempdir().unwrap();
    let path = path_of(&dir, "run.json");
    let checkpoint = path_of(&dir, "at-model-3.json");
    let mut s = tiny_settings();
    s.search.max_models = 8;
    let mut asked = false;
    let (reason, _) = run(s.clone(), None, &path, |ev, h| {
        if let Event::ModelTrained(m) = ev
            && m.index == 3
            && !asked
        {
            asked = true;
            assert!(h.send(Control::Save(Some(checkpoint.clone()))));
        }
    });
    assert_eq!(reason, FinishReason::MaxModels);
    assert!(snapshot::load(&checkpoint).unwrap().checkpoint);
    assert!(!snapshot::load(&path).unwrap().checkpoint);

    // A finished run resumed ends where it ended: the file is left byte for byte.
    let before = std::fs::read(&path).unwrap();
    let snap = snapshot::load(&path).unwrap();
    let (reason, history) = run(s.clone(), Some(snap), &path, |_, _| {});
    assert_eq!(reason, FinishReason::MaxModels);
    assert_eq!(history.models.len(), 8);
    assert_eq!(std::fs::read(&path).unwrap(), before);

    // A checkpoint resumed goes on in a new session file; the checkpoint stays.
    let before = std::fs::read(&checkpoint).unwrap();
    let snap = snapshot::load(&checkpoint).unwrap();
    let at = snap.history.models.len();
    assert!(at < 8, "saved mid-run: {at} models");
    let home = tempfile::tempdir().unwrap();
    let o = common::aen()
        .args(["search", "--resume", checkpoint.to_str().unwrap(), "--out"])
        .arg(home.path().join("out"))
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", home.path().join("data"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read(&checkpoint).unwrap(), before);
    let sessions: Vec<_> = std::fs::read_dir(home.path().join("data/aen/sessions"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(sessions.len(), 1, "{sessions:?}");
    let continued = snapshot::load(&sessions[0]).unwrap();
    assert_eq!(continued.history.models.len(), 8);
    assert!(!continued.checkpoint);
    assert_eq!(continued.history.models[..at], snap.history.models[..]);
}

/// The engine's fold of its own events (`RunView`, which the TUI and the CLI keep)
/// rebuilds the history the worker saved, live change included, and the settings in
/// force at the end, for a fresh run and for a resumed one.
#[test]
fn the_history_folded_from_events_is_the_saved_history() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fold.json");
    let s = tiny_settings();
    let mut view = aen_engine::search::RunView::new(s.clone());
    let mut sent = false;
    let (_, saved) = run(s.clone(), None, &path, |ev, h| {
        view.apply(ev);
        if !sent && matches!(ev, Event::ModelTrained(m) if m.index == 3) {
            sent = true;
            let c = SettingChange::new("search.max_models", "20");
            h.send(Control::Set(c));
        }
    });
    assert!(sent && !saved.changes.is_empty());
    let key = |h: &History| {
        let m: Vec<_> = (h.models.iter())
            .map(|m| (m.state, m.val_acc.to_bits()))
            .collect();
        let st: Vec<_> = h.steps.iter().map(|x| (x.step, x.next_state)).collect();
        (m, st, h.episodes.len(), h.changes.len())
    };
    assert_eq!(key(&view.history), key(&saved));
    assert_eq!(view.settings.search.max_models, 20);
    // A resumed run sends its replayed history in one event, then goes on.
    let snap = aen_engine::snapshot::load(&path).unwrap();
    let mut more = s.clone();
    more.search.max_models = 25;
    let mut view = aen_engine::search::RunView::new(more.clone());
    let (_, saved) = run(more, Some(snap), &path, |ev, _| view.apply(ev));
    assert_eq!(key(&view.history), key(&saved));
}

/// A search extended past its max models (the TUI's `+`, or `--resume --max-models`)
/// reopens to its end, can be extended again, and a reopened run equals what was saved.
#[test]
fn an_extended_search_reopens_and_extends_again() {
    let dir = tempfile::tempdir().unwrap();
    let p = path_of(&dir, "x.json");
    let mut s = tiny_settings();
    s.search.max_models = 6;
    s.search.episode_len = 4;
    let (reason, _) = run(s.clone(), None, &p, |_, _| {});
    assert_eq!(reason, FinishReason::MaxModels);
    let mut extended = s.clone();
    for (max, changes) in [(9, 1), (12, 2)] {
        extended.search.max_models = max;
        let snap = snapshot::load(&p).unwrap();
        let (reason, h) = run(extended.clone(), Some(snap), &p, |_, _| {});
        assert_eq!(reason, FinishReason::MaxModels);
        assert_eq!(h.models.len(), max);
        assert_eq!(h.changes.len(), changes);
        // Reopened as it is: the replay reaches the end and changes nothing.
        let saved = std::fs::read(&p).unwrap();
        let snap = snapshot::load(&p).unwrap();
        let (reason, again) = run(snap.settings.clone(), Some(snap), &p, |e, _| {
            if let Event::Log(l) = e {
                assert!(!l.contains("while replaying"), "{l}");
            }
        });
        assert_eq!(reason, FinishReason::MaxModels);
        assert_eq!(format!("{again:?}"), format!("{h:?}"));
        assert_eq!(std::fs::read(&p).unwrap(), saved, "reopening rewrote it");
    }
}

/// Records a replay cannot re-derive must agree with those it can: an edited model
/// accuracy, or a negative or absurd time, is refused with the reason.
#[test]
fn snapshots_whose_records_contradict_each_other_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let original: serde_json::Value =
        serde_json::from_slice(&std::fs::read("tests/fixtures/session.json").unwrap()).unwrap();
    let edits: [(&str, serde_json::Value, &str); 4] = [
        (
            "/history/models/1/val_acc",
            99.0.into(),
            "contradict each other",
        ),
        (
            "/history/models/2/params",
            7.into(),
            "contradict each other",
        ),
        ("/seconds", (-1e6).into(), "is not 0 to"),
        (
            "/history/models/0/seconds",
            1e300.into(),
            "1e300 s, which is not 0 to",
        ),
    ];
    for (pointer, value, says) in edits {
        let mut v = original.clone();
        match v.pointer_mut(pointer) {
            Some(slot) => *slot = value,
            None => {
                v["seconds"] = value;
            }
        }
        let p = path_of(&dir, "edited.json");
        std::fs::write(&p, serde_json::to_vec(&v).unwrap()).unwrap();
        let e = snapshot::load(&p).unwrap_err().to_string();
        assert!(e.contains(says), "{pointer}: {e}");
    }
    snapshot::load(std::path::Path::new("tests/fixtures/session.json")).unwrap();
}

/// A live max models below the models already trained is refused with the reason.
#[test]
fn a_live_max_models_below_the_trained_count_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = tiny_settings();
    s.search.max_models = 8;
    let mut refused = None;
    let mut sent = false;
    let (reason, h) = run(s, None, &path_of(&dir, "m.json"), |e, h| match e {
        Event::ModelTrained(m) if m.index == 4 && !sent => {
            sent = true;
            let _ = h.send(Control::Set(SettingChange::new("search.max_models", "2")));
        }
        Event::SettingRefused { reason, .. } => refused = Some(reason.clone()),
        _ => {}
    });
    let why = refused.expect("the change was refused");
    assert!(why.contains("models are trained already"), "{why}");
    assert_eq!(reason, FinishReason::MaxModels);
    assert_eq!(h.models.len(), 8);
    assert!(h.changes.is_empty());
}

/// A resumed run announces its first settings, then the history it replayed: the
/// changes recorded in it are in force from then on, for every client's view (the
/// TUI's status bar and live form read it).
#[test]
fn a_resumed_runs_view_has_the_changes_it_replayed_in_force() {
    use aen_engine::search::{Event, History, RunInfo, RunView, SettingChange};
    let first = common::tiny_settings();
    let mut view = RunView::new(first.clone());
    view.apply(&Event::Started(Box::new(RunInfo {
        dataset: "MNIST".into(),
        source: "embedded".into(),
        data_groups: first.data.groups,
        device: "CPU".into(),
        settings: first.clone(),
        snapshot_path: "s.json".into(),
        prior_seconds: 0.0,
    })));
    let history = History {
        changes: vec![
            (3, SettingChange::new("search.fixed_epsilon", "0.2")),
            (9, SettingChange::new("search.max_models", "77")),
        ],
        ..History::default()
    };
    view.apply(&Event::History(Box::new(history)));
    assert_eq!(view.settings.search.fixed_epsilon, Some(0.2));
    assert_eq!(view.settings.search.max_models, 77);
    assert_eq!(view.settings.epsilon(0), 0.2);
}
