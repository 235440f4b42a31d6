//! `aen data fetch`: download a data set from public mirrors, tried in turn, each
//! file checked against a SHA-256 constant and written atomically (temp file, then
//! rename), so an interrupted or corrupted download never leaves a file that loads.

use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub const FILE_NAMES: [&str; 4] = [
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
];

/// What to download: file names with their SHA-256, mirrors (base URLs) to try, and
/// how long to wait for them.
#[derive(Clone, Debug)]
pub struct Manifest {
    pub files: Vec<(String, String)>,
    pub mirrors: Vec<String>,
    pub limits: FetchLimits,
}

/// When to give up on a mirror. A mirror that is slow, silent or endless fails that
/// file and the next mirror is tried, so one bad mirror cannot hang a fetch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FetchLimits {
    /// Longest wait for a TCP (and TLS) connection.
    pub connect: Duration,
    /// Longest one file may take from one mirror, from connecting to the last byte.
    pub file_deadline: Duration,
    /// A mirror that sends fewer than `min_bytes` in any window of this length, or
    /// nothing at all for this long, is abandoned.
    pub stall_window: Duration,
    pub min_bytes: u64,
    /// More than this from one response is refused, whatever the server claims.
    pub max_file_bytes: u64,
}

impl Default for FetchLimits {
    /// Generous enough for the largest file (about 26 MB) over a poor link, so only a
    /// mirror that is broken trips them.
    fn default() -> FetchLimits {
        FetchLimits {
            connect: Duration::from_secs(15),
            file_deadline: Duration::from_secs(20 * 60),
            stall_window: Duration::from_secs(30),
            min_bytes: 16 * 1024,
            max_file_bytes: 1 << 30,
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

// The I/O error is printed in the message and so is deliberately not a `source`:
// anyhow's `{:#}` would print it twice.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{file}: every mirror failed:\n{}", attempts.join("\n"))]
    AllMirrorsFailed { file: String, attempts: Vec<String> },
    #[error("{path}: {err}")]
    Io { path: PathBuf, err: std::io::Error },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> FetchError + '_ {
    move |err| FetchError::Io {
        path: path.to_path_buf(),
        err,
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

/// Creates `dir` and any missing parents; returns those it created, deepest first,
/// so that a failed fetch can take back exactly what it made.
fn create_dirs(dir: &Path) -> Result<Vec<PathBuf>, FetchError> {
    let mut created = Vec::new();
    let mut p = Some(dir);
    while let Some(d) = p {
        if d.as_os_str().is_empty() || std::fs::symlink_metadata(d).is_ok() {
            break;
        }
        created.push(d.to_path_buf());
        p = d.parent();
    }
    std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    Ok(created)
}

/// Downloads every file of the manifest into `dest`. Files already present with the
/// right checksum are kept. If the fetch fails, folders it created that are still
/// empty are removed, so a failed first fetch leaves no empty data folder behind.
pub fn fetch(
    manifest: &Manifest,
    dest: &Path,
    progress: &mut dyn FnMut(FetchEvent),
) -> Result<(), FetchError> {
    let created = create_dirs(dest)?;
    let result = fetch_into(manifest, dest, progress);
    if result.is_err() {
        // remove_dir only removes empty folders: files fetched before the failure,
        // and anything else the user put there, stay.
        for d in &created {
            if std::fs::remove_dir(d).is_err() {
                break;
            }
        }
    }
    result
}

fn fetch_into(
    manifest: &Manifest,
    dest: &Path,
    progress: &mut dyn FnMut(FetchEvent),
) -> Result<(), FetchError> {
    let limits = manifest.limits;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_connect(Some(limits.connect))
        .timeout_global(Some(limits.file_deadline))
        .timeout_per_read(Some(limits.stall_window))
        .build()
        .into();
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
            match download_one(&agent, &limits, &url, file, sum, &target, progress) {
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

/// The part file of `target`: one fixed name, so that one left by a killed run is
/// found and replaced by the next.
pub fn part_path(target: &Path) -> PathBuf {
    let mut name = target.file_name().unwrap_or_default().to_os_string();
    name.push(".part");
    target.with_file_name(name)
}

/// Says why a request (`done` None) or a read of the body (`done` bytes in) failed,
/// in terms of the limits when one tripped.
fn describe(err: ureq::Error, limits: &FetchLimits, done: Option<u64>) -> String {
    use ureq::Timeout;
    let after = done.map_or(String::new(), |d| format!(" after {d} bytes"));
    match err {
        ureq::Error::Timeout(Timeout::Global) => format!(
            "timed out: the {:?} deadline for one file passed{after}",
            limits.file_deadline
        ),
        ureq::Error::Timeout(Timeout::Connect) => {
            format!("timed out: no connection within {:?}", limits.connect)
        }
        ureq::Error::Timeout(Timeout::PerRead | Timeout::RecvResponse) if done.is_none() => {
            format!("timed out: no response for {:?}", limits.stall_window)
        }
        ureq::Error::Timeout(Timeout::PerRead) => {
            format!("timed out: no data for {:?}{after}", limits.stall_window)
        }
        ureq::Error::Timeout(t) => format!("timed out ({t}){after}"),
        ureq::Error::Io(e) if done.is_some() => format!("read failed{after}: {e}"),
        e => e.to_string(),
    }
}

/// One attempt: stream into the part file, check the digest, then rename. The part
/// file is removed on any failure, so nothing half-written is ever picked up.
fn download_one(
    agent: &ureq::Agent,
    limits: &FetchLimits,
    url: &str,
    file: &str,
    sum: &str,
    target: &Path,
    progress: &mut dyn FnMut(FetchEvent),
) -> Result<(), String> {
    let part = part_path(target);
    // Left by a killed run: never resumed (its content is unverified), always replaced.
    let _ = std::fs::remove_file(&part);
    let result = (|| {
        let resp = agent
            .get(url)
            .call()
            .map_err(|e| describe(e, limits, None))?;
        let total = resp.body().content_length();
        progress(FetchEvent::Start {
            file: file.to_string(),
            url: url.to_string(),
            total,
        });
        if let Some(t) = total
            && t > limits.max_file_bytes
        {
            return Err(format!(
                "the server announces {t} bytes, more than the {} allowed",
                limits.max_file_bytes
            ));
        }
        let mut reader = resp
            .into_body()
            .into_with_config()
            .limit(limits.max_file_bytes)
            .reader();
        let mut out =
            std::fs::File::create(&part).map_err(|e| format!("{}: {e}", part.display()))?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 1 << 16];
        let mut done = 0u64;
        let mut window_start = Instant::now();
        let mut window_bytes = 0u64;
        loop {
            let n = reader
                .read(&mut buf)
                .map_err(|e| describe(ureq::Error::from(e), limits, Some(done)))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            out.write_all(&buf[..n])
                .map_err(|e| format!("{}: {e}", part.display()))?;
            done += n as u64;
            window_bytes += n as u64;
            progress(FetchEvent::Bytes { done });
            let elapsed = window_start.elapsed();
            if elapsed >= limits.stall_window {
                if window_bytes < limits.min_bytes {
                    return Err(format!(
                        "timed out: too slow, {window_bytes} bytes in {elapsed:.1?} (at least {} per {:?} required), after {done} bytes",
                        limits.min_bytes, limits.stall_window
                    ));
                }
                window_start = Instant::now();
                window_bytes = 0;
            }
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
