//! A data set the user brings in `--data-dir` (`--dataset files`), its format detected
//! by content: IDX files, a NumPy `.npz` or four `.npy` files, CIFAR-10 batches, or an
//! image-folder tree. Images of any square even size, greyscale or colour, any number
//! of classes up to 256.

use super::error::DataError;
use super::idx::{self, Labeled};
use super::kind::DatasetKind;
use super::locate::{check_data_dir, find_files, locate_files};
use super::stack::Dims;
use super::{cifar, fetch, folder, numpy};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The formats a `--data-dir` can hold, in the order they are looked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Format {
    /// The four IDX files MNIST comes in.
    Idx,
    /// x_train.npy, y_train.npy, x_test.npy, y_test.npy.
    NpyFiles,
    /// One .npz archive holding those four arrays.
    Npz(PathBuf),
    /// CIFAR-10's binary batches.
    Cifar(PathBuf),
    /// train/<class>/*.png and test/<class>/*.png.
    ImageFolder,
}

impl Format {
    pub fn name(&self) -> &'static str {
        match self {
            Format::Idx => "IDX",
            Format::NpyFiles => "NumPy .npy files",
            Format::Npz(_) => "NumPy .npz",
            Format::Cifar(_) => "CIFAR-10 batches",
            Format::ImageFolder => "image folder",
        }
    }
}

/// What a data dir is expected to hold, for errors.
pub const EXPECTED: &str = "IDX files (train-images-idx3-ubyte ...), x_train.npy/y_train.npy/x_test.npy/y_test.npy, an .npz holding those four arrays, CIFAR-10 batches (data_batch_1.bin ... test_batch.bin), or an image folder (train/<class>/*.png, test/<class>/*.png)";

/// The format `dir` holds, or None.
pub fn detect(dir: &Path) -> Option<Format> {
    if find_files(dir).is_some() {
        Some(Format::Idx)
    } else if numpy::has_npy_files(dir) {
        Some(Format::NpyFiles)
    } else if let Some(p) = numpy::find_npz(dir) {
        Some(Format::Npz(p))
    } else if let Some(d) = cifar::batches_dir(dir) {
        Some(Format::Cifar(d))
    } else if folder::looks_like(dir) {
        Some(Format::ImageFolder)
    } else {
        None
    }
}

