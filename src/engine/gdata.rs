//! G-datasets (docs/method.md §3): a base data set with, per image and for each selected
//! group in bit order, a uniformly random element g^k applied. Reproducible from
//! (base, group vector, step, seed).

use crate::engine::data::{BaseData, DataError, Labeled};
use crate::engine::groups::{GroupError, GroupPowers, GroupSet};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// How many images each split takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SplitSizes {
    pub train: usize,
    pub val: usize,
    pub test: usize,
}

/// One split, pixels scaled to [0, 1], row-major.
#[derive(Clone, Debug, Default)]
pub struct Split {
    pub x: Vec<f32>,
    pub y: Vec<u8>,
    pub dim: usize,
}

impl Split {
    pub fn len(&self) -> usize {
        self.y.len()
    }
    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }
    pub fn image(&self, i: usize) -> &[f32] {
        &self.x[i * self.dim..(i + 1) * self.dim]
    }
}

#[derive(Clone, Debug)]
pub struct GData {
    pub groups: GroupSet,
    pub side: usize,
    pub train: Split,
    pub val: Split,
    pub test: Split,
}

#[derive(Debug, thiserror::Error)]
pub enum GDataError {
    #[error(transparent)]
    Group(#[from] GroupError),
    #[error(transparent)]
    Data(#[from] DataError),
    #[error("{what}: asked for {asked} images but only {have} are available{hint}")]
    TooMany {
        what: &'static str,
        asked: usize,
        have: usize,
        hint: &'static str,
    },
    #[error("images must be square, got {rows}x{cols}")]
    NotSquare { rows: usize, cols: usize },
    #[error("{0} split size must be at least 1")]
    Empty(&'static str),
    #[error(
        "cannot show {count} sample images: choose a count from 1 to {available}, the images available"
    )]
    SampleCount { count: usize, available: usize },
}

/// An order of indices in which every class appears in turn (each class shuffled by
/// `rng`), so every prefix is class-balanced and disjoint prefixes make disjoint splits.
pub fn balanced_order(labels: &[u8], rng: &mut impl Rng) -> Vec<usize> {
    let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); 10];
    for (i, &l) in labels.iter().enumerate() {
        by_class[l as usize].push(i);
    }
    for c in &mut by_class {
        c.shuffle(rng);
    }
    let longest = by_class.iter().map(Vec::len).max().unwrap_or(0);
    let mut out = Vec::with_capacity(labels.len());
    for k in 0..longest {
        for c in &by_class {
            if let Some(&i) = c.get(k) {
                out.push(i);
            }
        }
    }
    out
}

/// Draws a random group element per selected group (in bit order) and applies it.
pub struct Transformer {
    powers: GroupPowers,
    buf: Vec<u8>,
}

impl Transformer {
    pub fn new(groups: GroupSet, side: usize, step: usize) -> Result<Transformer, GroupError> {
        Ok(Transformer {
            powers: GroupPowers::new(groups, side, step)?,
            buf: vec![0; side * side],
        })
    }

    pub fn apply(&mut self, img: &[u8], out: &mut [u8], rng: &mut impl Rng) {
        out.copy_from_slice(img);
        for (_, powers) in &self.powers.per_group {
            let k = rng.gen_range(0..powers.len());
            if k != 0 {
                self.buf.copy_from_slice(out);
                powers[k].apply(&self.buf, out);
            }
        }
    }
}

fn take(src: &Labeled, idx: &[usize], tf: &mut Transformer, rng: &mut ChaCha8Rng) -> Split {
    let dim = src.images.rows * src.images.cols;
    let mut x = Vec::with_capacity(idx.len() * dim);
    let mut y = Vec::with_capacity(idx.len());
    let mut out = vec![0u8; dim];
    for &i in idx {
        tf.apply(src.images.image(i), &mut out, rng);
        x.extend(out.iter().map(|&p| p as f32 * (1.0 / 255.0)));
        y.push(src.labels[i]);
    }
    Split { x, y, dim }
}

