//! What can be wrong with a data set, named with the file or folder at fault.

use super::idx::IdxError;
use super::{exported, fetch};
use crate::fsio::FsError;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error(
        "unknown data set `{0}`; choose mnist, fashion-mnist or files (whatever --data-dir holds)"
    )]
    UnknownDataset(String),
    #[error("unknown data source `{0}`; choose auto, data-dir, downloaded, system or embedded")]
    UnknownSource(String),
    #[error(transparent)]
    Idx(#[from] IdxError),
    #[error("{dir}: no {dataset} files here; expected {}", fetch::FILE_NAMES.join(", "))]
    MissingFiles { dir: PathBuf, dataset: &'static str },
    #[error("{dir}: the {dataset} set is incomplete: no {} (raw or .gz)", missing.join(", "))]
    Incomplete {
        dir: PathBuf,
        dataset: &'static str,
        missing: Vec<&'static str>,
    },
    /// A data dir, or an entry in one, that is not what it should be.
    #[error(transparent)]
    File(#[from] FsError),
    #[error("{dataset}: no {origin} copy found{hint}")]
    SourceNotFound {
        dataset: &'static str,
        origin: &'static str,
        hint: String,
    },
    #[error(transparent)]
    Export(#[from] exported::ExportError),
    #[error("{path}: {why}")]
    Format { path: PathBuf, why: String },
    #[error("{dir} holds {format}, not {dataset}'s IDX files: pass --dataset files to search it")]
    OtherFormat {
        dir: PathBuf,
        format: &'static str,
        dataset: &'static str,
    },
    #[error("{0}")]
    Other(String),
}
