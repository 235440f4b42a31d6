//! CIFAR-10's binary batches (`data_batch_1.bin` .. `data_batch_5.bin`, `test_batch.bin`):
//! records of one label byte and a 32x32 colour image stored red plane, green plane,
//! blue plane, the order aen keeps images in. Class names come from
//! `batches.meta.txt` when it is there.

use super::error::DataError;
use super::fetch::{self, FetchEvent, Manifest};
use super::idx::Labeled;
use super::stack::Stack;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The binary version's archive, as published at <https://www.cs.toronto.edu/~kriz/cifar.html>
/// (170,052,171 bytes; MD5 c32a1d4ab5d03f1284b67883e8d87530 as the page gives it).
pub const ARCHIVE: &str = "cifar-10-binary.tar.gz";
pub const ARCHIVE_SHA256: &str = "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd";
pub const MIRROR: &str = "https://www.cs.toronto.edu/~kriz/";
/// The archive's class names, beside the batches.
const META: &str = "batches.meta.txt";

pub const SIDE: usize = 32;
const IMAGE: usize = SIDE * SIDE * 3;
const RECORD: usize = 1 + IMAGE;
pub const TRAIN: [&str; 5] = [
    "data_batch_1.bin",
    "data_batch_2.bin",
    "data_batch_3.bin",
    "data_batch_4.bin",
    "data_batch_5.bin",
];
pub const TEST: &str = "test_batch.bin";
/// The archive's own folder name, looked in when the batches are not in the folder given.
pub const SUBDIR: &str = "cifar-10-batches-bin";
pub const CLASSES: [&str; 10] = [
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
];

/// The folder holding the batches: `dir` or its `cifar-10-batches-bin`, whichever has
/// the first training batch or the test batch (usable or not: reading names what is
/// wrong with them).
pub fn batches_dir(dir: &Path) -> Option<PathBuf> {
    let there = |p: PathBuf| std::fs::symlink_metadata(p).is_ok();
    [dir.to_path_buf(), dir.join(SUBDIR)]
        .into_iter()
        .find(|d| there(d.join(TEST)) || there(d.join(TRAIN[0])))
}

fn read_batch(path: &Path, stack: &mut Stack, labels: &mut Vec<u8>) -> Result<(), DataError> {
    let bad = |why: String| DataError::Format {
        path: path.to_path_buf(),
        why,
    };
    let len = crate::fsio::check_regular(path, "CIFAR batch")? as usize;
    if len == 0 || !len.is_multiple_of(RECORD) {
        return Err(bad(format!(
            "{len} bytes is not a whole number of {RECORD}-byte records (a label and a 32x32x3 image)"
        )));
    }
    let mut f = std::io::BufReader::new(
        std::fs::File::open(path).map_err(|e| bad(format!("cannot open ({e})")))?,
    );
    let mut rec = vec![0u8; RECORD];
    for k in 0..len / RECORD {
        f.read_exact(&mut rec)
            .map_err(|e| bad(format!("record {k}: {e}")))?;
        if rec[0] > 9 {
            return Err(bad(format!("record {k}: label {} is not 0..9", rec[0])));
        }
        labels.push(rec[0]);
        stack.extend(&rec[1..]);
    }
    Ok(())
}

fn split(dir: &Path, files: &[&str]) -> Result<Labeled, DataError> {
    let mut stack = Stack::with_shape(SIDE, SIDE, 3, 0);
    let mut labels = Vec::new();
    for (k, f) in files.iter().enumerate() {
        let p = dir.join(f);
        // The first batch of a split is required; the others are read when present.
        if k == 0 || std::fs::symlink_metadata(&p).is_ok() {
            read_batch(&p, &mut stack, &mut labels)?;
        }
    }
    Ok(Labeled {
        images: stack.finish(),
        labels,
    })
}

