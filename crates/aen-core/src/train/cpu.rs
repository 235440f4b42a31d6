//! A child trained by aen's own CPU kernel (`crate::kernel`): the same network, initial
//! weights, batch order and optimiser as the dfdx path (`train_child_dfdx`), with Adam
//! over the free parameters only and no allocation per step.

use super::config::{self, Flow, Learner, TrainConfig, TrainError, TrainProgress, TrainResult};
use crate::gdata::{GData, Norm, Split};
use crate::kernel::{Adam, Layer, Mlp, Phase, Timing, Work, argmax, cross_entropy};
use crate::nn::HID;
use crate::orbits::{ChildOrbits, LayerOrbits};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::sync::Arc;
use std::time::Instant;

/// Rows of one evaluation pass: large, so the products run near their peak.
const EVAL_ROWS: usize = 1000;

fn tied_or_dense(o: &LayerOrbits, inp: usize, out: usize) -> Layer {
    if o.is_dense() {
        return Layer::dense(inp, out, true);
    }
    Layer::tied(
        inp,
        out,
        true,
        (Arc::from(&o.weight[..]), o.n_weight),
        (Arc::from(&o.hidden[..]), o.n_hidden),
    )
}

/// The child network of docs/method.md §4 as a kernel network, for the orbits' input
/// shape (any side, channels and classes).
pub fn child_mlp(orbits: &ChildOrbits) -> Mlp {
    let shape = orbits.shape;
    Mlp::new(vec![
        tied_or_dense(&orbits.l1, shape.inputs(), HID),
        tied_or_dense(&orbits.l2, HID, HID),
        Layer::dense(HID, shape.classes, false),
    ])
}

/// Standardised images of `split` at `idx` into the input rows.
fn fill(work: &mut Work, split: &Split, idx: &[usize], norm: Norm) {
    let x = work.input(idx.len());
    for (row, &i) in x.chunks_exact_mut(split.dim).zip(idx) {
        norm.fill(split.image(i), row);
    }
    work.tick(Phase::Input);
}

/// Accuracy in percent of the network `params` on `split`.
fn accuracy(net: &Mlp, params: &[f32], work: &mut Work, split: &Split, norm: Norm) -> f64 {
    if split.is_empty() {
        return 0.0;
    }
    work.evaluating(true);
    work.gather(net, params);
    let mut correct = 0usize;
    let all: Vec<usize> = (0..split.len()).collect();
    for idx in all.chunks(work.rows()) {
        fill(work, split, idx, norm);
        let logits = work.forward(net, params, idx.len());
        correct += (logits.chunks_exact(net.outputs()).zip(idx))
            .filter(|(row, i)| argmax(row) == split.y[**i] as usize)
            .count();
    }
    work.evaluating(false);
    100.0 * correct as f64 / split.len() as f64
}

/// The kernel's network, parameters, optimiser and memory as a [`Learner`].
struct Kernel<'a> {
    net: &'a Mlp,
    params: &'a mut Vec<f32>,
    opt: &'a mut Adam,
    work: &'a mut Work,
    norm: Norm,
}

impl Learner for Kernel<'_> {
    fn step(&mut self, train: &Split, idx: &[usize]) {
        let (net, work, rows) = (self.net, &mut *self.work, idx.len());
        fill(work, train, idx, self.norm);
        work.gather(net, self.params);
        work.forward(net, self.params, rows);
        let (logits, delta) = work.output_delta(net, rows);
        cross_entropy(logits, net.outputs(), |r| train.y[idx[r]] as usize, delta);
        work.tick(Phase::Loss);
        work.backward(net, self.params, rows);
        self.opt.step(self.params, work.grad());
        work.tick(Phase::Optimiser);
        work.stepped();
    }

    fn accuracy(&mut self, split: &Split) -> f64 {
        accuracy(self.net, self.params, self.work, split, self.norm)
    }
}

/// Trains a fresh child for `orbits` on `data`; with `time`, also says where the
/// steps' time went.
pub fn train(
    orbits: &ChildOrbits,
    data: &GData,
    cfg: TrainConfig,
    on_batch: &mut dyn FnMut(TrainProgress) -> Flow,
    time: bool,
) -> Result<(TrainResult, Option<Timing>), TrainError> {
    train_network(orbits, data, cfg, on_batch, time).map(|t| (t.result, t.timing))
}

/// A trained child: its figures, network and parameters.
pub struct Trained {
    pub result: TrainResult,
    pub net: Mlp,
    pub params: Vec<f32>,
    pub timing: Option<Timing>,
}

/// The network must take the data's images and give one logit per class.
pub fn check_shape(orbits: &ChildOrbits, data: &GData) -> Result<(), TrainError> {
    let want = data.shape();
    if orbits.shape != want {
        return Err(TrainError::Shape(format!(
            "a network for {}x{}x{} inputs and {} classes cannot train on {}x{}x{} images of {} classes",
            orbits.shape.side,
            orbits.shape.side,
            orbits.shape.channels,
            orbits.shape.classes,
            want.side,
            want.side,
            want.channels,
            want.classes
        )));
    }
    Ok(())
}

/// `train`, keeping the network.
pub fn train_network(
    orbits: &ChildOrbits,
    data: &GData,
    cfg: TrainConfig,
    on_batch: &mut dyn FnMut(TrainProgress) -> Flow,
    time: bool,
) -> Result<Trained, TrainError> {
    let start = Instant::now();
    check_shape(orbits, data)?;
    let net = child_mlp(orbits);
    debug_assert_eq!(net.n_params(), orbits.params());
    let mut params = net.init(&mut ChaCha8Rng::seed_from_u64(cfg.seed));
    let mut opt = Adam::new(net.n_params(), cfg.lr);
    let mut work = Work::new(&net, cfg.batch, EVAL_ROWS);
    if time {
        work.time();
    }
    let mut learner = Kernel {
        net: &net,
        params: &mut params,
        opt: &mut opt,
        work: &mut work,
        norm: data.norm,
    };
    let (val_curve, test_acc) = config::run(&mut learner, data, cfg, on_batch)?;
    let result = TrainResult {
        val_acc: *val_curve.last().unwrap_or(&0.0),
        test_acc,
        params: net.n_params(),
        seconds: start.elapsed().as_secs_f64(),
        val_curve,
    };
    let timing = work.timing().cloned();
    Ok(Trained {
        result,
        net,
        params,
        timing,
    })
}
