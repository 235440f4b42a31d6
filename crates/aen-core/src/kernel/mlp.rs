//! A multilayer perceptron with optionally tied layers, and the reused memory (`Work`)
//! its forward and backward passes run in.
//!
//! Parameters are one flat vector: each layer's free weights, then its free biases,
//! layer after layer. A dense layer's weights are its [in][out] matrix itself; a tied
//! layer's are one value per weight orbit, gathered into a full matrix once per step
//! (into `Work`, never allocated), and its weight gradient is scatter-added back into
//! the orbits' entries of the gradient vector.

use super::gemm::matmul;
use super::timing::{Clock, Phase, Timing};
use rand::Rng;
use std::borrow::Cow;
use std::sync::Arc;
use std::time::Instant;

/// Orbit ids of a tied layer: one per weight ([in][out]), one per output's bias.
type Ties = (Arc<[u32]>, Arc<[u32]>);

/// One fully connected layer, x W + b with W stored [in][out], ReLU after if `relu`.
#[derive(Clone, Debug)]
pub struct Layer {
    pub inp: usize,
    pub out: usize,
    pub relu: bool,
    /// Orbit id of each weight ([in][out]) and of each output's bias; None: dense.
    ties: Option<Ties>,
    n_weight: usize,
    n_bias: usize,
    w_at: usize,
    b_at: usize,
}

impl Layer {
    pub fn dense(inp: usize, out: usize, relu: bool) -> Layer {
        Layer {
            inp,
            out,
            relu,
            ties: None,
            n_weight: inp * out,
            n_bias: out,
            w_at: 0,
            b_at: 0,
        }
    }

    /// A layer whose weight (i, j) is free parameter `weight_ids[i * out + j]` of
    /// `n_weight`, and whose bias j is `bias_ids[j]` of `n_bias`.
    pub fn tied(
        inp: usize,
        out: usize,
        relu: bool,
        (weight_ids, n_weight): (Arc<[u32]>, usize),
        (bias_ids, n_bias): (Arc<[u32]>, usize),
    ) -> Layer {
        assert_eq!(weight_ids.len(), inp * out, "one orbit id per weight");
        assert_eq!(bias_ids.len(), out, "one orbit id per bias");
        assert!(weight_ids.iter().all(|&k| (k as usize) < n_weight));
        assert!(bias_ids.iter().all(|&k| (k as usize) < n_bias));
        Layer {
            inp,
            out,
            relu,
            ties: Some((weight_ids, bias_ids)),
            n_weight,
            n_bias,
            w_at: 0,
            b_at: 0,
        }
    }

    /// Free parameters: weights and biases.
    pub fn params(&self) -> usize {
        self.n_weight + self.n_bias
    }

    pub fn is_tied(&self) -> bool {
        self.ties.is_some()
    }

    /// Where this layer's free weights, then its free biases, lie in the parameters.
    pub fn ranges(&self) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
        (
            self.w_at..self.w_at + self.n_weight,
            self.b_at..self.b_at + self.n_bias,
        )
    }

    /// The orbit ids of a tied layer: one per weight ([in][out]), one per bias.
    pub fn ids(&self) -> Option<(&[u32], &[u32])> {
        self.ties.as_ref().map(|(w, b)| (&w[..], &b[..]))
    }

    /// The full [in][out] weight matrix and bias row of this layer under `params`:
    /// a dense layer's own, borrowed; a tied layer's, gathered.
    pub fn full<'a>(&self, params: &'a [f32]) -> (Cow<'a, [f32]>, Cow<'a, [f32]>) {
        let (w, b) = self.ranges();
        match &self.ties {
            None => (Cow::Borrowed(&params[w]), Cow::Borrowed(&params[b])),
            Some((wid, bid)) => {
                let mut full = (vec![0.0; wid.len()], vec![0.0; bid.len()]);
                gather(&mut full.0, wid, &params[w]);
                gather(&mut full.1, bid, &params[b]);
                (Cow::Owned(full.0), Cow::Owned(full.1))
            }
        }
    }
}

#[derive(Clone, Debug)]
pub struct Mlp {
    layers: Vec<Layer>,
    n_params: usize,
}

