//! Images gathered one at a time from files of any format into one `Images`, each
//! checked against the first for its size and channels, and the shape rule every
//! network input obeys (square, even side) checked once the set is complete.

use super::error::DataError;
use super::idx::Images;
use std::path::Path;

/// The size of one image: (rows, cols, channels).
pub type Dims = (usize, usize, usize);

/// Images of one split being read, all the size of the first.
pub struct Stack {
    images: Images,
    /// The file the first image came from, named when another differs from it.
    first: Option<std::path::PathBuf>,
}

impl Stack {
    pub fn new() -> Stack {
        Stack {
            images: Images {
                count: 0,
                rows: 0,
                cols: 0,
                channels: 0,
                pixels: Vec::new(),
            },
            first: None,
        }
    }

    /// A stack whose size is known ahead (arrays, CIFAR batches): room for `count`.
    pub fn with_shape(rows: usize, cols: usize, channels: usize, count: usize) -> Stack {
        Stack {
            images: Images {
                count: 0,
                rows,
                cols,
                channels,
                pixels: Vec::with_capacity(rows * cols * channels * count),
            },
            first: None,
        }
    }

    /// Adds one image of `rows` x `cols` x `channels`, stored channel by channel.
    pub fn push(
        &mut self,
        path: &Path,
        rows: usize,
        cols: usize,
        channels: usize,
        planar: &[u8],
    ) -> Result<(), DataError> {
        let im = &mut self.images;
        if im.count == 0 && self.first.is_none() {
            (im.rows, im.cols, im.channels) = (rows, cols, channels);
            self.first = Some(path.to_path_buf());
        } else if (rows, cols, channels) != (im.rows, im.cols, im.channels) {
            return Err(DataError::Format {
                path: path.to_path_buf(),
                why: format!(
                    "a {rows}x{cols} image with {channels} channel(s), but {} is {}x{} with {}; every image of a data set must have one size (or pass --resize N)",
                    self.first.as_deref().unwrap_or(path).display(),
                    im.rows,
                    im.cols,
                    im.channels
                ),
            });
        }
        im.pixels.extend_from_slice(planar);
        im.count += 1;
        Ok(())
    }

    /// Appends pixels already in stack order (whole images of the declared shape).
    pub fn extend(&mut self, planar: &[u8]) {
        self.images.pixels.extend_from_slice(planar);
        self.images.count = self.images.pixels.len() / self.images.size().max(1);
    }

    pub fn finish(self) -> Images {
        self.images
    }
}

impl Default for Stack {
    fn default() -> Self {
        Stack::new()
    }
}

/// Pixels of an interleaved (H x W x C) image, channel by channel.
pub fn planar(interleaved: &[u8], channels: usize) -> Vec<u8> {
    if channels == 1 {
        return interleaved.to_vec();
    }
    let cells = interleaved.len() / channels;
    let mut out = vec![0u8; interleaved.len()];
    for (i, px) in interleaved.chunks_exact(channels).enumerate() {
        for (c, &v) in px.iter().enumerate() {
            out[c * cells + i] = v;
        }
    }
    out
}

/// The shape a network can take: square, with an even side, so that every one of the
/// twelve groups acts on it. `path` is the file named in the error.
pub fn check_shape(path: &Path, images: &Images) -> Result<(), DataError> {
    let (r, c) = (images.rows, images.cols);
    if r != c || !r.is_multiple_of(2) || r < 2 {
        return Err(DataError::Format {
            path: path.to_path_buf(),
            why: format!(
                "images are {r}x{c}; aen needs square images with an even side (the block swaps halve it); pass --resize N to resize them to NxN"
            ),
        });
    }
    if !matches!(images.channels, 1 | 3) {
        return Err(DataError::Format {
            path: path.to_path_buf(),
            why: format!(
                "images have {} channels; aen reads greyscale (1) or colour (3)",
                images.channels
            ),
        });
    }
    Ok(())
}

/// One image of `rows` x `cols` x `channels` (stored channel by channel) resized to
/// `side` x `side`, each channel's plane alone with a triangle (bilinear) filter.
/// Non-square images are stretched.
pub fn resize_one(img: &[u8], (rows, cols, channels): Dims, side: usize) -> Vec<u8> {
    let n = side as u32;
    let mut out = Vec::with_capacity(side * side * channels);
    for plane in img.chunks_exact(rows * cols) {
        let g = image::GrayImage::from_raw(cols as u32, rows as u32, plane.to_vec())
            .expect("a plane holds rows x cols bytes");
        let r = image::imageops::resize(&g, n, n, image::imageops::FilterType::Triangle);
        out.extend_from_slice(r.as_raw());
    }
    out
}

/// `images` resized to `side` x `side` (`resize_one` on each): for `--resize N`, when a
/// set's images are not a size the networks take.
pub fn resize(images: &Images, side: usize) -> Images {
    let dims = (images.rows, images.cols, images.channels);
    Images {
        count: images.count,
        rows: side,
        cols: side,
        channels: images.channels,
        pixels: (0..images.count)
            .flat_map(|i| resize_one(images.image(i), dims, side))
            .collect(),
    }
}
