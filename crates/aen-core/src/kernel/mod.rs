//! aen's own CPU training kernel (docs/method.md §5, "The CPU kernel"): a multilayer
//! perceptron whose layers may be orbit-tied, trained by hand-written forward and
//! backward passes over reused memory, one gemm per product, and Adam over the free
//! parameters only. The child network and the DQN's Q-network both train through it
//! on the CPU; the CUDA build keeps dfdx's operations (`nn`, `batched`).
//!
//! Why by hand: dfdx's optimisers need parameters of a constant shape, so a tied layer
//! kept its orbit values in a vector as long as the dense weight and Adam walked all
//! of it (478,410 floats for a child with 11,560 free parameters), and every step
//! allocated its tensors afresh. Here a step allocates nothing, the only full-size
//! passes besides the products are one gather and one scatter per tied layer, and the
//! remaining time is the matrix multiplies (`Timing` says where it goes).

mod adam;
mod gemm;
mod mlp;
mod rate;
mod timing;

pub use adam::Adam;
pub use gemm::{flops_done, matmul};
pub use mlp::{Layer, Mlp, Work, argmax, cross_entropy};
pub use rate::{GemmRate, gemm_rate};
pub use timing::{Phase, Timing};
