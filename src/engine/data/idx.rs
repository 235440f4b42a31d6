//! Reading and writing IDX files (the MNIST file format), raw or gzip, fully validated.
//!
//! Every malformed input is an error naming the file and the fault, never a panic.

use flate2::read::GzDecoder;
use std::io::Read;
use std::path::{Path, PathBuf};

const IMAGES_MAGIC: u32 = 0x0000_0803;
const LABELS_MAGIC: u32 = 0x0000_0801;
/// No MNIST-like file is anywhere near this; it guards against absurd headers.
const MAX_BYTES: usize = 1 << 31;

#[derive(Debug, thiserror::Error)]
pub enum IdxError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not valid gzip data ({msg})")]
    Gzip { path: PathBuf, msg: String },
    #[error("{path}: {fault}")]
    Format { path: PathBuf, fault: String },
}

/// A stack of equally sized greyscale images, row-major bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Images {
    pub count: usize,
    pub rows: usize,
    pub cols: usize,
    pub pixels: Vec<u8>,
}

impl Images {
    pub fn image(&self, i: usize) -> &[u8] {
        let size = self.rows * self.cols;
        &self.pixels[i * size..(i + 1) * size]
    }
}

fn format_err(path: &Path, fault: impl Into<String>) -> IdxError {
    IdxError::Format {
        path: path.to_path_buf(),
        fault: fault.into(),
    }
}

/// Reads a whole file, gunzipping when it starts with the gzip magic or is named `.gz`.
pub fn read_maybe_gz(path: &Path) -> Result<Vec<u8>, IdxError> {
    let raw = std::fs::read(path).map_err(|source| IdxError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    decode_maybe_gz(path, raw)
}

pub fn decode_maybe_gz(path: &Path, raw: Vec<u8>) -> Result<Vec<u8>, IdxError> {
    let named_gz = path.extension().is_some_and(|e| e == "gz");
    let is_gz = raw.len() >= 2 && raw[0] == 0x1f && raw[1] == 0x8b;
    if raw.is_empty() {
        return Err(format_err(path, "file is empty (0 bytes)"));
    }
    if named_gz && !is_gz {
        return Err(IdxError::Gzip {
            path: path.to_path_buf(),
            msg: "missing gzip header".into(),
        });
    }
    if !is_gz {
        return Ok(raw);
    }
    let mut out = Vec::new();
    GzDecoder::new(&raw[..])
        .take(MAX_BYTES as u64)
        .read_to_end(&mut out)
        .map_err(|e| IdxError::Gzip {
            path: path.to_path_buf(),
            msg: e.to_string(),
        })?;
    Ok(out)
}

fn be_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

fn check_header(
    path: &Path,
    bytes: &[u8],
    magic: u32,
    header: usize,
    what: &str,
) -> Result<(), IdxError> {
    if bytes.len() < header {
        return Err(format_err(
            path,
            format!(
                "truncated header: {} bytes, an IDX {what} file needs {header}",
                bytes.len()
            ),
        ));
    }
    let found = be_u32(bytes, 0);
    if found != magic {
        return Err(format_err(
            path,
            format!("wrong magic number 0x{found:08x}, expected 0x{magic:08x} ({what})"),
        ));
    }
    Ok(())
}

/// Parses an IDX image file (magic 0x803) from decoded bytes.
pub fn parse_images(path: &Path, bytes: &[u8]) -> Result<Images, IdxError> {
    check_header(path, bytes, IMAGES_MAGIC, 16, "images")?;
    let count = be_u32(bytes, 4) as usize;
    let rows = be_u32(bytes, 8) as usize;
    let cols = be_u32(bytes, 12) as usize;
    if rows == 0 || cols == 0 || rows > 4096 || cols > 4096 {
        return Err(format_err(
            path,
            format!("implausible image size {rows}x{cols}"),
        ));
    }
    let need = count
        .checked_mul(rows * cols)
        .filter(|&n| n <= MAX_BYTES)
        .ok_or_else(|| format_err(path, format!("header claims an absurd {count} images")))?;
    let have = bytes.len() - 16;
    if have < need {
        return Err(format_err(
            path,
            format!(
                "truncated: header claims {count} images of {rows}x{cols} ({need} bytes), file holds {have} bytes ({} whole images)",
                have / (rows * cols)
            ),
        ));
    }
    if have > need {
        return Err(format_err(
            path,
            format!(
                "{} unexpected trailing bytes after {count} images",
                have - need
            ),
        ));
    }
    Ok(Images {
        count,
        rows,
        cols,
        pixels: bytes[16..].to_vec(),
    })
}

/// Parses an IDX label file (magic 0x801) from decoded bytes; labels must be 0..=9.
pub fn parse_labels(path: &Path, bytes: &[u8]) -> Result<Vec<u8>, IdxError> {
    check_header(path, bytes, LABELS_MAGIC, 8, "labels")?;
    let count = be_u32(bytes, 4) as usize;
    let have = bytes.len() - 8;
    if have < count {
        return Err(format_err(
            path,
            format!("truncated: header claims {count} labels, file holds {have}"),
        ));
    }
    if have > count {
        return Err(format_err(
            path,
            format!(
                "{} unexpected trailing bytes after {count} labels",
                have - count
            ),
        ));
    }
    let labels = bytes[8..].to_vec();
    if let Some((i, &bad)) = labels.iter().enumerate().find(|(_, l)| **l > 9) {
        return Err(format_err(
            path,
            format!("label {bad} at index {i} is not a class 0-9"),
        ));
    }
    Ok(labels)
}

/// Reads an image file and its label file and checks that they agree.
pub fn read_pair(images: &Path, labels: &Path) -> Result<(Images, Vec<u8>), IdxError> {
    let imgs = parse_images(images, &read_maybe_gz(images)?)?;
    let labs = parse_labels(labels, &read_maybe_gz(labels)?)?;
    if imgs.count != labs.len() {
        return Err(format_err(
            labels,
            format!(
                "{} labels but {} holds {} images",
                labs.len(),
                images.display(),
                imgs.count
            ),
        ));
    }
    Ok((imgs, labs))
}

/// Serialises images as IDX bytes (used by tests and tools).
pub fn encode_images(images: &Images) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + images.pixels.len());
    for v in [
        IMAGES_MAGIC,
        images.count as u32,
        images.rows as u32,
        images.cols as u32,
    ] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    out.extend_from_slice(&images.pixels);
    out
}

pub fn encode_labels(labels: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + labels.len());
    out.extend_from_slice(&LABELS_MAGIC.to_be_bytes());
    out.extend_from_slice(&(labels.len() as u32).to_be_bytes());
    out.extend_from_slice(labels);
    out
}
