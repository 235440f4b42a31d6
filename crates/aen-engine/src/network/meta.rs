//! What an exported network's folder holds, and a network read back from one.

use crate::groups::{Shift, Translation};
use crate::kernel::Mlp;
use serde::{Deserialize, Serialize};

pub const FORMAT: &str = "aen-network";
/// 2: any input side, channels and classes; mean and std per channel.
pub const VERSION: u32 = 2;
/// The files of an exported network, all written or none.
pub const FILES: [&str; 3] = ["model.safetensors", "tied.safetensors", "model.json"];

/// How the network was trained.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Protocol {
    pub epochs: usize,
    pub batch: usize,
    pub lr: f64,
    pub seed: u64,
    pub train_size: usize,
    pub val_size: usize,
    pub test_size: usize,
}

/// model.json.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelJson {
    pub format: String,
    pub version: u32,
    /// The aen that wrote it.
    pub aen: String,
    pub groups: String,
    pub group_bits: String,
    pub translation: Translation,
    pub step: usize,
    /// Side of the square input image and of the hidden grids.
    pub input_side: usize,
    pub hidden_side: usize,
    pub channels: usize,
    /// Widths, input first: [channels x side², 400, 400, classes].
    pub layers: Vec<usize>,
    pub classes: Vec<String>,
    /// What the first layer sees: ((pixel * pixel_scale) - mean[c]) / std[c] for a
    /// pixel of channel c.
    pub pixel_scale: f32,
    pub mean: Vec<f32>,
    pub std: Vec<f32>,
    pub dataset: String,
    pub source: String,
    /// The groups the training images were drawn under.
    pub data_groups: String,
    /// Fingerprint of the G-data trained on (as in sweep tables).
    pub data_sha256: String,
    pub protocol: Protocol,
    pub val_acc: f64,
    pub test_acc: f64,
    pub params: usize,
}

/// A network read back and checked.
pub struct Network {
    pub meta: ModelJson,
    pub net: Mlp,
    pub params: Vec<f32>,
    pub shift: Shift,
}
