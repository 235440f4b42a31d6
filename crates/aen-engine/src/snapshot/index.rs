//! Listing a folder of sessions fast: each snapshot's [`Summary`] is kept in an index
//! beside them, under what the file system says of the file it was read from, and read
//! again only when the file is no longer that file.

use super::file::SnapshotError;
use super::summary::{Summary, summary};
use crate::fsio;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// The index's file name in a sessions folder: hidden, and not `.json`, so that it is
/// never listed as a session.
pub const INDEX: &str = ".aen-sessions.index";
const FORMAT: &str = "aen-session-index";
const VERSION: u32 = 1;

/// A file modified this recently is read but not kept: written in place again within
/// the file system's timestamp granularity (up to 2 s on some), it would keep its key.
const SETTLE: Duration = Duration::from_secs(2);

/// One version of one file. A save writes a new file and renames it over the old one,
/// so it has a new inode and change time; a write in place changes the modification
/// time (and mostly the length). Inode and change time are 0 where there are none.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Key {
    len: u64,
    mtime: (i64, u32),
    ino: u64,
    ctime: (i64, u32),
}

impl Key {
    fn of(m: &std::fs::Metadata) -> Key {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Key {
                len: m.len(),
                mtime: (m.mtime(), m.mtime_nsec() as u32),
                ino: m.ino(),
                ctime: (m.ctime(), m.ctime_nsec() as u32),
            }
        }
        #[cfg(not(unix))]
        {
            let since = |t: std::io::Result<SystemTime>| {
                (t.ok()
                    .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok()))
                .map_or((0, 0), |d| (d.as_secs() as i64, d.subsec_nanos()))
            };
            Key {
                len: m.len(),
                mtime: since(m.modified()),
                ino: 0,
                ctime: (0, 0),
            }
        }
    }

    /// Modified long enough before `now` that a later write changes the key.
    fn settled(&self, now: SystemTime) -> bool {
        let (s, ns) = self.mtime;
        let Ok(s) = u64::try_from(s) else {
            return true;
        };
        let mtime = SystemTime::UNIX_EPOCH + Duration::new(s, ns.min(999_999_999));
        mtime + SETTLE < now
    }
}

#[derive(Clone, Serialize, Deserialize)]
struct Entry {
    key: Key,
    summary: Result<Summary, String>,
}

#[derive(Serialize, Deserialize)]
struct IndexFile {
    format: String,
    version: u32,
    /// The aen that wrote it: another one may read snapshots otherwise (old defaults,
    /// new settings), so its index is read again.
    aen: String,
    entries: BTreeMap<String, Entry>,
}

/// The entries of the index in `dir`, by file name; none where there is no index or
/// it is damaged, of another format, or of another aen (all are read again then).
fn read_index(dir: &Path) -> Option<BTreeMap<String, Entry>> {
    let bytes = fsio::read_capped(&dir.join(INDEX), 1 << 30, "session index").ok()?;
    let f: IndexFile = serde_json::from_slice(&bytes).ok()?;
    (f.format == FORMAT && f.version == VERSION && f.aen == env!("CARGO_PKG_VERSION"))
        .then_some(f.entries)
}

/// A snapshot file found in the folder. Its name (None if not UTF-8) and key are None
/// where they cannot be had: it is read, and its error shown, but never kept.
struct Found {
    path: PathBuf,
    name: Option<String>,
    key: Option<Key>,
    mtime: Option<SystemTime>,
}

/// The sessions in a folder, newest first, each as a [`Summary`] or why it cannot be
/// read. Files are taken from the index while it holds them as they are, and read
/// otherwise, one per [`Iterator::next`], so a client can show rows as they come.
/// [`Listing::save_index`] then keeps what was read for the next listing.
pub struct Listing {
    dir: PathBuf,
    /// The snapshots found, newest first.
    files: std::vec::IntoIter<Found>,
    /// Entries of the old index not yet reached, of files that are still there.
    old: BTreeMap<String, Entry>,
    /// Entries of the files reached, to keep.
    new: BTreeMap<String, Entry>,
    started: SystemTime,
    /// Whether the index on disk differs from what `save_index` would write.
    dirty: bool,
    from_index: usize,
    read: usize,
}

