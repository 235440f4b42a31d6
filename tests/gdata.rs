//! G-datasets: reproducible, disjoint class-balanced splits, transformed by the groups.

use aen_core::data::{self, DatasetKind, SourceKind};
use aen_core::gdata::{self, SplitSizes};
use aen_core::groups::{Group, GroupSet};

fn base() -> data::BaseData {
    data::open(DatasetKind::Mnist, None, Some(SourceKind::Embedded)).unwrap()
}

const SIZES: SplitSizes = SplitSizes {
    train: 4000,
    val: 1000,
    test: 1000,
};

#[test]
fn the_same_inputs_give_the_same_data_and_another_seed_does_not() {
    let b = base();
    let g = GroupSet::preset(2).unwrap();
    let a = gdata::build(&b, g, 4, 5, SIZES).unwrap();
    let a2 = gdata::build(&b, g, 4, 5, SIZES).unwrap();
    let c = gdata::build(&b, g, 4, 6, SIZES).unwrap();
    assert_eq!(a.train.x, a2.train.x);
    assert_eq!(a.test.y, a2.test.y);
    assert_ne!(a.train.x, c.train.x);
    assert_eq!(
        (a.train.len(), a.val.len(), a.test.len()),
        (4000, 1000, 1000)
    );
}

#[test]
fn embedded_splits_are_disjoint_and_class_balanced() {
    let b = base();
    let [tr, va, te] = gdata::split_indices(&b, SIZES, 0).unwrap();
    let mut all: Vec<usize> = tr.iter().chain(&va).chain(&te).copied().collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 6000);
    for split in [&tr, &va, &te] {
        let mut counts = [0usize; 10];
        for &i in split.iter() {
            counts[b.train.labels[i] as usize] += 1;
        }
        let n = split.len() / 10;
        assert!(counts.iter().all(|&c| c == n), "{counts:?}");
    }
    let e = gdata::split_indices(
        &b,
        SplitSizes {
            train: 9000,
            val: 1000,
            test: 1000,
        },
        0,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("only 10000 are available") && e.contains("embedded pool"),
        "{e}"
    );
}

#[test]
fn every_transformed_image_is_a_group_element_applied_to_its_original() {
    let b = base();
    let set = GroupSet::single(Group::Rot90);
    let plain = gdata::build(&b, GroupSet::EMPTY, 4, 1, SIZES).unwrap();
    let rot = gdata::build(&b, set, 4, 1, SIZES).unwrap();
    let r = Group::Rot90.generator(28, 4).unwrap();
    let powers: Vec<_> = (0..4).map(|k| r.pow(k)).collect();
    let mut used = [0usize; 4];
    for i in 0..200 {
        let orig = plain.train.image(i);
        let t = rot.train.image(i);
        let k = powers
            .iter()
            .position(|p| {
                let mut out = vec![0.0; 784];
                p.apply(orig, &mut out);
                out == t
            })
            .expect("a rotation of the original");
        used[k] += 1;
    }
    assert!(
        used.iter().all(|&u| u > 20),
        "all four rotations drawn: {used:?}"
    );
    assert_eq!(
        plain.train.y, rot.train.y,
        "the groups do not change which images are used"
    );
}

#[test]
fn split_sizes_that_would_overflow_are_refused_not_wrapped() {
    let b = base();
    for sizes in [
        SplitSizes {
            train: usize::MAX,
            val: 1,
            test: 1,
        },
        SplitSizes {
            train: 1,
            val: 1,
            test: usize::MAX,
        },
    ] {
        let e = gdata::split_indices(&b, sizes, 0).unwrap_err().to_string();
        assert!(e.contains("only 10000 are available"), "{e}");
    }
    let mut full = base();
    full.test = Some(full.train.clone());
    let e = gdata::split_indices(
        &full,
        SplitSizes {
            train: usize::MAX,
            val: 2,
            test: 1,
        },
        0,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("in the training file"), "{e}");
}
