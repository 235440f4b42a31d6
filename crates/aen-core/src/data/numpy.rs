//! NumPy data sets: an `.npz` holding `x_train`, `y_train`, `x_test`, `y_test` (Keras'
//! layout), or a folder of those four `.npy` files. Images are uint8 (0..255) or float
//! (0..1, kept to 8 bits), N x H x W or N x H x W x C; labels any integer type, N or
//! N x 1. Arrays are read element by element into bytes, so memory stays near the
//! pixels' own size.

use super::error::DataError;
use super::idx::{Images, Labeled};
use super::stack::{Dims, Stack, planar};
use npyz::{DType, NpyFile, TypeChar};
use std::io::Read;
use std::path::{Path, PathBuf};

pub const ARRAYS: [&str; 4] = ["x_train", "y_train", "x_test", "y_test"];

fn bad(path: &Path, why: impl Into<String>) -> DataError {
    DataError::Format {
        path: path.to_path_buf(),
        why: why.into(),
    }
}

/// The (type char, bytes) of a plain dtype.
fn plain(path: &Path, d: &DType) -> Result<(TypeChar, u64), DataError> {
    match d {
        DType::Plain(t) => Ok((t.type_char(), t.size_field())),
        other => Err(bad(
            path,
            format!("dtype {other:?} is not a plain number type"),
        )),
    }
}

/// Rows, cols and channels of an image array's shape.
/// The largest side an image may have, as for IDX files.
const MAX_SIDE: usize = 4096;
/// Room reserved ahead for pixels; past it the buffer grows as data arrives, so a
/// header that claims more images than the file holds costs nothing.
const RESERVE: usize = 256 << 20;

fn image_shape(path: &Path, shape: &[u64]) -> Result<(usize, usize, usize, usize), DataError> {
    let s: Vec<usize> = shape.iter().map(|&d| d as usize).collect();
    let (n, h, w, c) = match s[..] {
        [n, h, w] => (n, h, w, 1),
        [n, h, w, c] if c == 1 || c == 3 => (n, h, w, c),
        _ => {
            return Err(bad(
                path,
                format!("shape {s:?}: images must be N x H x W or N x H x W x C with C = 1 or 3"),
            ));
        }
    };
    if h == 0 || w == 0 || h > MAX_SIDE || w > MAX_SIDE || n == 0 {
        return Err(bad(
            path,
            format!("shape {s:?}: images of 1 to {MAX_SIDE} pixels a side, and at least one"),
        ));
    }
    Ok((n, h, w, c))
}

/// One element as a pixel byte.
trait Pixel: npyz::Deserialize + Copy {
    fn byte(self, path: &Path, at: usize) -> Result<u8, DataError>;
}

impl Pixel for u8 {
    fn byte(self, _: &Path, _: usize) -> Result<u8, DataError> {
        Ok(self)
    }
}

macro_rules! float_pixel {
    ($t:ty) => {
        impl Pixel for $t {
            fn byte(self, path: &Path, at: usize) -> Result<u8, DataError> {
                if !(0.0..=1.0).contains(&self) {
                    return Err(bad(
                        path,
                        format!(
                            "value {self} at element {at} is outside [0, 1]; aen reads float images as [0, 1] (divide by 255, or save uint8)"
                        ),
                    ));
                }
                Ok((self * 255.0).round() as u8)
            }
        }
    };
}
float_pixel!(f32);
float_pixel!(f64);

fn read_pixels<T: Pixel, R: Read>(
    path: &Path,
    file: NpyFile<R>,
    (n, h, w, c): (usize, usize, usize, usize),
) -> Result<Images, DataError> {
    let per = h * w * c;
    let mut stack = Stack::with_shape(h, w, c, n.min(RESERVE / per));
    let mut one = Vec::with_capacity(per);
    let data = file
        .data::<T>()
        .map_err(|e| bad(path, format!("cannot read its elements ({e})")))?;
    for (at, v) in data.enumerate() {
        let v = v.map_err(|e| {
            bad(
                path,
                format!("truncated or unreadable at element {at} ({e})"),
            )
        })?;
        one.push(v.byte(path, at)?);
        if one.len() == per {
            stack.extend(&planar(&one, c));
            one.clear();
        }
    }
    let images = stack.finish();
    if images.count != n {
        return Err(bad(
            path,
            format!("holds {} of the {n} images its header claims", images.count),
        ));
    }
    Ok(images)
}

