//! The child network of docs/method.md §4 in dfdx: 784 -> 400 -> 400 -> 10 with ReLU, the
//! two hidden layers orbit-tied. The CUDA build trains it; the CPU build trains through
//! aen's own kernel (`crate::kernel`) and keeps this one as the reference it is tested
//! against.
//!
//! A tied layer stores one scalar per weight orbit (`theta`) and one per hidden orbit
//! (`bias`); the dense weight is materialised each step as W = theta[orbit_id] with
//! dfdx's gather, whose backward pass scatter-adds dL/dW into dL/dtheta, so gradients
//! reach theta only. dfdx's optimisers need parameter tensors of a constant shape, so
//! theta is held in a vector as long as the dense weight; entries past the orbit count
//! are never gathered, get zero gradient and stay zero under Adam.

use crate::orbits::{CLASSES, ChildOrbits, HIDDEN_SIDE, INPUT_SIDE, LayerOrbits};
use dfdx::nn::modules::{ModuleVisitor, TensorCollection};
use dfdx::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub const IN: usize = INPUT_SIDE * INPUT_SIDE;
pub const HID: usize = HIDDEN_SIDE * HIDDEN_SIDE;
pub const OUT: usize = CLASSES;

/// The device the engine trains on: CPU by default, CUDA with the `cuda` feature.
#[cfg(not(feature = "cuda"))]
pub type Dev = Cpu;
#[cfg(feature = "cuda")]
pub type Dev = Cuda;

/// A human-readable name of the device, for status bars.
pub fn device_name() -> String {
    if cfg!(feature = "cuda") {
        "CUDA".to_string()
    } else {
        match rayon_threads() {
            1 => "CPU, 1 thread".to_string(),
            n => format!("CPU, {n} threads"),
        }
    }
}

