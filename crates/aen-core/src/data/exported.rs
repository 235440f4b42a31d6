//! Folders that `aen data export` wrote: their manifest records each file's SHA-256
//! and the data set, and reading such a folder back checks both, naming the file
//! that differs.

use crate::fsio::FsError;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// What is wrong with an exported folder.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    File(#[from] FsError),
    #[error("{path}: {why}")]
    Manifest { path: PathBuf, why: String },
    #[error("{dir}: an export of {found}, not {wanted}: choose --dataset {found}")]
    OtherDataset {
        dir: PathBuf,
        found: String,
        wanted: String,
    },
    #[error("{path}: {why}")]
    Changed { path: PathBuf, why: String },
}

/// The manifest's file name, beside the IDX files.
pub const MANIFEST: &str = "manifest.json";
/// The manifest's `format` field.
pub const FORMAT: &str = "aen-gdata-export";

#[derive(Deserialize)]
struct Listed {
    name: String,
    sha256: String,
}

/// What a manifest says of the folder (the rest of it is for people and tools).
#[derive(Deserialize)]
struct Record {
    format: String,
    dataset: String,
    files: Vec<Listed>,
}

fn record(dir: &Path) -> Result<Option<Record>, ExportError> {
    let path = dir.join(MANIFEST);
    if std::fs::symlink_metadata(&path).is_err() {
        return Ok(None);
    }
    // Per-image records of a full export run to tens of MB.
    let bytes = crate::fsio::read_capped(&path, 256 << 20, "export manifest")?;
    let bad = |why: String| ExportError::Manifest {
        path: path.clone(),
        why,
    };
    let r: Record = serde_json::from_slice(&bytes)
        .map_err(|e| bad(format!("not an aen export manifest ({e})")))?;
    if r.format != FORMAT {
        return Err(bad(format!(
            "not an aen export manifest (format `{}`, not `{FORMAT}`)",
            r.format
        )));
    }
    if let Some(f) = r.files.iter().find(|f| {
        f.name.contains(['/', '\\']) || f.name == ".." || f.name == "." || f.name == MANIFEST
    }) {
        return Err(bad(format!(
            "lists `{}`, which is not a file beside it",
            f.name
        )));
    }
    Ok(Some(r))
}

/// The files an export in `dir` wrote (its manifest's list, and the manifest), or
/// None where `dir` holds no manifest.
pub fn written_files(dir: &Path) -> Result<Option<Vec<String>>, ExportError> {
    Ok(record(dir)?.map(|r| {
        let mut v: Vec<String> = r.files.into_iter().map(|f| f.name).collect();
        v.push(MANIFEST.into());
        v
    }))
}

/// Where `dir` holds an export, checks that it is one of `dataset` and that every
/// file it lists is as the export wrote it. Folders without a manifest pass.
pub fn verify(dir: &Path, dataset: &str) -> Result<(), ExportError> {
    let Some(r) = record(dir)? else {
        return Ok(());
    };
    if r.dataset != dataset {
        return Err(ExportError::OtherDataset {
            dir: dir.to_path_buf(),
            found: r.dataset,
            wanted: dataset.to_string(),
        });
    }
    // Data files beside the listed ones (a gzipped twin, say) could be read instead
    // of them, past the check.
    let listed: Vec<&str> = r.files.iter().map(|f| f.name.as_str()).collect();
    let stray = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| {
            (n.starts_with("train-") || n.starts_with("t10k-")) && !listed.contains(&n.as_str())
        });
    if let Some(name) = stray {
        return Err(ExportError::Changed {
            path: dir.join(&name),
            why: "is not a file of the export beside it (its manifest lists only the files it wrote): remove it, or export again into an empty folder".into(),
        });
    }
    for f in &r.files {
        let path = dir.join(&f.name);
        let changed = |why: String| ExportError::Changed {
            path: path.clone(),
            why,
        };
        let sha = super::fetch::sha256_file(&path).map_err(|e| changed(e.to_string()))?;
        if sha != f.sha256 {
            return Err(changed(format!(
                "changed since it was exported (SHA-256 {sha}, the manifest says {}); export again",
                f.sha256
            )));
        }
    }
    Ok(())
}
