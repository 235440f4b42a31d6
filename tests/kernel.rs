//! aen's CPU kernel against dfdx, the reference it replaced on the CPU: the same initial
//! weights, the same gradients to float precision, Adam moving a parameter exactly as
//! dfdx's Adam does, tied layers equivariant, and whole trainings that learn the same.

use crate::common;

use aen_core::gdata::GData;
use aen_core::groups::GroupSet;
use aen_core::kernel::{Adam, Layer, Mlp, Work, cross_entropy};
use aen_core::nn::{ChildNet, HID, IN, OUT};
use aen_core::orbits::ChildOrbits;
use aen_core::train::cpu::child_mlp;
use aen_core::train::{Flow, TrainConfig, train_child, train_child_dfdx};
use dfdx::optim::{AdamConfig, Optimizer};
use dfdx::prelude::*;
use rand::{Rng, SeedableRng};
use std::sync::Arc;

fn max_rel(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    let scale = a.iter().map(|v| v.abs()).fold(1e-6, f32::max);
    (a.iter().zip(b))
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
        / scale
}

/// dfdx's padded parameter tensors laid end to end without their padding: the
/// kernel's layout.
fn compact(net: &ChildNet<Cpu>, o: &ChildOrbits) -> Vec<f32> {
    let p = &net.params;
    [
        &p.theta1.as_vec()[..o.l1.n_weight],
        &p.bias1.as_vec()[..o.l1.n_hidden],
        &p.theta2.as_vec()[..o.l2.n_weight],
        &p.bias2.as_vec()[..o.l2.n_hidden],
        &p.w3.as_vec()[..],
        &p.b3.as_vec()[..],
    ]
    .concat()
}

#[test]
fn a_kernel_step_gives_dfdx_gradients_from_the_same_initial_weights() {
    let dev = Cpu::default();
    for text in ["none", "rot90", "preset:2", "all"] {
        let orbits = ChildOrbits::new(GroupSet::parse(text).unwrap(), 4).unwrap();
        let reference = ChildNet::new(&dev, &orbits, 11);
        let net = child_mlp(&orbits);
        let params = net.init(&mut rand_chacha::ChaCha8Rng::seed_from_u64(11));
        assert_eq!(
            params,
            compact(&reference, &orbits),
            "{text}: initial weights"
        );
        assert_eq!(net.n_params(), orbits.params(), "{text}");

        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let rows = 13;
        let x: Vec<f32> = (0..rows * IN).map(|_| rng.gen_range(-1.0..2.0)).collect();
        let labels: Vec<usize> = (0..rows).map(|_| rng.gen_range(0..OUT)).collect();

        let mut work = Work::new(&net, rows, rows);
        work.input(rows).copy_from_slice(&x);
        work.gather(&net, &params);
        let logits = work.forward(&net, &params, rows).to_vec();
        let (_, delta) = work.output_delta(&net, rows);
        let loss = cross_entropy(&logits, OUT, |r| labels[r], delta);
        work.backward(&net, &params, rows);

        let xt = dev.tensor_from_vec(x.clone(), (rows, Const::<IN>));
        let mut y = vec![0.0f32; rows * OUT];
        labels
            .iter()
            .enumerate()
            .for_each(|(r, &l)| y[r * OUT + l] = 1.0);
        let y = dev.tensor_from_vec(y, (rows, Const::<OUT>));
        let out = reference.forward(xt.trace(Gradients::leaky()));
        assert!(
            max_rel(&logits, &out.retaped::<NoneTape>().as_vec()) < 1e-5,
            "{text}: logits"
        );
        let ref_loss = cross_entropy_with_logits_loss(out, y);
        assert!((loss - ref_loss.array()).abs() < 1e-5, "{text}: loss");
        let g = ref_loss.backward();
        let p = &reference.params;
        let grads = [
            &g.get(&p.theta1).as_vec()[..orbits.l1.n_weight],
            &g.get(&p.bias1).as_vec()[..orbits.l1.n_hidden],
            &g.get(&p.theta2).as_vec()[..orbits.l2.n_weight],
            &g.get(&p.bias2).as_vec()[..orbits.l2.n_hidden],
            &g.get(&p.w3).as_vec()[..],
            &g.get(&p.b3).as_vec()[..],
        ]
        .concat();
        assert!(max_rel(work.grad(), &grads) < 1e-4, "{text}: gradients");
    }
}

#[test]
fn adam_moves_a_parameter_exactly_as_dfdx_adam_does() {
    let dev = Cpu::default();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    const N: usize = 1000;
    let n = N;
    let start: Vec<f32> = (0..n).map(|_| rng.gen_range(-1.0..1.0)).collect();
    let mut reference = dev.tensor_from_vec(start.clone(), Rank1::<N>::default());
    let mut opt = dfdx::optim::Adam::new(
        &reference,
        AdamConfig {
            lr: 2e-3,
            ..Default::default()
        },
    );
    let mut ours = start;
    let mut adam = Adam::new(n, 2e-3);
    for _ in 0..20 {
        let g: Vec<f32> = (0..n).map(|_| rng.gen_range(-1.0..1.0)).collect();
        let traced = reference.clone().traced(Gradients::leaky());
        let gt = dev.tensor_from_vec(g.clone(), Rank1::<N>::default());
        let grads = (traced * gt).sum().backward();
        opt.update(&mut reference, &grads).unwrap();
        adam.step(&mut ours, &g);
    }
    assert_eq!(ours, reference.as_vec(), "bit for bit");
}

