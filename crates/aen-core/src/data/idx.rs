//! Reading and writing IDX files (the MNIST file format), raw or gzip, fully validated.
//!
//! Every malformed input is an error naming the file and the fault, never a panic.
//! Files are streamed: the header says exactly how many bytes must follow, so no more
//! than that is ever held, whatever the file (or a gzip bomb inside it) would expand to.

use crate::fsio::{self, FsError};
use flate2::read::MultiGzDecoder;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

const IMAGES_MAGIC: u32 = 0x0000_0803;
const LABELS_MAGIC: u32 = 0x0000_0801;
/// No MNIST-like file is anywhere near this; it guards against absurd headers.
const MAX_BYTES: usize = 1 << 31;
/// How far past the end the header implies we keep reading to say how much extra
/// there is; beyond it, only that there is more.
const TRAILING_PROBE: u64 = 1 << 20;
/// The first read of the payload; later ones double, so a header that lies about its
/// size costs memory in proportion to the data actually present.
const FIRST_CHUNK: usize = 1 << 16;

// No `#[source]` on the variants that print their cause: anyhow's `{:#}` would print it
// twice.
#[derive(Debug, thiserror::Error)]
pub enum IdxError {
    #[error(transparent)]
    File(#[from] FsError),
    #[error("{path}: read failed: {err}")]
    Read { path: PathBuf, err: io::Error },
    #[error("{path}: not valid gzip data ({msg})")]
    Gzip { path: PathBuf, msg: String },
    #[error("{path}: {fault}")]
    Format { path: PathBuf, fault: String },
    #[error("{path}: images are {rows}x{cols}; aen's networks take {want_rows}x{want_cols}")]
    Shape {
        path: PathBuf,
        rows: usize,
        cols: usize,
        want_rows: usize,
        want_cols: usize,
    },
}

/// A stack of equally sized images, one byte per pixel and channel. Each image is
/// stored channel by channel (all of channel 0 row-major, then channel 1, ...), the
/// order PyTorch flattens a C x H x W tensor in, so a group permutes each channel's
/// plane alike.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Images {
    pub count: usize,
    pub rows: usize,
    pub cols: usize,
    /// 1 for greyscale, 3 for colour (red, green, blue).
    pub channels: usize,
    pub pixels: Vec<u8>,
}

impl Images {
    /// Bytes of one image: rows x cols x channels.
    pub fn size(&self) -> usize {
        self.rows * self.cols * self.channels
    }

    pub fn image(&self, i: usize) -> &[u8] {
        let size = self.size();
        &self.pixels[i * size..(i + 1) * size]
    }
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

fn format_err(path: &Path, fault: impl Into<String>) -> IdxError {
    IdxError::Format {
        path: path.to_path_buf(),
        fault: fault.into(),
    }
}

fn plural(n: usize, one: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {one}s")
    }
}

/// The decoded content of an IDX file, gunzipped on the fly when it starts with the
/// gzip magic. Read errors of the gzip layer (bad CRC, truncation, corrupt deflate
/// data) are reported as invalid gzip, those of the file itself as read failures.
struct Decoded<'a> {
    path: &'a Path,
    inner: Box<dyn Read + 'a>,
    gz: bool,
}

