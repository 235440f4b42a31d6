//! CIFAR-10's binary batches (`data_batch_1.bin` .. `data_batch_5.bin`, `test_batch.bin`):
//! records of one label byte and a 32x32 colour image stored red plane, green plane,
//! blue plane, the order aen keeps images in. Class names come from
//! `batches.meta.txt` when it is there.

use super::error::DataError;
use super::idx::Labeled;
use super::stack::Stack;
use std::io::Read;
use std::path::{Path, PathBuf};

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

/// The folder holding the batches: `dir` or its `cifar-10-batches-bin`.
pub fn batches_dir(dir: &Path) -> Option<PathBuf> {
    [dir.to_path_buf(), dir.join(SUBDIR)]
        .into_iter()
        .find(|d| d.join(TEST).is_file() && d.join(TRAIN[0]).is_file())
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
    for f in files {
        let p = dir.join(f);
        if p.exists() {
            read_batch(&p, &mut stack, &mut labels)?;
        }
    }
    Ok(Labeled {
        images: stack.finish(),
        labels,
    })
}

/// The class names: `batches.meta.txt` (one per line) if present, else CIFAR-10's.
fn class_names(dir: &Path) -> Vec<String> {
    let listed: Vec<String> = std::fs::read_to_string(dir.join("batches.meta.txt"))
        .map(|t| {
            t.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if listed.len() == CLASSES.len() {
        listed
    } else {
        CLASSES.iter().map(|c| c.to_string()).collect()
    }
}

/// Reads every training batch present (the first is required) and the test batch.
pub fn load(dir: &Path) -> Result<(Labeled, Labeled, Vec<String>), DataError> {
    let d = batches_dir(dir).ok_or_else(|| DataError::Format {
        path: dir.to_path_buf(),
        why: format!("no CIFAR-10 batches ({} and {TEST})", TRAIN[0]),
    })?;
    Ok((split(&d, &TRAIN)?, split(&d, &[TEST])?, class_names(&d)))
}