/// Refuses an array whose header claims more data than the file (or archive member)
/// holds, before any of it is read: `stored` is the file's or member's size in bytes.
fn check_claim<R: Read>(path: &Path, file: &NpyFile<R>, stored: u64) -> Result<(), DataError> {
    let (_, size) = plain(path, &file.dtype())?;
    let claim = (file.shape().iter())
        .try_fold(size, |a, &d| a.checked_mul(d))
        .unwrap_or(u64::MAX);
    if claim > stored {
        return Err(bad(
            path,
            format!(
                "its header claims shape {:?} ({claim} bytes of data), but it holds {stored} bytes: truncated, or not what it says",
                file.shape()
            ),
        ));
    }
    Ok(())
}

/// Reads an image array.
pub fn images<R: Read>(path: &Path, file: NpyFile<R>, stored: u64) -> Result<Images, DataError> {
    check_claim(path, &file, stored)?;
    if file.order() == npyz::Order::Fortran {
        return Err(bad(
            path,
            "Fortran order; save it with numpy's default C order",
        ));
    }
    let shape = image_shape(path, file.shape())?;
    match plain(path, &file.dtype())? {
        (TypeChar::Uint, 1) => read_pixels::<u8, R>(path, file, shape),
        (TypeChar::Float, 4) => read_pixels::<f32, R>(path, file, shape),
        (TypeChar::Float, 8) => read_pixels::<f64, R>(path, file, shape),
        (t, s) => Err(bad(
            path,
            format!("element type {t:?} of {s} bytes; images must be uint8 or float32"),
        )),
    }
}

fn read_ints<T: npyz::Deserialize + Into<i128>, R: Read>(
    path: &Path,
    file: NpyFile<R>,
) -> Result<Vec<u8>, DataError> {
    let data = file
        .data::<T>()
        .map_err(|e| bad(path, format!("cannot read its elements ({e})")))?;
    data.enumerate()
        .map(|(at, v)| {
            let v: i128 = v
                .map_err(|e| {
                    bad(
                        path,
                        format!("truncated or unreadable at element {at} ({e})"),
                    )
                })?
                .into();
            u8::try_from(v).map_err(|_| {
                bad(
                    path,
                    format!("label {v} at element {at}: labels must be 0 to 255"),
                )
            })
        })
        .collect()
}

/// Reads a label array.
pub fn labels<R: Read>(path: &Path, file: NpyFile<R>, stored: u64) -> Result<Vec<u8>, DataError> {
    check_claim(path, &file, stored)?;
    let shape: Vec<u64> = file.shape().to_vec();
    if !(shape.len() == 1 || (shape.len() == 2 && shape[1] == 1)) {
        return Err(bad(
            path,
            format!("shape {shape:?}: labels must be N or N x 1"),
        ));
    }
    let n = shape[0] as usize;
    let out = match plain(path, &file.dtype())? {
        (TypeChar::Uint, 1) => read_ints::<u8, R>(path, file),
        (TypeChar::Uint, 2) => read_ints::<u16, R>(path, file),
        (TypeChar::Uint, 4) => read_ints::<u32, R>(path, file),
        (TypeChar::Uint, 8) => read_ints::<u64, R>(path, file),
        (TypeChar::Int, 1) => read_ints::<i8, R>(path, file),
        (TypeChar::Int, 2) => read_ints::<i16, R>(path, file),
        (TypeChar::Int, 4) => read_ints::<i32, R>(path, file),
        (TypeChar::Int, 8) => read_ints::<i64, R>(path, file),
        (t, s) => Err(bad(
            path,
            format!("element type {t:?} of {s} bytes; labels must be integers"),
        )),
    }?;
    if out.len() != n {
        return Err(bad(
            path,
            format!("holds {} of the {n} labels its header claims", out.len()),
        ));
    }
    Ok(out)
}

fn open_err(path: &Path, e: std::io::Error) -> DataError {
    bad(path, format!("not a NumPy file ({e})"))
}

/// Every `.npz` in `dir`, sorted.
pub fn npz_files(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "npz"))
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

/// The one `.npz` in `dir`, if there is one.
pub fn find_npz(dir: &Path) -> Option<PathBuf> {
    npz_files(dir).into_iter().next()
}

/// Which of the four `.npy` files `dir` holds (under their names, usable or not).
pub fn npy_files_present(dir: &Path) -> Vec<&'static str> {
    ARRAYS
        .iter()
        .copied()
        .filter(|a| std::fs::symlink_metadata(dir.join(format!("{a}.npy"))).is_ok())
        .collect()
}

/// Whether `dir` holds the four `.npy` files.
pub fn has_npy_files(dir: &Path) -> bool {
    npy_files_present(dir).len() == ARRAYS.len()
}

