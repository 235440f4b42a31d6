//! The fidelity settings: input normalization, per-epoch resampling, reward formulas and
//! compatible translations (docs/method.md §2, §6, §9).

use crate::common;

use aen_core::data::{self, DatasetKind, SourceKind};
use aen_core::gdata::{Norm, Normalize, Resample};
use aen_core::groups::{Group, GroupSet, Shift, Translation};
use aen_core::nn::{ChildNet, HID, IN};
use aen_core::orbits::{ChildOrbits, layer_orbits};
use aen_core::train::{self, Flow};
use aen_engine::search::child_config;
use aen_engine::settings::Reward;
use aen_engine::settings::Settings;
use common::tiny_settings;
use dfdx::prelude::*;
use rand::{Rng, SeedableRng};

fn base() -> data::BaseData {
    data::open(DatasetKind::Mnist, None, Some(SourceKind::Embedded)).unwrap()
}

fn train(settings: &Settings, net: GroupSet) -> train::TrainResult {
    let b = base();
    let gd = settings
        .gdata(&b, settings.data.groups, settings.child_sizes())
        .unwrap();
    let orbits = ChildOrbits::new(net, settings.shift()).unwrap();
    let dev = aen_core::nn::Dev::default();
    train::train_child(&dev, &orbits, &gd, child_config(settings, net), &mut |_| {
        Flow::Continue
    })
    .unwrap()
}

fn small() -> Settings {
    let mut s = tiny_settings();
    s.child.epochs = 2;
    s
}

#[test]
fn normalization_defaults_to_the_papers_constants() {
    let s = Settings::default();
    assert_eq!(s.data.normalize, Normalize::Paper);
    let b = base();
    let gd = s.gdata(&b, s.data.groups, small().child_sizes()).unwrap();
    assert_eq!(gd.norm, Norm::PAPER);
    assert!((gd.norm.apply(0.1307)).abs() < 1e-7);
    assert!((gd.norm.apply(1.0) - (1.0 - 0.1307) / 0.3081).abs() < 1e-6);
}

#[test]
fn dataset_normalization_measures_the_training_pixels() {
    let mut s = small();
    s.data.normalize = Normalize::Dataset;
    let gd = s.gdata(&base(), s.data.groups, s.child_sizes()).unwrap();
    let n = gd.train.x.len() as f64;
    let mean = gd.train.x.iter().map(|&v| v as f64).sum::<f64>() / n;
    let var = gd
        .train
        .x
        .iter()
        .map(|&v| (v as f64 - mean).powi(2))
        .sum::<f64>()
        / n;
    assert!((gd.norm.mean[0] as f64 - mean).abs() < 1e-6);
    assert!((gd.norm.std[0] as f64 - var.sqrt()).abs() < 1e-6);
    // MNIST's pixel statistics, near the paper's constants.
    assert!((0.10..0.16).contains(&gd.norm.mean[0]), "{:?}", gd.norm);
    assert!((0.28..0.34).contains(&gd.norm.std[0]), "{:?}", gd.norm);
}

#[test]
fn none_keeps_raw_pixels_and_the_three_modes_train_differently() {
    assert_eq!(Norm::IDENTITY.apply(0.37), 0.37);
    let mut results = Vec::new();
    for mode in [Normalize::None, Normalize::Paper, Normalize::Dataset] {
        let mut s = small();
        s.data.normalize = mode;
        let r = train(&s, GroupSet::single(Group::Rot90));
        let again = train(&s, GroupSet::single(Group::Rot90));
        assert_eq!(
            (&r.val_curve, r.test_acc),
            (&again.val_curve, again.test_acc)
        );
        results.push(r.val_curve);
    }
    assert_ne!(results[0], results[1]);
    assert_ne!(results[1], results[2]);
}

#[test]
fn per_epoch_draws_are_seeded_and_leave_validation_and_test_fixed() {
    let b = base();
    let mut s = small();
    let fixed = s.gdata(&b, s.data.groups, s.child_sizes()).unwrap();
    assert!(fixed.train_epoch(0).is_none());
    s.data.resample = Resample::PerEpoch;
    let gd = s.gdata(&b, s.data.groups, s.child_sizes()).unwrap();
    let again = s.gdata(&b, s.data.groups, s.child_sizes()).unwrap();
    let (e0, e1) = (gd.train_epoch(0).unwrap(), gd.train_epoch(1).unwrap());
    assert_eq!(e0.x, again.train_epoch(0).unwrap().x);
    assert_ne!(e0.x, e1.x);
    assert_ne!(e0.x, fixed.train.x);
    assert_eq!((&e0.y, &e0.source), (&fixed.train.y, &fixed.train.source));
    assert_eq!(gd.val.x, fixed.val.x);
    assert_eq!(gd.test.x, fixed.test.x);
    // Each epoch's images are the base images under the recorded powers.
    let orders: Vec<u8> = s
        .data
        .groups
        .iter()
        .map(|g| g.order(28, 4).unwrap() as u8)
        .collect();
    for ks in e1.powers.chunks(orders.len()) {
        assert!(ks.iter().zip(&orders).all(|(k, o)| k < o));
    }
    let other_seed = Settings {
        data: aen_engine::settings::DataSettings {
            seed: 9,
            ..s.data.clone()
        },
        ..s.clone()
    };
    let gd9 = other_seed
        .gdata(&b, s.data.groups, s.child_sizes())
        .unwrap();
    assert_ne!(gd9.train_epoch(1).unwrap().powers, e1.powers);
}

