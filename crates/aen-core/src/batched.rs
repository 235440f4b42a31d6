//! Many children in one pass (docs/method.md §6, "Many children at once"): K child
//! networks of the same shape but different ties, trained in lock-step with one set
//! of device operations per step. Their padded tied vectors are concatenated, each
//! child's orbit ids are offset into its own part, and one gather builds the K weight
//! matrices that one batched matrix product applies, each to its own child's batch.
//!
//! The loss is the sum of the K children's mean losses, so each child's gradient is
//! the one it gets alone; Adam is element-wise, so one optimiser over the concatenated
//! parameters is K optimisers. Each child keeps its own initial weights and batch order
//! (from its seed), so on the CPU a child trained here differs from the same child
//! trained alone only by the order of floating-point sums. On a GPU that is the point:
//! a step costs one launch of each kernel however many children share it.

use crate::gdata::{GData, Norm, Split};
use crate::nn::{Dev, HID};
use crate::orbits::ChildOrbits;
use crate::train::cpu::child_mlp;
use crate::train::{Flow, TrainConfig, TrainError, TrainProgress, TrainResult};
use dfdx::prelude::*;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use std::time::Instant;

/// The parameters of K children, each child's part after the one before.
#[derive(Clone, Debug)]
pub struct Stacked<E: Dtype, D: Device<E>> {
    pub theta1: Tensor<(usize,), E, D>,
    pub bias1: Tensor<(usize,), E, D>,
    pub theta2: Tensor<(usize,), E, D>,
    pub bias2: Tensor<(usize,), E, D>,
    pub w3: Tensor<(usize, Const<HID>, usize), E, D>,
    pub b3: Tensor<(usize, usize), E, D>,
}

/// dfdx's Adam, written with tensor operations: its optimiser needs parameters of a
/// shape known at compile time, and the number of children is not. Element-wise, so
/// one state over the concatenation is K optimisers.
struct AdamState {
    t: i32,
    lr: f32,
    m: Stacked<f32, Dev>,
    v: Stacked<f32, Dev>,
}

const BETAS: [f32; 2] = [0.9, 0.999];
const EPS: f32 = 1e-8;

fn adam<S: Shape>(
    t: i32,
    lr: f32,
    grads: &Gradients<f32, Dev>,
    p: &mut Tensor<S, f32, Dev>,
    m: &mut Tensor<S, f32, Dev>,
    v: &mut Tensor<S, f32, Dev>,
) {
    let g = grads.get(&*p);
    let [b1, b2] = BETAS;
    *m = m.clone() * b1 + g.clone() * (1.0 - b1);
    *v = v.clone() * b2 + g.square() * (1.0 - b2);
    let m_hat = m.clone() * (1.0 - b1.powi(t)).recip();
    let v_hat = v.clone() * (1.0 - b2.powi(t)).recip();
    *p = p.clone() - (m_hat * lr) / (v_hat.sqrt() + EPS);
}

impl AdamState {
    fn new(dev: &Dev, p: &Stacked<f32, Dev>, lr: f64) -> AdamState {
        let zeros = || Stacked {
            theta1: dev.zeros_like(p.theta1.shape()),
            bias1: dev.zeros_like(p.bias1.shape()),
            theta2: dev.zeros_like(p.theta2.shape()),
            bias2: dev.zeros_like(p.bias2.shape()),
            w3: dev.zeros_like(p.w3.shape()),
            b3: dev.zeros_like(p.b3.shape()),
        };
        AdamState {
            t: 0,
            lr: lr as f32,
            m: zeros(),
            v: zeros(),
        }
    }

    fn update(&mut self, p: &mut Stacked<f32, Dev>, g: &Gradients<f32, Dev>) {
        self.t += 1;
        let (t, lr, m, v) = (self.t, self.lr, &mut self.m, &mut self.v);
        adam(t, lr, g, &mut p.theta1, &mut m.theta1, &mut v.theta1);
        adam(t, lr, g, &mut p.bias1, &mut m.bias1, &mut v.bias1);
        adam(t, lr, g, &mut p.theta2, &mut m.theta2, &mut v.theta2);
        adam(t, lr, g, &mut p.bias2, &mut m.bias2, &mut v.bias2);
        adam(t, lr, g, &mut p.w3, &mut m.w3, &mut v.w3);
        adam(t, lr, g, &mut p.b3, &mut m.b3, &mut v.b3);
    }
}

