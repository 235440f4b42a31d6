//! The search engine end to end on tiny data: a full small search, exact resume after
//! an interruption, live setting changes, pausing, and snapshot errors. Saved searches
//! stopped, reopened and extended are in `reopen`.

use crate::common;

use aen_engine::search::{self, Control, Event, FinishReason, History, SettingChange};
use aen_engine::{session, snapshot};
use common::tiny_settings;
use std::time::Duration;

mod reopen;

/// Runs to the end, calling `on` for each event; returns the final snapshot's history.
fn run(
    settings: aen_engine::settings::Settings,
    resume: Option<snapshot::Snapshot>,
    path: &std::path::Path,
    mut on: impl FnMut(&Event, &search::SearchHandle),
) -> (FinishReason, History) {
    let h = match resume {
        None => session::start(settings, Some(path.to_path_buf()), true).unwrap(),
        Some(snap) => {
            let changes = session::live_changes_between(&snap.settings, &settings);
            session::resume(snap, path.to_path_buf(), changes).unwrap()
        }
    };
    let finished;
    loop {
        let ev = h
            .events()
            .recv_timeout(Duration::from_secs(120))
            .expect("the engine keeps talking");
        on(&ev, &h);
        match ev {
            Event::Finished { reason, .. } => {
                finished = reason;
                break;
            }
            Event::Error(e) => panic!("engine error: {e}"),
            _ => {}
        }
    }
    h.join();
    let snap = snapshot::load(path).expect("the engine saved a snapshot");
    (finished, snap.history)
}

fn path_of(dir: &tempfile::TempDir, name: &str) -> std::path::PathBuf {
    dir.path().join(name)
}

#[test]
fn a_small_search_on_preset_2_trains_forty_distinct_models() {
    let dir = tempfile::tempdir().unwrap();
    let mut steps = 0;
    let (reason, h) = run(tiny_settings(), None, &path_of(&dir, "a.json"), |e, _| {
        if let Event::Step(_) = e {
            steps += 1;
        }
    });
    assert_eq!(reason, FinishReason::MaxModels);
    assert_eq!(h.models.len(), 40);
    assert_eq!(h.steps.len(), steps);
    // Distinct states, the all-zero network first, and each step toggles one bit.
    let mut states: Vec<_> = h.models.iter().map(|m| m.state.bits()).collect();
    assert_eq!(states[0], 0);
    states.sort();
    states.dedup();
    assert_eq!(states.len(), 40);
    for s in &h.steps {
        assert_eq!((s.state.bits() ^ s.next_state.bits()).count_ones(), 1);
        assert_eq!(s.q_values.len(), 12);
    }
    // The reward follows the paper's formula against the plain network's accuracy.
    // Relative: serde_json reads floats back to within an ulp, and rewards reach 1e20.
    let b = h.models[0].val_acc;
    for s in &h.steps {
        let d = s.val_acc - b;
        let want = d * d.abs().exp();
        assert!((s.reward - want).abs() <= 1e-12 * want.abs().max(1.0));
    }
}

