//! Where the four IDX files of a data set lie: the user's data dir, and the files of
//! one folder, raw or gzipped, with every missing or unusable one named.

use super::error::DataError;
use super::kind::DatasetKind;
use crate::fsio::{self, FsError, FsProblem};
use std::path::{Path, PathBuf};

/// The user's data dir for aen (XDG on Linux), where fetched data sets live.
pub fn user_data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "aen").map(|p| p.data_dir().to_path_buf())
}

pub fn user_dataset_dir(kind: DatasetKind) -> Option<PathBuf> {
    user_data_dir().map(|d| d.join("datasets").join(kind.name()))
}

/// The four standard files, without the optional `.gz`.
const STEMS: [&str; 4] = [
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
];

/// The file to use for `stem` in `dir`: the `.gz` or the raw one, whichever is a
/// regular file (links followed), the `.gz` first. An entry that exists but cannot be
/// a data file (a directory, a dangling link, a link loop, a FIFO) is an error naming
/// it, unless the other candidate is usable.
fn locate(dir: &Path, stem: &str) -> Result<Option<PathBuf>, FsError> {
    let mut bad = None;
    for p in [dir.join(format!("{stem}.gz")), dir.join(stem)] {
        match fsio::check_regular(&p, "") {
            Ok(_) => return Ok(Some(p)),
            Err(e) if e.is_not_found() => {}
            Err(e) => bad = bad.or(Some(e)),
        }
    }
    bad.map_or(Ok(None), Err)
}

/// Finds the four standard files in `dir` (raw or .gz). Returns None if any is
/// missing or unusable; `locate_files` says which and why.
pub fn find_files(dir: &Path) -> Option<[PathBuf; 4]> {
    locate_files(dir, DatasetKind::Mnist).ok()
}

/// Finds the four standard files in `dir` (raw or .gz), or says what is wrong: no
/// files at all, which are missing, or which entry is not a usable file and why.
pub fn locate_files(dir: &Path, kind: DatasetKind) -> Result<[PathBuf; 4], DataError> {
    let mut found = Vec::with_capacity(4);
    let mut missing = Vec::new();
    for stem in STEMS {
        match locate(dir, stem)? {
            Some(p) => found.push(p),
            None => missing.push(stem),
        }
    }
    match <[PathBuf; 4]>::try_from(found) {
        Ok(files) => Ok(files),
        Err(_) if missing.len() == STEMS.len() => Err(DataError::MissingFiles {
            dir: dir.to_path_buf(),
            dataset: kind.title(),
        }),
        Err(_) => Err(DataError::Incomplete {
            dir: dir.to_path_buf(),
            dataset: kind.title(),
            missing,
        }),
    }
}

/// Whether anything stands under one of the standard names in `dir`, usable or not.
pub(super) fn has_entries(dir: &Path) -> bool {
    STEMS.iter().any(|stem| {
        [format!("{stem}.gz"), stem.to_string()]
            .iter()
            .any(|n| std::fs::symlink_metadata(dir.join(n)).is_ok())
    })
}

/// Checks a `--data-dir` before anything else: it must exist and be a directory
/// (links followed). The CLI calls it so that a mistyped path is named as such rather
/// than reported as a folder without data.
pub fn check_data_dir(path: &Path) -> Result<(), DataError> {
    fsio::check_dir(path, "data dir")?;
    std::fs::read_dir(path).map_err(|err| {
        DataError::File(FsError {
            what: "data dir".into(),
            path: path.to_path_buf(),
            problem: FsProblem::Io {
                doing: "cannot list",
                err,
            },
        })
    })?;
    Ok(())
}
