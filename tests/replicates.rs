//! Replicates (`--seeds N`): seed index 0 is the single run, whatever the thread count;
//! a row's winner is marked only beyond noise (docs/method.md §7).

use crate::common;

use aen_core::data::{self, DatasetKind, SourceKind};
use aen_core::gdata::SplitSizes;
use aen_core::groups::{Group, GroupSet};
use aen_core::orbits::ChildOrbits;
use aen_core::train::{self, Flow, TrainResult};
use aen_engine::child_seed;
use aen_engine::experiments::{self, SingleTable};
use aen_engine::runner::{self, ChildSpec, Job, Runner};
use aen_engine::search::child_config;
use common::tiny_settings;

#[test]
fn seed_index_zero_is_the_single_run_and_others_differ() {
    let g = GroupSet::single(Group::Rot90);
    let s = tiny_settings();
    assert_eq!(
        ChildSpec::from_settings(&s).seed(g, 0),
        child_config(&s, g).seed
    );
    let mut seeds: Vec<u64> = (0..50).map(|k| child_seed(3, g, k)).collect();
    seeds.sort();
    seeds.dedup();
    assert_eq!(seeds.len(), 50);
}

/// One seed scheme: replicate k of an experiment is the network a sweep trains for seed
/// k, and replicate 0 is the single run, whatever the thread count.
#[test]
fn replicates_are_the_sweeps_seeds_at_any_thread_count() {
    let s = tiny_settings();
    let base = data::open(DatasetKind::Mnist, None, Some(SourceKind::Embedded)).unwrap();
    let gd = std::sync::Arc::new(s.gdata(&base, s.data.groups, s.child_sizes()).unwrap());
    let net = GroupSet::parse("rot90,hflip").unwrap();
    let orbits = ChildOrbits::new(net, s.shift()).unwrap();
    let dev = aen_core::nn::Dev::default();
    let single = train::train_child(&dev, &orbits, &gd, child_config(&s, net), &mut |_| {
        Flow::Continue
    })
    .unwrap();
    let key = |r: &TrainResult| (r.val_curve.clone(), r.test_acc);
    let jobs: Vec<Job> = (0..4)
        .map(|k| Job {
            state: net,
            k,
            label: String::new(),
        })
        .collect();
    let spec = ChildSpec::from_settings(&s);
    let seq = runner::train_all(gd.clone(), spec, &jobs, 1, &mut |_| Flow::Continue).unwrap();
    let par = runner::train_all(gd.clone(), spec, &jobs, 3, &mut |_| Flow::Continue).unwrap();
    assert_eq!(key(&seq[0]), key(&single));
    for (a, b) in seq.iter().zip(&par) {
        assert_eq!(key(a), key(b));
    }
    assert_ne!(
        key(&seq[0]),
        key(&seq[1]),
        "replicates train from other seeds"
    );
    // The experiment's replicates are these networks.
    let exp = experiments::replicates(&s, (*gd).clone(), net, 2, &mut |_| Flow::Continue).unwrap();
    assert_eq!(key(&exp[1]), key(&seq[1]));
    // And a sweep's seed 1 row is replicate 1.
    let runner = Runner::new(1, gd, spec);
    runner.submit(0, net, 1);
    let r = runner
        .next_result(std::time::Duration::from_secs(120))
        .unwrap();
    assert_eq!(key(&r.outcome.unwrap()), key(&seq[1]));
}

#[test]
fn cancelling_stops_parallel_replicates() {
    let s = tiny_settings();
    let base = data::open(DatasetKind::Mnist, None, Some(SourceKind::Embedded)).unwrap();
    let gd = s.gdata(&base, s.data.groups, s.child_sizes()).unwrap();
    let r = experiments::replicates(&s, gd, GroupSet::EMPTY, 6, &mut |p| match p {
        experiments::ExpProgress::Done { .. } => Flow::Cancel,
        _ => Flow::Continue,
    });
    assert!(matches!(r, Err(experiments::ExpError::Cancelled)));
}

fn result(test_acc: f64) -> TrainResult {
    TrainResult {
        val_acc: test_acc - 1.0,
        test_acc,
        params: 10,
        seconds: 0.0,
        val_curve: vec![test_acc - 1.0],
    }
}

fn table(rows: Vec<Vec<Vec<f64>>>) -> SingleTable {
    let nets: Vec<GroupSet> = experiments::single_sets()[..rows[0].len()].to_vec();
    SingleTable {
        data_sets: nets[..rows.len()].to_vec(),
        nets,
        results: (rows.iter())
            .map(|r| {
                r.iter()
                    .map(|c| c.iter().map(|&t| result(t)).collect())
                    .collect()
            })
            .collect(),
        sizes: SplitSizes {
            train: 1,
            val: 1,
            test: 1,
        },
        epochs: 1,
    }
}

#[test]
fn a_winner_is_marked_only_beyond_noise() {
    let t = table(vec![
        // Clearly apart: 90 ± 0.8 against 80 ± 0.8.
        vec![
            vec![90.0, 91.0, 89.5],
            vec![80.0, 81.0, 79.5],
            vec![70.0, 70.5, 71.0],
        ],
        // Best mean 86, but within the noise of the runner-up.
        vec![
            vec![80.0, 90.0, 88.0],
            vec![84.0, 85.0, 83.0],
            vec![10.0, 11.0, 12.0],
        ],
    ]);
    assert_eq!(t.winners(0), vec![true, false, false]);
    assert_eq!(t.winners(1), vec![false, false, false]);
    let csv = t.to_csv();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].ends_with(",winner"));
    assert!(lines[0].contains("plain_test_s2"));
    assert!(lines[1].ends_with(",plain"), "{}", lines[1]);
    assert!(lines[2].ends_with(','), "{}", lines[2]);
    // data_set + 3 nets x (4 stats + params + 3 val + 3 test) + winner
    assert_eq!(lines[0].split(',').count(), 1 + 3 * 11 + 1);
    let text = t.to_text();
    assert!(text.contains("90.2±0.8*"), "{text}");
    assert_eq!(text.matches('*').count(), 1, "{text}");
}

#[test]
fn one_replicate_marks_the_best_as_before() {
    let t = table(vec![vec![vec![90.0], vec![90.0], vec![80.0]]]);
    assert_eq!(t.winners(0), vec![true, true, false]);
    assert_eq!(
        t.to_csv().lines().next().unwrap().split(',').count(),
        1 + 3 * 3
    );
}

#[test]
fn aen_train_with_seeds_reports_the_single_run_as_seed_0() {
    let home = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| -> serde_json::Value {
        let o = common::aen()
            .args([
                "train",
                "--source",
                "embedded",
                "--net-groups",
                "rot90",
                "--epochs",
                "1",
                "--train-size",
                "300",
                "--val-size",
                "200",
                "--test-size",
                "200",
                "--json",
            ])
            .args(extra)
            .env("HOME", home.path())
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let single = run(&[]);
    let many = run(&["--seeds", "3"]);
    let per = many["per_seed"].as_array().unwrap();
    assert_eq!(per.len(), 3);
    assert_eq!(per[0]["val_acc"], single["val_acc"]);
    assert_eq!(per[0]["test_acc"], single["test_acc"]);
    let tests: Vec<f64> = per
        .iter()
        .map(|p| p["test_acc"].as_f64().unwrap())
        .collect();
    assert!((many["test_acc"].as_f64().unwrap() - aen_engine::stats::mean(&tests)).abs() < 1e-9);
    assert!((many["test_sd"].as_f64().unwrap() - aen_engine::stats::std_dev(&tests)).abs() < 1e-9);
}