impl Mlp {
    pub fn new(mut layers: Vec<Layer>) -> Mlp {
        assert!(!layers.is_empty());
        assert!(
            layers.windows(2).all(|w| w[0].out == w[1].inp),
            "each layer reads what the one before writes"
        );
        let mut at = 0;
        for l in &mut layers {
            l.w_at = at;
            l.b_at = at + l.n_weight;
            at += l.params();
        }
        Mlp {
            layers,
            n_params: at,
        }
    }

    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    pub fn n_params(&self) -> usize {
        self.n_params
    }

    pub fn inputs(&self) -> usize {
        self.layers[0].inp
    }

    pub fn outputs(&self) -> usize {
        self.layers[self.layers.len() - 1].out
    }

    /// Fresh parameters: every free weight and bias uniform in +-1/sqrt(fan-in), drawn
    /// in storage order, so a tied weight starts like a dense layer's of that fan-in.
    pub fn init(&self, rng: &mut impl Rng) -> Vec<f32> {
        let mut p = Vec::with_capacity(self.n_params);
        for l in &self.layers {
            let bound = 1.0 / (l.inp as f32).sqrt();
            p.extend((0..l.params()).map(|_| rng.gen_range(-bound..bound)));
        }
        p
    }

    /// Outputs for `rows` input rows, without a `Work`: for a few rows at a time (a
    /// Q-network's choice); it allocates what it needs, full matrices of tied layers
    /// included.
    pub fn predict(&self, params: &[f32], x: &[f32], rows: usize) -> Vec<f32> {
        assert_eq!(params.len(), self.n_params);
        assert_eq!(x.len(), rows * self.inputs());
        let mut a = x.to_vec();
        for l in &self.layers {
            let (w, b) = l.full(params);
            let mut y: Vec<f32> = (0..rows).flat_map(|_| b.iter().copied()).collect();
            matmul(
                (rows, l.inp, l.out),
                (&a, l.inp, 1),
                (&w, l.out, 1),
                &mut y,
                true,
            );
            if l.relu {
                y.iter_mut().for_each(|v| *v = v.max(0.0));
            }
            a = y;
        }
        a
    }

    /// Floating-point operations of one training image: forward, weight gradients, and
    /// input gradients of every layer but the first.
    pub fn train_flops(&self) -> f64 {
        let macs: usize = (self.layers.iter().enumerate())
            .map(|(k, l)| l.inp * l.out * if k == 0 { 2 } else { 3 })
            .sum();
        2.0 * macs as f64
    }
}

/// Reused memory for one network's passes: activations for up to `rows` rows, deltas
/// for up to `train_rows`, gathered weights, and the gradient.
#[derive(Debug)]
pub struct Work {
    rows: usize,
    train_rows: usize,
    /// acts[0] is the input; acts[l + 1] is layer l's output (after its ReLU).
    acts: Vec<Vec<f32>>,
    deltas: Vec<Vec<f32>>,
    /// Gathered weights and biases of tied layers; empty for dense ones.
    w: Vec<Vec<f32>>,
    b: Vec<Vec<f32>>,
    scratch: Vec<f32>,
    grad: Vec<f32>,
    clock: Clock,
}

impl Work {
    /// Whether this memory takes `train_rows` training rows of `mlp`.
    pub fn fits(&self, mlp: &Mlp, train_rows: usize) -> bool {
        self.train_rows >= train_rows && self.grad.len() == mlp.n_params
    }

    pub fn new(mlp: &Mlp, train_rows: usize, rows: usize) -> Work {
        let rows = rows.max(train_rows);
        let ls = &mlp.layers;
        let tied = |l: &Layer, n: usize| {
            if l.is_tied() {
                vec![0.0; n]
            } else {
                Vec::new()
            }
        };
        let widest = ls.iter().filter(|l| l.is_tied()).map(|l| l.inp * l.out);
        Work {
            rows,
            train_rows,
            acts: std::iter::once(ls[0].inp)
                .chain(ls.iter().map(|l| l.out))
                .map(|n| vec![0.0; rows * n])
                .collect(),
            deltas: ls.iter().map(|l| vec![0.0; train_rows * l.out]).collect(),
            w: ls.iter().map(|l| tied(l, l.inp * l.out)).collect(),
            b: ls.iter().map(|l| tied(l, l.out)).collect(),
            scratch: vec![0.0; widest.max().unwrap_or(0)],
            grad: vec![0.0; mlp.n_params],
            clock: Clock {
                on: None,
                eval: false,
            },
        }
    }