/// The class names: `batches.meta.txt` (one per line) if present, else CIFAR-10's.
fn class_names(dir: &Path) -> Result<Vec<String>, DataError> {
    let path = dir.join(META);
    if std::fs::symlink_metadata(&path).is_err() {
        return Ok(CLASSES.iter().map(|c| c.to_string()).collect());
    }
    let bytes = crate::fsio::read_capped(&path, 64 << 10, "CIFAR class names")?;
    let text = String::from_utf8(bytes).map_err(|_| DataError::Format {
        path: path.clone(),
        why: "not UTF-8 text".into(),
    })?;
    let listed: Vec<String> = (text.lines().map(str::trim))
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    if listed.len() != CLASSES.len() {
        return Err(DataError::Format {
            path,
            why: format!(
                "names {} classes; CIFAR-10 has {} (one name a line)",
                listed.len(),
                CLASSES.len()
            ),
        });
    }
    Ok(listed)
}

/// Reads every training batch present (the first is required) and the test batch.
pub fn load(dir: &Path) -> Result<(Labeled, Labeled, Vec<String>), DataError> {
    let d = batches_dir(dir).ok_or_else(|| DataError::Format {
        path: dir.to_path_buf(),
        why: format!("no CIFAR-10 batches ({} and {TEST})", TRAIN[0]),
    })?;
    Ok((split(&d, &TRAIN)?, split(&d, &[TEST])?, class_names(&d)?))
}

/// What `aen data fetch cifar10` downloads.
pub fn manifest() -> Manifest {
    Manifest {
        files: vec![(ARCHIVE.to_string(), ARCHIVE_SHA256.to_string())],
        mirrors: vec![MIRROR.to_string()],
        limits: fetch::FetchLimits::default(),
    }
}

/// Downloads the archive `manifest` names into `dest` (checked against its SHA-256),
/// unpacks the batches there and removes the archive. Batches already in `dest` are
/// kept and nothing is downloaded.
pub fn fetch_into(
    manifest: &Manifest,
    dest: &Path,
    progress: &mut dyn FnMut(FetchEvent),
) -> Result<(), DataError> {
    if batches_dir(dest).is_some() {
        progress(FetchEvent::AlreadyPresent {
            file: format!("{} batches", dest.display()),
        });
        return Ok(());
    }
    fetch::fetch(manifest, dest, progress).map_err(|e| DataError::Other(e.to_string()))?;
    let name = (manifest.files.first()).map_or(ARCHIVE, |(n, _)| n.as_str());
    let archive = dest.join(name);
    unpack(&archive, dest)?;
    std::fs::remove_file(&archive)
        .map_err(|e| DataError::Other(format!("{}: {e}", archive.display())))
}

/// Writes the batches and class names of a CIFAR-10 archive into `dest`, each file
/// whole or not at all (written aside, then renamed). Nothing else in the archive is
/// written, so its paths cannot reach outside `dest`.
fn unpack(archive: &Path, dest: &Path) -> Result<(), DataError> {
    let bad = |why: String| DataError::Format {
        path: archive.to_path_buf(),
        why,
    };
    let f = std::fs::File::open(archive).map_err(|e| bad(format!("cannot open ({e})")))?;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(std::io::BufReader::new(f)));
    let wanted: Vec<&str> = TRAIN.iter().copied().chain([TEST, META]).collect();
    let mut written = Vec::new();
    let entries = tar
        .entries()
        .map_err(|e| bad(format!("not a .tar.gz ({e})")))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| bad(format!("unreadable ({e})")))?;
        let path = entry
            .path()
            .map_err(|e| bad(format!("an entry's name ({e})")))?;
        let Some(name) = path
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_string)
        else {
            continue;
        };
        if !wanted.contains(&name.as_str()) || !entry.header().entry_type().is_file() {
            continue;
        }
        let part = dest.join(format!("{name}.part"));
        let mut out =
            std::fs::File::create(&part).map_err(|e| bad(format!("{}: {e}", part.display())))?;
        std::io::copy(&mut entry, &mut out).map_err(|e| bad(format!("{name}: {e}")))?;
        std::fs::rename(&part, dest.join(&name)).map_err(|e| bad(format!("{name}: {e}")))?;
        written.push(name);
    }
    let missing: Vec<&str> = (wanted.iter().copied())
        .filter(|w| *w != META && !written.iter().any(|n| n == w))
        .collect();
    if !missing.is_empty() {
        return Err(bad(format!("the archive lacks {}", missing.join(", "))));
    }
    Ok(())
}
