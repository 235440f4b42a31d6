//! Reading and writing the files a user hands aen (settings, snapshots, data sets)
//! without trusting them: what is read must be a regular file of sane size, and what
//! is written appears whole or not at all.
//!
//! Every error names the path and says what is wrong exactly once, so printing an
//! error with its chain (`{:#}` in anyhow) never repeats the cause.

use error::require_regular;
use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::path::Path;

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

mod error;
mod lock;
mod write;

pub use error::{FsError, FsProblem};
pub use lock::{Lock, LockError, holder as lock_holder};
pub use write::{Staged, refuse_overlap, resolve_links, same_file, write_atomic, write_new};

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

    /// The message printed with its chain (`{:#}`, as the binary's anyhow prints it)
    /// mentions the cause once.
    fn says_once(e: FsError, needle: &str) -> String {
        assert!(std::error::Error::source(&e).is_none());
        let s = format!("{:#}", crate::Error::from(e));
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