/// Gather indices of the two tied layers: child k's orbit ids offset by k times the
/// length of one child's part.
struct Ties {
    w1: Tensor<(usize,), usize, Dev>,
    b1: Tensor<(usize,), usize, Dev>,
    w2: Tensor<(usize,), usize, Dev>,
    b2: Tensor<(usize,), usize, Dev>,
}

/// Child k's ids into the concatenation of parts of `part` entries each; a dense layer
/// reads its own part in order.
fn offset_ids(
    orbits: &[&ChildOrbits],
    part: usize,
    ids: impl Fn(&ChildOrbits) -> Option<&[u32]>,
) -> Vec<usize> {
    let mut v = Vec::with_capacity(orbits.len() * part);
    for (k, o) in orbits.iter().enumerate() {
        match ids(o) {
            Some(ids) => v.extend(ids.iter().map(|&i| k * part + i as usize)),
            None => v.extend(k * part..(k + 1) * part),
        }
    }
    v
}

/// The children of `orbits`, each with its own config's seed, ready to train together.
pub struct Children {
    pub params: Stacked<f32, Dev>,
    ties: Ties,
    k: usize,
    /// Inputs (channels x side²) and classes, the same for every child.
    inputs: usize,
    outputs: usize,
    n_params: Vec<usize>,
}

/// `values` followed by zeros up to `len`: a child's part of a stacked parameter, whose
/// tail past its orbits no id reads.
fn padded(values: &[f32], len: usize) -> impl Iterator<Item = f32> + '_ {
    values
        .iter()
        .copied()
        .chain(std::iter::repeat_n(0.0, len - values.len()))
}

impl Children {
    /// Each child starts with exactly the weights it has alone (`Mlp::init` from its
    /// seed, which are dfdx's `ChildNet::new`'s for MNIST's shape). Every child must
    /// have the same input and output shape.
    pub fn new(dev: &Dev, orbits: &[&ChildOrbits], seeds: &[u64]) -> Children {
        assert_eq!(orbits.len(), seeds.len());
        let k = orbits.len();
        let shape = orbits
            .first()
            .map_or(crate::orbits::Shape::MNIST, |o| o.shape);
        assert!(
            orbits.iter().all(|o| o.shape == shape),
            "children of one pass share their shape"
        );
        let (inp, out) = (shape.inputs(), shape.classes);
        let mut host: [Vec<f32>; 6] = Default::default();
        let sizes = [inp * HID, HID, HID * HID, HID, HID * out, out];
        for (o, &seed) in orbits.iter().zip(seeds) {
            let net = child_mlp(o);
            let p = net.init(&mut ChaCha8Rng::seed_from_u64(seed));
            let parts = net.layers().iter().flat_map(|l| {
                let (w, b) = l.ranges();
                [w, b]
            });
            for ((h, range), len) in host.iter_mut().zip(parts).zip(sizes) {
                h.extend(padded(&p[range], len));
            }
        }
        let [t1, b1, t2, b2, w3, b3] = host;
        let params = Stacked {
            theta1: dev.tensor_from_vec(t1, (k * inp * HID,)),
            bias1: dev.tensor_from_vec(b1, (k * HID,)),
            theta2: dev.tensor_from_vec(t2, (k * HID * HID,)),
            bias2: dev.tensor_from_vec(b2, (k * HID,)),
            w3: dev.tensor_from_vec(w3, (k, Const, out)),
            b3: dev.tensor_from_vec(b3, (k, out)),
        };
        let dense = |o: &crate::orbits::LayerOrbits| o.is_dense();
        let tensor = |v: Vec<usize>| {
            let n = v.len();
            dev.tensor_from_vec(v, (n,))
        };
        let ties = Ties {
            w1: tensor(offset_ids(orbits, inp * HID, |o| {
                (!dense(&o.l1)).then_some(&o.l1.weight[..])
            })),
            b1: tensor(offset_ids(orbits, HID, |o| {
                (!dense(&o.l1)).then_some(&o.l1.hidden[..])
            })),
            w2: tensor(offset_ids(orbits, HID * HID, |o| {
                (!dense(&o.l2)).then_some(&o.l2.weight[..])
            })),
            b2: tensor(offset_ids(orbits, HID, |o| {
                (!dense(&o.l2)).then_some(&o.l2.hidden[..])
            })),
        };
        Children {
            params,
            ties,
            k,
            inputs: inp,
            outputs: out,
            n_params: orbits.iter().map(|o| o.params()).collect(),
        }
    }