impl<'a> Decoded<'a> {
    fn new(path: &'a Path, mut src: impl Read + 'a) -> Result<Decoded<'a>, IdxError> {
        let mut magic = [0u8; 2];
        let mut n = 0;
        while n < 2 {
            match src.read(&mut magic[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => {
                    return Err(IdxError::Read {
                        path: path.to_path_buf(),
                        err,
                    });
                }
            }
        }
        if n == 0 {
            return Err(format_err(path, "file is empty (0 bytes)"));
        }
        let gz = n == 2 && magic == [0x1f, 0x8b];
        if path.extension().is_some_and(|e| e == "gz") && !gz {
            return Err(IdxError::Gzip {
                path: path.to_path_buf(),
                msg: "missing gzip header".into(),
            });
        }
        let whole = io::Cursor::new(magic).take(n as u64).chain(src);
        // Multi-member: `cat a.gz b.gz` is valid gzip (gzip -t accepts it) and decodes
        // to the concatenation.
        let inner: Box<dyn Read + 'a> = if gz {
            Box::new(MultiGzDecoder::new(whole))
        } else {
            Box::new(whole)
        };
        Ok(Decoded { path, inner, gz })
    }

    /// Fills `buf` as far as the data goes; returns how much was read.
    fn fill(&mut self, buf: &mut [u8]) -> Result<usize, IdxError> {
        let mut n = 0;
        while n < buf.len() {
            match self.inner.read(&mut buf[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(err) if self.gz => {
                    return Err(IdxError::Gzip {
                        path: self.path.to_path_buf(),
                        msg: err.to_string(),
                    });
                }
                Err(err) => {
                    return Err(IdxError::Read {
                        path: self.path.to_path_buf(),
                        err,
                    });
                }
            }
        }
        Ok(n)
    }

    /// Reads up to `need` bytes, growing the buffer only as data arrives.
    fn payload(&mut self, need: usize) -> Result<Vec<u8>, IdxError> {
        let mut out = Vec::new();
        while out.len() < need {
            let want = (need - out.len()).min(out.len().max(FIRST_CHUNK));
            let start = out.len();
            out.reserve_exact(want);
            out.resize(start + want, 0);
            let got = self.fill(&mut out[start..])?;
            out.truncate(start + got);
            if got < want {
                break;
            }
        }
        Ok(out)
    }

    /// After the payload the data must end. Reading on to the end also makes the
    /// gzip layer check its CRC and length trailer. Returns the number of extra bytes,
    /// or None when there are more than `TRAILING_PROBE` (a bomb is not inflated to
    /// count it).
    fn extra(&mut self) -> Result<Option<u64>, IdxError> {
        let mut buf = [0u8; 8192];
        let mut extra = 0u64;
        loop {
            let n = self.fill(&mut buf)?;
            extra += n as u64;
            if n < buf.len() {
                return Ok(Some(extra));
            }
            if extra > TRAILING_PROBE {
                return Ok(None);
            }
        }
    }

    /// Reads a header of `len` bytes whose first word must be `magic`.
    fn header(&mut self, len: usize, magic: u32, what: &str) -> Result<Vec<u32>, IdxError> {
        let mut buf = vec![0u8; len];
        let got = self.fill(&mut buf)?;
        if got < len {
            return Err(format_err(
                self.path,
                format!("truncated header: {got} bytes, an IDX {what} file needs {len}"),
            ));
        }
        let words: Vec<u32> = buf
            .chunks_exact(4)
            .map(|w| u32::from_be_bytes([w[0], w[1], w[2], w[3]]))
            .collect();
        if words[0] != magic {
            return Err(format_err(
                self.path,
                format!(
                    "wrong magic number 0x{:08x}, expected 0x{magic:08x} ({what})",
                    words[0]
                ),
            ));
        }
        Ok(words)
    }

    /// Requires nothing after the `count` items the header announced.
    fn expect_end(&mut self, count: usize, item: &str, need: usize) -> Result<(), IdxError> {
        match self.extra()? {
            Some(0) => Ok(()),
            Some(n) => Err(format_err(
                self.path,
                format!(
                    "more data than the header's {}: {n} unexpected trailing bytes",
                    plural(count, item)
                ),
            )),
            None => Err(format_err(
                self.path,
                format!(
                    "more data than the header's {}: over {TRAILING_PROBE} bytes beyond the {need} it implies",
                    plural(count, item)
                ),
            )),
        }
    }
}