impl Listing {
    /// Looks at the folder's files and reads its index; reads no snapshot yet.
    pub fn open(dir: &Path) -> Listing {
        let started = SystemTime::now();
        let mut files: Vec<Found> = (std::fs::read_dir(dir).into_iter().flatten().flatten())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            // aen's own temporary files, there while a snapshot is being written.
            .filter(|p| !(p.file_name()).is_some_and(|n| n.to_string_lossy().starts_with(".aen-")))
            .map(|path| {
                let meta = std::fs::metadata(&path).ok();
                Found {
                    name: (path.file_name())
                        .and_then(|n| n.to_str())
                        .map(String::from),
                    key: meta.as_ref().map(Key::of),
                    mtime: meta.and_then(|m| m.modified().ok()),
                    path,
                }
            })
            .collect();
        files.sort_by(|a, b| b.mtime.cmp(&a.mtime).then_with(|| a.path.cmp(&b.path)));
        let index = read_index(dir);
        // No index is written for a folder without sessions.
        let mut dirty = index.is_none() && !files.is_empty();
        let mut old = index.unwrap_or_default();
        let before = old.len();
        let names: std::collections::HashSet<&str> =
            files.iter().filter_map(|f| f.name.as_deref()).collect();
        old.retain(|name, _| names.contains(name.as_str()));
        dirty |= old.len() != before;
        Listing {
            dir: dir.to_path_buf(),
            files: files.into_iter(),
            old,
            new: BTreeMap::new(),
            started,
            dirty,
            from_index: 0,
            read: 0,
        }
    }

    /// How many summaries came from the index so far, and how many from their files.
    pub fn counts(&self) -> (usize, usize) {
        (self.from_index, self.read)
    }

    /// Writes the index: the entries of the files reached, and those of the old index
    /// for files not reached yet (still checked against their files when listed).
    /// Nothing is written where nothing changed; a folder that cannot be written is
    /// listed all the same, only not faster next time.
    pub fn save_index(&mut self) {
        if !self.dirty {
            return;
        }
        let mut entries = self.new.clone();
        entries.extend(self.old.iter().map(|(n, e)| (n.clone(), e.clone())));
        let f = IndexFile {
            format: FORMAT.into(),
            version: VERSION,
            aen: env!("CARGO_PKG_VERSION").into(),
            entries,
        };
        let bytes = serde_json::to_vec(&f).expect("an index always serialises");
        if fsio::write_atomic(&self.dir.join(INDEX), &bytes).is_ok() {
            self.dirty = false;
        }
    }
}

impl Iterator for Listing {
    type Item = (PathBuf, Result<Summary, String>);

    fn next(&mut self) -> Option<Self::Item> {
        let Found {
            path, name, key, ..
        } = self.files.next()?;
        let cached = name.as_ref().and_then(|n| self.old.remove(n));
        if let (Some(name), Some(key), Some(e)) = (&name, key, cached) {
            // Settings the index holds were valid when read; a hand-edited index may
            // hold others.
            let valid = match &e.summary {
                Ok(s) => s.settings.validate().is_ok(),
                Err(_) => true,
            };
            if e.key == key && valid {
                self.from_index += 1;
                let summary = e.summary.clone();
                self.new.insert(name.clone(), e);
                return Some((path, summary));
            }
            self.dirty = true;
        }
        self.read += 1;
        let read = summary(&path);
        // An error reading the file (not of its content) may pass: it is not kept.
        let keep = !matches!(read, Err(SnapshotError::Io(_)));
        let read = read.map_err(|e| e.to_string());
        if let (Some(name), Some(key), true) = (name, key, keep)
            && key.settled(self.started)
        {
            let entry = Entry {
                key,
                summary: read.clone(),
            };
            self.new.insert(name, entry);
            self.dirty = true;
        }
        Some((path, read))
    }
}

/// The sessions in `dir`, newest first (see [`Listing`]), the index brought up to date.
pub fn list(dir: &Path) -> Vec<(PathBuf, Result<Summary, String>)> {
    let mut l = Listing::open(dir);
    let out = l.by_ref().collect();
    l.save_index();
    out
}
