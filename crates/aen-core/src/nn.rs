//! The child network of docs/method.md §4 in dfdx: 784 -> 400 -> 400 -> 10 with ReLU, the
//! two hidden layers orbit-tied.
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
use std::sync::Arc;

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

/// Orbit ids, on the host (for the CPU kernel) and on the device (for dfdx's gather);
/// None where the layer is dense.
#[derive(Clone, Debug)]
pub struct TieIndex<D: Device<f32>> {
    weight: Option<Tensor<(usize,), usize, D>>,
    bias: Option<Tensor<(usize,), usize, D>>,
    weight_ids: Option<Arc<Vec<u32>>>,
    bias_ids: Option<Arc<Vec<u32>>>,
}

impl<D: Device<f32>> TieIndex<D> {
    fn new(dev: &D, o: &LayerOrbits) -> Self {
        if o.is_dense() {
            return TieIndex {
                weight: None,
                bias: None,
                weight_ids: None,
                bias_ids: None,
            };
        }
        let w: Vec<usize> = o.weight.iter().map(|&v| v as usize).collect();
        let b: Vec<usize> = o.hidden.iter().map(|&v| v as usize).collect();
        let (nw, nb) = (w.len(), b.len());
        TieIndex {
            weight: Some(dev.tensor_from_vec(w, (nw,))),
            bias: Some(dev.tensor_from_vec(b, (nb,))),
            weight_ids: Some(Arc::new(o.weight.clone())),
            bias_ids: Some(Arc::new(o.hidden.clone())),
        }
    }
}

/// A child network: parameters plus the orbit ids that tie them.
pub struct ChildNet<D: TiedOps> {
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

impl<D: TiedOps> ChildNet<D> {
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
        let h1 = D::tied_layer(x, &p.theta1, &p.bias1, &self.tie1, false).relu();
        let h2 = D::tied_layer(h1, &p.theta2, &p.bias2, &self.tie2, true).relu();
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
        D::tied_layer(
            x,
            &self.params.theta1,
            &self.params.bias1,
            &self.tie1,
            false,
        )
    }

    /// Pre-activation outputs of the second tied layer applied to `h`.
    pub fn layer2(
        &self,
        h: Tensor<(usize, Const<HID>), f32, D>,
    ) -> Tensor<(usize, Const<HID>), f32, D> {
        D::tied_layer(h, &self.params.theta2, &self.params.bias2, &self.tie2, true)
    }
}

/// A tied fully connected layer, x W + b with W = theta[orbit ids] and b = bias[hidden
/// orbit ids], as a device operation.
pub trait TiedOps: Device<f32> {
    /// `input_grad` says whether dL/dx is needed: not for the network's input, which
    /// saves a third of the first layer's backward pass.
    fn tied_layer<
        const I: usize,
        const O: usize,
        const P: usize,
        T: Tape<f32, Self> + Merge<NoneTape>,
    >(
        x: Tensor<(usize, Const<I>), f32, Self, T>,
        theta: &Tensor<Rank1<P>, f32, Self>,
        bias: &Tensor<Rank1<O>, f32, Self>,
        tie: &TieIndex<Self>,
        input_grad: bool,
    ) -> Tensor<(usize, Const<O>), f32, Self, T>;
}

#[cfg(feature = "cuda")]
impl TiedOps for Cuda {
    fn tied_layer<
        const I: usize,
        const O: usize,
        const P: usize,
        T: Tape<f32, Self> + Merge<NoneTape>,
    >(
        x: Tensor<(usize, Const<I>), f32, Self, T>,
        theta: &Tensor<Rank1<P>, f32, Self>,
        bias: &Tensor<Rank1<O>, f32, Self>,
        tie: &TieIndex<Self>,
        _input_grad: bool,
    ) -> Tensor<(usize, Const<O>), f32, Self, T> {
        tied_layer_generic(x, theta, bias, tie)
    }
}

/// c (m x n) = a (m x k) b (k x n), plus c if `accumulate`; a and b are given with their
/// (row stride, column stride), so transposes cost nothing.
fn matmul(
    (m, k, n): (usize, usize, usize),
    (a, a_rs, a_cs): (&[f32], usize, usize),
    (b, b_rs, b_cs): (&[f32], usize, usize),
    c: &mut [f32],
    accumulate: bool,
) {
    assert!(m == 0 || k == 0 || (m - 1) * a_rs + (k - 1) * a_cs < a.len());
    assert!(k == 0 || n == 0 || (k - 1) * b_rs + (n - 1) * b_cs < b.len());
    assert!(c.len() >= m * n);
    // SAFETY: the asserts above keep every read of gemm inside a and b and every write
    // inside c, which is row-major m x n and aliases neither.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            1,
            n as isize,
            accumulate,
            a.as_ptr(),
            a_cs as isize,
            a_rs as isize,
            b.as_ptr(),
            b_cs as isize,
            b_rs as isize,
            if accumulate { 1.0 } else { 0.0 },
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        )
    }
}