    /// Rows a forward pass can take at once.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Starts timing phases (`timing`).
    pub fn time(&mut self) {
        self.clock.on = Some((Instant::now(), Timing::default()));
    }

    pub fn timing(&self) -> Option<&Timing> {
        self.clock.on.as_ref().map(|(_, t)| t)
    }

    /// Charges the time since the last phase ended to `p`.
    pub fn tick(&mut self, p: Phase) {
        self.clock.tick(p);
    }

    /// While set, every phase is charged to evaluation.
    pub fn evaluating(&mut self, on: bool) {
        self.clock.tick(Phase::Eval);
        self.clock.eval = on;
    }

    /// The input rows, to be filled before `forward`.
    pub fn input(&mut self, rows: usize) -> &mut [f32] {
        assert!(rows <= self.rows);
        let n = self.acts[0].len() / self.rows;
        &mut self.acts[0][..rows * n]
    }

    /// The gradient of the last `backward`, one entry per free parameter.
    pub fn grad(&self) -> &[f32] {
        &self.grad
    }

    /// Gathers the tied layers' weights and biases from `params`: once after every
    /// change of the parameters, before `forward`.
    pub fn gather(&mut self, mlp: &Mlp, params: &[f32]) {
        for (l, (w, b)) in mlp.layers.iter().zip(self.w.iter_mut().zip(&mut self.b)) {
            if let Some((wid, bid)) = &l.ties {
                gather(w, wid, &params[l.w_at..l.w_at + l.n_weight]);
                let beta = &params[l.b_at..l.b_at + l.n_bias];
                b.iter_mut()
                    .zip(bid.iter())
                    .for_each(|(b, &k)| *b = beta[k as usize]);
            }
        }
        self.clock.tick(Phase::Gather);
    }

    /// Runs the network on the first `rows` input rows; returns their outputs.
    pub fn forward(&mut self, mlp: &Mlp, params: &[f32], rows: usize) -> &[f32] {
        assert!(rows <= self.rows);
        for (k, l) in mlp.layers.iter().enumerate() {
            let (done, next) = self.acts.split_at_mut(k + 1);
            let x = &done[k][..rows * l.inp];
            let y = &mut next[0][..rows * l.out];
            let (w, b) = match l.ties {
                Some(_) => (&self.w[k][..], &self.b[k][..]),
                None => (&params[l.w_at..l.b_at], &params[l.b_at..l.b_at + l.out]),
            };
            y.chunks_exact_mut(l.out).for_each(|r| r.copy_from_slice(b));
            self.clock.tick(Phase::Elementwise);
            matmul((rows, l.inp, l.out), (x, l.inp, 1), (w, l.out, 1), y, true);
            self.clock.tick(Phase::Matmul);
            if l.relu {
                y.iter_mut().for_each(|v| *v = v.max(0.0));
            }
            self.clock.tick(Phase::Elementwise);
        }
        let last = mlp.layers.len();
        &self.acts[last][..rows * mlp.outputs()]
    }

    /// The outputs of the last `forward` and where the loss's gradient with respect to
    /// them goes, before `backward`.
    pub fn output_delta(&mut self, mlp: &Mlp, rows: usize) -> (&[f32], &mut [f32]) {
        assert!(rows <= self.train_rows);
        let n = mlp.outputs();
        let last = mlp.layers.len();
        (
            &self.acts[last][..rows * n],
            &mut self.deltas[last - 1][..rows * n],
        )
    }

