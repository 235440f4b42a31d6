//! One writer per file or folder: a lock that the system releases when its holder
//! ends, however it ends, so a killed run never leaves a lock behind.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// Why a lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "{target} is in use by another aen (process {owner}{command}): wait for it to end or stop it, or choose another path. \
         (The lock is {lock}; the system drops it when its holder ends, so a lock left by a killed run is taken over by itself. \
         If no aen is running, {lock} is held by another program.)"
    )]
    Busy {
        target: String,
        lock: String,
        owner: String,
        command: String,
    },
    #[error("cannot lock {target} through {lock}: {err}")]
    Io {
        target: String,
        lock: String,
        err: std::io::Error,
    },
}

/// A held lock on a file or folder, released (and its lock file removed) when dropped.
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
    _file: File,
}

/// The process holding `target`'s lock, where a live one does. It is read from the
/// lock file without taking the lock: taking it, even for a moment, could turn away a
/// run starting then. A lock file left by a killed run names a process that is gone.
pub fn holder(target: &Path) -> Option<u32> {
    let text = std::fs::read_to_string(Lock::path_of(target)).ok()?;
    let pid: u32 = text.lines().next()?.trim().parse().ok()?;
    // Where /proc does not exist, a recorded holder is taken as alive.
    let alive = |pid: u32| {
        let proc = Path::new("/proc");
        !proc.is_dir() || proc.join(pid.to_string()).exists()
    };
    (pid != std::process::id() && alive(pid)).then_some(pid)
}

impl Lock {
    /// The lock file of `target`: `NAME.lock` beside a file, `.lock` inside a folder.
    /// Links are resolved first, so a link and its target share one lock.
    pub fn path_of(target: &Path) -> PathBuf {
        let t = super::write::resolve_links(target);
        if t.is_dir() {
            return t.join(".lock");
        }
        let mut name = t.file_name().unwrap_or_default().to_os_string();
        // A name near the file system's 255-byte limit keeps room for the suffix.
        if name.len() > 240 {
            let s = name.to_string_lossy().into_owned();
            let mut cut = 200;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            let digest: u64 = s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            });
            name = format!("{}-{digest:016x}", &s[..cut]).into();
        }
        name.push(".lock");
        t.with_file_name(name)
    }

    /// Takes the lock of `target` without waiting: of any number of processes (or
    /// threads) trying at once, exactly one gets it, and the others get
    /// [`LockError::Busy`], which names the holder.
    pub fn take(target: &Path) -> Result<Lock, LockError> {
        let path = Lock::path_of(target);
        let io = |err| LockError::Io {
            target: target.display().to_string(),
            lock: path.display().to_string(),
            err,
        };
        // Another holder may remove the file between our open and our lock; then
        // what we locked is no longer the lock, and we try again.
        for _ in 0..100 {
            let mut opts = OpenOptions::new();
            opts.read(true).write(true).create(true).truncate(false);
            // A lock file is aen's: a link planted in its place is not followed (its
            // target would be overwritten with a pid).
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.custom_flags(libc::O_NOFOLLOW);
            }
            let mut file = opts.open(&path).map_err(|e| match e.raw_os_error() {
                #[cfg(unix)]
                Some(libc::ELOOP) => io(std::io::Error::other(
                    "it is a symbolic link; a lock file must be a plain file (remove the link)",
                )),
                _ => io(e),
            })?;
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => {
                    let mut owner = String::new();
                    let _ = file.read_to_string(&mut owner);
                    let mut lines = owner.lines();
                    let pid = lines.next().unwrap_or("").trim().to_string();
                    let command = lines.next().unwrap_or("").trim();
                    return Err(LockError::Busy {
                        target: target.display().to_string(),
                        lock: path.display().to_string(),
                        owner: if pid.is_empty() {
                            "unknown".into()
                        } else {
                            pid
                        },
                        command: if command.is_empty() {
                            String::new()
                        } else {
                            format!(", `{command}`")
                        },
                    });
                }
                Err(TryLockError::Error(err)) => return Err(io(err)),
            }
            if !same_file(&file, &path) {
                continue;
            }
            let command: Vec<String> = std::env::args().take(3).collect();
            let record = format!("{}\n{}\n", std::process::id(), command.join(" "));
            file.set_len(0)
                .and_then(|_| file.rewind())
                .and_then(|_| file.write_all(record.as_bytes()))
                .map_err(io)?;
            return Ok(Lock { path, _file: file });
        }
        Err(io(std::io::Error::other("the lock file keeps changing")))
    }
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_: &File, path: &Path) -> bool {
    path.exists()
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Removed while still held: whoever opened this file meanwhile finds, once
        // it gets the lock, that the path no longer names it, and starts again.
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_of_many_takes_it_and_the_others_are_told_who() {
        let d = tempfile::tempdir().unwrap();
        let target = d.path().join("t.csv");
        for _ in 0..50 {
            let tried = std::sync::Barrier::new(4);
            let got: Vec<bool> = std::thread::scope(|s| {
                let hs: Vec<_> = (0..4)
                    .map(|_| {
                        s.spawn(|| {
                            let l = Lock::take(&target);
                            let ok = l.is_ok();
                            // Held until every thread has tried.
                            tried.wait();
                            if let Err(e) = &l {
                                assert!(e.to_string().contains("in use by another aen"), "{e}");
                            }
                            ok
                        })
                    })
                    .collect();
                hs.into_iter().map(|h| h.join().unwrap()).collect()
            });
            assert_eq!(got.iter().filter(|&&x| x).count(), 1, "{got:?}");
            assert!(!d.path().join("t.csv.lock").exists());
        }
    }

    #[test]
    fn a_left_over_lock_file_is_taken_over_and_folders_lock_inside() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join(".lock"), "1\n").unwrap();
        let l = Lock::take(d.path()).unwrap();
        assert!(matches!(Lock::take(d.path()), Err(LockError::Busy { .. })));
        drop(l);
        Lock::take(d.path()).unwrap();
    }
}