/// (rows, cols) of the images of an IDX image file, from its header alone.
pub fn image_shape(path: &Path) -> Result<(usize, usize), IdxError> {
    let f = std::fs::File::open(path).map_err(|err| IdxError::Read {
        path: path.to_path_buf(),
        err,
    })?;
    let mut d = Decoded::new(path, io::BufReader::new(f))?;
    let h = d.header(16, IMAGES_MAGIC, "images")?;
    Ok((h[2] as usize, h[3] as usize))
}

/// Reads an IDX image file (magic 0x803) from `src`, raw or gzip, as stored on disk;
/// `path` is only for messages and the `.gz` name check. With `want` = (rows, cols),
/// images of another size are refused right after the header.
pub fn images_from(
    path: &Path,
    src: impl Read,
    want: Option<(usize, usize)>,
) -> Result<Images, IdxError> {
    let mut d = Decoded::new(path, src)?;
    let h = d.header(16, IMAGES_MAGIC, "images")?;
    let (count, rows, cols) = (h[1] as usize, h[2] as usize, h[3] as usize);
    if rows == 0 || cols == 0 || rows > 4096 || cols > 4096 {
        return Err(format_err(
            path,
            format!("implausible image size {rows}x{cols}"),
        ));
    }
    if let Some((want_rows, want_cols)) = want
        && (rows, cols) != (want_rows, want_cols)
    {
        return Err(IdxError::Shape {
            path: path.to_path_buf(),
            rows,
            cols,
            want_rows,
            want_cols,
        });
    }
    let need = count
        .checked_mul(rows * cols)
        .filter(|&n| n <= MAX_BYTES)
        .ok_or_else(|| format_err(path, format!("header claims an absurd {count} images")))?;
    let pixels = d.payload(need)?;
    if pixels.len() < need {
        let have = pixels.len();
        return Err(format_err(
            path,
            format!(
                "truncated: header claims {count} images of {rows}x{cols} ({need} bytes), file holds {have} bytes ({} whole images)",
                have / (rows * cols)
            ),
        ));
    }
    d.expect_end(count, "image", need)?;
    Ok(Images {
        count,
        rows,
        cols,
        channels: 1,
        pixels,
    })
}

/// Reads an IDX label file (magic 0x801) from `src`, raw or gzip; labels must be 0..=9.
pub fn labels_from(path: &Path, src: impl Read) -> Result<Vec<u8>, IdxError> {
    let mut d = Decoded::new(path, src)?;
    let h = d.header(8, LABELS_MAGIC, "labels")?;
    let count = h[1] as usize;
    if count > MAX_BYTES {
        return Err(format_err(
            path,
            format!("header claims an absurd {count} labels"),
        ));
    }
    let labels = d.payload(count)?;
    if labels.len() < count {
        return Err(format_err(
            path,
            format!(
                "truncated: header claims {count} labels, file holds {}",
                labels.len()
            ),
        ));
    }
    d.expect_end(count, "label", count)?;
    if let Some((i, &bad)) = labels.iter().enumerate().find(|(_, l)| **l > 9) {
        return Err(format_err(
            path,
            format!("label {bad} at index {i} is not a class 0-9"),
        ));
    }
    Ok(labels)
}

/// Reads an image file from disk; it must be a regular file (links followed).
pub fn read_images(path: &Path, want: Option<(usize, usize)>) -> Result<Images, IdxError> {
    images_from(path, fsio::open_regular(path, "")?, want)
}

/// Reads a label file from disk; it must be a regular file (links followed).
pub fn read_labels(path: &Path) -> Result<Vec<u8>, IdxError> {
    labels_from(path, fsio::open_regular(path, "")?)
}

/// Reads an image file and its label file and checks that they agree.
pub fn read_pair(
    images: &Path,
    labels: &Path,
    want: Option<(usize, usize)>,
) -> Result<(Images, Vec<u8>), IdxError> {
    let imgs = read_images(images, want)?;
    let labs = read_labels(labels)?;
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
