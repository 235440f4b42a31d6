//! G-datasets (docs/method.md §2): a base data set with, per image and for each selected
//! group in bit order, a uniformly random element g^k applied. Reproducible from
//! (base, group vector, translation, seed); the training draw may instead be renewed
//! every epoch, and batches may be standardised (`Normalize`).

use crate::data::{BaseData, DataError, Labeled};
use crate::groups::{GroupError, GroupPowers, GroupSet, Perm, Shift};
pub use crate::norm::{MAX_CHANNELS, Norm, Normalize};
use crate::orbits::Shape;
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
    /// Floats of one image: channels x side x side.
    pub dim: usize,
    pub channels: usize,
    /// Index of each image in its base file (training file, or t10k for a full set's
    /// test split).
    pub source: Vec<usize>,
    /// The power of each selected group's generator applied to each image, in bit
    /// order: `groups.len()` entries per image.
    pub powers: Vec<u8>,
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

/// When the group elements of the training images are drawn (docs/method.md §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Resample {
    /// Once, when the G-dataset is built: every epoch sees the same images.
    Fixed,
    /// Afresh every epoch, as the original loader; validation and test stay fixed.
    PerEpoch,
}

/// What a per-epoch draw needs: the untransformed training images, in split order.
#[derive(Clone, Debug)]
struct Resampler {
    raw: Vec<u8>,
    shift: Shift,
    seed: u64,
}

#[derive(Clone, Debug)]
pub struct GData {
    pub groups: GroupSet,
    pub side: usize,
    pub channels: usize,
    /// How many classes the labels index (the networks' outputs).
    pub classes: usize,
    pub train: Split,
    pub val: Split,
    pub test: Split,
    /// Applied to every batch a network sees (`Norm::IDENTITY` unless normalised).
    pub norm: Norm,
    resampler: Option<Resampler>,
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
    let classes = labels.iter().max().map_or(0, |&m| m as usize + 1);
    let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); classes];
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

/// Draws a random group element per selected group (in bit order) and applies it to
/// every channel's plane alike.
pub struct Transformer {
    powers: GroupPowers,
    buf: Vec<u8>,
}

impl Transformer {
    pub fn new(
        groups: GroupSet,
        side: usize,
        shift: impl Into<Shift>,
    ) -> Result<Transformer, GroupError> {
        Ok(Transformer {
            powers: GroupPowers::new(groups, side, shift)?,
            buf: Vec::new(),
        })
    }

    pub fn apply(&mut self, img: &[u8], out: &mut [u8], rng: &mut impl Rng) {
        let ks = self.draw(rng);
        self.apply_powers(img, out, &ks);
    }

    /// One power per selected group, in bit order: the draws `apply` makes.
    pub fn draw(&self, rng: &mut impl Rng) -> Vec<u8> {
        let draw = |powers: &Vec<Perm>| rng.gen_range(0..powers.len()) as u8;
        self.powers
            .per_group
            .iter()
            .map(|(_, p)| p)
            .map(draw)
            .collect()
    }

    /// The element of draws `ks`: "rot90^3, then hflip" (the order they apply in), or
    /// "identity" where every power drawn is 0.
    pub fn describe(&self, ks: &[u8]) -> String {
        let parts: Vec<String> = (self.powers.per_group.iter())
            .zip(ks)
            .filter(|(_, k)| **k != 0)
            .map(|((g, _), &k)| match k {
                1 => g.name().to_string(),
                k => format!("{}^{k}", g.name()),
            })
            .collect();
        match parts.is_empty() {
            true => "identity".into(),
            false => parts.join(", then "),
        }
    }

    /// Applies g_first^ks[0], then the next group's power, and so on, to each channel.
    pub fn apply_powers(&mut self, img: &[u8], out: &mut [u8], ks: &[u8]) {
        out.copy_from_slice(img);
        self.buf.resize(img.len(), 0);
        for ((_, powers), &k) in self.powers.per_group.iter().zip(ks) {
            if k != 0 {
                let p = &powers[k as usize];
                self.buf.copy_from_slice(out);
                for (src, dst) in self.buf.chunks(p.len()).zip(out.chunks_mut(p.len())) {
                    p.apply(src, dst);
                }
            }
        }
    }
}