/// Which base images each split uses. Depends only on the base and the seed, never on
/// the groups, so G-datasets that differ only in groups share their images.
pub fn split_indices(
    base: &BaseData,
    sizes: SplitSizes,
    seed: u64,
) -> Result<[Vec<usize>; 3], GDataError> {
    for (name, n) in [
        ("train", sizes.train),
        ("validation", sizes.val),
        ("test", sizes.test),
    ] {
        if n == 0 {
            return Err(GDataError::Empty(name));
        }
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0005_EED5_1175);
    let order = balanced_order(&base.train.labels, &mut rng);
    match &base.test {
        Some(test) => {
            let have = order.len();
            // Saturating: sizes near usize::MAX must not wrap round to a small sum
            // that passes the check and then slices out of range.
            let asked = sizes.train.saturating_add(sizes.val);
            if asked > have {
                return Err(GDataError::TooMany {
                    what: "train + validation",
                    asked,
                    have,
                    hint: " in the training file",
                });
            }
            if sizes.test > test.len() {
                return Err(GDataError::TooMany {
                    what: "test",
                    asked: sizes.test,
                    have: test.len(),
                    hint: " in the t10k file",
                });
            }
            let test_order = balanced_order(&test.labels, &mut rng);
            Ok([
                order[..sizes.train].to_vec(),
                order[sizes.train..sizes.train + sizes.val].to_vec(),
                test_order[..sizes.test].to_vec(),
            ])
        }
        None => {
            let total = sizes
                .train
                .saturating_add(sizes.val)
                .saturating_add(sizes.test);
            if total > order.len() {
                return Err(GDataError::TooMany {
                    what: "train + validation + test",
                    asked: total,
                    have: order.len(),
                    hint: " in the embedded pool; lower the sizes, or use --data-dir or `aen data fetch` for the full set",
                });
            }
            let (a, b) = (sizes.train, sizes.train + sizes.val);
            Ok([
                order[..a].to_vec(),
                order[a..b].to_vec(),
                order[b..total].to_vec(),
            ])
        }
    }
}

/// Builds the G-dataset of `base` for `groups`.
pub fn build(
    base: &BaseData,
    groups: GroupSet,
    step: usize,
    seed: u64,
    sizes: SplitSizes,
) -> Result<GData, GDataError> {
    let (rows, cols) = (base.train.images.rows, base.train.images.cols);
    if rows != cols {
        return Err(GDataError::NotSquare { rows, cols });
    }
    let [tr, va, te] = split_indices(base, sizes, seed)?;
    let mut tf = Transformer::new(groups, rows, step)?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ ((groups.bits() as u64) << 32) ^ 0x6DA7A);
    let train = take(&base.train, &tr, &mut tf, &mut rng);
    let val = take(&base.train, &va, &mut tf, &mut rng);
    let test = take(
        base.test.as_ref().unwrap_or(&base.train),
        &te,
        &mut tf,
        &mut rng,
    );
    Ok(GData {
        groups,
        side: rows,
        train,
        val,
        test,
    })
}

/// An original image, its transformed version, and its label.
pub type Sample = (Vec<u8>, Vec<u8>, u8);

/// Originals and transformed versions of `count` sample images, for previews. The
/// count must be 1 to the number of images in the base set; it is checked before
/// anything is allocated for it.
pub fn preview_samples(
    base: &BaseData,
    groups: GroupSet,
    step: usize,
    sample_seed: u64,
    count: usize,
) -> Result<Vec<Sample>, GDataError> {
    let available = base.train.len();
    if count == 0 || count > available {
        return Err(GDataError::SampleCount { count, available });
    }
    let imgs = &base.train.images;
    let mut tf = Transformer::new(groups, imgs.rows, step)?;
    let mut rng = ChaCha8Rng::seed_from_u64(sample_seed);
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let i = rng.gen_range(0..base.train.len());
        let orig = imgs.image(i).to_vec();
        let mut t = vec![0u8; orig.len()];
        tf.apply(&orig, &mut t, &mut rng);
        out.push((orig, t, base.train.labels[i]));
    }
    Ok(out)
}
