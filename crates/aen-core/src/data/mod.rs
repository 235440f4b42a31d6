//! Base data sets (MNIST, Fashion-MNIST): where they are found and how they load.
//!
//! Sources, in precedence order: an explicit `--data-dir`, the user's data dir (filled
//! by `aen data fetch`), well-known system locations, and the copy embedded in the
//! binary.

pub mod exported;
pub mod fetch;
pub mod idx;

pub use idx::{IdxError, Images};

use crate::fsio::{self, FsError, FsProblem};
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
    /// The published files and checksums, and the well-known mirrors.
    pub fn official_manifest(self) -> fetch::Manifest {
        let (sums, mirrors): ([&str; 4], &[&str]) = match self {
            DatasetKind::Mnist => (
                [
                    "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
                    "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
                    "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
                    "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
                ],
                &[
                    "https://ossci-datasets.s3.amazonaws.com/mnist/",
                    "https://storage.googleapis.com/cvdf-datasets/mnist/",
                    "http://yann.lecun.com/exdb/mnist/",
                ],
            ),
            DatasetKind::FashionMnist => (
                [
                    "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
                    "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
                    "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
                    "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
                ],
                &[
                    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
                    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
                ],
            ),
        };
        fetch::Manifest {
            files: fetch::FILE_NAMES
                .iter()
                .zip(sums)
                .map(|(f, s)| (f.to_string(), s.to_string()))
                .collect(),
            mirrors: mirrors.iter().map(|m| m.to_string()).collect(),
            limits: fetch::FetchLimits::default(),
        }
    }

    pub const ALL: [DatasetKind; 2] = [DatasetKind::Mnist, DatasetKind::FashionMnist];

    pub fn name(self) -> &'static str {
        match self {
            DatasetKind::Mnist => "mnist",
            DatasetKind::FashionMnist => "fashion-mnist",
        }
    }

    /// The name of class `label` (Fashion-MNIST's classes are garments; MNIST's are
    /// the digits themselves).
    pub fn class_name(self, label: u8) -> String {
        const FASHION: [&str; 10] = [
            "T-shirt/top",
            "Trouser",
            "Pullover",
            "Dress",
            "Coat",
            "Sandal",
            "Shirt",
            "Sneaker",
            "Bag",
            "Ankle boot",
        ];
        match self {
            DatasetKind::FashionMnist => FASHION
                .get(label as usize)
                .map_or_else(|| label.to_string(), |n| n.to_string()),
            DatasetKind::Mnist => label.to_string(),
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
                    "/../../assets/mnist-images-idx3-ubyte.gz"
                )),
                include_bytes!(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/../../assets/mnist-labels-idx1-ubyte.gz"
                )),
            ),
            DatasetKind::FashionMnist => (
                include_bytes!(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/../../assets/fashion-mnist-images-idx3-ubyte.gz"
                )),
                include_bytes!(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/../../assets/fashion-mnist-labels-idx1-ubyte.gz"
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

/// The side of the square images aen's networks take; data of any other size is
/// refused when it loads, before any work starts.
pub const SIDE: usize = 28;

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
    #[error("{dir}: the {dataset} set is incomplete: no {} (raw or .gz)", missing.join(", "))]
    Incomplete {
        dir: PathBuf,
        dataset: &'static str,
        missing: Vec<&'static str>,
    },
    /// A data dir, or an entry in one, that is not what it should be.
    #[error(transparent)]
    File(#[from] FsError),
    #[error("{dataset}: no {origin} copy found{hint}")]
    SourceNotFound {
        dataset: &'static str,
        origin: &'static str,
        hint: String,
    },
    #[error(transparent)]
    Export(#[from] exported::ExportError),
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

/// The four standard files, without the optional `.gz`.
const STEMS: [&str; 4] = [
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
];

/// The file to use for `stem` in `dir`: the `.gz` or the raw one, whichever is a
/// regular file (links followed), the `.gz` first. An entry that exists but cannot be
/// a data file (a directory, a dangling link, a link loop, a FIFO) is an error naming
/// it, unless the other candidate is usable.
fn locate(dir: &Path, stem: &str) -> Result<Option<PathBuf>, FsError> {
    let mut bad = None;
    for p in [dir.join(format!("{stem}.gz")), dir.join(stem)] {
        match fsio::check_regular(&p, "") {
            Ok(_) => return Ok(Some(p)),
            Err(e) if e.is_not_found() => {}
            Err(e) => bad = bad.or(Some(e)),
        }
    }
    bad.map_or(Ok(None), Err)
}

/// Finds the four standard files in `dir` (raw or .gz). Returns None if any is
/// missing or unusable; `locate_files` says which and why.
pub fn find_files(dir: &Path) -> Option<[PathBuf; 4]> {
    locate_files(dir, DatasetKind::Mnist).ok()
}

/// Finds the four standard files in `dir` (raw or .gz), or says what is wrong: no
/// files at all, which are missing, or which entry is not a usable file and why.
pub fn locate_files(dir: &Path, kind: DatasetKind) -> Result<[PathBuf; 4], DataError> {
    let mut found = Vec::with_capacity(4);
    let mut missing = Vec::new();
    for stem in STEMS {
        match locate(dir, stem)? {
            Some(p) => found.push(p),
            None => missing.push(stem),
        }
    }
    match <[PathBuf; 4]>::try_from(found) {
        Ok(files) => Ok(files),
        Err(_) if missing.len() == STEMS.len() => Err(DataError::MissingFiles {
            dir: dir.to_path_buf(),
            dataset: kind.title(),
        }),
        Err(_) => Err(DataError::Incomplete {
            dir: dir.to_path_buf(),
            dataset: kind.title(),
            missing,
        }),
    }
}

/// Whether anything stands under one of the standard names in `dir`, usable or not.
fn has_entries(dir: &Path) -> bool {
    STEMS.iter().any(|stem| {
        [format!("{stem}.gz"), stem.to_string()]
            .iter()
            .any(|n| std::fs::symlink_metadata(dir.join(n)).is_ok())
    })
}

/// Checks a `--data-dir` before anything else: it must exist and be a directory
/// (links followed). The CLI calls it so that a mistyped path is named as such rather
/// than reported as a folder without data.
pub fn check_data_dir(path: &Path) -> Result<(), DataError> {
    fsio::check_dir(path, "data dir")?;
    std::fs::read_dir(path).map_err(|err| {
        DataError::File(FsError {
            what: "data dir".into(),
            path: path.to_path_buf(),
            problem: FsProblem::Io {
                doing: "cannot list",
                err,
            },
        })
    })?;
    Ok(())
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
        check_data_dir(d)?;
        locate_files(&data_dir_for(kind, d), kind)?;
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

/// Loads a data set from a source, validating every file. Images must be
/// `SIDE`x`SIDE`: the networks take nothing else.
pub fn load(kind: DatasetKind, source: &Source) -> Result<BaseData, DataError> {
    let shape = Some((SIDE, SIDE));
    match &source.dir {
        None => {
            let (img, lab) = kind.embedded();
            let ipath = PathBuf::from(format!("<embedded>/{}-images-idx3-ubyte.gz", kind.name()));
            let lpath = PathBuf::from(format!("<embedded>/{}-labels-idx1-ubyte.gz", kind.name()));
            let images = idx::images_from(&ipath, img, shape)?;
            let labels = idx::labels_from(&lpath, lab)?;
            Ok(BaseData {
                kind,
                source: source.clone(),
                train: Labeled { images, labels },
                test: None,
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