/// A CPU tensor's data, copied with one memcpy (`as_vec` walks it element by element).
fn host<S: Shape, T>(t: &Tensor<S, f32, Cpu, T>) -> Vec<f32> {
    let mut v = vec![0.0; t.shape().num_elements()];
    t.copy_into(&mut v);
    v
}

fn gather(src: Vec<f32>, ids: &Option<Arc<Vec<u32>>>) -> Vec<f32> {
    match ids {
        None => src,
        Some(ids) => ids.iter().map(|&k| src[k as usize]).collect(),
    }
}

thread_local! {
    /// Scratch for dL/dW of tied layers, reused so each step neither allocates nor
    /// zeroes 1.25 MB (gemm overwrites it).
    static SCRATCH: std::cell::RefCell<Vec<f32>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn scatter_add(dst: &mut [f32], ids: &Option<Arc<Vec<u32>>>, grad: &[f32]) {
    match ids {
        None => dst.iter_mut().zip(grad).for_each(|(d, g)| *d += g),
        Some(ids) => ids
            .iter()
            .zip(grad)
            .for_each(|(&k, g)| dst[k as usize] += g),
    }
}

/// The CPU kernel: W is gathered once and one gemm does the forward pass; backward
/// computes dL/dW = x^T dY, scatter-adds it into dL/dtheta, and computes dL/dx = dY W^T
/// only when asked.
impl TiedOps for Cpu {
    fn tied_layer<
        const I: usize,
        const O: usize,
        const P: usize,
        T: Tape<f32, Self> + Merge<NoneTape>,
    >(
        x: Tensor<(usize, Const<I>), f32, Self, T>,
        theta: &Tensor<Rank1<P>, f32, Self>,
        bias: &Tensor<Rank1<O>, f32, Self>,
        tie: &TieIndex<Self>,
        input_grad: bool,
    ) -> Tensor<(usize, Const<O>), f32, Self, T> {
        let batch = x.shape().0;
        let (x, mut tape) = x.split_tape();
        // theta is padded to the dense size, so the dense case is the copy itself.
        let w = gather(host(theta), &tie.weight_ids);
        let b = gather(host(bias), &tie.bias_ids);
        let xv = host(&x);
        let mut y: Vec<f32> = Vec::with_capacity(batch * O);
        for _ in 0..batch {
            y.extend_from_slice(&b);
        }
        matmul((batch, I, O), (&xv, I, 1), (&w, O, 1), &mut y, true);
        let out = x.device().tensor_from_vec(y, (batch, Const::<O>));
        let (theta_g, bias_g, x_g, out_g) = (theta.ghost(), bias.ghost(), x.ghost(), out.ghost());
        let (wid, bid) = (tie.weight_ids.clone(), tie.bias_ids.clone());
        tape.add_backward_op(move |grads| {
            let dy = host(&grads.get(&out_g));
            // x^T is x read with its strides swapped.
            let xt = (&xv[..], 1, I);
            match &wid {
                // Dense: accumulate straight into the gradient.
                None => matmul(
                    (I, batch, O),
                    xt,
                    (&dy, O, 1),
                    &mut grads.get_or_alloc_mut(&theta_g)?[..I * O],
                    true,
                ),
                Some(_) => SCRATCH.with_borrow_mut(|gw| -> Result<(), <Cpu as HasErr>::Err> {
                    gw.resize(I * O, 0.0);
                    matmul((I, batch, O), xt, (&dy, O, 1), gw, false);
                    scatter_add(grads.get_or_alloc_mut(&theta_g)?, &wid, gw);
                    Ok(())
                })?,
            }
            let mut gb = vec![0.0f32; O];
            for row in dy.chunks(O) {
                gb.iter_mut().zip(row).for_each(|(s, v)| *s += v);
            }
            scatter_add(grads.get_or_alloc_mut(&bias_g)?, &bid, &gb);
            if input_grad {
                let gx = grads.get_or_alloc_mut(&x_g)?;
                matmul((batch, O, I), (&dy, O, 1), (&w, 1, O), gx, true);
            }
            Ok(())
        });
        out.put_tape(tape)
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
