//! Adam (Kingma and Ba) over a flat parameter vector, element by element in the order
//! and precision of dfdx's CPU kernel, with one difference: numbers too small to matter
//! are set to zero before they become subnormal. A moment that decays by 0.9 every
//! step, or the square of a tiny gradient, would otherwise reach the subnormal range,
//! where each operation costs the CPU a microcode assist: it made the Q-network's Adam
//! a third of a search's time against a table. What is dropped cannot move a parameter
//! measurably: with eps = 1e-8 in the denominator, a gradient below 1e-15 moves it by
//! less than lr * 1e-7, a first moment below 1e-30 by less than lr * 1e-22.

const BETA1: f32 = 0.9;
const BETA2: f32 = 0.999;
const EPS: f32 = 1e-8;
/// Gradients smaller than this in magnitude count as zero.
const G_FLOOR: f32 = 1e-15;
/// Moments smaller than this in magnitude become zero.
const M_FLOOR: f32 = 1e-30;

/// x, or zero where |x| < floor: a compare and a blend, no branch.
#[inline(always)]
fn floor(x: f32, floor: f32) -> f32 {
    if x.abs() < floor { 0.0 } else { x }
}

#[derive(Clone, Debug)]
pub struct Adam {
    pub lr: f64,
    t: i32,
    m: Vec<f32>,
    v: Vec<f32>,
}

impl Adam {
    pub fn new(n: usize, lr: f64) -> Adam {
        Adam {
            lr,
            t: 0,
            m: vec![0.0; n],
            v: vec![0.0; n],
        }
    }

    /// One update of `p` by its gradient `g`.
    pub fn step(&mut self, p: &mut [f32], g: &[f32]) {
        assert!(p.len() == self.m.len() && g.len() == p.len());
        self.t += 1;
        let k = Coefficients {
            lr: self.lr as f32,
            r1: (1.0 - BETA1.powi(self.t)).recip(),
            r2: (1.0 - BETA2.powi(self.t)).recip(),
        };
        let (m, v) = (&mut self.m[..], &mut self.v[..]);
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU has AVX-512F, checked just above.
            return unsafe { update_avx512(k, p, g, m, v) };
        } else if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, checked just above.
            return unsafe { update_avx2(k, p, g, m, v) };
        }
        update(k, p, g, m, v)
    }
}

#[derive(Clone, Copy)]
struct Coefficients {
    lr: f32,
    r1: f32,
    r2: f32,
}

/// The update, element by element. Wider vectors change nothing but speed: every
/// operation is IEEE single precision, with no fused multiply-add.
#[inline(always)]
fn update(k: Coefficients, p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32]) {
    let (c1, c2) = (1.0 - BETA1, 1.0 - BETA2);
    let n = p.len();
    let (g, m, v) = (&g[..n], &mut m[..n], &mut v[..n]);
    for i in 0..n {
        let g = floor(g[i], G_FLOOR);
        m[i] = floor(m[i] * BETA1 + g * c1, M_FLOOR);
        v[i] = floor(v[i] * BETA2 + g * g * c2, M_FLOOR);
        let m_hat = m[i] * k.r1;
        let v_hat = v[i] * k.r2;
        p[i] -= k.lr * m_hat / (v_hat.sqrt() + EPS);
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn update_avx512(k: Coefficients, p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32]) {
    update(k, p, g, m, v)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn update_avx2(k: Coefficients, p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32]) {
    update(k, p, g, m, v)
}