fn pair((xp, x): (&Path, Images), (yp, y): (&Path, Vec<u8>)) -> Result<Labeled, DataError> {
    if x.count != y.len() {
        return Err(bad(
            yp,
            format!(
                "{} labels for the {} images of {}",
                y.len(),
                x.count,
                xp.display()
            ),
        ));
    }
    Ok(Labeled {
        images: x,
        labels: y,
    })
}

/// Reads every member of the archive to its end, which makes the zip layer check its
/// CRC-32: a flipped bit is refused, as NumPy refuses it, not trained on.
fn verify_members<R: Read + std::io::Seek>(
    path: &Path,
    z: &mut npyz::npz::NpzArchive<R>,
) -> Result<(), DataError> {
    for name in ARRAYS {
        let member = format!("{name}.npy");
        let Ok(mut f) = z.zip_archive().by_name(&member) else {
            continue;
        };
        std::io::copy(&mut f, &mut std::io::sink())
            .map_err(|e| bad(&path.join(&member), format!("damaged in the archive ({e})")))?;
    }
    Ok(())
}

/// The uncompressed size of a member, 0 if it is not there.
fn member_size<R: Read + std::io::Seek>(z: &mut npyz::npz::NpzArchive<R>, name: &str) -> u64 {
    z.zip_archive()
        .by_name(&format!("{name}.npy"))
        .map_or(0, |f| f.size())
}

/// Reads an `.npz` archive's four arrays.
pub fn load_npz(path: &Path) -> Result<(Labeled, Labeled), DataError> {
    crate::fsio::check_regular(path, "NumPy archive")?;
    let mut z = npyz::npz::NpzArchive::open(path).map_err(|e| open_err(path, e))?;
    verify_members(path, &mut z)?;
    let mut split = |x: &str, y: &str| -> Result<Labeled, DataError> {
        let (xp, yp) = (path.join(format!("{x}.npy")), path.join(format!("{y}.npy")));
        let missing = |name: &str| {
            bad(
                path,
                format!("no array `{name}`; an .npz must hold {}", ARRAYS.join(", ")),
            )
        };
        let (xs_size, ys_size) = (member_size(&mut z, x), member_size(&mut z, y));
        let f = z
            .by_name(x)
            .map_err(|e| open_err(&xp, e))?
            .ok_or_else(|| missing(x))?;
        let xs = images(&xp, f, xs_size)?;
        let f = z
            .by_name(y)
            .map_err(|e| open_err(&yp, e))?
            .ok_or_else(|| missing(y))?;
        let ys = labels(&yp, f, ys_size)?;
        pair((&xp, xs), (&yp, ys))
    };
    Ok((split("x_train", "y_train")?, split("x_test", "y_test")?))
}

/// An `.npy` file of `dir`, its header read, and its size in bytes.
type Opened = (PathBuf, NpyFile<std::io::BufReader<std::fs::File>>, u64);

fn open_npy(dir: &Path, name: &str) -> Result<Opened, DataError> {
    let path = dir.join(format!("{name}.npy"));
    let size = crate::fsio::check_regular(&path, "NumPy array")?;
    let f = std::fs::File::open(&path).map_err(|e| open_err(&path, e))?;
    let npy = NpyFile::new(std::io::BufReader::new(f)).map_err(|e| open_err(&path, e))?;
    Ok((path, npy, size))
}

/// Reads a folder's four `.npy` files.
pub fn load_npy_dir(dir: &Path) -> Result<(Labeled, Labeled), DataError> {
    let split = |x: &str, y: &str| -> Result<Labeled, DataError> {
        let (xp, f, size) = open_npy(dir, x)?;
        let xs = images(&xp, f, size)?;
        let (yp, f, size) = open_npy(dir, y)?;
        let ys = labels(&yp, f, size)?;
        pair((&xp, xs), (&yp, ys))
    };
    Ok((split("x_train", "y_train")?, split("x_test", "y_test")?))
}

/// (rows, cols, channels) of the training images, from the array's header alone.
pub fn peek(dir: &Path) -> Result<Dims, DataError> {
    let (path, shape) = if has_npy_files(dir) {
        let (p, f, _) = open_npy(dir, "x_train")?;
        (p, f.shape().to_vec())
    } else {
        let path = find_npz(dir).ok_or_else(|| bad(dir, "no .npz or .npy files"))?;
        let mut z = npyz::npz::NpzArchive::open(&path).map_err(|e| open_err(&path, e))?;
        let f = z
            .by_name("x_train")
            .map_err(|e| open_err(&path, e))?
            .ok_or_else(|| bad(&path, "no array `x_train`"))?;
        (path.clone(), f.shape().to_vec())
    };
    let (_, h, w, c) = image_shape(&path, &shape)?;
    Ok((h, w, c))
}