fn permute_rows(x: &[f32], dim: usize, p: &aen_core::groups::Perm) -> Vec<f32> {
    let mut out = vec![0.0; x.len()];
    for (src, dst) in x.chunks(dim).zip(out.chunks_mut(dim)) {
        p.apply(src, dst);
    }
    out
}

#[test]
fn the_kernels_tied_layers_are_equivariant_to_float_precision() {
    for text in ["rot90", "hflip,sc4", "htrans", "preset:2"] {
        let set = GroupSet::parse(text).unwrap();
        let o = ChildOrbits::new(set, 4).unwrap();
        let tied = |l: &aen_core::orbits::LayerOrbits, inp| {
            let w = (Arc::from(&l.weight[..]), l.n_weight);
            Layer::tied(inp, HID, true, w, (Arc::from(&l.hidden[..]), l.n_hidden))
        };
        let net = Mlp::new(vec![tied(&o.l1, IN), tied(&o.l2, HID)]);
        let params = net.init(&mut rand_chacha::ChaCha8Rng::seed_from_u64(9));
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let rows = 3;
        let x: Vec<f32> = (0..rows * IN).map(|_| rng.gen_range(0.0..1.0)).collect();
        let y = net.predict(&params, &x, rows);
        assert!(y.iter().any(|&v| v > 0.0), "{text}: not all dead");
        for g in set.iter() {
            let (gi, gh) = (g.generator(28, 4).unwrap(), g.generator(20, 4).unwrap());
            let yg = net.predict(&params, &permute_rows(&x, IN, &gi), rows);
            let e = max_rel(&yg, &permute_rows(&y, HID, &gh));
            assert!(e < 1e-5, "{text}: off by {e} under {g}");
        }
    }
}

fn tiny() -> (GData, aen_engine::settings::Settings) {
    let mut s = common::tiny_settings();
    s.child.train_size = 256;
    s.child.val_size = 200;
    s.child.test_size = 200;
    s.child.epochs = 2;
    s.child.batch = 32;
    let (_, gd) = aen_engine::session::prepare_data(&s).unwrap();
    (gd, s)
}

#[test]
fn a_child_trained_by_the_kernel_learns_what_dfdx_teaches_it_and_repeats_exactly() {
    let (gd, s) = tiny();
    let dev = aen_core::nn::Dev::default();
    for text in ["none", "rot90", "preset:2"] {
        let set = GroupSet::parse(text).unwrap();
        let orbits = ChildOrbits::new(set, 4).unwrap();
        let cfg = TrainConfig {
            epochs: s.child.epochs,
            batch: s.child.batch,
            lr: 1e-3,
            seed: 7,
        };
        let go = || train_child(&dev, &orbits, &gd, cfg, &mut |_| Flow::Continue).unwrap();
        let (a, again) = (go(), go());
        assert_eq!(a.val_curve, again.val_curve, "{text}: deterministic");
        assert_eq!(a.test_acc, again.test_acc, "{text}: deterministic");
        let r = train_child_dfdx(&dev, &orbits, &gd, cfg, &mut |_| Flow::Continue).unwrap();
        assert_eq!(a.params, r.params, "{text}");
        // 200 images: one image is half a point; float order may flip a few borderline ones.
        for (x, y) in a.val_curve.iter().zip(&r.val_curve) {
            assert!(
                (x - y).abs() <= 1.5,
                "{text}: validation {x} kernel, {y} dfdx"
            );
        }
        assert!((a.test_acc - r.test_acc).abs() <= 1.5, "{text}: test");
        assert!(a.val_acc > 20.0, "{text}: above chance ({})", a.val_acc);
    }
}

#[test]
fn the_step_timing_accounts_for_the_run_and_a_cancel_stops_it() {
    let (gd, s) = tiny();
    let orbits = ChildOrbits::new(GroupSet::parse("rot90").unwrap(), 4).unwrap();
    let cfg = TrainConfig {
        epochs: 2,
        batch: s.child.batch,
        lr: 1e-3,
        seed: 1,
    };
    let (r, t) =
        aen_core::train::cpu::train(&orbits, &gd, cfg, &mut |_| Flow::Continue, true).unwrap();
    let t = t.expect("timed");
    assert_eq!(t.steps, 2 * 256 / 32);
    let total = t.total().as_secs_f64();
    assert!(
        total <= r.seconds && total > 0.3 * r.seconds,
        "{total} of {}",
        r.seconds
    );
    assert!(
        t.spent.iter().all(|d| !d.is_zero()),
        "every phase seen: {t:?}"
    );
    let mut n = 0;
    let cancelled = aen_core::train::cpu::train(
        &orbits,
        &gd,
        cfg,
        &mut |_| {
            n += 1;
            if n == 3 { Flow::Cancel } else { Flow::Continue }
        },
        false,
    );
    assert!(cancelled.is_err());
    assert_eq!(n, 3);
}
