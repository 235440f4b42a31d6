//! What can be wrong with a path aen reads or writes, said once per error.

use std::fmt;
use std::fs::Metadata;
use std::io;
use std::path::{Path, PathBuf};

/// What is wrong with a path.
#[derive(Debug)]
pub enum FsProblem {
    NotFound,
    /// A symbolic link whose target does not exist.
    DanglingLink {
        target: PathBuf,
    },
    /// Symbolic links that lead back to themselves.
    LinkLoop,
    IsDirectory,
    NotDirectory,
    /// A FIFO, device, socket: reading one may block forever or never end.
    NotRegular {
        kind: &'static str,
    },
    TooLarge {
        size: u64,
        cap: u64,
    },
    /// Anything else the OS reported, with what aen was doing at the time.
    Io {
        doing: &'static str,
        err: io::Error,
    },
}

impl fmt::Display for FsProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FsProblem::NotFound => f.write_str("does not exist"),
            FsProblem::DanglingLink { target } => write!(
                f,
                "is a dangling symbolic link (its target {} does not exist)",
                target.display()
            ),
            FsProblem::LinkLoop => f.write_str("is a symbolic link loop"),
            FsProblem::IsDirectory => f.write_str("is a directory, not a file"),
            FsProblem::NotDirectory => f.write_str("is not a directory"),
            FsProblem::NotRegular { kind } => write!(f, "is {kind}, not a regular file"),
            FsProblem::TooLarge { size, cap } => {
                write!(f, "is {size} bytes, more than the {cap} bytes allowed")
            }
            FsProblem::Io { doing, err } => write!(f, "{doing}: {err}"),
        }
    }
}

/// A path and what is wrong with it. The OS error, if any, is part of the message and
/// deliberately not a `source()`, so that chains print it once.
#[derive(Debug)]
pub struct FsError {
    /// What the file is for ("config file"); may be empty.
    pub what: String,
    pub path: PathBuf,
    pub problem: FsProblem,
}

impl fmt::Display for FsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.what.is_empty() {
            write!(f, "{} ", self.what)?;
        }
        write!(f, "{}: {}", self.path.display(), self.problem)
    }
}

impl std::error::Error for FsError {}

impl FsError {
    pub(crate) fn new(path: &Path, what: &str, problem: FsProblem) -> FsError {
        FsError {
            what: what.to_string(),
            path: path.to_path_buf(),
            problem,
        }
    }

    /// True when nothing at all is at the path (not even a dangling link), which
    /// callers often treat as "use the defaults".
    pub fn is_not_found(&self) -> bool {
        matches!(self.problem, FsProblem::NotFound)
    }
}

#[cfg(not(unix))]
fn kind_name(_: &Metadata) -> &'static str {
    "a special file"
}

#[cfg(unix)]
fn kind_name(m: &Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = m.file_type();
    if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

pub(crate) fn require_regular(m: &Metadata) -> Result<(), FsProblem> {
    if m.is_file() {
        Ok(())
    } else if m.is_dir() {
        Err(FsProblem::IsDirectory)
    } else {
        Err(FsProblem::NotRegular { kind: kind_name(m) })
    }
}