#[test]
fn per_epoch_training_is_reproducible_and_differs_from_the_fixed_draw() {
    let mut s = small();
    let net = GroupSet::single(Group::Rot90);
    let fixed = train(&s, net);
    s.data.resample = Resample::PerEpoch;
    let a = train(&s, net);
    let a2 = train(&s, net);
    assert_eq!(a.val_curve, a2.val_curve);
    assert_eq!(a.test_acc, a2.test_acc);
    assert_ne!(a.val_curve, fixed.val_curve);
}

#[test]
fn each_reward_follows_its_formula() {
    let e = std::f64::consts::E;
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs().max(1.0);
    for (acc, b) in [(91.0, 90.0), (80.0, 90.0), (90.0, 90.0), (12.5, 97.25)] {
        let d = acc - b;
        assert!(close(Reward::Paper.of(acc, b), d * d.abs().exp()));
        let f = d / 100.0;
        assert!(close(Reward::Fraction.of(acc, b), f * f.abs().exp()));
        assert_eq!(Reward::Diff.of(acc, b), d);
    }
    assert!(close(Reward::Paper.of(91.0, 90.0), e));
    assert!(close(Reward::Fraction.of(0.0, 100.0), -e));
    assert!(close(Reward::Fraction.of(91.0, 90.0), 0.01 * 0.01f64.exp()));
    // Fraction and diff stay finite as f32 (the replay memory's type) at any gap.
    for r in [Reward::Fraction, Reward::Diff] {
        assert!((r.of(0.0, 100.0) as f32).is_finite());
    }
    assert!((Reward::Paper.of(0.0, 100.0) as f32).is_infinite());
}

#[test]
fn the_search_records_rewards_of_the_chosen_formula() {
    for reward in [Reward::Fraction, Reward::Diff] {
        let mut s = tiny_settings();
        s.search.max_models = 6;
        s.search.reward = reward;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        let h = aen_engine::session::start(s, Some(path.clone()), false).unwrap();
        while let Ok(e) = h.events().recv() {
            if let aen_engine::search::Event::Finished { .. } = e {
                break;
            }
        }
        h.join();
        let snap = aen_engine::snapshot::load(&path).unwrap();
        let b = snap.history.models[0].val_acc;
        assert!(!snap.history.steps.is_empty());
        for st in &snap.history.steps {
            let want = reward.of(st.val_acc, b);
            assert!((st.reward - want).abs() <= 1e-12 * want.abs().max(1.0));
        }
    }
}

#[test]
fn compatible_translations_have_order_4_on_both_grids() {
    let c = Shift::new(Translation::Compatible, 4);
    assert_eq!((c.step_on(28).unwrap(), c.step_on(20).unwrap()), (7, 5));
    for g in [Group::HTrans, Group::VTrans] {
        assert_eq!(g.order(28, 7).unwrap(), 4);
        assert_eq!(g.order(20, 5).unwrap(), 4);
    }
    assert!(c.step_on(30).is_err());
    assert_eq!(Shift::new(Translation::Paper, 4), Shift::Step(4));
}

#[test]
fn htrans_orbit_counts_under_both_translations() {
    let h = GroupSet::single(Group::HTrans);
    let paper = ChildOrbits::new(h, Shift::new(Translation::Paper, 4)).unwrap();
    assert_eq!((paper.l1.n_weight, paper.l1.n_hidden), (8_960, 80));
    assert_eq!((paper.l2.n_weight, paper.l2.n_hidden), (32_000, 80));
    assert_eq!(paper.params(), 45_130);
    let compat = ChildOrbits::new(h, Shift::new(Translation::Compatible, 4)).unwrap();
    // Order 4 acts freely on both grids: every orbit has 4 members.
    assert_eq!((compat.l1.n_weight, compat.l1.n_hidden), (78_400, 100));
    assert_eq!((compat.l2.n_weight, compat.l2.n_hidden), (40_000, 100));
    assert_eq!(compat.params(), 122_610);
    let l1 = layer_orbits(28, 20, h, Shift::Order(4)).unwrap();
    let mut columns: Vec<Vec<u32>> = (0..400)
        .map(|j| (0..784).map(|i| l1.weight[i * 400 + j]).collect())
        .collect();
    columns.sort();
    columns.dedup();
    assert_eq!(columns.len(), 400, "no hidden unit is a copy of another");
}

