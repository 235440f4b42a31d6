//! Base data sets (MNIST, Fashion-MNIST, and the user's own `files`): where they are
//! found and how they load.
//!
//! Sources, in precedence order: an explicit `--data-dir`, the user's data dir (filled
//! by `aen data fetch`), well-known system locations, and the copy embedded in the
//! binary. The user's own files come only from `--data-dir`.

pub mod cifar;
pub mod custom;
mod error;
pub mod exported;
pub mod fetch;
pub mod folder;
pub mod idx;
mod kind;
mod locate;
pub mod numpy;
pub mod stack;

pub use error::DataError;
pub use idx::{IdxError, Images, Labeled};
pub use kind::{DatasetKind, Source, SourceKind};
pub use locate::{check_data_dir, find_files, locate_files, user_data_dir, user_dataset_dir};

use locate::has_entries;
use std::path::{Path, PathBuf};

/// The side of the square images aen's networks take; data of any other size is
/// refused when it loads, before any work starts.
pub const SIDE: usize = 28;

/// A loaded base data set: either a full set (train file plus t10k test file) or the
/// embedded pool of 10,000, which the G-dataset splits three ways.
#[derive(Clone, Debug)]
pub struct BaseData {
    pub kind: DatasetKind,
    pub source: Source,
    pub train: Labeled,
    pub test: Option<Labeled>,
    /// The name of each class, label order: their count is the networks' outputs.
    pub classes: Vec<String>,
    /// The (rows, cols) the images had before `--resize` made them square.
    pub resized_from: Option<(usize, usize)>,
}

impl BaseData {
    /// Side of the square images, and their channels.
    pub fn side(&self) -> usize {
        self.train.images.rows
    }
    pub fn channels(&self) -> usize {
        self.train.images.channels
    }

    /// The data set's name, with its shape where it is not MNIST's and the size it
    /// was resized from: what logs and reports call it.
    pub fn describe(&self) -> String {
        let im = &self.train.images;
        let mut out = self.kind.title().to_string();
        if self.kind == DatasetKind::Files || (im.rows, im.channels) != (SIDE, 1) {
            let colour = if im.channels == 3 { "colour" } else { "grey" };
            out += &format!(
                " ({}x{} {colour}, {} classes",
                im.rows,
                im.cols,
                self.classes.len()
            );
            if let Some((r, c)) = self.resized_from {
                out += &format!(", resized from {r}x{c}");
            }
            out += ")";
        }
        out
    }

    /// The set with every image resized to `side` x `side` when `resize` asks for it
    /// (and they are not that size already), then checked: square images with an even
    /// side, greyscale or colour, labels below the class count.
    pub fn prepared(mut self, resize: Option<usize>) -> Result<BaseData, DataError> {
        // Errors name the file the images came from where there is one.
        let origin = match &self.source.dir {
            Some(d) if self.kind == DatasetKind::Files => {
                custom::images_file(d).unwrap_or_else(|| d.clone())
            }
            Some(d) => d.clone(),
            None => PathBuf::from("<embedded>"),
        };
        if let Some(n) = resize {
            if !n.is_multiple_of(2) {
                return Err(DataError::Format {
                    path: origin,
                    why: format!("--resize {n}: the side must be even (the block swaps halve it)"),
                });
            }
            let im = &self.train.images;
            if (im.rows, im.cols) != (n, n) {
                self.resized_from = Some((im.rows, im.cols));
                for set in std::iter::once(&mut self.train).chain(self.test.as_mut()) {
                    set.images = stack::resize(&set.images, n);
                }
            }
        }
        stack::check_shape(&origin, &self.train.images)?;
        let top = (self.train.labels.iter())
            .chain(self.test.iter().flat_map(|t| &t.labels))
            .max()
            .copied()
            .unwrap_or(0) as usize;
        if top >= self.classes.len() {
            return Err(DataError::Format {
                path: origin,
                why: format!(
                    "label {top} but only {} class names ({})",
                    self.classes.len(),
                    self.classes.join(", ")
                ),
            });
        }
        Ok(self)
    }
}

