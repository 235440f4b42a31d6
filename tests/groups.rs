//! The twelve generators against hand-worked 4x4 grids (step 1), bijectivity and orders.

use aen_core::groups::{Group, GroupError, GroupSet, Perm};

/// Applies `g` to the 4x4 grid holding 0..16 and returns the result row by row.
fn moved(g: Group, step: usize) -> Vec<u32> {
    let p = g.generator(4, step).unwrap();
    let img: Vec<u32> = (0..16).collect();
    let mut out = vec![0; 16];
    p.apply(&img, &mut out);
    out
}

#[test]
fn each_generator_moves_a_small_grid_as_worked_by_hand() {
    let cases: [(Group, [u32; 16]); 12] = [
        (
            Group::Rot90,
            [12, 8, 4, 0, 13, 9, 5, 1, 14, 10, 6, 2, 15, 11, 7, 3],
        ),
        (
            Group::HFlip,
            [3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12],
        ),
        (
            Group::VFlip,
            [12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3],
        ),
        (
            Group::HTrans,
            [3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14],
        ),
        (
            Group::VTrans,
            [12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
        ),
        (
            Group::Sc1,
            [8, 9, 0, 1, 12, 13, 4, 5, 10, 11, 2, 3, 14, 15, 6, 7],
        ),
        (
            Group::Sc2,
            [2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13],
        ),
        (
            Group::Sc3,
            [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7],
        ),
        (
            Group::Sc4,
            [8, 9, 2, 3, 12, 13, 6, 7, 0, 1, 10, 11, 4, 5, 14, 15],
        ),
        (
            Group::Sc5,
            [0, 1, 10, 11, 4, 5, 14, 15, 8, 9, 2, 3, 12, 13, 6, 7],
        ),
        (
            Group::Sc6,
            [2, 3, 0, 1, 6, 7, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15],
        ),
        (
            Group::Sc7,
            [0, 1, 2, 3, 4, 5, 6, 7, 10, 11, 8, 9, 14, 15, 12, 13],
        ),
    ];
    for (g, want) in cases {
        assert_eq!(moved(g, 1), want, "{g}");
    }
}

#[test]
fn every_generator_is_a_bijection_with_the_stated_order_on_28x28() {
    let orders = [4, 2, 2, 7, 7, 4, 2, 2, 2, 2, 2, 2];
    for (g, want) in Group::ALL.iter().zip(orders) {
        let p = g.generator(28, 4).unwrap();
        assert!(p.is_bijection(), "{g}");
        assert_eq!(p.order(), want, "{g}");
        assert!(p.pow(want).is_identity(), "{g}^{want} is the identity");
        for k in 1..want {
            assert!(!p.pow(k).is_identity(), "{g}^{k} is not the identity");
        }
    }
}

#[test]
fn translation_order_depends_on_grid_and_step() {
    assert_eq!(Group::HTrans.order(20, 4).unwrap(), 5);
    assert_eq!(Group::VTrans.order(28, 3).unwrap(), 28);
    assert_eq!(Group::HTrans.order(28, 14).unwrap(), 2);
}

#[test]
fn odd_grids_and_bad_steps_are_refused_where_the_group_needs_it() {
    assert!(Group::Rot90.generator(5, 4).is_ok());
    assert!(Group::HTrans.generator(5, 2).is_ok());
    assert_eq!(
        Group::Sc1.generator(5, 4),
        Err(GroupError::OddGrid { group: "sc1", n: 5 })
    );
    assert_eq!(
        Group::HTrans.generator(4, 0),
        Err(GroupError::BadStep { step: 0, n: 4 })
    );
}

#[test]
fn group_vectors_parse_from_names_bits_and_presets_and_misspellings_list_the_names() {
    assert_eq!(
        GroupSet::parse("rot90,sc1").unwrap().bit_string(),
        "100001000000"
    );
    assert_eq!(
        GroupSet::parse("100001000000").unwrap(),
        GroupSet::parse("sc1,rot90").unwrap()
    );
    assert_eq!(GroupSet::parse("preset:5").unwrap(), GroupSet::ALL);
    assert_eq!(GroupSet::parse("preset:0").unwrap(), GroupSet::EMPTY);
    assert_eq!(
        GroupSet::parse("preset:4").unwrap().to_string(),
        "rot90,hflip,vflip,htrans,vtrans,sc1"
    );
    let e = GroupSet::parse("rot90,hflp").unwrap_err().to_string();
    assert!(
        e.contains("unknown group `hflp`") && e.contains("hflip") && e.contains("sc7"),
        "{e}"
    );
    assert!(GroupSet::parse("10101").is_err());
}

#[test]
fn text_naming_no_group_is_an_error_that_says_how_to_ask_for_none() {
    for text in ["", ",", " , ", "+", " ,+, "] {
        let e = GroupSet::parse(text).unwrap_err();
        assert_eq!(e, GroupError::NoGroupNamed(text.to_string()));
        let msg = e.to_string();
        assert!(
            msg.contains("names no group")
                && msg.contains("`none`")
                && msg.contains("000000000000"),
            "{msg}"
        );
        assert!(text.parse::<GroupSet>().is_err());
    }
    for none in ["none", " NONE ", "000000000000", "preset:0"] {
        assert_eq!(GroupSet::parse(none).unwrap(), GroupSet::EMPTY, "{none}");
    }
    assert_eq!(GroupSet::parse("all").unwrap(), GroupSet::ALL);
    assert_eq!(
        GroupSet::parse(" rot90 , ,hflip ").unwrap(),
        GroupSet::parse("rot90,hflip").unwrap(),
        "stray separators between names stay harmless"
    );
}

#[test]
fn composition_applies_right_to_left() {
    let r = Group::Rot90.generator(4, 1).unwrap();
    let h = Group::HFlip.generator(4, 1).unwrap();
    let both = h.after(&r);
    let img: Vec<u32> = (0..16).collect();
    let (mut a, mut b) = (vec![0; 16], vec![0; 16]);
    r.apply(&img, &mut a);
    h.apply(&a, &mut b);
    let mut c = vec![0; 16];
    both.apply(&img, &mut c);
    assert_eq!(b, c);
    assert!(Perm::identity(16).after(&r) == r);
}
