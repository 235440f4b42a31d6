//! Search sessions saved to disk: versioned JSON, written atomically (temp file, fsync,
//! rename), so a crash mid-write leaves the previous snapshot intact.
//!
//! A snapshot holds the settings the run started with, the data identity, and the
//! history (trained models, steps, episodes, live setting changes). The Q-networks,
//! replay memory and RNG are rebuilt from it by replay (see `search`).

use crate::config::Settings;
use crate::search::{FinishReason, History, RunInfo};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

pub const FORMAT: &str = "aen-snapshot";
pub const VERSION: u32 = 1;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Snapshot {
    pub format: String,
    pub version: u32,
    pub saved_at: String,
    pub settings: Settings,
    pub dataset: String,
    pub source: String,
    pub device: String,
    pub history: History,
    pub finished: Option<FinishReason>,
}

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("{path}: cannot read snapshot: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not an aen snapshot ({msg})")]
    NotSnapshot { path: PathBuf, msg: String },
    #[error(
        "{path}: snapshot format version {found} is not supported (this aen reads version {VERSION})"
    )]
    Version { path: PathBuf, found: u64 },
    #[error("{path}: corrupt snapshot: {msg}")]
    Corrupt { path: PathBuf, msg: String },
    #[error("{path}: cannot write snapshot: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Snapshot {
    pub fn new(
        settings: Settings,
        info: &RunInfo,
        history: History,
        finished: Option<FinishReason>,
    ) -> Snapshot {
        Snapshot {
            format: FORMAT.into(),
            version: VERSION,
            saved_at: chrono::Local::now().to_rfc3339(),
            settings,
            dataset: info.dataset.clone(),
            source: info.source.clone(),
            device: info.device.clone(),
            history,
            finished,
        }
    }

    pub fn best_val(&self) -> Option<f64> {
        self.history
            .models
            .iter()
            .map(|m| m.val_acc)
            .max_by(f64::total_cmp)
    }
}

/// Writes `snap` to `path` atomically.
pub fn save(snap: &Snapshot, path: &Path) -> Result<(), SnapshotError> {
    let werr = |source| SnapshotError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(werr)?;
    }
    let tmp = path.with_extension("json.tmp");
    let bytes = serde_json::to_vec(snap).expect("snapshots always serialise");
    let mut f = std::fs::File::create(&tmp).map_err(werr)?;
    f.write_all(&bytes).map_err(werr)?;
    f.sync_all().map_err(werr)?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(werr)
}

/// Reads a snapshot, checking format and version before anything else.
pub fn load(path: &Path) -> Result<Snapshot, SnapshotError> {
    let text = std::fs::read(path).map_err(|source| SnapshotError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let value: serde_json::Value =
        serde_json::from_slice(&text).map_err(|e| SnapshotError::NotSnapshot {
            path: path.to_path_buf(),
            msg: format!("not JSON: {e}"),
        })?;
    if value.get("format").and_then(|v| v.as_str()) != Some(FORMAT) {
        return Err(SnapshotError::NotSnapshot {
            path: path.to_path_buf(),
            msg: "no `format: aen-snapshot` field".into(),
        });
    }
    let found = value.get("version").and_then(|v| v.as_u64()).unwrap_or(0);
    if found != VERSION as u64 {
        return Err(SnapshotError::Version {
            path: path.to_path_buf(),
            found,
        });
    }
    let snap: Snapshot = serde_json::from_value(value).map_err(|e| SnapshotError::Corrupt {
        path: path.to_path_buf(),
        msg: e.to_string(),
    })?;
    snap.settings
        .validate()
        .map_err(|e| SnapshotError::Corrupt {
            path: path.to_path_buf(),
            msg: format!("invalid settings: {e}"),
        })?;
    Ok(snap)
}

/// The folder where sessions are saved by default.
pub fn sessions_dir() -> Option<PathBuf> {
    crate::data::user_data_dir().map(|d| d.join("sessions"))
}

/// Snapshots in `dir`, newest first; unreadable files are listed with their error.
pub fn list(dir: &Path) -> Vec<(PathBuf, Result<Snapshot, SnapshotError>)> {
    let mut out: Vec<(PathBuf, Result<Snapshot, SnapshotError>)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let s = load(&p);
            (p, s)
        })
        .collect();
    let mtime = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    out.sort_by_key(|(p, _)| std::cmp::Reverse(mtime(p)));
    out
}