/// For `--data-dir DIR`: the files may sit in DIR itself or in DIR/<dataset name>.
/// When neither holds a complete set, the one with any of the files is meant, so that
/// errors name what is wrong there.
fn data_dir_for(kind: DatasetKind, dir: &Path) -> PathBuf {
    let sub = dir.join(kind.name());
    if find_files(&sub).is_some() || (!has_entries(dir) && has_entries(&sub)) {
        sub
    } else {
        dir.to_path_buf()
    }
}

/// Every source of `kind` that is present, in precedence order. The embedded copy is
/// always last and always present.
pub fn available_sources(kind: DatasetKind, data_dir: Option<&Path>) -> Vec<Source> {
    let mut out = Vec::new();
    if kind == DatasetKind::Files {
        return data_dir
            .filter(|d| custom::detect(d).is_some())
            .map(|d| Source {
                kind: SourceKind::DataDir,
                dir: Some(d.to_path_buf()),
            })
            .into_iter()
            .collect();
    }
    if let Some(d) = data_dir {
        let d = data_dir_for(kind, d);
        if find_files(&d).is_some() {
            out.push(Source {
                kind: SourceKind::DataDir,
                dir: Some(d),
            });
        }
    }
    if let Some(d) = user_dataset_dir(kind)
        && find_files(&d).is_some()
    {
        out.push(Source {
            kind: SourceKind::Downloaded,
            dir: Some(d),
        });
    }
    for d in kind.system_dirs() {
        if find_files(&d).is_some() {
            out.push(Source {
                kind: SourceKind::System,
                dir: Some(d),
            });
        }
    }
    out.push(Source {
        kind: SourceKind::Embedded,
        dir: None,
    });
    out
}

/// Picks the source to use: `want` if given (an error if absent), else the first
/// available. A given `--data-dir` without the files is an error, not a silent fallback.
pub fn resolve_source(
    kind: DatasetKind,
    data_dir: Option<&Path>,
    want: Option<SourceKind>,
) -> Result<Source, DataError> {
    if kind == DatasetKind::Files {
        let d = data_dir.ok_or_else(|| DataError::SourceNotFound {
            dataset: kind.title(),
            origin: "data-dir",
            hint: "; pass --data-dir DIR holding your data set".into(),
        })?;
        custom::require(d)?;
    } else if let Some(d) = data_dir
        && (want.is_none() || want == Some(SourceKind::DataDir))
    {
        check_data_dir(d)?;
        let dir = data_dir_for(kind, d);
        if let Err(e) = locate_files(&dir, kind) {
            return Err(match custom::detect(d) {
                Some(f) if f != custom::Format::Idx => DataError::OtherFormat {
                    dir: d.to_path_buf(),
                    format: f.name(),
                    dataset: kind.title(),
                },
                _ => e,
            });
        }
    }
    let all = available_sources(kind, data_dir);
    match want {
        None => all
            .into_iter()
            .next()
            .ok_or_else(|| DataError::SourceNotFound {
                dataset: kind.title(),
                origin: "any",
                hint: String::new(),
            }),
        Some(w) => all
            .into_iter()
            .find(|s| s.kind == w)
            .ok_or_else(|| DataError::SourceNotFound {
                dataset: kind.title(),
                origin: w.name(),
                hint: match w {
                    SourceKind::Downloaded => format!("; run `aen data fetch {}`", kind.name()),
                    SourceKind::DataDir => "; pass --data-dir DIR".to_string(),
                    SourceKind::System if kind == DatasetKind::FashionMnist => {
                        "; `apt-get install dataset-fashion-mnist` provides one".to_string()
                    }
                    _ => String::new(),
                },
            }),
    }
}

/// Loads a data set from a source, validating every file. Images must be
/// `SIDE`x`SIDE`: the networks take nothing else.
pub fn load(kind: DatasetKind, source: &Source) -> Result<BaseData, DataError> {
    load_sized(kind, source, None)
}

