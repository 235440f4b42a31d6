//! Writing files so that they appear whole or not at all, through symbolic links to
//! their targets, one at a time or as a set.

use super::error::{FsError, FsProblem};
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Distinguishes temporary files of concurrent writers within one process; the pid
/// does so across processes.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// The file a write to `path` must change: `path` itself, or, where it is a symbolic
/// link (to a file or to nothing yet), the file at the end of its chain of links, so
/// that writing replaces the target and keeps the link. A loop is left to the write
/// to report.
pub fn resolve_links(path: &Path) -> PathBuf {
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        let Ok(m) = std::fs::symlink_metadata(&p) else {
            return p;
        };
        if !m.file_type().is_symlink() {
            return p;
        }
        let Ok(target) = std::fs::read_link(&p) else {
            return p;
        };
        p = match p.parent() {
            Some(dir) if target.is_relative() => dir.join(target),
            _ => target,
        };
    }
    path.to_path_buf()
}

/// Replaces `path` with `bytes` atomically: readers see the old content or the new,
/// never a mix or a truncated file, even if aen is killed, the disk fills or the
/// machine loses power midway.
///
/// Writes a temporary file with a unique name in the same directory (so the rename
/// cannot cross file systems), syncs it, renames it over `path` and syncs the
/// directory. On any failure the temporary file is removed. A directory at `path` is
/// an error before anything is written. A symbolic link at `path` is written
/// through: its target is replaced and the link stays.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), FsError> {
    let mut set = Staged::new();
    set.bytes(path, bytes)?;
    set.commit()
}

