//! The search strategies beside the paper's DQN: each runs through the same engine,
//! records the same history and resumes exactly.

use crate::common;

use aen_engine::search::JUMP;
use aen_engine::search::{Event, FinishReason, History};
use aen_engine::settings::{Settings, StrategyKind};
use aen_engine::{session, snapshot};
use common::tiny_settings;
use std::path::Path;
use std::time::Duration;

fn run(settings: Settings, resume: Option<&Path>, path: &Path, stop_at: Option<usize>) -> History {
    let h = match resume {
        None => session::start(settings, Some(path.to_path_buf()), true).unwrap(),
        Some(p) => session::resume(snapshot::load(p).unwrap(), path.to_path_buf(), vec![]).unwrap(),
    };
    loop {
        match h.events().recv_timeout(Duration::from_secs(120)).unwrap() {
            Event::ModelTrained(m) if Some(m.index) == stop_at => h.stop(),
            Event::Finished { snapshot, .. } => {
                h.join();
                return snapshot.history;
            }
            Event::Error(e) => panic!("{e}"),
            _ => {}
        }
    }
}

fn settings(kind: StrategyKind) -> Settings {
    let mut s = tiny_settings();
    s.search.strategy = kind;
    s.search.max_models = 16;
    s.search.population = 6;
    s.search.tournament = 3;
    s
}

#[test]
fn every_strategy_resumes_onto_exactly_the_uninterrupted_path() {
    let dir = tempfile::tempdir().unwrap();
    for kind in [
        StrategyKind::Random,
        StrategyKind::Local,
        StrategyKind::Evolution,
    ] {
        let full = run(settings(kind), None, &dir.path().join("full.json"), None);
        let cut = dir.path().join(format!("{}.json", kind.name()));
        let part = run(settings(kind), None, &cut, Some(7));
        assert!(part.models.len() < 16, "{kind:?} stopped early");
        let resumed = run(settings(kind), Some(&cut), &cut, None);
        let key = |h: &History| {
            h.steps
                .iter()
                .map(|s| (s.state, s.action, s.next_state, s.val_acc.to_bits()))
                .collect::<Vec<_>>()
        };
        assert_eq!(key(&full), key(&resumed), "{kind:?}");
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
        assert_eq!(models(&full), models(&resumed), "{kind:?}");
        assert_eq!(
            snapshot::load(&cut).unwrap().finished,
            Some(FinishReason::MaxModels)
        );
    }
}

#[test]
fn random_search_trains_a_new_state_at_every_step() {
    let dir = tempfile::tempdir().unwrap();
    let h = run(
        settings(StrategyKind::Random),
        None,
        &dir.path().join("r.json"),
        None,
    );
    assert_eq!(h.models.len(), 16);
    assert!(h.steps.iter().all(|s| s.new_model));
    assert!(h.steps.iter().any(|s| s.action == JUMP));
}

#[test]
fn local_search_moves_by_one_bit_between_restarts_and_evolution_mutates_one_bit() {
    let dir = tempfile::tempdir().unwrap();
    let h = run(
        settings(StrategyKind::Local),
        None,
        &dir.path().join("l.json"),
        None,
    );
    let moves = h.steps.iter().filter(|s| s.greedy).collect::<Vec<_>>();
    assert!(!moves.is_empty());
    for s in &moves {
        assert_eq!((s.state.bits() ^ s.next_state.bits()).count_ones(), 1);
    }
    let h = run(
        settings(StrategyKind::Evolution),
        None,
        &dir.path().join("e.json"),
        None,
    );
    // The first `population` steps fill the population with random states; then every
    // step is a one-bit mutation of a tournament winner.
    assert!(h.steps[..6].iter().all(|s| !s.greedy));
    for s in h.steps[6..].iter() {
        assert!(s.greedy);
        assert_eq!((s.state.bits() ^ s.next_state.bits()).count_ones(), 1);
        // Under classes the parent's network may have been trained for another
        // state of its class.
        let classes = settings(StrategyKind::Evolution).classes();
        let net = |g| aen_engine::settings::network_of(classes.as_deref(), g);
        assert!(
            h.models.iter().any(|m| net(m.state) == net(s.state)),
            "the parent was evaluated"
        );
    }
}

/// Resumes the session at `path` with `changes`, to its end.
fn resume_with(path: &Path, changes: Vec<aen_engine::search::SettingChange>) -> History {
    let h = session::resume(snapshot::load(path).unwrap(), path.to_path_buf(), changes).unwrap();
    loop {
        match h.events().recv_timeout(Duration::from_secs(120)).unwrap() {
            Event::Finished { snapshot, .. } => {
                h.join();
                return snapshot.history;
            }
            Event::Error(e) => panic!("{e}"),
            _ => {}
        }
    }
}

/// Evolution's population and tournament change live, and a session holding such a
/// change resumes exactly: its replay applies the change where it was made.
#[test]
fn a_live_population_change_steers_evolution_and_resumes_exactly() {
    use aen_engine::search::SettingChange;
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("cut.json");
    run(settings(StrategyKind::Evolution), None, &cut, Some(9));
    let changes = vec![
        SettingChange::new("search.population", "3"),
        SettingChange::new("search.tournament", "2"),
    ];
    let changed = resume_with(&cut, changes);
    assert_eq!(changed.changes.len(), 2, "{:?}", changed.changes);
    let plain = run(
        settings(StrategyKind::Evolution),
        None,
        &dir.path().join("plain.json"),
        None,
    );
    let path = |h: &History| h.steps.iter().map(|s| s.next_state).collect::<Vec<_>>();
    assert_ne!(path(&changed), path(&plain), "the change steered nothing");
    // Extending the finished session replays it, change and all, without diverging.
    let more = vec![SettingChange::new("search.max_models", "20")];
    let extended = resume_with(&cut, more);
    assert_eq!(path(&extended)[..changed.steps.len()], path(&changed)[..]);
    assert_eq!(extended.models.len(), 20);
}
