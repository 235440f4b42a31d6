//! Tied layers are equivariant: applying a generator to the input permutes the
//! layer's outputs by the same generator on the hidden grid, to float precision.

use aen_core::groups::{Group, GroupSet};
use aen_core::nn::{ChildNet, HID, IN};
use aen_core::orbits::ChildOrbits;
use dfdx::prelude::*;
use rand::{Rng, SeedableRng};

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

fn check(set: GroupSet) {
    let dev = Cpu::default();
    let orbits = ChildOrbits::new(set, 4).unwrap();
    let net = ChildNet::new(&dev, &orbits, 7 + set.bits() as u64);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(set.bits() as u64);
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
        let (gi, gh) = (g.generator(28, 4).unwrap(), g.generator(20, 4).unwrap());
        let gx = permute_rows(&x, IN, &gi);
        let y1g = net
            .layer1(dev.tensor_from_vec(gx, (batch, Const::<IN>)))
            .as_vec();
        let e1 = max_err(&y1g, &permute_rows(&y1, HID, &gh));
        assert!(e1 < 1e-5, "{set}: layer 1 off by {e1} under {g}");
        let gh_in = permute_rows(&h, HID, &gh);
        let y2g = net
            .layer2(dev.tensor_from_vec(gh_in, (batch, Const::<HID>)))
            .as_vec();
        let e2 = max_err(&y2g, &permute_rows(&y2, HID, &gh));
        assert!(e2 < 1e-5, "{set}: layer 2 off by {e2} under {g}");
    }
}

#[test]
fn every_single_group_network_is_equivariant_to_its_group() {
    for g in Group::ALL {
        check(GroupSet::single(g));
    }
}

#[test]
fn networks_tied_for_several_groups_are_equivariant_to_each() {
    for text in [
        "preset:1",
        "preset:2",
        "preset:3",
        "preset:4",
        "all",
        "rot90,sc1,sc7",
    ] {
        check(GroupSet::parse(text).unwrap());
    }
}

#[test]
fn a_plain_network_is_not_equivariant() {
    // Guards the test itself: without tying, rotating the input does not rotate outputs.
    let dev = Cpu::default();
    let net = ChildNet::new(&dev, &ChildOrbits::new(GroupSet::EMPTY, 4).unwrap(), 1);
    let x: Vec<f32> = (0..IN).map(|i| (i % 17) as f32 / 17.0).collect();
    let (gi, gh) = (
        Group::Rot90.generator(28, 4).unwrap(),
        Group::Rot90.generator(20, 4).unwrap(),
    );
    let y = net
        .layer1(dev.tensor_from_vec(x.clone(), (1, Const::<IN>)))
        .as_vec();
    let yg = net
        .layer1(dev.tensor_from_vec(permute_rows(&x, IN, &gi), (1, Const::<IN>)))
        .as_vec();
    assert!(max_err(&yg, &permute_rows(&y, HID, &gh)) > 1e-2);
}

#[test]
fn gradients_reach_only_the_used_orbit_parameters() {
    let dev = Cpu::default();
    let orbits = ChildOrbits::new(GroupSet::single(Group::Rot90), 4).unwrap();
    let net = ChildNet::new(&dev, &orbits, 3);
    let grads = net.params.alloc_grads();
    let x = dev.tensor_from_vec(vec![0.5f32; 2 * IN], (2, Const::<IN>));
    let loss = net.forward(x.traced(grads)).square().sum();
    let g = loss.backward();
    let t1 = g.get(&net.params.theta1).as_vec();
    assert!(t1[..orbits.l1.n_weight].iter().any(|v| *v != 0.0));
    assert!(
        t1[orbits.l1.n_weight..].iter().all(|v| *v == 0.0),
        "padding gets no gradient"
    );
}