#[test]
fn a_resumed_search_continues_exactly_as_the_uninterrupted_one() {
    let dir = tempfile::tempdir().unwrap();
    let settings = tiny_settings();
    let (_, full) = run(
        settings.clone(),
        None,
        &path_of(&dir, "full.json"),
        |_, _| {},
    );

    // Interrupt at model 17, mid-run.
    let cut = path_of(&dir, "cut.json");
    let (reason, partial) = run(settings.clone(), None, &cut, |e, h| {
        if let Event::ModelTrained(m) = e
            && m.index == 17
        {
            h.stop();
        }
    });
    assert_eq!(reason, FinishReason::Stopped);
    assert!(partial.models.len() >= 17 && partial.models.len() < 40);

    // A note and tags written in between change nothing of the replay, and are kept
    // by the saves of the resumed run.
    let snap = session::annotate(&cut, Some("cut at 17".into()), Some(vec!["p2".into()])).unwrap();
    let (reason, resumed) = run(snap.settings.clone(), Some(snap), &cut, |_, _| {});
    assert_eq!(reason, FinishReason::MaxModels);
    let saved = snapshot::load(&cut).unwrap();
    assert_eq!(
        (saved.note.as_str(), saved.tags.as_slice()),
        ("cut at 17", &["p2".to_string()][..])
    );
    let key = |h: &History| {
        h.steps
            .iter()
            .map(|s| {
                (
                    s.state,
                    s.action,
                    s.greedy,
                    s.reward.to_bits(),
                    s.q_values.clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        key(&full),
        key(&resumed),
        "same states, actions, rewards and Q-values"
    );
    let models = |h: &History| {
        h.models
            .iter()
            .map(|m| {
                (
                    m.state,
                    m.val_acc.to_bits(),
                    m.test_acc.to_bits(),
                    m.first_step,
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(models(&full), models(&resumed));
}

#[test]
fn live_changes_are_echoed_applied_and_survive_a_resume() {
    let dir = tempfile::tempdir().unwrap();
    let p = path_of(&dir, "live.json");
    let mut echoed = Vec::new();
    let mut refused = 0;
    let mut sent = false;
    let (_, h) = run(tiny_settings(), None, &p, |e, h| match e {
        Event::Step(s) if s.step == 5 && !sent => {
            sent = true;
            assert!(h.send(Control::Set(SettingChange::new(
                "search.fixed_epsilon",
                "0",
            ))));
            assert!(h.send(Control::Set(SettingChange::new("search.gamma", "7"))));
        }
        Event::SettingChanged { change, .. } => echoed.push(change.clone()),
        Event::SettingRefused { .. } => refused += 1,
        _ => {}
    });
    assert_eq!(
        echoed,
        vec![SettingChange::new("search.fixed_epsilon", "0")]
    );
    assert_eq!(refused, 1, "gamma 7 is out of range");
    let at = h.changes[0].0;
    assert!(
        h.steps
            .iter()
            .filter(|s| s.step >= at)
            .all(|s| s.epsilon == 0.0 && s.greedy)
    );

    // A snapshot cut a few steps after the change (as an interruption would leave it)
    // resumes onto exactly the same path: the change is re-applied at its step.
    let mut snap = snapshot::load(&p).unwrap();
    let k = at + 4;
    let hist = &mut snap.history;
    hist.steps.truncate(k);
    hist.models.retain(|m| m.index == 1 || m.first_step < k);
    hist.episodes.retain(|e| (e.episode + 1) * 10 <= k);
    snap.finished = None;
    let cut = path_of(&dir, "live-cut.json");
    let (_, resumed) = run(snap.settings.clone(), Some(snap), &cut, |_, _| {});
    let key = |h: &History| {
        h.steps
            .iter()
            .map(|s| (s.state, s.action, s.epsilon.to_bits()))
            .collect::<Vec<_>>()
    };
    assert_eq!(key(&h), key(&resumed));
    assert_eq!(h.changes, resumed.changes);
}

#[test]
fn pause_stops_progress_until_resume() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = tiny_settings();
    s.search.max_models = 8;
    let h = session::start(s, Some(path_of(&dir, "p.json")), false).unwrap();
    h.send(Control::Pause);
    let mut paused = false;
    while !paused {
        if let Event::Paused = h.events().recv_timeout(Duration::from_secs(60)).unwrap() {
            paused = true;
        }
    }
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        h.events().try_iter().all(|e| !matches!(e, Event::Step(_))),
        "no steps while paused"
    );
    h.send(Control::Resume);
    let mut stepped = false;
    while let Ok(e) = h.events().recv_timeout(Duration::from_secs(60)) {
        if let Event::Step(_) = e {
            stepped = true;
        }
        if let Event::Finished { .. } = e {
            break;
        }
    }
    assert!(stepped);
    h.join();
}

#[test]
fn corrupt_and_unknown_version_snapshots_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let p = path_of(&dir, "bad.json");
    std::fs::write(&p, b"{ not json").unwrap();
    let e = snapshot::load(&p).unwrap_err().to_string();
    assert!(e.contains("not an aen snapshot"), "{e}");
    std::fs::write(&p, br#"{"format":"aen-snapshot","version":99}"#).unwrap();
    let e = snapshot::load(&p).unwrap_err().to_string();
    assert!(e.contains("version 99 is not supported"), "{e}");
    std::fs::write(
        &p,
        br#"{"format":"aen-snapshot","version":1,"settings":{}}"#,
    )
    .unwrap();
    let e = snapshot::load(&p).unwrap_err().to_string();
    assert!(e.contains("corrupt snapshot"), "{e}");
    // Nothing was written over it.
    assert_eq!(
        std::fs::read(&p).unwrap(),
        br#"{"format":"aen-snapshot","version":1,"settings":{}}"#
    );
}

#[test]
fn the_engine_reports_bad_data_settings_as_an_error_event() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = tiny_settings();
    s.child.train_size = 9_900; // more than the embedded pool with the other splits
    // Checked before any thread starts, and nothing is left on disk.
    let p = path_of(&dir, "e.json");
    let e = format!(
        "{:#}",
        session::start(s, Some(p.clone()), false).err().unwrap()
    );
    assert!(e.contains("embedded pool"), "{e}");
    assert!(!p.exists());
}
