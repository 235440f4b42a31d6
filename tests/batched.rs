//! Many children in one pass (`child.per_pass`): each child trained with others learns
//! what it learns alone (to float precision: the same initial weights, batch order and
//! gradients, summed in another order), a pool trains passes and reports cancelled
//! jobs of a pass as cancelled, and a search trains ahead on one trainer's passes.

use crate::common;

use aen_core::batched::train_children;
use aen_core::groups::GroupSet;
use aen_core::orbits::ChildOrbits;
use aen_core::train::{Flow, train_child};
use aen_engine::runner::{ChildSpec, JobError, Runner, train_one};
use std::sync::Arc;
use std::time::Duration;

fn setup(per_pass: usize) -> (Arc<aen_core::gdata::GData>, ChildSpec) {
    let mut s = common::tiny_settings();
    s.child.train_size = 96;
    s.child.val_size = 100;
    s.child.test_size = 100;
    s.child.epochs = 2;
    s.child.batch = 32;
    s.child.per_pass = per_pass;
    let (_, gd) = aen_engine::session::prepare_data(&s).unwrap();
    (Arc::new(gd), ChildSpec::from_settings(&s))
}

const STATES: [&str; 5] = ["none", "rot90", "hflip,sc4", "htrans", "all"];

#[test]
fn children_trained_together_learn_what_each_learns_alone() {
    let (gd, spec) = setup(5);
    let dev = aen_core::nn::Dev::default();
    let states: Vec<GroupSet> = STATES.iter().map(|s| GroupSet::parse(s).unwrap()).collect();
    let orbits: Vec<ChildOrbits> = (states.iter())
        .map(|&s| ChildOrbits::new(s, spec.shift).unwrap())
        .collect();
    let cfgs: Vec<_> = (states.iter().enumerate())
        .map(|(k, &s)| spec.train_config(s, k as u32))
        .collect();
    let alone: Vec<_> = (orbits.iter().zip(&cfgs))
        .map(|(o, &c)| train_child(&dev, o, &gd, c, &mut |_| Flow::Continue).unwrap())
        .collect();
    let refs: Vec<&ChildOrbits> = orbits.iter().collect();
    let mut steps = 0;
    let together = train_children(&dev, &refs, &gd, &cfgs, &mut |_| {
        steps += 1;
        Flow::Continue
    })
    .unwrap();
    // One call per step of all of them: 2 epochs of 3 batches.
    assert_eq!(steps, 6);
    assert_eq!(together.len(), alone.len());
    for ((a, t), s) in alone.iter().zip(&together).zip(STATES) {
        assert_eq!(a.params, t.params, "{s}");
        assert_eq!(a.val_curve.len(), t.val_curve.len(), "{s}");
        // 100 images: one image is 1 point; float order may flip a borderline one.
        for (x, y) in a.val_curve.iter().zip(&t.val_curve) {
            assert!(
                (x - y).abs() <= 1.0 + 1e-9,
                "{s}: val {x} alone, {y} together"
            );
        }
        assert!(
            (a.test_acc - t.test_acc).abs() <= 1.0 + 1e-9,
            "{s}: test {} alone, {} together",
            a.test_acc,
            t.test_acc
        );
    }
    // Learning happened (the children are not all at chance), and differently.
    assert!(together.iter().any(|t| t.val_acc > 20.0), "{together:?}");
    // A cancel stops the pass.
    let mut n = 0;
    let r = train_children(&dev, &refs, &gd, &cfgs, &mut |_| {
        n += 1;
        if n == 2 { Flow::Cancel } else { Flow::Continue }
    });
    assert!(r.is_err());
    assert_eq!(n, 2);
}

#[test]
fn a_pool_trains_passes_and_reports_each_job() {
    let (gd, spec) = setup(3);
    let dev = aen_core::nn::Dev::default();
    let pool = Runner::new(1, gd.clone(), spec);
    let jobs: Vec<GroupSet> = STATES.iter().map(|s| GroupSet::parse(s).unwrap()).collect();
    for (i, &s) in jobs.iter().enumerate() {
        pool.submit(i as u64, s, 0);
    }
    // Cancelled while queued or while in a pass with others, it is reported cancelled
    // and the others of its pass finish.
    assert!(pool.cancel(1));
    let mut got = std::collections::HashMap::new();
    for _ in 0..jobs.len() {
        let r = pool.next_result(Duration::from_secs(120)).unwrap();
        got.insert(r.id, r);
    }
    assert_eq!(got.len(), jobs.len());
    assert_eq!(got[&1].outcome, Err(JobError::Cancelled));
    for (i, &s) in jobs.iter().enumerate().filter(|(i, _)| *i != 1) {
        let r = got[&(i as u64)].outcome.as_ref().expect("trained");
        let alone = train_one(&dev, &gd, &spec, s, 0, &mut |_| Flow::Continue).unwrap();
        assert_eq!(r.params, alone.params);
        assert!((r.test_acc - alone.test_acc).abs() <= 1.0 + 1e-9, "{s}");
    }
}