/// The format of `dir`, or what keeps it from being one: two candidates (aen will not
/// guess which is meant), or a set with files missing (named).
pub fn require(dir: &Path) -> Result<Format, DataError> {
    check_data_dir(dir)?;
    let bad = |why: String| DataError::Format {
        path: dir.to_path_buf(),
        why,
    };
    let npz = numpy::npz_files(dir);
    let npy = numpy::npy_files_present(dir);
    let names = |v: &[PathBuf]| -> String {
        (v.iter().filter_map(|p| p.file_name()))
            .map(|n| n.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if npz.len() > 1 {
        return Err(bad(format!(
            "holds {} .npz files ({}): keep the one to search",
            npz.len(),
            names(&npz)
        )));
    }
    if !npz.is_empty() && !npy.is_empty() {
        return Err(bad(format!(
            "holds both {} and .npy files ({}): keep one of them",
            names(&npz),
            npy.join(", ")
        )));
    }
    if let Some(f) = detect(dir) {
        return Ok(f);
    }
    if !npy.is_empty() {
        let missing: Vec<&str> = (numpy::ARRAYS.iter().copied())
            .filter(|a| !npy.contains(a))
            .collect();
        return Err(bad(format!(
            "holds {} but not {}: a NumPy set is the four arrays x_train, y_train, x_test, y_test",
            npy.join(", "),
            missing.join(", ")
        )));
    }
    if super::locate::has_entries(dir) {
        locate_files(dir, DatasetKind::Files)?;
    }
    Err(bad(format!(
        "no data set found; a data dir holds {EXPECTED}"
    )))
}

/// Class names `0`, `1`, ... up to the largest label of either split.
fn numbered(train: &Labeled, test: &Labeled) -> Vec<String> {
    let top = train
        .labels
        .iter()
        .chain(&test.labels)
        .max()
        .copied()
        .unwrap_or(0);
    (0..=top as usize).map(|k| k.to_string()).collect()
}

/// The training split, the test split and the class names of the set in `dir`, both
/// splits one size (`BaseData::prepared` checks that size is one the networks take).
pub fn load(dir: &Path, resize: Option<usize>) -> Result<Loaded, DataError> {
    let format = require(dir)?;
    // The size before resizing, for the log; an image folder is resized as it is read.
    let first = resize.and_then(|_| peek(dir).ok()).map(|(r, c, _)| (r, c));
    let (train, test, classes) = match &format {
        Format::Idx => {
            let files = locate_files(dir, DatasetKind::Files)?;
            let (ti, tl) = idx::read_pair(&files[0], &files[1], None)?;
            let (si, sl) = idx::read_pair(&files[2], &files[3], None)?;
            let (train, test) = (
                Labeled {
                    images: ti,
                    labels: tl,
                },
                Labeled {
                    images: si,
                    labels: sl,
                },
            );
            let c = numbered(&train, &test);
            (train, test, c)
        }
        Format::NpyFiles => {
            let (train, test) = numpy::load_npy_dir(dir)?;
            let c = numbered(&train, &test);
            (train, test, c)
        }
        Format::Npz(p) => {
            let (train, test) = numpy::load_npz(p)?;
            let c = numbered(&train, &test);
            (train, test, c)
        }
        Format::Cifar(_) => cifar::load(dir)?,
        Format::ImageFolder => folder::load(dir, resize)?,
    };
    // Resized here, before the splits are compared, so that a resize makes splits of
    // two sizes one (an image folder's were resized image by image as they were read).
    let (mut train, mut test) = (train, test);
    let mut resized_from = None;
    if let Some(n) = resize {
        for set in [&mut train, &mut test] {
            let im = &set.images;
            if (im.rows, im.cols) != (n, n) {
                set.images = super::stack::resize(im, n);
            }
        }
        resized_from = first.filter(|&d| d != (n, n));
    }
    let (a, b) = (&train.images, &test.images);
    if (a.rows, a.cols, a.channels) != (b.rows, b.cols, b.channels) {
        return Err(DataError::Format {
            path: dir.to_path_buf(),
            why: format!(
                "training images are {}x{}x{}, test images {}x{}x{}; both splits must be one size",
                a.rows, a.cols, a.channels, b.rows, b.cols, b.channels
            ),
        });
    }
    if train.is_empty() {
        return Err(DataError::Format {
            path: dir.to_path_buf(),
            why: "the training split holds no images".into(),
        });
    }
    Ok(Loaded {
        train,
        test,
        classes,
        resized_from,
    })
}

/// A set read from a data dir.
pub struct Loaded {
    pub train: Labeled,
    pub test: Labeled,
    pub classes: Vec<String>,
    /// The (rows, cols) of the first training image, when `resize` changed it.
    pub resized_from: Option<(usize, usize)>,
}

/// The file the training images of the set in `dir` come from (the first one, for an
/// image folder), for errors about their shape.
pub fn images_file(dir: &Path) -> Option<PathBuf> {
    match detect(dir)? {
        Format::Idx => find_files(dir).map(|[f, ..]| f),
        Format::NpyFiles => Some(dir.join("x_train.npy")),
        Format::Npz(p) => Some(p),
        Format::Cifar(d) => Some(d.join(cifar::TRAIN[0])),
        Format::ImageFolder => folder::first_image(dir),
    }
}

/// (rows, cols, channels) of the set in `dir`, from one header or image. Remembered
/// per folder for the life of the process: settings ask for it to know the grid the
/// equivalence classes are found on, before any data loads.
pub fn peek(dir: &Path) -> Result<Dims, DataError> {
    static SEEN: Mutex<Vec<(PathBuf, Dims)>> = Mutex::new(Vec::new());
    let key = dir.to_path_buf();
    if let Some(&(_, s)) = (SEEN.lock().ok())
        .and_then(|v| v.iter().find(|(p, _)| *p == key).cloned())
        .as_ref()
    {
        return Ok(s);
    }
    let shape = match require(dir)? {
        Format::Idx => {
            let files = locate_files(dir, DatasetKind::Files)?;
            let (rows, cols) = idx::image_shape(&files[0])?;
            (rows, cols, 1)
        }
        Format::NpyFiles | Format::Npz(_) => numpy::peek(dir)?,
        Format::Cifar(_) => (cifar::SIDE, cifar::SIDE, 3),
        Format::ImageFolder => folder::peek(dir)?,
    };
    if let Ok(mut v) = SEEN.lock() {
        v.push((key, shape));
    }
    Ok(shape)
}

/// The files the set in `dir` is read from, each as (name, SHA-256): every file of
/// the four-file formats, or for an image folder one digest over every image's
/// relative path and SHA-256, in sorted order.
pub fn file_hashes(dir: &Path) -> Result<Vec<(String, String)>, DataError> {
    use sha2::{Digest, Sha256};
    let sha = |p: &Path| -> Result<String, DataError> {
        fetch::sha256_file(p).map_err(|e| DataError::Other(format!("{}: {e}", p.display())))
    };
    let each = |paths: Vec<PathBuf>| -> Result<Vec<(String, String)>, DataError> {
        paths
            .into_iter()
            .filter(|p| p.is_file())
            .map(|p| Ok((p.display().to_string(), sha(&p)?)))
            .collect()
    };
    match require(dir)? {
        Format::Idx => each(locate_files(dir, DatasetKind::Files)?.to_vec()),
        Format::NpyFiles => each(
            numpy::ARRAYS
                .iter()
                .map(|a| dir.join(format!("{a}.npy")))
                .collect(),
        ),
        Format::Npz(p) => each(vec![p]),
        Format::Cifar(d) => each(
            cifar::TRAIN
                .iter()
                .chain([&cifar::TEST])
                .map(|f| d.join(f))
                .collect(),
        ),
        Format::ImageFolder => {
            let mut files = Vec::new();
            walk(dir, &mut files);
            files.sort();
            let mut h = Sha256::new();
            for f in &files {
                let rel = f.strip_prefix(dir).unwrap_or(f);
                h.update(rel.to_string_lossy().as_bytes());
                h.update([0]);
                h.update(sha(f)?.as_bytes());
            }
            let digest: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
            Ok(vec![(
                format!(
                    "{} ({} images under train/ and test/)",
                    dir.display(),
                    files.len()
                ),
                digest,
            )])
        }
    }
}

/// Every image file under `dir`'s train and test folders.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for split in ["train", "test"] {
        let Ok(classes) = std::fs::read_dir(dir.join(split)) else {
            continue;
        };
        for c in classes.flatten() {
            if let Ok(files) = std::fs::read_dir(c.path()) {
                out.extend(files.flatten().map(|f| f.path()).filter(|p| {
                    p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                        matches!(e.to_ascii_lowercase().as_str(), "png" | "jpg" | "jpeg")
                    })
                }));
            }
        }
    }
}
