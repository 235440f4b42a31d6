//! The machine's own limit for a training step: the rate of this gemm, on one thread,
//! on exactly the products a step of a network makes (same shapes, same transposes),
//! measured in the same run as the step it is compared with.

use super::gemm::matmul;
use super::mlp::Mlp;
use std::time::Instant;

#[derive(Clone, Copy, Debug)]
pub struct GemmRate {
    /// Floating-point operations per second of the step's products alone.
    pub flops: f64,
    /// Floating-point operations of one training image (`Mlp::train_flops`).
    pub flops_per_image: f64,
}

impl GemmRate {
    /// Images per second per thread if a step were nothing but its products.
    pub fn images_per_s(&self) -> f64 {
        self.flops / self.flops_per_image
    }
}

/// Times the products of training steps of `rows` rows through `mlp` on this thread
/// for about `seconds` (after one untimed warm-up step).
pub fn gemm_rate(mlp: &Mlp, rows: usize, seconds: f64) -> GemmRate {
    let ls = mlp.layers();
    // Values away from zero and denormals; the rate does not depend on them otherwise.
    let buf = |n: usize| vec![0.5f32; n];
    let xs: Vec<Vec<f32>> = ls.iter().map(|l| buf(rows * l.inp)).collect();
    let ws: Vec<Vec<f32>> = ls.iter().map(|l| buf(l.inp * l.out)).collect();
    let mut ys: Vec<Vec<f32>> = ls.iter().map(|l| buf(rows * l.out)).collect();
    let mut gws: Vec<Vec<f32>> = ls.iter().map(|l| buf(l.inp * l.out)).collect();
    let mut dxs: Vec<Vec<f32>> = ls.iter().map(|l| buf(rows * l.inp)).collect();
    let mut step = || {
        for (k, l) in ls.iter().enumerate() {
            let (x, w) = (&xs[k], &ws[k]);
            matmul(
                (rows, l.inp, l.out),
                (x, l.inp, 1),
                (w, l.out, 1),
                &mut ys[k],
                true,
            );
        }
        for (k, l) in ls.iter().enumerate().rev() {
            let (a, d) = (&xs[k], &ys[k]);
            matmul(
                (l.inp, rows, l.out),
                (a, 1, l.inp),
                (d, l.out, 1),
                &mut gws[k],
                false,
            );
            if k > 0 {
                let w = &ws[k];
                matmul(
                    (rows, l.out, l.inp),
                    (d, l.out, 1),
                    (w, 1, l.out),
                    &mut dxs[k],
                    false,
                );
            }
        }
    };
    step();
    let start = Instant::now();
    let mut steps = 0u64;
    while steps == 0 || start.elapsed().as_secs_f64() < seconds {
        step();
        steps += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    GemmRate {
        flops: steps as f64 * rows as f64 * mlp.train_flops() / secs,
        flops_per_image: mlp.train_flops(),
    }
}
