//! Reading and writing the files a user hands aen (settings, snapshots, data sets)
//! without trusting them: what is read must be a regular file of sane size, and what
//! is written appears whole or not at all.
//!
//! Every error names the path and says what is wrong exactly once, so printing an
//! error with its chain (`{:#}` in anyhow) never repeats the cause.

use std::fmt;
use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

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
    fn new(path: &Path, what: &str, problem: FsProblem) -> FsError {
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

#[cfg(unix)]
fn is_loop(err: &io::Error) -> bool {
    err.raw_os_error() == Some(libc::ELOOP)
}

#[cfg(not(unix))]
fn is_loop(_: &io::Error) -> bool {
    false
}

/// Explains why `path` could not be stat'ed or opened, looking at the link itself
/// when following it failed.
fn explain(path: &Path, err: io::Error, doing: &'static str) -> FsProblem {
    if is_loop(&err) {
        return FsProblem::LinkLoop;
    }
    if err.kind() == io::ErrorKind::NotFound {
        return match std::fs::symlink_metadata(path) {
            Ok(m) if m.file_type().is_symlink() => FsProblem::DanglingLink {
                target: std::fs::read_link(path).unwrap_or_default(),
            },
            _ => FsProblem::NotFound,
        };
    }
    if err.kind() == io::ErrorKind::NotADirectory {
        // A parent component is a file: the path cannot exist.
        return FsProblem::NotFound;
    }
    FsProblem::Io { doing, err }
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

fn require_regular(m: &Metadata) -> Result<(), FsProblem> {
    if m.is_file() {
        Ok(())
    } else if m.is_dir() {
        Err(FsProblem::IsDirectory)
    } else {
        Err(FsProblem::NotRegular { kind: kind_name(m) })
    }
}

/// Checks, following symbolic links, that `path` is a regular file, and returns its
/// size. Does not open it.
pub fn check_regular(path: &Path, what: &str) -> Result<u64, FsError> {
    let m = std::fs::metadata(path)
        .map_err(|e| FsError::new(path, what, explain(path, e, "cannot read")))?;
    require_regular(&m).map_err(|p| FsError::new(path, what, p))?;
    Ok(m.len())
}

/// Checks, following symbolic links, that `path` is a directory.
pub fn check_dir(path: &Path, what: &str) -> Result<(), FsError> {
    let m = std::fs::metadata(path)
        .map_err(|e| FsError::new(path, what, explain(path, e, "cannot read")))?;
    if m.is_dir() {
        Ok(())
    } else {
        Err(FsError::new(path, what, FsProblem::NotDirectory))
    }
}

/// Opens `path` for reading if, and only if, it is a regular file (following links).
///
/// The check is made on the opened file, so a file swapped for a FIFO between a stat
/// and the open cannot slip through; the open itself is non-blocking so that a FIFO
/// with no writer does not hang here.
pub fn open_regular(path: &Path, what: &str) -> Result<File, FsError> {
    let mut opts = OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NONBLOCK);
    }
    let file = opts.open(path).map_err(|e| {
        // Sockets refuse open() outright (ENXIO); say what they are instead.
        let problem = match std::fs::metadata(path) {
            Ok(m) if !m.is_file() => require_regular(&m).err(),
            _ => None,
        };
        FsError::new(
            path,
            what,
            problem.unwrap_or_else(|| explain(path, e, "cannot open")),
        )
    })?;
    let m = file.metadata().map_err(|err| {
        FsError::new(
            path,
            what,
            FsProblem::Io {
                doing: "cannot stat",
                err,
            },
        )
    })?;
    require_regular(&m).map_err(|p| FsError::new(path, what, p))?;
    Ok(file)
}

/// Reads the whole of a regular file of at most `cap_bytes` bytes.
///
/// Refuses directories, devices such as /dev/zero, FIFOs and sockets, and says which
/// of those it found; follows symbolic links, reporting loops and dangling links as
/// such. A file that grows past the cap while being read is refused too, and at most
/// `cap_bytes + 1` bytes are ever held. `what` ("config file") starts the message.
pub fn read_capped(path: &Path, cap_bytes: u64, what: &str) -> Result<Vec<u8>, FsError> {
    let file = open_regular(path, what)?;
    let size = file
        .metadata()
        .map_err(|err| {
            FsError::new(
                path,
                what,
                FsProblem::Io {
                    doing: "cannot stat",
                    err,
                },
            )
        })?
        .len();
    if size > cap_bytes {
        return Err(FsError::new(
            path,
            what,
            FsProblem::TooLarge {
                size,
                cap: cap_bytes,
            },
        ));
    }
    let mut out = Vec::with_capacity(size as usize);
    file.take(cap_bytes.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|err| {
            FsError::new(
                path,
                what,
                FsProblem::Io {
                    doing: "cannot read",
                    err,
                },
            )
        })?;
    if out.len() as u64 > cap_bytes {
        return Err(FsError::new(
            path,
            what,
            FsProblem::TooLarge {
                size: out.len() as u64,
                cap: cap_bytes,
            },
        ));
    }
    Ok(out)
}

