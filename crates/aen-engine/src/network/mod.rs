//! `aen export-net` and `aen eval-net` (docs/method.md §7): a network aen found, trained
//! under the final-evaluation protocol and written where any framework can read it, and
//! read back, checked and evaluated on real images and on their transformed copies.
//!
//! A folder holds `model.safetensors` (every layer dense, in PyTorch's `nn.Linear`
//! layout: weight [out, in], bias [out]), `tied.safetensors` (each tied layer's free
//! parameters and orbit ids, the compact form and the proof of the tying), and
//! `model.json` (what the network is and how it was made). `python/aen_model.py` loads
//! it with NumPy.

mod meta;
mod read;
mod write;

pub use meta::{FILES, FORMAT, ModelJson, Network, Protocol, VERSION};
pub use read::{GroupCheck, NetEval, evaluate, load};
pub use write::export;
