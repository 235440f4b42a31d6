//! Orbit construction: the paper's check values, agreement with the naive closure
//! construction, and the known collapse of translation-tied hidden units.

use aen_core::groups::{Group, GroupSet};
use aen_core::orbits::{ChildOrbits, layer_orbits, layer_orbits_by_closure};

#[test]
fn rot90_from_28x28_to_20x20_gives_78400_weight_and_100_hidden_orbits() {
    let o = layer_orbits(28, 20, GroupSet::single(Group::Rot90), 4).unwrap();
    assert_eq!((o.n_weight, o.n_hidden), (78_400, 100));
    let o = layer_orbits(28, 20, GroupSet::EMPTY, 4).unwrap();
    assert_eq!((o.n_weight, o.n_hidden), (313_600, 400));
    assert!(o.is_dense());
}

#[test]
fn orbit_ids_are_dense_and_constant_under_every_generator() {
    let set = GroupSet::parse("rot90,hflip,sc4").unwrap();
    let o = layer_orbits(28, 20, set, 4).unwrap();
    assert_eq!(*o.weight.iter().max().unwrap() as usize + 1, o.n_weight);
    for g in set.iter() {
        let (gi, gh) = (g.generator(28, 4).unwrap(), g.generator(20, 4).unwrap());
        for i in (0..784).step_by(7) {
            for j in 0..400 {
                let a = o.weight[i * 400 + j];
                let b = o.weight[gi.0[i] as usize * 400 + gh.0[j] as usize];
                assert_eq!(a, b);
            }
            assert_eq!(o.hidden[i % 400], o.hidden[gh.0[i % 400] as usize]);
        }
    }
}

#[test]
fn generators_give_the_same_orbits_as_enumerating_the_whole_group() {
    // Full size for single groups, smaller grids for combinations.
    for g in Group::ALL {
        let s = GroupSet::single(g);
        let fast = layer_orbits(28, 20, s, 4).unwrap();
        let slow = layer_orbits_by_closure(28, 20, s, 4, 100)
            .unwrap()
            .expect("small group");
        assert_eq!(fast, slow, "{g}");
    }
    for text in [
        "rot90,hflip",
        "preset:1",
        "preset:2",
        "rot90,sc1,sc2",
        "hflip,vflip,htrans",
    ] {
        let s = GroupSet::parse(text).unwrap();
        let fast = layer_orbits(8, 4, s, 2).unwrap();
        let slow = layer_orbits_by_closure(8, 4, s, 2, 200_000)
            .unwrap()
            .expect("enumerable");
        assert_eq!(fast, slow, "{text}");
    }
}

#[test]
fn the_closure_gives_up_on_groups_too_large_to_enumerate() {
    assert!(
        layer_orbits_by_closure(28, 20, GroupSet::ALL, 4, 1000)
            .unwrap()
            .is_none()
    );
}

#[test]
fn translation_ties_force_hidden_units_into_80_identical_copies() {
    // PAPER.md §8: with step 4 on 28 and 20 grids, g^7 fixes the input and shifts the
    // hidden grid by 8, so hidden columns of the weight matrix coincide.
    let o = layer_orbits(28, 20, GroupSet::single(Group::HTrans), 4).unwrap();
    let mut columns: Vec<Vec<u32>> = (0..400)
        .map(|j| (0..784).map(|i| o.weight[i * 400 + j]).collect())
        .collect();
    columns.sort();
    columns.dedup();
    assert_eq!(columns.len(), 80);
    assert_eq!(o.n_hidden, 80);
}

#[test]
fn parameter_count_is_orbits_plus_tied_biases_plus_the_dense_last_layer() {
    let o = ChildOrbits::new(GroupSet::single(Group::Rot90), 4).unwrap();
    assert_eq!(o.params(), 78_400 + 100 + 40_000 + 100 + 4_000 + 10);
    assert_eq!(
        ChildOrbits::new(GroupSet::EMPTY, 4).unwrap().params(),
        313_600 + 400 + 160_000 + 400 + 4_010
    );
}
