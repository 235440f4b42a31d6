//! How pixels in [0, 1] become a network's inputs (docs/method.md §2): one affine map
//! per channel, which commutes with every group permutation.

use serde::{Deserialize, Serialize};

/// How pixels in [0, 1] are standardised before a network sees them (docs/method.md §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Normalize {
    /// (x - 0.1307) / 0.3081, the original's MNIST constants, on every data set.
    Paper,
    /// Pixels as they are, in [0, 1].
    None,
    /// The mean and standard deviation of the training split's pixels.
    Dataset,
}

/// Most channels an image has (colour).
pub const MAX_CHANNELS: usize = 3;

/// The affine map x -> (x - mean[c]) / std[c] applied to every pixel of channel c a
/// network sees. It is the same for every pixel of a channel, and a group moves pixels
/// within their channel, so it commutes with the group permutations.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Norm {
    /// How many channels the constants below distinguish: 1 applies `mean[0]` and
    /// `std[0]` to every pixel of every channel.
    pub channels: usize,
    pub mean: [f32; MAX_CHANNELS],
    pub std: [f32; MAX_CHANNELS],
}

impl Norm {
    pub const IDENTITY: Norm = Norm::uniform(0.0, 1.0);
    /// MNIST's constants, the original's, applied to every channel of any data set.
    pub const PAPER: Norm = Norm::uniform(0.1307, 0.3081);

    const fn uniform(mean: f32, std: f32) -> Norm {
        Norm {
            channels: 1,
            mean: [mean; MAX_CHANNELS],
            std: [std; MAX_CHANNELS],
        }
    }

    /// Mean and population standard deviation of each channel's pixels in `x`, whole
    /// images of `dim` floats with `channels` planes each.
    pub fn of(x: &[f32], dim: usize, channels: usize) -> Norm {
        let c = channels.clamp(1, MAX_CHANNELS);
        let plane = dim / c;
        let images = x.len() / dim.max(1);
        let mut out = Norm {
            channels: c,
            ..Norm::IDENTITY
        };
        for ch in 0..c {
            let pixels = || {
                (x.chunks_exact(dim.max(1))).flat_map(move |img| &img[ch * plane..(ch + 1) * plane])
            };
            let n = (images * plane).max(1) as f64;
            let mean = pixels().map(|&v| v as f64).sum::<f64>() / n;
            let var = pixels().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n;
            // A blank training split would divide by zero; leaving it unscaled is harmless.
            let std = if var > 0.0 { var.sqrt() } else { 1.0 };
            (out.mean[ch], out.std[ch]) = (mean as f32, std as f32);
        }
        out
    }

    /// `x` of channel 0 (of every channel when the constants are uniform) as the
    /// network sees it. The identity map returns `x` bit for bit.
    pub fn apply(self, x: f32) -> f32 {
        (x - self.mean[0]) / self.std[0]
    }

    /// The constants of each of `channels` channels: (means, standard deviations).
    pub fn per_channel(self, channels: usize) -> (Vec<f32>, Vec<f32>) {
        let at = |v: [f32; MAX_CHANNELS]| -> Vec<f32> {
            (0..channels)
                .map(|c| v[if self.channels == 1 { 0 } else { c }])
                .collect()
        };
        (at(self.mean), at(self.std))
    }

    /// Writes one image (channel planes in order) as the network sees it.
    pub fn fill(self, img: &[f32], out: &mut [f32]) {
        let plane = img.len() / self.channels;
        for (c, (src, dst)) in img.chunks(plane).zip(out.chunks_mut(plane)).enumerate() {
            let (m, s) = (self.mean[c], self.std[c]);
            dst.iter_mut().zip(src).for_each(|(d, &v)| *d = (v - m) / s);
        }
    }

    /// Appends one image as the network sees it.
    pub fn extend(self, img: &[f32], out: &mut Vec<f32>) {
        let start = out.len();
        out.resize(start + img.len(), 0.0);
        self.fill(img, &mut out[start..]);
    }
}