    /// Logits of every child for its own batch: x is (children, batch, inputs).
    pub fn forward<T: Tape<f32, Dev> + Merge<NoneTape>>(
        &self,
        x: Tensor<(usize, usize, usize), f32, Dev, T>,
    ) -> Tensor<(usize, usize, usize), f32, Dev, T> {
        let (k, b) = (self.k, x.shape().1);
        let p = &self.params;
        let w1 = (p.theta1.retaped::<T>().gather(self.ties.w1.clone())).reshape_like(&(
            k,
            self.inputs,
            Const::<HID>,
        ));
        let b1 = (p.bias1.retaped::<T>().gather(self.ties.b1.clone()))
            .reshape_like(&(k, Const::<HID>))
            .broadcast_like::<_, Axis<1>>(&(k, b, Const::<HID>));
        let h1 = (x.matmul(w1) + b1).relu();
        let w2 = (p.theta2.retaped::<T>().gather(self.ties.w2.clone())).reshape_like(&(
            k,
            Const::<HID>,
            Const::<HID>,
        ));
        let b2 = (p.bias2.retaped::<T>().gather(self.ties.b2.clone()))
            .reshape_like(&(k, Const::<HID>))
            .broadcast_like::<_, Axis<1>>(&(k, b, Const::<HID>));
        let h2 = (h1.matmul(w2) + b2).relu();
        let b3 = (p.b3.retaped::<T>()).broadcast_like::<_, Axis<1>>(&(k, b, self.outputs));
        h2.matmul(p.w3.retaped::<T>()) + b3
    }
}

/// The same images for every child, standardised: (children, images, inputs).
fn shared_x(
    dev: &Dev,
    k: usize,
    split: &Split,
    idx: &[usize],
    norm: Norm,
) -> Tensor<(usize, usize, usize), f32, Dev> {
    let mut one = Vec::with_capacity(idx.len() * split.dim);
    for &i in idx {
        norm.extend(split.image(i), &mut one);
    }
    let mut x = Vec::with_capacity(k * one.len());
    for _ in 0..k {
        x.extend_from_slice(&one);
    }
    dev.tensor_from_vec(x, (k, idx.len(), split.dim))
}

/// Accuracy in percent of every child on `split`.
pub fn accuracies(dev: &Dev, c: &Children, split: &Split, norm: Norm) -> Vec<f64> {
    if split.is_empty() {
        return vec![0.0; c.k];
    }
    let mut correct = vec![0usize; c.k];
    let all: Vec<usize> = (0..split.len()).collect();
    // Every child sees every image: chunks shrink as children grow, to bound memory.
    let chunk = (8192 / c.k).clamp(1, 1000);
    for idx in all.chunks(chunk) {
        let logits = c.forward(shared_x(dev, c.k, split, idx, norm)).as_vec();
        for (child, right) in correct.iter_mut().enumerate() {
            let out = c.outputs;
            for (j, &i) in idx.iter().enumerate() {
                let at = (child * idx.len() + j) * out;
                let row = &logits[at..at + out];
                let pred = (0..out).fold(0, |best, c| if row[c] > row[best] { c } else { best });
                *right += (pred == split.y[i] as usize) as usize;
            }
        }
    }
    correct
        .into_iter()
        .map(|n| 100.0 * n as f64 / split.len() as f64)
        .collect()
}