#[test]
fn a_search_trains_ahead_in_passes_on_one_trainer() {
    let mut s = common::tiny_settings();
    s.child.jobs = 1;
    s.child.per_pass = 3;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.json");
    let h = aen_engine::session::start(s.clone(), Some(path.clone()), true).unwrap();
    let mut trainers = None;
    loop {
        match h
            .events()
            .recv_timeout(Duration::from_secs(120))
            .expect("events")
        {
            aen_engine::search::Event::Finished { .. } => break,
            aen_engine::search::Event::Error(e) => panic!("{e}"),
            aen_engine::search::Event::Trainers(t) => trainers = Some(t),
            _ => {}
        }
    }
    h.join();
    let snap = aen_engine::snapshot::load(&path).unwrap();
    assert_eq!(snap.history.models.len(), s.search.max_models);
    let t = trainers.expect("trainers reported");
    assert!(t.hits > 0, "states trained ahead were used: {t:?}");
}

/// Colour images of three classes, each tinted by its class: 8 x 8 x 3.
fn colour_data() -> aen_core::gdata::GData {
    use aen_core::data::{BaseData, DatasetKind, Images, Labeled, Source, SourceKind};
    let split = |n: usize, salt: usize| {
        let labels: Vec<u8> = (0..n).map(|i| (i % 3) as u8).collect();
        let pixels = (0..n * 192)
            .map(|i| {
                let (img, c) = (i / 192, i % 192 / 64);
                let tint = if c == labels[img] as usize { 150 } else { 0 };
                (tint + (i * 37 + salt) % 100) as u8
            })
            .collect();
        Labeled {
            images: Images {
                count: n,
                rows: 8,
                cols: 8,
                channels: 3,
                pixels,
            },
            labels,
        }
    };
    let base = BaseData {
        kind: DatasetKind::Files,
        source: Source {
            kind: SourceKind::DataDir,
            dir: None,
        },
        train: split(200, 1),
        test: Some(split(100, 2)),
        classes: vec!["r".into(), "g".into(), "b".into()],
        resized_from: None,
    };
    let sizes = aen_core::gdata::SplitSizes {
        train: 96,
        val: 100,
        test: 100,
    };
    let groups = GroupSet::parse("rot90").unwrap();
    aen_core::gdata::build(&base, groups, 2, 0, sizes).unwrap()
}

#[test]
fn colour_children_trained_together_learn_what_each_learns_alone() {
    let gd = colour_data();
    let dev = aen_core::nn::Dev::default();
    let shape = gd.shape();
    assert_eq!((shape.side, shape.channels, shape.classes), (8, 3, 3));
    let states = ["none", "rot90", "hflip,sc1"];
    let orbits: Vec<ChildOrbits> = (states.iter())
        .map(|s| ChildOrbits::for_shape(shape, GroupSet::parse(s).unwrap(), 2).unwrap())
        .collect();
    let cfgs: Vec<_> = (0..states.len() as u64)
        .map(|k| aen_core::train::TrainConfig {
            epochs: 2,
            batch: 32,
            lr: 1e-3,
            seed: 40 + k,
        })
        .collect();
    let alone: Vec<_> = (orbits.iter().zip(&cfgs))
        .map(|(o, &c)| train_child(&dev, o, &gd, c, &mut |_| Flow::Continue).unwrap())
        .collect();
    let refs: Vec<&ChildOrbits> = orbits.iter().collect();
    let together = train_children(&dev, &refs, &gd, &cfgs, &mut |_| Flow::Continue).unwrap();
    for ((a, t), s) in alone.iter().zip(&together).zip(states) {
        assert_eq!(a.params, t.params, "{s}");
        for (x, y) in a.val_curve.iter().zip(&t.val_curve) {
            assert!(
                (x - y).abs() <= 1.0 + 1e-9,
                "{s}: val {x} alone, {y} together"
            );
        }
        assert!((a.test_acc - t.test_acc).abs() <= 1.0 + 1e-9, "{s}");
    }
    assert!(together.iter().all(|t| t.val_acc > 60.0), "{together:?}");
}