/// Distinguishes temporary files of concurrent writers within one process; the pid
/// does so across processes.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Replaces `path` with `bytes` atomically: readers see the old content or the new,
/// never a mix or a truncated file, even if aen is killed or the machine loses power
/// midway.
///
/// Writes a temporary file with a unique name in the same directory (so the rename
/// cannot cross file systems), syncs it, renames it over `path` and syncs the
/// directory. On any failure the temporary file is removed. A directory at `path` is
/// an error before anything is written. A symbolic link at `path` is replaced by the
/// file, not followed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), FsError> {
    let fail = |problem| FsError::new(path, "", problem);
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => return Err(fail(FsProblem::IsDirectory)),
        _ => {}
    }
    let (name, dir) = name_and_dir(path)?;
    let (tmp, mut file) = create_temp(dir, &name.to_string_lossy()).map_err(|err| {
        fail(match err.kind() {
            io::ErrorKind::NotFound => FsProblem::Io {
                doing: "cannot write: its directory does not exist",
                err,
            },
            _ => FsProblem::Io {
                doing: "cannot create a temporary file beside it",
                err,
            },
        })
    })?;
    let result = (|| {
        file.write_all(bytes).map_err(|err| FsProblem::Io {
            doing: "cannot write",
            err,
        })?;
        file.sync_all().map_err(|err| FsProblem::Io {
            doing: "cannot sync to disk",
            err,
        })?;
        drop(file);
        std::fs::rename(&tmp, path).map_err(|err| match err.kind() {
            io::ErrorKind::IsADirectory | io::ErrorKind::DirectoryNotEmpty => {
                FsProblem::IsDirectory
            }
            _ => FsProblem::Io {
                doing: "cannot replace",
                err,
            },
        })
    })();
    if let Err(p) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail(p));
    }
    // The rename is durable only once the directory entry is; failure to sync a
    // directory (some file systems refuse) does not undo the write.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Creates `path` with `bytes`, atomically and only if nothing is there: of two
/// processes creating one path at once, exactly one succeeds, and the other gets an
/// error whose kind is `AlreadyExists`. Readers never see the file partly written: it
/// is written and synced under a temporary name, then hard-linked to `path` (which
/// fails if `path` exists). Where the file system has no hard links, the file is
/// created exclusively in place instead.
pub fn write_new(path: &Path, bytes: &[u8]) -> Result<(), FsError> {
    let fail = |problem| FsError::new(path, "", problem);
    let (name, dir) = name_and_dir(path)?;
    let exists = |err| {
        fail(FsProblem::Io {
            doing: "cannot create it: it already exists",
            err,
        })
    };
    let (tmp, mut file) = create_temp(dir, &name.to_string_lossy()).map_err(|err| {
        fail(FsProblem::Io {
            doing: "cannot create a temporary file beside it",
            err,
        })
    })?;
    let written = file.write_all(bytes).and_then(|_| file.sync_all());
    drop(file);
    let linked = written.and_then(|_| std::fs::hard_link(&tmp, path));
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Err(exists(e)),
        // No hard links here: create it exclusively in place.
        Err(_) => {
            let mut f = OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(path)
                .map_err(|e| match e.kind() {
                    io::ErrorKind::AlreadyExists => exists(e),
                    _ => fail(FsProblem::Io {
                        doing: "cannot create",
                        err: e,
                    }),
                })?;
            f.write_all(bytes)
                .and_then(|_| f.sync_all())
                .map_err(|err| {
                    fail(FsProblem::Io {
                        doing: "cannot write",
                        err,
                    })
                })?;
        }
    }
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// The file name of `path` and the folder it is in ("." for a bare name).
fn name_and_dir(path: &Path) -> Result<(&std::ffi::OsStr, &Path), FsError> {
    let name = path.file_name().ok_or_else(|| {
        FsError::new(
            path,
            "",
            FsProblem::Io {
                doing: "cannot write",
                err: io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"),
            },
        )
    })?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    Ok((name, dir))
}

