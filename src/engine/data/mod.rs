//! Base data sets (MNIST, Fashion-MNIST): where they are found and how they load.
//!
//! Sources, in precedence order: an explicit `--data-dir`, the user's data dir (filled
//! by `aen data fetch`), well-known system locations, and the copy embedded in the
//! binary.

pub mod fetch;
pub mod idx;

pub use idx::{IdxError, Images};

use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DatasetKind {
    Mnist,
    FashionMnist,
}

impl DatasetKind {
    pub const ALL: [DatasetKind; 2] = [DatasetKind::Mnist, DatasetKind::FashionMnist];

    pub fn name(self) -> &'static str {
        match self {
            DatasetKind::Mnist => "mnist",
            DatasetKind::FashionMnist => "fashion-mnist",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            DatasetKind::Mnist => "MNIST",
            DatasetKind::FashionMnist => "Fashion-MNIST",
        }
    }

    pub fn parse(s: &str) -> Result<DatasetKind, DataError> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "mnist" => Ok(DatasetKind::Mnist),
            "fashion-mnist" | "fashion" | "fmnist" => Ok(DatasetKind::FashionMnist),
            _ => Err(DataError::UnknownDataset(s.to_string())),
        }
    }

    fn embedded(self) -> (&'static [u8], &'static [u8]) {
        match self {
            DatasetKind::Mnist => (
                include_bytes!(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/assets/mnist-images-idx3-ubyte.gz"
                )),
                include_bytes!(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/assets/mnist-labels-idx1-ubyte.gz"
                )),
            ),
            DatasetKind::FashionMnist => (
                include_bytes!(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/assets/fashion-mnist-images-idx3-ubyte.gz"
                )),
                include_bytes!(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/assets/fashion-mnist-labels-idx1-ubyte.gz"
                )),
            ),
        }
    }

    fn system_dirs(self) -> Vec<PathBuf> {
        vec![PathBuf::from("/usr/share/datasets").join(self.name())]
    }
}

impl fmt::Display for DatasetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for DatasetKind {
    type Err = DataError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DatasetKind::parse(s)
    }
}

/// Where a data set comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// `--data-dir DIR`
    DataDir,
    /// The user's data dir, filled by `aen data fetch`.
    Downloaded,
    /// A system location such as Debian's /usr/share/datasets.
    System,
    /// Compiled into the binary.
    Embedded,
}

