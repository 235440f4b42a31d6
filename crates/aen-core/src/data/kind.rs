//! What a base data set is (MNIST, Fashion-MNIST, the user's files) and where a copy
//! of it comes from (a data dir, the user's downloads, the system, the binary).

use super::error::DataError;
use super::fetch;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DatasetKind {
    Mnist,
    FashionMnist,
    /// Whatever `--data-dir` holds, in any format `custom` reads.
    Files,
}

impl DatasetKind {
    /// The published files and checksums, and the well-known mirrors; None for the
    /// user's own files, which nobody publishes.
    pub fn official_manifest(self) -> Option<fetch::Manifest> {
        let (sums, mirrors): ([&str; 4], &[&str]) = match self {
            DatasetKind::Files => return None,
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
        Some(fetch::Manifest {
            files: fetch::FILE_NAMES
                .iter()
                .zip(sums)
                .map(|(f, s)| (f.to_string(), s.to_string()))
                .collect(),
            mirrors: mirrors.iter().map(|m| m.to_string()).collect(),
            limits: fetch::FetchLimits::default(),
        })
    }

    pub const ALL: [DatasetKind; 3] = [
        DatasetKind::Mnist,
        DatasetKind::FashionMnist,
        DatasetKind::Files,
    ];

    pub fn name(self) -> &'static str {
        match self {
            DatasetKind::Mnist => "mnist",
            DatasetKind::FashionMnist => "fashion-mnist",
            DatasetKind::Files => "files",
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
            DatasetKind::Mnist | DatasetKind::Files => label.to_string(),
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            DatasetKind::Mnist => "MNIST",
            DatasetKind::FashionMnist => "Fashion-MNIST",
            DatasetKind::Files => "your files",
        }
    }

    pub fn parse(s: &str) -> Result<DatasetKind, DataError> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "mnist" => Ok(DatasetKind::Mnist),
            "fashion-mnist" | "fashion" | "fmnist" => Ok(DatasetKind::FashionMnist),
            "files" | "custom" => Ok(DatasetKind::Files),
            _ => Err(DataError::UnknownDataset(s.to_string())),
        }
    }

    pub(super) fn embedded(self) -> Option<(&'static [u8], &'static [u8])> {
        Some(match self {
            DatasetKind::Files => return None,
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
        })
    }

    pub(super) fn system_dirs(self) -> Vec<PathBuf> {
        match self {
            DatasetKind::Files => Vec::new(),
            _ => vec![PathBuf::from("/usr/share/datasets").join(self.name())],
        }
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
