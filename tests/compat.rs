//! What was published stays reproducible: a committed snapshot (version 1, made before
//! classes and normalisation) and a committed sweep table (version 1) give, today, the
//! very numbers they recorded. The snapshot's models and sample rows of the table are
//! trained again and compared bit for bit, under the settings their files record (an
//! old file loads under `equivalence = none` and raw pixels).

use aen_core::gdata::Normalize;
use aen_core::groups::GroupSet;
use aen_engine::settings::{Equivalence, Settings};
use std::path::Path;

fn retrain(s: &Settings, state: GroupSet, seed_index: u32) -> (f64, f64) {
    let (_, gd) = aen_engine::session::prepare_data(s).unwrap();
    let spec = aen_engine::runner::ChildSpec::from_settings(s);
    let dev = aen_core::nn::Dev::default();
    let r = aen_engine::runner::train_one(&dev, &gd, &spec, state, seed_index, &mut |_| {
        aen_core::train::Flow::Continue
    })
    .unwrap();
    (r.val_acc, r.test_acc)
}

#[test]
fn a_committed_snapshot_trains_its_models_again_bit_for_bit() {
    let snap = aen_engine::snapshot::load(Path::new("tests/fixtures/session.json")).unwrap();
    let s = &snap.settings;
    assert_eq!(s.search.equivalence, Equivalence::None);
    assert_eq!(s.data.normalize, Normalize::None);
    // The first, a middle and the last model.
    let models = &snap.history.models;
    for m in [
        &models[0],
        &models[models.len() / 2],
        &models[models.len() - 1],
    ] {
        let (val, test) = retrain(s, m.state, 0);
        assert_eq!(
            (val.to_bits(), test.to_bits()),
            (m.val_acc.to_bits(), m.test_acc.to_bits()),
            "{}",
            m.state
        );
    }
}

#[test]
fn a_committed_sweep_table_trains_its_rows_again_bit_for_bit() {
    let read =
        aen_engine::sweep::table::read(Path::new("bench/results/sweep-mnist-p2.csv")).unwrap();
    let t = read.table;
    assert_eq!(t.header.version, 1);
    let id = &t.header.settings;
    let mut s = Settings::default();
    s.data.source = id.source.clone();
    s.data.groups = id.data_groups;
    s.data.step = id.step;
    s.data.seed = id.data_seed;
    s.child.epochs = id.epochs;
    (s.child.train_size, s.child.val_size, s.child.test_size) =
        (id.train_size, id.val_size, id.test_size);
    s.child.batch = id.batch;
    s.child.lr = id.lr;
    s.set("data.normalize", &id.normalize).unwrap();
    s.set("search.equivalence", &id.equivalence).unwrap();
    id.fits(&s).unwrap();
    let (_, gd) = aen_engine::session::prepare_data(&s).unwrap();
    assert_eq!(
        aen_engine::sweep::table::data_fingerprint(&gd),
        id.data_sha256
    );
    // Seeds 0 and 1 of a set, and a set of two groups.
    for (bits, seed) in [
        ("110000001100", 0),
        ("110000001100", 1),
        ("100000100000", 0),
    ] {
        let state = GroupSet::parse(bits).unwrap();
        let row = t
            .rows
            .iter()
            .find(|r| r.state == state && r.seed == seed)
            .unwrap();
        let (val, test) = retrain(&s, state, seed);
        assert_eq!(
            (val, test),
            (row.val_acc, row.test_acc),
            "{bits} seed {seed}"
        );
    }
}
