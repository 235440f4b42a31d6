//! File input and output shared by every reader and writer of user files: reads with a
//! size cap that refuse what is not a regular file, and atomic writes.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum FsError {
    #[error("{path}: {msg}")]
    Read { path: PathBuf, msg: String },
    #[error("{path}: cannot write: {msg}")]
    Write { path: PathBuf, msg: String },
}

/// Reads a regular file of at most `cap` bytes; `what` names it in errors.
pub fn read_capped(path: &Path, cap: u64, what: &str) -> Result<Vec<u8>, FsError> {
    let err = |msg: String| FsError::Read {
        path: path.to_path_buf(),
        msg,
    };
    let meta = std::fs::metadata(path).map_err(|e| err(format!("cannot read {what}: {e}")))?;
    if !meta.is_file() {
        return Err(err(format!("the {what} is not a regular file")));
    }
    if meta.len() > cap {
        return Err(err(format!(
            "the {what} is {} bytes; at most {cap} are read",
            meta.len()
        )));
    }
    let f = std::fs::File::open(path).map_err(|e| err(format!("cannot read {what}: {e}")))?;
    let mut buf = Vec::new();
    f.take(cap + 1)
        .read_to_end(&mut buf)
        .map_err(|e| err(format!("cannot read {what}: {e}")))?;
    if buf.len() as u64 > cap {
        return Err(err(format!("the {what} is larger than {cap} bytes")));
    }
    Ok(buf)
}

/// Writes `bytes` to `path` through a temporary file in the same folder, fsync and
/// rename, so a crash leaves either the old file or the new one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), FsError> {
    let err = |e: std::io::Error| FsError::Write {
        path: path.to_path_buf(),
        msg: e.to_string(),
    };
    if path.is_dir() {
        return Err(FsError::Write {
            path: path.to_path_buf(),
            msg: "it is a directory".into(),
        });
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(err)
}