    /// Back-propagates the output delta through the network of the last `forward`:
    /// `grad` then holds dL/dparams (overwritten, not accumulated).
    pub fn backward(&mut self, mlp: &Mlp, params: &[f32], rows: usize) {
        assert!(rows <= self.train_rows);
        for (k, l) in mlp.layers.iter().enumerate().rev() {
            let (below, here) = self.deltas.split_at_mut(k);
            let d = &here[0][..rows * l.out];
            let a = &self.acts[k][..rows * l.inp];
            let grad = &mut self.grad[l.w_at..l.b_at + l.n_bias];
            let (gw, gb) = grad.split_at_mut(l.n_weight);
            match &l.ties {
                None => {
                    matmul(
                        (l.inp, rows, l.out),
                        (a, 1, l.inp),
                        (d, l.out, 1),
                        gw,
                        false,
                    );
                    self.clock.tick(Phase::Matmul);
                    column_sums(d, gb);
                    self.clock.tick(Phase::Elementwise);
                }
                Some((wid, bid)) => {
                    let s = &mut self.scratch[..l.inp * l.out];
                    matmul((l.inp, rows, l.out), (a, 1, l.inp), (d, l.out, 1), s, false);
                    self.clock.tick(Phase::Matmul);
                    scatter(gw, wid, s);
                    self.clock.tick(Phase::Scatter);
                    column_sums(d, &mut s[..l.out]);
                    scatter(gb, bid, &s[..l.out]);
                    self.clock.tick(Phase::Elementwise);
                }
            }
            if k == 0 {
                break;
            }
            let w = match l.ties {
                Some(_) => &self.w[k][..],
                None => &params[l.w_at..l.b_at],
            };
            let dx = &mut below[k - 1][..rows * l.inp];
            matmul(
                (rows, l.out, l.inp),
                (d, l.out, 1),
                (w, 1, l.out),
                dx,
                false,
            );
            self.clock.tick(Phase::Matmul);
            if mlp.layers[k - 1].relu {
                // a is the ReLU's output: positive exactly where its input was.
                (dx.iter_mut().zip(a)).for_each(|(g, &x)| *g = if x > 0.0 { *g } else { 0.0 });
            }
            self.clock.tick(Phase::Elementwise);
        }
    }

    /// Counts one training step in the timing.
    pub fn stepped(&mut self) {
        if let Some((_, t)) = &mut self.clock.on {
            t.steps += 1;
        }
    }
}

/// w[i] = theta[ids[i]].
fn gather(w: &mut [f32], ids: &[u32], theta: &[f32]) {
    (w.iter_mut().zip(ids)).for_each(|(w, &k)| *w = theta[k as usize]);
}

/// s[j] = sum over rows of d[., j], rows added in order.
fn column_sums(d: &[f32], s: &mut [f32]) {
    s.fill(0.0);
    for row in d.chunks_exact(s.len()) {
        s.iter_mut().zip(row).for_each(|(s, v)| *s += v);
    }
}

/// dst[ids[i]] = sum of src[i]: dst is zeroed first.
fn scatter(dst: &mut [f32], ids: &[u32], src: &[f32]) {
    dst.fill(0.0);
    (ids.iter().zip(src)).for_each(|(&k, g)| dst[k as usize] += g);
}

/// Softmax cross-entropy, the mean over `rows` rows of `logits`: writes dL/dlogits to
/// `delta` and returns the loss.
pub fn cross_entropy(
    logits: &[f32],
    classes: usize,
    label: impl Fn(usize) -> usize,
    delta: &mut [f32],
) -> f32 {
    let rows = logits.len() / classes;
    let inv = 1.0 / rows as f32;
    let mut loss = 0.0;
    for (r, (z, d)) in logits
        .chunks_exact(classes)
        .zip(delta.chunks_exact_mut(classes))
        .enumerate()
    {
        let max = z.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
        let mut sum = 0.0;
        for (d, &v) in d.iter_mut().zip(z) {
            *d = (v - max).exp();
            sum += *d;
        }
        let y = label(r);
        loss += sum.ln() - (z[y] - max);
        d.iter_mut().for_each(|d| *d *= inv / sum);
        d[y] -= inv;
    }
    loss * inv
}

/// The index of each row's largest value (the first, on ties).
pub fn argmax(row: &[f32]) -> usize {
    (0..row.len()).fold(0, |best, c| if row[c] > row[best] { c } else { best })
}
