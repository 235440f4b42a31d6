//! `aen data fetch`: download a data set from public mirrors, tried in turn, each
//! file checked against a SHA-256 constant and written atomically (temp file, then
//! rename), so an interrupted or corrupted download never leaves a file that loads.

use super::DatasetKind;
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const FILE_NAMES: [&str; 4] = [
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
];

/// What to download: file names with their SHA-256, and mirrors (base URLs) to try.
#[derive(Clone, Debug)]
pub struct Manifest {
    pub files: Vec<(String, String)>,
    pub mirrors: Vec<String>,
}

impl Manifest {
    /// The published files and checksums, and the well-known mirrors.
    pub fn official(kind: DatasetKind) -> Manifest {
        let (sums, mirrors): ([&str; 4], &[&str]) = match kind {
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
        Manifest {
            files: FILE_NAMES
                .iter()
                .zip(sums)
                .map(|(f, s)| (f.to_string(), s.to_string()))
                .collect(),
            mirrors: mirrors.iter().map(|m| m.to_string()).collect(),
        }
    }
}

/// Progress reported while fetching, for a progress bar.
#[derive(Clone, Debug)]
pub enum FetchEvent {
    /// A file starts downloading from a mirror; `total` if the server said.
    Start {
        file: String,
        url: String,
        total: Option<u64>,
    },
    Bytes {
        done: u64,
    },
    /// A mirror failed for this file; the next one is tried.
    MirrorFailed {
        file: String,
        url: String,
        reason: String,
    },
    Done {
        file: String,
        path: PathBuf,
    },
    AlreadyPresent {
        file: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{file}: every mirror failed:\n{}", attempts.join("\n"))]
    AllMirrorsFailed { file: String, attempts: Vec<String> },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> FetchError + '_ {
    move |source| FetchError::Io {
        path: path.to_path_buf(),
        source,
    }
}

pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Downloads every file of the manifest into `dest`. Files already present with the
/// right checksum are kept.
pub fn fetch(
    manifest: &Manifest,
    dest: &Path,
    progress: &mut dyn FnMut(FetchEvent),
) -> Result<(), FetchError> {
    std::fs::create_dir_all(dest).map_err(io_err(dest))?;
    let agent = ureq::AgentBuilder::new()
        .timeout_connect(Duration::from_secs(15))
        .timeout_read(Duration::from_secs(60))
        .build();
    for (file, sum) in &manifest.files {
        let target = dest.join(file);
        if target.is_file() && sha256_file(&target).ok().as_deref() == Some(sum.as_str()) {
            progress(FetchEvent::AlreadyPresent { file: file.clone() });
            continue;
        }
        let mut attempts = Vec::new();
        let mut ok = false;
        for mirror in &manifest.mirrors {
            let url = format!("{}/{}", mirror.trim_end_matches('/'), file);
            match download_one(&agent, &url, file, sum, &target, progress) {
                Ok(()) => {
                    progress(FetchEvent::Done {
                        file: file.clone(),
                        path: target.clone(),
                    });
                    ok = true;
                    break;
                }
                Err(reason) => {
                    progress(FetchEvent::MirrorFailed {
                        file: file.clone(),
                        url: url.clone(),
                        reason: reason.clone(),
                    });
                    attempts.push(format!("  {url}: {reason}"));
                }
            }
        }
        if !ok {
            return Err(FetchError::AllMirrorsFailed {
                file: file.clone(),
                attempts,
            });
        }
    }
    Ok(())
}

/// One attempt: stream into `<target>.part`, check the digest, then rename. The part
/// file is removed on any failure, so nothing half-written is ever picked up.
fn download_one(
    agent: &ureq::Agent,
    url: &str,
    file: &str,
    sum: &str,
    target: &Path,
    progress: &mut dyn FnMut(FetchEvent),
) -> Result<(), String> {
    let part = target.with_extension("gz.part");
    let result = (|| {
        let resp = agent.get(url).call().map_err(|e| e.to_string())?;
        let total = resp.header("Content-Length").and_then(|v| v.parse().ok());
        progress(FetchEvent::Start {
            file: file.to_string(),
            url: url.to_string(),
            total,
        });
        let mut reader = resp.into_reader().take(1 << 30);
        let mut out =
            std::fs::File::create(&part).map_err(|e| format!("{}: {e}", part.display()))?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 1 << 16];
        let mut done = 0u64;
        loop {
            let n = reader
                .read(&mut buf)
                .map_err(|e| format!("read failed after {done} bytes: {e}"))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            out.write_all(&buf[..n])
                .map_err(|e| format!("{}: {e}", part.display()))?;
            done += n as u64;
            progress(FetchEvent::Bytes { done });
        }
        if let Some(t) = total
            && t != done
        {
            return Err(format!("connection closed after {done} of {t} bytes"));
        }
        let got = hex(&hasher.finalize());
        if got != sum {
            return Err(format!(
                "checksum mismatch: got sha256 {got}, expected {sum}"
            ));
        }
        out.sync_all().map_err(|e| e.to_string())?;
        drop(out);
        std::fs::rename(&part, target).map_err(|e| format!("{}: {e}", target.display()))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&part);
    }
    result
}
