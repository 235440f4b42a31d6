//! Training and evaluating one child network on a G-dataset (docs/method.md §5): Adam,
//! cross-entropy, shuffled mini-batches; deterministic for a seed on CPU. The CPU build
//! trains through aen's own kernel (`cpu`), the CUDA build through dfdx
//! (`train_child_dfdx`, also kept on the CPU as the reference the kernel is tested
//! against).

mod config;
pub mod cpu;

use config::Learner;
pub use config::{Flow, TrainConfig, TrainError, TrainProgress, TrainResult};

use crate::gdata::{GData, Norm, Split};
use crate::nn::{ChildNet, ChildParams, Dev, IN, OUT};
use crate::orbits::ChildOrbits;
use dfdx::optim::{Adam, AdamConfig, Optimizer};
use dfdx::prelude::*;
use std::time::Instant;

/// A batch of a split as a device tensor, standardised by `norm`.
fn batch_x(
    dev: &Dev,
    split: &Split,
    idx: &[usize],
    norm: Norm,
) -> Tensor<(usize, Const<IN>), f32, Dev> {
    let mut x = Vec::with_capacity(idx.len() * IN);
    for &i in idx {
        norm.extend(split.image(i), &mut x);
    }
    dev.tensor_from_vec(x, (idx.len(), Const::<IN>))
}

fn one_hot(dev: &Dev, split: &Split, idx: &[usize]) -> Tensor<(usize, Const<OUT>), f32, Dev> {
    let mut y = vec![0.0f32; idx.len() * OUT];
    for (k, &i) in idx.iter().enumerate() {
        y[k * OUT + split.y[i] as usize] = 1.0;
    }
    dev.tensor_from_vec(y, (idx.len(), Const::<OUT>))
}

/// Accuracy in percent of `net` on `split`, its pixels standardised by `norm`.
pub fn accuracy(dev: &Dev, net: &ChildNet<Dev>, split: &Split, norm: Norm) -> f64 {
    if split.is_empty() {
        return 0.0;
    }
    let mut correct = 0usize;
    let all: Vec<usize> = (0..split.len()).collect();
    for chunk in all.chunks(1000) {
        let logits = net.forward(batch_x(dev, split, chunk, norm)).as_vec();
        for (k, &i) in chunk.iter().enumerate() {
            let row = &logits[k * OUT..(k + 1) * OUT];
            let pred = row
                .iter()
                .enumerate()
                .fold(0, |best, (c, &v)| if v > row[best] { c } else { best });
            correct += (pred == split.y[i] as usize) as usize;
        }
    }
    100.0 * correct as f64 / split.len() as f64
}

/// Trains a fresh network for `orbits` on `data` and reports validation and test
/// accuracy. `on_batch` is called after every batch and may cancel.
pub fn train_child(
    dev: &Dev,
    orbits: &ChildOrbits,
    data: &GData,
    cfg: TrainConfig,
    on_batch: &mut dyn FnMut(TrainProgress) -> Flow,
) -> Result<TrainResult, TrainError> {
    // dfdx's one-child network has MNIST's widths in its types: other shapes train on
    // the kernel here, and on the device through the batched trainer (child.per_pass).
    if cfg!(feature = "cuda") && orbits.shape == crate::orbits::Shape::MNIST {
        train_child_dfdx(dev, orbits, data, cfg, on_batch)
    } else {
        cpu::train(orbits, data, cfg, on_batch, false).map(|(r, _)| r)
    }
}

/// dfdx's network and optimiser as a [`Learner`].
struct Dfdx<'a> {
    dev: &'a Dev,
    net: ChildNet<Dev>,
    grads: Option<Gradients<f32, Dev>>,
    opt: Adam<ChildParams<f32, Dev>, f32, Dev>,
    norm: Norm,
}

impl Learner for Dfdx<'_> {
    fn step(&mut self, train: &Split, idx: &[usize]) {
        let x = batch_x(self.dev, train, idx, self.norm);
        let y = one_hot(self.dev, train, idx);
        let grads = self.grads.take().expect("kept between steps");
        let logits = self.net.forward(x.traced(grads));
        let mut grads = cross_entropy_with_logits_loss(logits, y).backward();
        self.opt
            .update(&mut self.net.params, &grads)
            .expect("every parameter takes part in the forward pass");
        self.net.params.zero_grads(&mut grads);
        self.grads = Some(grads);
    }

    fn accuracy(&mut self, split: &Split) -> f64 {
        accuracy(self.dev, &self.net, split, self.norm)
    }
}

/// dfdx's networks have their widths in their types: 784 inputs, 10 classes. Other
/// shapes train on aen's own kernel or the batched trainer.
fn require_mnist_shape(orbits: &ChildOrbits, data: &GData, who: &str) -> Result<(), TrainError> {
    cpu::check_shape(orbits, data)?;
    if orbits.shape != crate::orbits::Shape::MNIST {
        let s = orbits.shape;
        return Err(TrainError::Shape(format!(
            "{who} takes 28x28 greyscale images of 10 classes, not {}x{}x{} of {}; aen's kernel and the batched trainer take any shape",
            s.side, s.side, s.channels, s.classes
        )));
    }
    Ok(())
}

/// `train_child` through dfdx's device operations: the CUDA path, and on the CPU the
/// reference for aen's own kernel.
pub fn train_child_dfdx(
    dev: &Dev,
    orbits: &ChildOrbits,
    data: &GData,
    cfg: TrainConfig,
    on_batch: &mut dyn FnMut(TrainProgress) -> Flow,
) -> Result<TrainResult, TrainError> {
    let start = Instant::now();
    require_mnist_shape(orbits, data, "the dfdx trainer (the CUDA build's)")?;
    let net = ChildNet::new(dev, orbits, cfg.seed);
    let opt = Adam::new(
        &net.params,
        AdamConfig {
            lr: cfg.lr,
            ..Default::default()
        },
    );
    let mut learner = Dfdx {
        dev,
        grads: Some(net.params.alloc_grads()),
        net,
        opt,
        norm: data.norm,
    };
    let (val_curve, test_acc) = config::run(&mut learner, data, cfg, on_batch)?;
    Ok(TrainResult {
        val_acc: *val_curve.last().unwrap_or(&0.0),
        test_acc,
        params: learner.net.n_params,
        seconds: start.elapsed().as_secs_f64(),
        val_curve,
    })
}
