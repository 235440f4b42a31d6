//! Training ahead on several trainers (`child.jobs`) changes how long a search waits,
//! never what it finds: at 1, 2 and 3 jobs every state, action, Q-value, reward and
//! accuracy is bit-identical, for every strategy, and a snapshot resumes exactly under
//! another number of jobs and a live change of the child settings.

use crate::common;

use aen_engine::search::Trainers;
use aen_engine::search::{Event, FinishReason, History};
use aen_engine::settings::{Settings, StrategyKind};
use aen_engine::{session, snapshot};
use common::tiny_settings;
use std::path::Path;
use std::time::Duration;

/// Greedy moves early and a Q-network that learns from the start, so predictions of
/// greedy moves are tested, and wrong ones happen.
fn settings(strategy: StrategyKind, jobs: usize) -> Settings {
    let mut s = tiny_settings();
    s.search.strategy = strategy;
    s.search.epsilon_schedule = vec![(0, 1.0), (8, 0.5), (20, 0.1)];
    s.search.q_batch = 4;
    s.search.population = 6;
    s.search.tournament = 3;
    s.child.jobs = jobs;
    // The smallest children that train: what is tested is the path, not the networks.
    (s.child.train_size, s.child.val_size, s.child.test_size) = (100, 50, 50);
    s
}

struct Run {
    reason: FinishReason,
    history: History,
    trainers: Option<Trainers>,
}

fn drive(h: aen_engine::search::SearchHandle, path: &Path, stop_at: Option<usize>) -> Run {
    let mut trainers = None;
    let reason = loop {
        let ev = (h.events().recv_timeout(Duration::from_secs(120))).expect("the engine talks");
        match ev {
            Event::Finished { reason, .. } => break reason,
            Event::Error(e) => panic!("engine error: {e}"),
            Event::Trainers(t) => trainers = Some(t),
            Event::ModelTrained(m) if Some(m.index) == stop_at => h.stop(),
            _ => {}
        }
    };
    h.join();
    let history = snapshot::load(path).expect("saved").history;
    Run {
        reason,
        history,
        trainers,
    }
}

fn search(s: Settings, path: &Path, stop_at: Option<usize>) -> Run {
    drive(
        session::start(s, Some(path.to_path_buf()), true).unwrap(),
        path,
        stop_at,
    )
}

/// Everything a search records, but the seconds each model took.
fn key(h: &History) -> impl PartialEq + std::fmt::Debug {
    let steps: Vec<_> = (h.steps.iter())
        .map(|s| {
            let q: Vec<u32> = s.q_values.iter().map(|v| v.to_bits()).collect();
            let r = (s.reward.to_bits(), s.val_acc.to_bits(), s.epsilon.to_bits());
            (s.state, s.action, s.next_state, s.greedy, s.new_model, q, r)
        })
        .collect();
    let models: Vec<_> = (h.models.iter())
        .map(|m| {
            let a = (
                m.val_acc.to_bits(),
                m.test_acc.to_bits(),
                m.epsilon.to_bits(),
            );
            (m.index, m.state, m.params, m.first_step, a)
        })
        .collect();
    let episodes: Vec<_> = (h.episodes.iter())
        .map(|e| (e.steps, e.total_reward.to_bits()))
        .collect();
    (steps, models, episodes)
}

#[test]
fn every_strategy_finds_bit_identical_results_at_one_two_and_three_jobs() {
    let dir = tempfile::tempdir().unwrap();
    for strategy in StrategyKind::ALL {
        let runs: Vec<Run> = [1, 2, 3]
            .iter()
            .map(|&j| {
                let p = dir.path().join(format!("{}-{j}.json", strategy.name()));
                search(settings(strategy, j), &p, None)
            })
            .collect();
        for (r, jobs) in runs.iter().zip([1, 2, 3]) {
            assert_eq!(r.reason, FinishReason::MaxModels, "{strategy:?} at {jobs}");
            assert_eq!(r.history.models.len(), 40, "only visited states count");
        }
        assert_eq!(
            key(&runs[0].history),
            key(&runs[1].history),
            "{strategy:?} 1 vs 2"
        );
        assert_eq!(
            key(&runs[0].history),
            key(&runs[2].history),
            "{strategy:?} 1 vs 3"
        );
        assert!(
            runs[0].trainers.is_none(),
            "one job trains on the search thread"
        );
        for (r, jobs) in runs[1..].iter().zip([2, 3]) {
            let t = r.trainers.expect("trainers are reported");
            assert_eq!(t.workers, jobs);
            assert_eq!(t.hits + t.misses, 40, "every model was needed once");
            assert!(
                t.hits > 0,
                "{strategy:?}: some state was trained ahead: {t:?}"
            );
        }
    }
}

#[test]
fn a_snapshot_resumes_exactly_under_other_jobs_and_a_changed_child_setting() {
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("cut.json");
    let stopped = search(settings(StrategyKind::Dqn, 2), &cut, Some(12));
    assert_eq!(stopped.reason, FinishReason::Stopped);
    let snap = snapshot::load(&cut).unwrap();
    // The same stopped run, resumed with 1 and with 3 jobs and the child networks'
    // epochs raised: the change lands at the same step, and trainers retrain under it.
    let resumed: Vec<Run> = [1, 3]
        .iter()
        .map(|&jobs| {
            let p = dir.path().join(format!("resumed-{jobs}.json"));
            std::fs::copy(&cut, &p).unwrap();
            let mut s = snap.settings.clone();
            s.child.jobs = jobs;
            s.child.epochs = 2;
            let changes = session::live_changes_between(&snap.settings, &s);
            drive(
                session::resume(snap.clone(), p.clone(), changes).unwrap(),
                &p,
                None,
            )
        })
        .collect();
    for r in &resumed {
        assert_eq!(r.reason, FinishReason::MaxModels);
        assert!(
            r.history
                .changes
                .iter()
                .any(|(_, c)| c.key == "child.epochs")
        );
    }
    assert_eq!(key(&resumed[0].history), key(&resumed[1].history));
}