impl SourceKind {
    pub fn name(self) -> &'static str {
        match self {
            SourceKind::DataDir => "data-dir",
            SourceKind::Downloaded => "downloaded",
            SourceKind::System => "system",
            SourceKind::Embedded => "embedded",
        }
    }

    pub fn parse(s: &str) -> Result<Option<SourceKind>, DataError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" | "" => Ok(None),
            "data-dir" | "dir" => Ok(Some(SourceKind::DataDir)),
            "downloaded" | "user" => Ok(Some(SourceKind::Downloaded)),
            "system" => Ok(Some(SourceKind::System)),
            "embedded" => Ok(Some(SourceKind::Embedded)),
            _ => Err(DataError::UnknownSource(s.to_string())),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Source {
    pub kind: SourceKind,
    /// The folder holding the four files; None for the embedded copy.
    pub dir: Option<PathBuf>,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.dir {
            Some(d) => write!(f, "{} ({})", self.kind.name(), d.display()),
            None => write!(f, "{} (compiled into aen)", self.kind.name()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("unknown data set `{0}`; choose mnist or fashion-mnist")]
    UnknownDataset(String),
    #[error("unknown data source `{0}`; choose auto, data-dir, downloaded, system or embedded")]
    UnknownSource(String),
    #[error(transparent)]
    Idx(#[from] IdxError),
    #[error("{dir}: no {dataset} files here; expected {}", fetch::FILE_NAMES.join(", "))]
    MissingFiles { dir: PathBuf, dataset: &'static str },
    #[error("{dataset}: no {origin} copy found{hint}")]
    SourceNotFound {
        dataset: &'static str,
        origin: &'static str,
        hint: String,
    },
    #[error("{0}")]
    Other(String),
}

/// Labeled images.
#[derive(Clone, Debug)]
pub struct Labeled {
    pub images: Images,
    pub labels: Vec<u8>,
}

impl Labeled {
    pub fn len(&self) -> usize {
        self.labels.len()
    }
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
}

/// A loaded base data set: either a full set (train file plus t10k test file) or the
/// embedded pool of 10,000, which the G-dataset splits three ways.
#[derive(Clone, Debug)]
pub struct BaseData {
    pub kind: DatasetKind,
    pub source: Source,
    pub train: Labeled,
    pub test: Option<Labeled>,
}

/// The user's data dir for aen (XDG on Linux), where fetched data sets live.
pub fn user_data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "aen").map(|p| p.data_dir().to_path_buf())
}

pub fn user_dataset_dir(kind: DatasetKind) -> Option<PathBuf> {
    user_data_dir().map(|d| d.join("datasets").join(kind.name()))
}

/// Finds the four standard files in `dir` (raw or .gz). Returns None if any is missing.
pub fn find_files(dir: &Path) -> Option<[PathBuf; 4]> {
    let find = |stem: &str| {
        [dir.join(format!("{stem}.gz")), dir.join(stem)]
            .into_iter()
            .find(|p| p.is_file())
    };
    Some([
        find("train-images-idx3-ubyte")?,
        find("train-labels-idx1-ubyte")?,
        find("t10k-images-idx3-ubyte")?,
        find("t10k-labels-idx1-ubyte")?,
    ])
}

/// For `--data-dir DIR`: the files may sit in DIR itself or in DIR/<dataset name>.
fn data_dir_for(kind: DatasetKind, dir: &Path) -> PathBuf {
    let sub = dir.join(kind.name());
    if find_files(&sub).is_some() {
        sub
    } else {
        dir.to_path_buf()
    }
}

/// Every source of `kind` that is present, in precedence order. The embedded copy is
/// always last and always present.
pub fn available_sources(kind: DatasetKind, data_dir: Option<&Path>) -> Vec<Source> {
    let mut out = Vec::new();
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
    if let Some(d) = data_dir
        && (want.is_none() || want == Some(SourceKind::DataDir))
    {
        let d = data_dir_for(kind, d);
        if find_files(&d).is_none() {
            return Err(DataError::MissingFiles {
                dir: d,
                dataset: kind.title(),
            });
        }
    }
    let all = available_sources(kind, data_dir);
    match want {
        None => Ok(all
            .into_iter()
            .next()
            .expect("embedded is always available")),
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

/// Loads a data set from a source, validating every file.
pub fn load(kind: DatasetKind, source: &Source) -> Result<BaseData, DataError> {
    match &source.dir {
        None => {
            let (img, lab) = kind.embedded();
            let ipath = PathBuf::from(format!("<embedded>/{}-images-idx3-ubyte.gz", kind.name()));
            let lpath = PathBuf::from(format!("<embedded>/{}-labels-idx1-ubyte.gz", kind.name()));
            let images = idx::parse_images(&ipath, &idx::decode_maybe_gz(&ipath, img.to_vec())?)?;
            let labels = idx::parse_labels(&lpath, &idx::decode_maybe_gz(&lpath, lab.to_vec())?)?;
            Ok(BaseData {
                kind,
                source: source.clone(),
                train: Labeled { images, labels },
                test: None,
            })
        }
        Some(dir) => {
            let files = find_files(dir).ok_or_else(|| DataError::MissingFiles {
                dir: dir.clone(),
                dataset: kind.title(),
            })?;
            let (ti, tl) = idx::read_pair(&files[0], &files[1])?;
            let (si, sl) = idx::read_pair(&files[2], &files[3])?;
            if (ti.rows, ti.cols) != (si.rows, si.cols) {
                return Err(DataError::Other(format!(
                    "{}: test images are {}x{} but training images are {}x{}",
                    dir.display(),
                    si.rows,
                    si.cols,
                    ti.rows,
                    ti.cols
                )));
            }
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
        None => {
            let (img, lab) = kind.embedded();
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

/// Checks that a folder given as a data source exists and is a folder.
pub fn check_data_dir(dir: &Path) -> Result<(), DataError> {
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(DataError::Other(format!("{}: not a folder", dir.display()))),
        Err(e) => Err(DataError::Other(format!("{}: {e}", dir.display()))),
    }
}