fn create_temp(dir: &Path, name: &str) -> io::Result<(PathBuf, File)> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let mut last = None;
    for _ in 0..16 {
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".{name}.{}.{n}.{nanos}.tmp", std::process::id()));
        match OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no free temporary name")))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    /// The message as anyhow prints it with its chain mentions the cause once.
    fn says_once(e: FsError, needle: &str) -> String {
        assert!(std::error::Error::source(&e).is_none());
        let s = format!("{:#}", anyhow::Error::new(e));
        assert_eq!(
            s.matches(needle).count(),
            1,
            "`{s}` should say `{needle}` once"
        );
        s
    }

    #[test]
    fn reads_a_regular_file_within_the_cap_and_follows_links() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("a.toml");
        std::fs::write(&f, b"hello").unwrap();
        assert_eq!(read_capped(&f, 5, "config file").unwrap(), b"hello");
        let link = d.path().join("link");
        std::os::unix::fs::symlink(&f, &link).unwrap();
        assert_eq!(read_capped(&link, 100, "").unwrap(), b"hello");
        assert_eq!(check_regular(&link, "").unwrap(), 5);
        assert!(matches!(
            read_capped(&f, 4, "").unwrap_err().problem,
            FsProblem::TooLarge { size: 5, cap: 4 }
        ));
    }

    #[test]
    fn a_file_over_the_cap_is_refused_with_both_sizes() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("big.json");
        std::fs::write(&f, vec![b'x'; 1000]).unwrap();
        let e = read_capped(&f, 999, "snapshot").unwrap_err();
        assert!(matches!(
            e.problem,
            FsProblem::TooLarge {
                size: 1000,
                cap: 999
            }
        ));
        let s = e.to_string();
        assert!(s.starts_with("snapshot ") && s.contains("big.json"), "{s}");
        assert!(
            s.contains("1000 bytes") && s.contains("999 bytes allowed"),
            "{s}"
        );
    }

    #[test]
    fn directories_devices_and_fifos_are_refused_by_name() {
        let d = tempfile::tempdir().unwrap();
        let e = read_capped(d.path(), 1 << 20, "config file").unwrap_err();
        assert!(matches!(e.problem, FsProblem::IsDirectory));
        says_once(e, "is a directory");

        let e = read_capped(Path::new("/dev/zero"), 1 << 20, "").unwrap_err();
        assert!(
            e.to_string()
                .contains("/dev/zero: is a character device, not a regular file"),
            "{e}"
        );

        let fifo = d.path().join("pipe");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        // No writer: a blocking open would hang this test forever.
        let e = read_capped(&fifo, 1 << 20, "").unwrap_err();
        assert!(e.to_string().contains("is a FIFO (named pipe)"), "{e}");
    }

    #[test]
    fn missing_files_loops_and_dangling_links_are_told_apart() {
        let d = tempfile::tempdir().unwrap();
        let missing = d.path().join("nope");
        let e = read_capped(&missing, 10, "").unwrap_err();
        assert!(e.is_not_found());
        says_once(e, "does not exist");

        let dangling = d.path().join("dangling");
        std::os::unix::fs::symlink(&missing, &dangling).unwrap();
        let e = read_capped(&dangling, 10, "").unwrap_err();
        assert!(!e.is_not_found());
        let s = says_once(e, "dangling symbolic link");
        assert!(s.contains("nope"), "names the target: {s}");

        let (a, b) = (d.path().join("a"), d.path().join("b"));
        std::os::unix::fs::symlink(&b, &a).unwrap();
        std::os::unix::fs::symlink(&a, &b).unwrap();
        let e = read_capped(&a, 10, "").unwrap_err();
        assert!(matches!(e.problem, FsProblem::LinkLoop), "{e}");
        says_once(e, "symbolic link loop");
        assert!(matches!(
            check_regular(&a, "").unwrap_err().problem,
            FsProblem::LinkLoop
        ));
        assert!(matches!(
            check_dir(&dangling, "").unwrap_err().problem,
            FsProblem::DanglingLink { .. }
        ));
    }

    #[test]
    fn write_atomic_replaces_content_and_leaves_no_temporary_file() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("state.json");
        write_atomic(&f, b"first").unwrap();
        write_atomic(&f, b"second, longer").unwrap();
        assert_eq!(std::fs::read(&f).unwrap(), b"second, longer");
        assert_eq!(entries(d.path()), vec!["state.json".to_string()]);
    }

    #[test]
    fn write_atomic_onto_a_directory_fails_cleanly() {
        let d = tempfile::tempdir().unwrap();
        let target = d.path().join("taken");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("inside"), b"keep").unwrap();
        let e = write_atomic(&target, b"x").unwrap_err();
        assert!(matches!(e.problem, FsProblem::IsDirectory), "{e}");
        assert!(e.to_string().contains("taken: is a directory"), "{e}");
        assert_eq!(entries(d.path()), vec!["taken".to_string()]);
        assert_eq!(std::fs::read(target.join("inside")).unwrap(), b"keep");
    }

    #[test]
    fn write_atomic_into_a_missing_directory_says_so() {
        let d = tempfile::tempdir().unwrap();
        let e = write_atomic(&d.path().join("no/such/dir/f.json"), b"x").unwrap_err();
        let s = e.to_string();
        assert!(
            s.contains("f.json") && s.contains("directory does not exist"),
            "{s}"
        );
        assert!(entries(d.path()).is_empty());
    }

    #[test]
    fn concurrent_writers_never_collide_or_leave_temporaries() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("shared.txt");
        std::thread::scope(|s| {
            for t in 0..8u8 {
                let f = &f;
                s.spawn(move || {
                    for _ in 0..20 {
                        write_atomic(f, &[t; 4096]).unwrap();
                    }
                });
            }
        });
        let got = std::fs::read(&f).unwrap();
        assert_eq!(got.len(), 4096);
        assert!(
            got.iter().all(|&b| b == got[0]),
            "one writer's content whole"
        );
        assert_eq!(entries(d.path()), vec!["shared.txt".to_string()]);
    }
}