/// `load`, with the user's files resized to `resize` as they are read (so images of
/// several sizes make one set); MNIST's are resized by `BaseData::prepared`.
pub fn load_sized(
    kind: DatasetKind,
    source: &Source,
    resize: Option<usize>,
) -> Result<BaseData, DataError> {
    let shape = Some((SIDE, SIDE));
    let named = |k: DatasetKind| (0..10).map(|l| k.class_name(l)).collect::<Vec<_>>();
    match &source.dir {
        Some(dir) if kind == DatasetKind::Files => {
            let l = custom::load(dir, resize)?;
            Ok(BaseData {
                kind,
                source: source.clone(),
                train: l.train,
                test: Some(l.test),
                classes: l.classes,
                resized_from: l.resized_from,
            })
        }
        None => {
            let (img, lab) = kind.embedded().ok_or_else(|| DataError::SourceNotFound {
                dataset: kind.title(),
                origin: "embedded",
                hint: "; pass --data-dir DIR".into(),
            })?;
            let ipath = PathBuf::from(format!("<embedded>/{}-images-idx3-ubyte.gz", kind.name()));
            let lpath = PathBuf::from(format!("<embedded>/{}-labels-idx1-ubyte.gz", kind.name()));
            let images = idx::images_from(&ipath, img, shape)?;
            let labels = idx::labels_from(&lpath, lab)?;
            Ok(BaseData {
                kind,
                source: source.clone(),
                train: Labeled { images, labels },
                test: None,
                classes: named(kind),
                resized_from: None,
            })
        }
        Some(dir) => {
            exported::verify(dir, kind.name())?;
            let files = locate_files(dir, kind)?;
            let (ti, tl) = idx::read_pair(&files[0], &files[1], shape)?;
            let (si, sl) = idx::read_pair(&files[2], &files[3], shape)?;
            Ok(BaseData {
                kind,
                source: source.clone(),
                train: Labeled {
                    images: ti,
                    labels: tl,
                },
                test: Some(Labeled {
                    images: si,
                    labels: sl,
                }),
                classes: named(kind),
                resized_from: None,
            })
        }
    }
}

/// The files `source` reads for `kind`, each as (name, SHA-256 in hex): the four
/// files of a folder as they lie on disk (compressed or not), or the two embedded ones.
pub fn base_file_hashes(
    kind: DatasetKind,
    source: &Source,
) -> Result<Vec<(String, String)>, DataError> {
    use sha2::{Digest, Sha256};
    let hex = |bytes: &[u8]| -> String {
        Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    match &source.dir {
        Some(dir) if kind == DatasetKind::Files => custom::file_hashes(dir),
        None => {
            let (img, lab) = kind.embedded().ok_or_else(|| DataError::SourceNotFound {
                dataset: kind.title(),
                origin: "embedded",
                hint: String::new(),
            })?;
            Ok(vec![
                (
                    format!("<embedded>/{}-images-idx3-ubyte.gz", kind.name()),
                    hex(img),
                ),
                (
                    format!("<embedded>/{}-labels-idx1-ubyte.gz", kind.name()),
                    hex(lab),
                ),
            ])
        }
        Some(dir) => {
            let files = find_files(dir).ok_or_else(|| DataError::MissingFiles {
                dir: dir.clone(),
                dataset: kind.title(),
            })?;
            files
                .iter()
                .map(|p| {
                    let sha = fetch::sha256_file(p)
                        .map_err(|e| DataError::Other(format!("{}: {e}", p.display())))?;
                    Ok((p.display().to_string(), sha))
                })
                .collect()
        }
    }
}

/// Resolves and loads in one call.
pub fn open(
    kind: DatasetKind,
    data_dir: Option<&Path>,
    want: Option<SourceKind>,
) -> Result<BaseData, DataError> {
    let source = resolve_source(kind, data_dir, want)?;
    load(kind, &source)
}

/// Resolves, loads, resizes if asked and checks: the data a run takes.
pub fn open_prepared(
    kind: DatasetKind,
    data_dir: Option<&Path>,
    want: Option<SourceKind>,
    resize: Option<usize>,
) -> Result<BaseData, DataError> {
    let source = resolve_source(kind, data_dir, want)?;
    load_sized(kind, &source, resize)?.prepared(resize)
}