/// Trains the children of `orbits` together, child k with `cfgs[k]` (all with the
/// same epochs, batch and learning rate; their seeds differ). `on_batch` is called
/// after every step of all of them and may cancel them all.
pub fn train_children(
    dev: &Dev,
    orbits: &[&ChildOrbits],
    data: &GData,
    cfgs: &[TrainConfig],
    on_batch: &mut dyn FnMut(TrainProgress) -> Flow,
) -> Result<Vec<TrainResult>, TrainError> {
    assert_eq!(orbits.len(), cfgs.len());
    let Some(cfg) = cfgs.first().copied() else {
        return Ok(Vec::new());
    };
    assert!(
        cfgs.iter()
            .all(|c| (c.epochs, c.batch, c.lr) == (cfg.epochs, cfg.batch, cfg.lr)),
        "children of one pass share epochs, batch and learning rate"
    );
    let start = Instant::now();
    for o in orbits {
        crate::train::cpu::check_shape(o, data)?;
    }
    let k = orbits.len();
    let seeds: Vec<u64> = cfgs.iter().map(|c| c.seed).collect();
    let mut net = Children::new(dev, orbits, &seeds);
    let mut opt = AdamState::new(dev, &net.params, cfg.lr);
    // The same batch order per child as `train_child` draws from its seed.
    let mut rngs: Vec<ChaCha8Rng> = seeds
        .iter()
        .map(|s| ChaCha8Rng::seed_from_u64(s ^ 0xBA7C4))
        .collect();
    let n = data.train.len();
    let mut orders: Vec<Vec<usize>> = vec![(0..n).collect(); k];
    let batches = n.div_ceil(cfg.batch);
    let mut curves = vec![Vec::with_capacity(cfg.epochs); k];
    for epoch in 0..cfg.epochs {
        for (o, r) in orders.iter_mut().zip(&mut rngs) {
            o.shuffle(r);
        }
        let fresh = data.train_epoch(epoch);
        let train = fresh.as_ref().unwrap_or(&data.train);
        for b in 0..batches {
            let (lo, hi) = (b * cfg.batch, ((b + 1) * cfg.batch).min(n));
            let rows = hi - lo;
            let (inp, out) = (net.inputs, net.outputs);
            let mut x = Vec::with_capacity(k * rows * inp);
            let mut y = vec![0.0f32; k * rows * out];
            for (child, o) in orders.iter().enumerate() {
                for (j, &i) in o[lo..hi].iter().enumerate() {
                    data.norm.extend(train.image(i), &mut x);
                    y[(child * rows + j) * out + train.y[i] as usize] = 1.0;
                }
            }
            let x = dev.tensor_from_vec(x, (k, rows, inp));
            let y = dev.tensor_from_vec(y, (k, rows, out));
            let logits = net.forward(x.trace(Gradients::leaky()));
            // The mean over all children's rows, times K: the sum of each child's mean.
            let loss = cross_entropy_with_logits_loss(logits, y) * k as f32;
            opt.update(&mut net.params, &loss.backward());
            let p = TrainProgress {
                epoch,
                epochs: cfg.epochs,
                batch: b + 1,
                batches,
            };
            if on_batch(p) == Flow::Cancel {
                return Err(TrainError::Cancelled);
            }
        }
        for (c, acc) in curves
            .iter_mut()
            .zip(accuracies(dev, &net, &data.val, data.norm))
        {
            c.push(acc);
        }
    }
    let test = accuracies(dev, &net, &data.test, data.norm);
    // Wall time shared out: what one child cost in this pass.
    let seconds = start.elapsed().as_secs_f64() / k as f64;
    Ok((curves.into_iter().zip(test).zip(&net.n_params))
        .map(|((val_curve, test_acc), &params)| TrainResult {
            val_acc: *val_curve.last().unwrap_or(&0.0),
            test_acc,
            params,
            seconds,
            val_curve,
        })
        .collect())
}
