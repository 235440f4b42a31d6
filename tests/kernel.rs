//! The CPU tied-layer kernel against dfdx's own gather + matmul: the same outputs and
//! the same gradients for theta, the tied biases and the input.

use aen::groups::GroupSet;
use aen::nn::{ChildNet, HID, TiedOps, tied_layer_generic};
use aen::orbits::ChildOrbits;
use dfdx::prelude::*;
use rand::{Rng, SeedableRng};

fn max_rel(a: &[f32], b: &[f32]) -> f32 {
    let scale = a.iter().map(|v| v.abs()).fold(1e-6, f32::max);
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
        / scale
}

#[test]
fn the_cpu_kernel_matches_dfdx_gather_and_matmul_forward_and_backward() {
    let dev = Cpu::default();
    for text in ["none", "rot90", "preset:2", "all"] {
        let orbits = ChildOrbits::new(GroupSet::parse(text).unwrap(), 4).unwrap();
        let net = ChildNet::new(&dev, &orbits, 11);
        let (_, tie2) = net.ties();
        let p = &net.params;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let batch = 7;
        let xv: Vec<f32> = (0..batch * HID).map(|_| rng.gen_range(-1.0..1.0)).collect();
        let coef: Vec<f32> = (0..batch * HID).map(|_| rng.gen_range(-1.0..1.0)).collect();
        let coef = dev.tensor_from_vec(coef, (batch, Const::<HID>));

        let run = |custom: bool| {
            let x = dev.tensor_from_vec(xv.clone(), (batch, Const::<HID>));
            let grads = Gradients::leaky();
            let xt = x.clone().traced(grads);
            let y = if custom {
                Cpu::tied_layer(xt, &p.theta2, &p.bias2, tie2, true)
            } else {
                tied_layer_generic(xt, &p.theta2, &p.bias2, tie2)
            };
            let out = y.retaped::<NoneTape>().as_vec();
            let g = (y * coef.clone()).sum().backward();
            (
                out,
                g.get(&p.theta2).as_vec(),
                g.get(&p.bias2).as_vec(),
                g.get(&x).as_vec(),
            )
        };
        let (a, b) = (run(true), run(false));
        assert!(max_rel(&a.0, &b.0) < 1e-5, "{text}: forward");
        assert!(max_rel(&a.1, &b.1) < 1e-4, "{text}: dL/dtheta");
        assert!(max_rel(&a.2, &b.2) < 1e-4, "{text}: dL/dbias");
        assert!(max_rel(&a.3, &b.3) < 1e-4, "{text}: dL/dx");
    }
}