fn permute_rows(x: &[f32], dim: usize, p: &aen_core::groups::Perm) -> Vec<f32> {
    let mut out = vec![0.0; x.len()];
    for (src, dst) in x.chunks(dim).zip(out.chunks_mut(dim)) {
        p.apply(src, dst);
    }
    out
}

fn max_err(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn compatible_translation_networks_are_equivariant() {
    let dev = Cpu::default();
    let set = GroupSet::parse("htrans,vtrans,rot90").unwrap();
    let net = ChildNet::new(&dev, &ChildOrbits::new(set, Shift::Order(4)).unwrap(), 5);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    let batch = 3;
    let x: Vec<f32> = (0..batch * IN).map(|_| rng.gen_range(0.0..1.0)).collect();
    let h: Vec<f32> = (0..batch * HID).map(|_| rng.gen_range(-1.0..1.0)).collect();
    let y1 = net
        .layer1(dev.tensor_from_vec(x.clone(), (batch, Const::<IN>)))
        .as_vec();
    let y2 = net
        .layer2(dev.tensor_from_vec(h.clone(), (batch, Const::<HID>)))
        .as_vec();
    for g in set.iter() {
        let (gi, gh) = (g.generator(28, 7).unwrap(), g.generator(20, 5).unwrap());
        let y1g = net
            .layer1(dev.tensor_from_vec(permute_rows(&x, IN, &gi), (batch, Const::<IN>)))
            .as_vec();
        let e1 = max_err(&y1g, &permute_rows(&y1, HID, &gh));
        assert!(e1 < 1e-5, "layer 1 off by {e1} under {g}");
        let y2g = net
            .layer2(dev.tensor_from_vec(permute_rows(&h, HID, &gh), (batch, Const::<HID>)))
            .as_vec();
        let e2 = max_err(&y2g, &permute_rows(&y2, HID, &gh));
        assert!(e2 < 1e-5, "layer 2 off by {e2} under {g}");
    }
    // The paper's step-4 shift on the input is not a symmetry of this network.
    let gi = Group::HTrans.generator(28, 4).unwrap();
    let gh = Group::HTrans.generator(20, 4).unwrap();
    let y1g = net
        .layer1(dev.tensor_from_vec(permute_rows(&x, IN, &gi), (batch, Const::<IN>)))
        .as_vec();
    assert!(max_err(&y1g, &permute_rows(&y1, HID, &gh)) > 1e-3);
}

#[test]
fn compatible_g_data_shifts_the_input_grid_by_7() {
    let mut s = small();
    s.data.groups = GroupSet::single(Group::HTrans);
    s.data.translation = Translation::Compatible;
    s.data.normalize = Normalize::None;
    let b = base();
    let gd = s.gdata(&b, s.data.groups, s.child_sizes()).unwrap();
    let p = Group::HTrans.generator(28, 7).unwrap();
    for i in 0..gd.train.len() {
        let k = gd.train.powers[i] as usize;
        assert!(k < 4);
        let raw = b.train.images.image(gd.train.source[i]);
        let mut want = raw.to_vec();
        let mut tmp = vec![0u8; 784];
        for _ in 0..k {
            p.apply(&want, &mut tmp);
            want.copy_from_slice(&tmp);
        }
        let got: Vec<u8> = gd
            .train
            .image(i)
            .iter()
            .map(|v| (v * 255.0).round() as u8)
            .collect();
        assert_eq!(got, want);
    }
}

#[test]
fn snapshots_from_before_normalization_resume_on_raw_pixels() {
    let mut v = serde_json::to_value(Settings::default()).unwrap();
    v["data"].as_object_mut().unwrap().remove("normalize");
    let snap = serde_json::json!({
        "format": "aen-snapshot", "version": 2, "saved_at": "x", "settings": v,
        "dataset": "MNIST", "source": "embedded", "device": "CPU",
        "history": {"steps": [], "models": [], "episodes": [], "changes": []},
        "finished": null,
    });
    let bytes = serde_json::to_vec(&snap).unwrap();
    let s = aen_engine::snapshot::from_bytes(std::path::Path::new("old.json"), &bytes).unwrap();
    assert_eq!(s.settings.data.normalize, Normalize::None);
}
