//! `aen data export` (docs/method.md §2): a G-dataset written as standard IDX files with
//! a manifest that says how to rebuild every image from the base data.
//!
//! The training file holds the training split followed by the validation split (so the
//! export reads back as a full data set with `--data-dir`), the t10k file the test
//! split. Pixels are the raw transformed bytes, before any normalization.

use crate::data::{self, BaseData, Images, idx};
use crate::error::{Result, ResultExt, bail};
use crate::gdata::{self, Split, SplitSizes};
use crate::settings::{SettingValue, Settings};
use serde::{Deserialize, Serialize};
use std::path::Path;

use crate::data::exported::FORMAT;
pub const VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FileHash {
    pub name: String,
    pub sha256: String,
}

/// One split of the export.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SplitRecord {
    /// "train", "validation" or "test".
    pub name: String,
    /// The exported file pair holding it: "train" or "t10k".
    pub file: String,
    /// Its first image's position in that file.
    pub first: usize,
    pub count: usize,
    /// The base file its images come from: "train" (the training file or the embedded
    /// pool) or "t10k".
    pub base_file: String,
    /// Each image's index in the base file.
    pub base_index: Vec<usize>,
    /// Each image's group element: the power of each group's generator, in the order of
    /// `power_order`, applied first to last.
    pub powers: Vec<Vec<u8>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    pub dataset: String,
    pub source: String,
    /// The base files as read, with their SHA-256.
    pub base_files: Vec<FileHash>,
    pub groups: String,
    pub group_bits: String,
    pub translation: String,
    /// `data.step`; under the compatible translation `image_step` is used instead.
    pub step: usize,
    /// The htrans/vtrans step on the image grid.
    pub image_step: usize,
    pub seed: u64,
    pub sizes: SplitSizes,
    pub side: usize,
    /// Which group each entry of a `powers` list belongs to.
    pub power_order: Vec<String>,
    /// "raw": bytes as transformed, before normalization; the draw is the fixed one.
    pub pixels: String,
    pub splits: Vec<SplitRecord>,
    /// The exported files, with their SHA-256.
    pub files: Vec<FileHash>,
}

fn raw(split: &Split) -> Vec<u8> {
    // Pixels were stored as p / 255 in f32, which rounds back to p exactly.
    split.x.iter().map(|&v| (v * 255.0).round() as u8).collect()
}

fn record(name: &str, file: &str, first: usize, split: &Split, base_file: &str) -> SplitRecord {
    let per = split.powers.len() / split.len().max(1);
    SplitRecord {
        name: name.into(),
        file: file.into(),
        first,
        count: split.len(),
        base_file: base_file.into(),
        base_index: split.source.clone(),
        powers: match per {
            0 => vec![Vec::new(); split.len()],
            _ => split.powers.chunks(per).map(<[u8]>::to_vec).collect(),
        },
    }
}

/// The IDX pair of `splits`, as (file name, bytes).
fn encode_pair(stem: &str, side: usize, splits: &[&Split]) -> [(String, Vec<u8>); 2] {
    let pixels: Vec<u8> = splits.iter().flat_map(|s| raw(s)).collect();
    let labels: Vec<u8> = splits.iter().flat_map(|s| s.y.iter().copied()).collect();
    let images = Images {
        count: labels.len(),
        rows: side,
        cols: side,
        channels: 1,
        pixels,
    };
    [
        (
            format!("{stem}-images-idx3-ubyte"),
            idx::encode_images(&images),
        ),
        (
            format!("{stem}-labels-idx1-ubyte"),
            idx::encode_labels(&labels),
        ),
    ]
}

/// Checks, before any work, that exporting into `dir` loses nothing: it must be
/// absent, empty, or hold an earlier export and nothing else (which, once the new
/// manifest is known, must be of the same settings: see [`export`]).
pub fn check_out(dir: &Path) -> Result<()> {
    crate::session::check_out_dir(dir)?;
    let written = crate::data::exported::written_files(dir)?.unwrap_or_default();
    let foreign = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| !written.contains(n) && !crate::session::is_bookkeeping(n));
    if let Some(name) = foreign {
        bail!(
            "{} holds {name}, which an earlier export did not write: --out must be a new or empty folder (an export never overwrites data)",
            dir.display()
        );
    }
    Ok(())
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Writes the search protocol's G-dataset of `settings` (its data settings and child
/// split sizes) into `dir` and returns the manifest written beside it.
pub fn export(settings: &Settings, base: &BaseData, dir: &Path) -> Result<Manifest> {
    let shift = settings.shift();
    let d = &settings.data;
    check_out(dir)?;
    let gd = gdata::build(base, d.groups, shift, d.seed, settings.child_sizes())?;
    let mut encoded = Vec::new();
    encoded.extend(encode_pair("train", gd.side, &[&gd.train, &gd.val]));
    encoded.extend(encode_pair("t10k", gd.side, &[&gd.test]));
    let files = (encoded.iter())
        .map(|(name, bytes)| FileHash {
            name: name.clone(),
            sha256: sha256_hex(bytes),
        })
        .collect();
    let test_base = if base.test.is_some() { "t10k" } else { "train" };
    let manifest = Manifest {
        format: FORMAT.into(),
        version: VERSION,
        dataset: base.kind.name().into(),
        source: base.source.kind.name().into(),
        base_files: data::base_file_hashes(base.kind, &base.source)?
            .into_iter()
            .map(|(name, sha256)| FileHash { name, sha256 })
            .collect(),
        groups: d.groups.to_string(),
        group_bits: d.groups.bit_string(),
        translation: d.translation.show(),
        step: d.step,
        image_step: shift.step_on(gd.side)?,
        seed: d.seed,
        sizes: settings.child_sizes(),
        side: gd.side,
        power_order: d.groups.iter().map(|g| g.name().to_string()).collect(),
        pixels: "raw".into(),
        splits: vec![
            record("train", "train", 0, &gd.train, "train"),
            record("validation", "train", gd.train.len(), &gd.val, "train"),
            record("test", "t10k", 0, &gd.test, test_base),
        ],
        files,
    };
    let json = serde_json::to_vec(&manifest).expect("manifests serialise");
    let old = dir.join(crate::data::exported::MANIFEST);
    if old.exists() {
        let bytes = crate::fsio::read_capped(&old, 256 << 20, "export manifest")?;
        if serde_json::from_slice::<Manifest>(&bytes).ok().as_ref() != Some(&manifest) {
            bail!(
                "{} holds an export of other settings or data: export into a new or empty folder (an export never overwrites another)",
                dir.display()
            );
        }
    }
    // One set: a failure (a full disk) leaves an earlier export whole.
    let mut set = crate::fsio::Staged::new();
    for (name, bytes) in &encoded {
        set.bytes(&dir.join(name), bytes)?;
    }
    set.bytes(&old, &json)?;
    set.commit()?;
    Ok(manifest)
}