fn rayon_threads() -> usize {
    std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Trainable parameters of the child network.
#[derive(Clone, Debug)]
pub struct ChildParams<E: Dtype, D: Device<E>> {
    pub theta1: Tensor<Rank1<{ IN * HID }>, E, D>,
    pub bias1: Tensor<Rank1<HID>, E, D>,
    pub theta2: Tensor<Rank1<{ HID * HID }>, E, D>,
    pub bias2: Tensor<Rank1<HID>, E, D>,
    pub w3: Tensor<Rank2<HID, OUT>, E, D>,
    pub b3: Tensor<Rank1<OUT>, E, D>,
}

impl<E: Dtype, D: Device<E>> TensorCollection<E, D> for ChildParams<E, D> {
    type To<E2: Dtype, D2: Device<E2>> = ChildParams<E2, D2>;

    fn iter_tensors<V: ModuleVisitor<Self, E, D>>(
        visitor: &mut V,
    ) -> Result<Option<Self::To<V::E2, V::D2>>, V::Err> {
        visitor.visit_fields(
            (
                Self::tensor(
                    "theta1",
                    |s| &s.theta1,
                    |s| &mut s.theta1,
                    TensorOptions::reset_to_zeros(),
                ),
                Self::tensor(
                    "bias1",
                    |s| &s.bias1,
                    |s| &mut s.bias1,
                    TensorOptions::reset_to_zeros(),
                ),
                Self::tensor(
                    "theta2",
                    |s| &s.theta2,
                    |s| &mut s.theta2,
                    TensorOptions::reset_to_zeros(),
                ),
                Self::tensor(
                    "bias2",
                    |s| &s.bias2,
                    |s| &mut s.bias2,
                    TensorOptions::reset_to_zeros(),
                ),
                Self::tensor(
                    "w3",
                    |s| &s.w3,
                    |s| &mut s.w3,
                    TensorOptions::reset_to_zeros(),
                ),
                Self::tensor(
                    "b3",
                    |s| &s.b3,
                    |s| &mut s.b3,
                    TensorOptions::reset_to_zeros(),
                ),
            ),
            |(theta1, bias1, theta2, bias2, w3, b3)| ChildParams {
                theta1,
                bias1,
                theta2,
                bias2,
                w3,
                b3,
            },
        )
    }
}

/// Orbit ids on the device, for dfdx's gather; None where the layer is dense.
#[derive(Clone, Debug)]
pub struct TieIndex<D: Device<f32>> {
    weight: Option<Tensor<(usize,), usize, D>>,
    bias: Option<Tensor<(usize,), usize, D>>,
}

impl<D: Device<f32>> TieIndex<D> {
    fn new(dev: &D, o: &LayerOrbits) -> Self {
        if o.is_dense() {
            return TieIndex {
                weight: None,
                bias: None,
            };
        }
        let w: Vec<usize> = o.weight.iter().map(|&v| v as usize).collect();
        let b: Vec<usize> = o.hidden.iter().map(|&v| v as usize).collect();
        let (nw, nb) = (w.len(), b.len());
        TieIndex {
            weight: Some(dev.tensor_from_vec(w, (nw,))),
            bias: Some(dev.tensor_from_vec(b, (nb,))),
        }
    }
}

/// A child network: parameters plus the orbit ids that tie them.
pub struct ChildNet<D: Device<f32>> {
    pub params: ChildParams<f32, D>,
    tie1: TieIndex<D>,
    tie2: TieIndex<D>,
    /// Free parameters (orbits + tied biases + last layer), not the padded storage.
    pub n_params: usize,
}

/// Uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)) for the first `used` entries, zero after:
/// every tied weight starts like a dense layer of the same fan-in.
fn init_vec(rng: &mut ChaCha8Rng, len: usize, used: usize, fan_in: usize) -> Vec<f32> {
    let bound = 1.0 / (fan_in as f32).sqrt();
    (0..len)
        .map(|k| {
            if k < used {
                rng.gen_range(-bound..bound)
            } else {
                0.0
            }
        })
        .collect()
}

impl<D: Device<f32>> ChildNet<D> {
    /// Builds and initialises a network for `orbits`; the initial weights depend only
    /// on `seed`, so a run is reproducible and independent of any other RNG.
    pub fn new(dev: &D, orbits: &ChildOrbits, seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (o1, o2) = (&orbits.l1, &orbits.l2);
        let params = ChildParams {
            theta1: dev.tensor_from_vec(
                init_vec(&mut rng, IN * HID, o1.n_weight, IN),
                Rank1::<{ IN * HID }>::default(),
            ),
            bias1: dev.tensor_from_vec(
                init_vec(&mut rng, HID, o1.n_hidden, IN),
                Rank1::<HID>::default(),
            ),
            theta2: dev.tensor_from_vec(
                init_vec(&mut rng, HID * HID, o2.n_weight, HID),
                Rank1::<{ HID * HID }>::default(),
            ),
            bias2: dev.tensor_from_vec(
                init_vec(&mut rng, HID, o2.n_hidden, HID),
                Rank1::<HID>::default(),
            ),
            w3: dev.tensor_from_vec(
                init_vec(&mut rng, HID * OUT, HID * OUT, HID),
                Rank2::<HID, OUT>::default(),
            ),
            b3: dev.tensor_from_vec(init_vec(&mut rng, OUT, OUT, HID), Rank1::<OUT>::default()),
        };
        ChildNet {
            params,
            tie1: TieIndex::new(dev, o1),
            tie2: TieIndex::new(dev, o2),
            n_params: orbits.params(),
        }
    }

    /// Logits for a batch of flattened 28x28 images.
    pub fn forward<T: Tape<f32, D> + Merge<NoneTape>>(
        &self,
        x: Tensor<(usize, Const<IN>), f32, D, T>,
    ) -> Tensor<(usize, Const<OUT>), f32, D, T> {
        let p = &self.params;
        let h1 = tied_layer_generic(x, &p.theta1, &p.bias1, &self.tie1).relu();
        let h2 = tied_layer_generic(h1, &p.theta2, &p.bias2, &self.tie2).relu();
        let batch = h2.shape().0;
        h2.matmul(p.w3.retaped::<T>()) + p.b3.retaped::<T>().broadcast_like(&(batch, Const::<OUT>))
    }

    /// The orbit ids of both tied layers.
    pub fn ties(&self) -> (&TieIndex<D>, &TieIndex<D>) {
        (&self.tie1, &self.tie2)
    }

    /// Pre-activation outputs of the first tied layer (for equivariance checks).
    pub fn layer1(
        &self,
        x: Tensor<(usize, Const<IN>), f32, D>,
    ) -> Tensor<(usize, Const<HID>), f32, D> {
        tied_layer_generic(x, &self.params.theta1, &self.params.bias1, &self.tie1)
    }

    /// Pre-activation outputs of the second tied layer applied to `h`.
    pub fn layer2(
        &self,
        h: Tensor<(usize, Const<HID>), f32, D>,
    ) -> Tensor<(usize, Const<HID>), f32, D> {
        tied_layer_generic(h, &self.params.theta2, &self.params.bias2, &self.tie2)
    }
}

/// x W + b with W = theta[orbit ids] and b = bias[hidden orbit ids], from dfdx's own
/// ops (gather, matmul): runs on any device.
pub fn tied_layer_generic<
    const I: usize,
    const O: usize,
    const P: usize,
    D: Device<f32>,
    T: Tape<f32, D> + Merge<NoneTape>,
>(
    x: Tensor<(usize, Const<I>), f32, D, T>,
    theta: &Tensor<Rank1<P>, f32, D>,
    bias: &Tensor<Rank1<O>, f32, D>,
    tie: &TieIndex<D>,
) -> Tensor<(usize, Const<O>), f32, D, T> {
    let batch = x.shape().0;
    let w: Tensor<Rank2<I, O>, f32, D, T> = match &tie.weight {
        None => theta.retaped::<T>().reshape(),
        Some(idx) => theta
            .retaped::<T>()
            .gather(idx.clone())
            .reshape_like(&Default::default()),
    };
    let b: Tensor<Rank1<O>, f32, D, T> = match &tie.bias {
        None => bias.retaped::<T>(),
        Some(idx) => bias
            .retaped::<T>()
            .gather(idx.clone())
            .reshape_like(&Default::default()),
    };
    x.matmul(w) + b.broadcast_like(&(batch, Const::<O>))
}