fn take(src: &Labeled, idx: &[usize], tf: &mut Transformer, rng: &mut ChaCha8Rng) -> Split {
    let dim = src.images.size();
    let mut x = Vec::with_capacity(idx.len() * dim);
    let mut y = Vec::with_capacity(idx.len());
    let mut powers = Vec::new();
    let mut out = vec![0u8; dim];
    for &i in idx {
        let ks = tf.draw(rng);
        tf.apply_powers(src.images.image(i), &mut out, &ks);
        x.extend(out.iter().map(|&p| p as f32 * (1.0 / 255.0)));
        y.push(src.labels[i]);
        powers.extend(ks);
    }
    Split {
        x,
        y,
        dim,
        channels: src.images.channels,
        source: idx.to_vec(),
        powers,
    }
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
                    hint: " in the test file (t10k for IDX)",
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

/// The generator of the transformations of a G-dataset: the fixed draw, or (with
/// `epoch`) the per-epoch draw of the training images.
fn draw_rng(seed: u64, groups: GroupSet, epoch: Option<usize>) -> ChaCha8Rng {
    let base = seed ^ ((groups.bits() as u64) << 32) ^ 0x6DA7A;
    let mix = epoch.map_or(0, |e| (e as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    ChaCha8Rng::seed_from_u64(base ^ mix)
}

/// Builds the G-dataset of `base` for `groups`, drawn once, pixels in [0, 1].
pub fn build(
    base: &BaseData,
    groups: GroupSet,
    shift: impl Into<Shift>,
    seed: u64,
    sizes: SplitSizes,
) -> Result<GData, GDataError> {
    let (rows, cols) = (base.train.images.rows, base.train.images.cols);
    if rows != cols {
        return Err(GDataError::NotSquare { rows, cols });
    }
    let [tr, va, te] = split_indices(base, sizes, seed)?;
    let mut tf = Transformer::new(groups, rows, shift)?;
    let mut rng = draw_rng(seed, groups, None);
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
        channels: base.channels(),
        classes: base.classes.len(),
        train,
        val,
        test,
        norm: Norm::IDENTITY,
        resampler: None,
    })
}

impl GData {
    /// The input and output of the networks trained on this set.
    pub fn shape(&self) -> Shape {
        Shape {
            side: self.side,
            channels: self.channels,
            classes: self.classes,
        }
    }

    /// Sets how batches are standardised; `Dataset` measures this set's training split.
    pub fn normalized(mut self, mode: Normalize) -> GData {
        self.norm = match mode {
            Normalize::Paper => Norm::PAPER,
            Normalize::None => Norm::IDENTITY,
            Normalize::Dataset => Norm::of(&self.train.x, self.train.dim, self.train.channels),
        };
        self
    }

    /// Sets when the training images' group elements are drawn. `base`, `shift` and
    /// `seed` must be those the set was built from.
    pub fn resampled(mut self, mode: Resample, base: &BaseData, shift: Shift, seed: u64) -> GData {
        self.resampler = match mode {
            Resample::Fixed => None,
            Resample::PerEpoch => Some(Resampler {
                raw: (self.train.source.iter())
                    .flat_map(|&i| base.train.images.image(i).iter().copied())
                    .collect(),
                shift,
                seed,
            }),
        };
        self
    }

    /// The training split of `epoch`: `None` when the draw is fixed (use `train`),
    /// else the same images and labels under a fresh draw from the seed and the epoch.
    pub fn train_epoch(&self, epoch: usize) -> Option<Split> {
        let r = self.resampler.as_ref()?;
        let mut tf = Transformer::new(self.groups, self.side, r.shift)
            .expect("the shift built this set already");
        let mut rng = draw_rng(r.seed, self.groups, Some(epoch));
        let dim = self.train.dim;
        let (mut x, mut powers) = (Vec::with_capacity(self.train.x.len()), Vec::new());
        let mut out = vec![0u8; dim];
        for img in r.raw.chunks(dim) {
            let ks = tf.draw(&mut rng);
            tf.apply_powers(img, &mut out, &ks);
            x.extend(out.iter().map(|&p| p as f32 * (1.0 / 255.0)));
            powers.extend(ks);
        }
        Some(Split {
            x,
            y: self.train.y.clone(),
            dim,
            channels: self.channels,
            source: self.train.source.clone(),
            powers,
        })
    }
}

/// An original image, its transformed version, and its label.
#[derive(Clone, Debug)]
pub struct Sample {
    pub original: Vec<u8>,
    pub transformed: Vec<u8>,
    pub label: u8,
    /// The group element drawn for it, as [`Transformer::describe`] names it.
    pub transform: String,
}

/// Originals and transformed versions of `count` sample images, for previews. The
/// count must be 1 to the number of images in the base set; it is checked before
/// anything is allocated for it.
pub fn preview_samples(
    base: &BaseData,
    groups: GroupSet,
    shift: impl Into<Shift>,
    sample_seed: u64,
    count: usize,
) -> Result<Vec<Sample>, GDataError> {
    let available = base.train.len();
    if count == 0 || count > available {
        return Err(GDataError::SampleCount { count, available });
    }
    let imgs = &base.train.images;
    let mut tf = Transformer::new(groups, imgs.rows, shift)?;
    let mut rng = ChaCha8Rng::seed_from_u64(sample_seed);
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let i = rng.gen_range(0..base.train.len());
        let orig = imgs.image(i).to_vec();
        let mut t = vec![0u8; orig.len()];
        let ks = tf.draw(&mut rng);
        tf.apply_powers(&orig, &mut t, &ks);
        out.push(Sample {
            original: orig,
            transformed: t,
            label: base.train.labels[i],
            transform: tf.describe(&ks),
        });
    }
    Ok(out)
}