/// Creates `path` with `bytes`, atomically and only if nothing is there: of two
/// processes creating one path at once, exactly one succeeds, and the other gets an
/// error whose kind is `AlreadyExists`. Readers never see the file partly written: it
/// is written and synced under a temporary name, then hard-linked to `path` (which
/// fails if `path` exists). Where the file system has no hard links, the file is
/// created exclusively in place instead. A dangling symbolic link at `path` is kept,
/// and its target created.
pub fn write_new(path: &Path, bytes: &[u8]) -> Result<(), FsError> {
    let path = &resolve_links(path);
    let fail = |problem| FsError::new(path, "", problem);
    let dir = dir_of(path)?;
    let exists = |err| {
        fail(FsProblem::Io {
            doing: "cannot create it: it already exists",
            err,
        })
    };
    let (tmp, mut file) = create_temp(dir, path).map_err(|err| {
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
    sync_dir(dir);
    Ok(())
}

/// A set of files written together: each is written and synced under a temporary
/// name beside its destination, and only when all of them are whole does
/// [`Staged::commit`] rename them into place. A failure before that (a full disk, a
/// plot that cannot be drawn) leaves every previous file as it was; dropping an
/// uncommitted set removes its temporary files.
#[derive(Default)]
pub struct Staged {
    /// (temporary, destination) pairs, destinations with links resolved.
    files: Vec<(PathBuf, PathBuf)>,
}

impl Staged {
    pub fn new() -> Staged {
        Staged::default()
    }

    /// Stages `bytes` for `path`.
    pub fn bytes(&mut self, path: &Path, bytes: &[u8]) -> Result<(), FsError> {
        self.with(path, |file, _| file.write_all(bytes))
    }

    /// Stages the file that `write` produces at the temporary path it is given
    /// (which keeps `path`'s extension, for writers that choose a format by it).
    pub fn file(
        &mut self,
        path: &Path,
        write: impl FnOnce(&Path) -> Result<(), String>,
    ) -> Result<(), FsError> {
        self.with(path, |_, tmp| write(tmp).map_err(io::Error::other))
    }

    fn with(
        &mut self,
        path: &Path,
        write: impl FnOnce(&mut File, &Path) -> io::Result<()>,
    ) -> Result<(), FsError> {
        let dest = resolve_links(path);
        let fail = |problem| FsError::new(&dest, "", problem);
        match std::fs::metadata(&dest) {
            Ok(m) if m.is_dir() => return Err(fail(FsProblem::IsDirectory)),
            // A device or FIFO is never replaced by a file (renaming over /dev/full).
            Ok(m) => super::error::require_regular(&m).map_err(fail)?,
            Err(_) => {}
        }
        let dir = dir_of(&dest)?;
        let (tmp, mut file) = create_temp(dir, &dest).map_err(|err| {
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
        // Registered first, so that a failure below removes it.
        self.files.push((tmp.clone(), dest.clone()));
        write(&mut file, &tmp).map_err(|err| {
            fail(FsProblem::Io {
                doing: "cannot write",
                err,
            })
        })?;
        // A writer given the path wrote through its own handle: sync what is there.
        drop(file);
        OpenOptions::new()
            .write(true)
            .open(&tmp)
            .and_then(|f| f.sync_all())
            .map_err(|err| {
                fail(FsProblem::Io {
                    doing: "cannot sync to disk",
                    err,
                })
            })
    }

    /// Renames every staged file into place, in the order staged, and syncs their
    /// directories. Renames need no space, so once staging succeeded this does too
    /// short of a failing disk.
    pub fn commit(mut self) -> Result<(), FsError> {
        let files = std::mem::take(&mut self.files);
        let mut dirs: Vec<PathBuf> = Vec::new();
        for (k, (tmp, dest)) in files.iter().enumerate() {
            if let Err(err) = std::fs::rename(tmp, dest) {
                for (t, _) in &files[k..] {
                    let _ = std::fs::remove_file(t);
                }
                let problem = match err.kind() {
                    io::ErrorKind::IsADirectory | io::ErrorKind::DirectoryNotEmpty => {
                        FsProblem::IsDirectory
                    }
                    _ => FsProblem::Io {
                        doing: "cannot replace",
                        err,
                    },
                };
                return Err(FsError::new(dest, "", problem));
            }
            if let Ok(d) = dir_of(dest)
                && !dirs.iter().any(|x| x == d)
            {
                dirs.push(d.to_path_buf());
            }
        }
        for d in dirs {
            sync_dir(&d);
        }
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        for (tmp, _) in &self.files {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// A rename is durable only once the directory entry is; failure to sync a directory
/// (some file systems refuse) does not undo the write.
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// The folder `path` is in ("." for a bare name); an error for a path naming no file.
fn dir_of(path: &Path) -> Result<&Path, FsError> {
    if path.file_name().is_none() {
        return Err(FsError::new(
            path,
            "",
            FsProblem::Io {
                doing: "cannot write",
                err: io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"),
            },
        ));
    }
    Ok(match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    })
}

/// A new file beside `dest`. Its name is short whatever `dest`'s length (a name near
/// the file system's 255-byte limit must still be writable), hidden, and keeps
/// `dest`'s extension.
fn create_temp(dir: &Path, dest: &Path) -> io::Result<(PathBuf, File)> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let ext = match dest.extension().and_then(|e| e.to_str()) {
        Some(e) if e.len() <= 16 => format!(".{e}"),
        _ => String::new(),
    };
    let mut last = None;
    for _ in 0..16 {
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".aen-tmp-{}-{n}-{nanos}{ext}", std::process::id()));
        match OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no free temporary name")))
}

/// Whether writing `output` would change the file at `input` (after links): the same
/// file, or the same name in the same folder. Checked before work that reads `input`
/// and writes `output`.
pub fn same_file(input: &Path, output: &Path) -> bool {
    let (a, b) = (resolve_links(input), resolve_links(output));
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(x), Ok(y)) = (std::fs::metadata(&a), std::fs::metadata(&b)) {
            return x.dev() == y.dev() && x.ino() == y.ino();
        }
    }
    // A folder that does not exist yet (an --out about to be made) is compared by its
    // absolute path with `.` and `..` resolved.
    let canon = |p: &Path| {
        let dir = p.parent().filter(|d| !d.as_os_str().is_empty());
        let dir = dir.unwrap_or(Path::new("."));
        let dir = std::fs::canonicalize(dir)
            .or_else(|_| std::path::absolute(dir).map(|d| lexical(&d)))
            .ok()?;
        Some(dir.join(p.file_name().unwrap_or_default()))
    };
    matches!((canon(&a), canon(&b)), (Some(x), Some(y)) if x == y)
}

/// `path` with `.` and `..` resolved by name (no file system access).
fn lexical(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The first of `outputs` that is one of `inputs`, as an error that names both flags'
/// files: an output must never overwrite what the command reads.
pub fn refuse_overlap(inputs: &[&Path], outputs: &[PathBuf]) -> Result<(), String> {
    for o in outputs {
        if let Some(i) = inputs.iter().find(|i| same_file(i, o)) {
            return Err(format!(
                "{} would be overwritten by this command's output {}: write the output elsewhere",
                i.display(),
                o.display()
            ));
        }
    }
    Ok(())
}
