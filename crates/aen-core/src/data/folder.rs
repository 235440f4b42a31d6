//! Image-folder data sets as torchvision's `ImageFolder` reads them: `train/<class>/*.png`
//! and `test/<class>/*.png` (JPEG too), class names from the folder names in sorted
//! order, files read in sorted order so that a set loads the same every time.

use super::error::DataError;
use super::idx::Labeled;
use super::stack::{Dims, Stack, planar, resize_one};
use crate::fsio::{self, FsError, FsProblem};
use std::path::{Path, PathBuf};

const EXTENSIONS: [&str; 3] = ["png", "jpg", "jpeg"];

fn is_image(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

fn list(dir: &Path) -> Result<Vec<PathBuf>, DataError> {
    let entries = std::fs::read_dir(dir).map_err(|err| {
        DataError::File(FsError {
            what: "image folder".into(),
            path: dir.to_path_buf(),
            problem: FsProblem::Io {
                doing: "cannot list",
                err,
            },
        })
    })?;
    let mut out: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    out.sort();
    Ok(out)
}

/// The class folders of `root` (a `train` or `test` folder), sorted by name; hidden
/// ones are skipped. A class is named by its folder, so the name must be UTF-8.
fn class_dirs(root: &Path) -> Result<Vec<(String, PathBuf)>, DataError> {
    let mut out = Vec::new();
    for p in list(root)?.into_iter().filter(|p| p.is_dir()) {
        let Some(name) = p.file_name().and_then(|n| n.to_str()) else {
            return Err(DataError::Format {
                path: p.clone(),
                why: "a class folder whose name is not UTF-8: a class is named by its folder"
                    .into(),
            });
        };
        if !name.starts_with('.') {
            out.push((name.to_string(), p));
        }
    }
    Ok(out)
}

/// Whether `dir` is laid out as an image folder: a `train` folder holding at least one
/// class folder with an image in it.
pub fn looks_like(dir: &Path) -> bool {
    class_dirs(&dir.join("train")).is_ok_and(|classes| {
        classes.iter().any(|(_, d)| {
            std::fs::read_dir(d)
                .is_ok_and(|mut it| it.any(|e| e.is_ok_and(|e| is_image(&e.path()))))
        })
    })
}

/// Decodes one file into planar pixels with `channels` channels. The first image of a
/// set decides (None: 1 if it is grey, 3 if it has colour); the others are converted
/// to it, as torchvision's loader converts every image to one mode.
fn decode(
    path: &Path,
    channels: Option<usize>,
) -> Result<(usize, usize, usize, Vec<u8>), DataError> {
    fsio::check_regular(path, "image")?;
    let img = image::open(path).map_err(|e| DataError::Format {
        path: path.to_path_buf(),
        why: format!("not a readable PNG or JPEG image ({e})"),
    })?;
    let c = channels.unwrap_or(if img.color().has_color() { 3 } else { 1 });
    let (w, h) = (img.width() as usize, img.height() as usize);
    let pixels = if c == 3 {
        planar(img.to_rgb8().as_raw(), 3)
    } else {
        img.to_luma8().into_raw()
    };
    Ok((h, w, c, pixels))
}

/// The set's first training image.
pub fn first_image(dir: &Path) -> Option<PathBuf> {
    (class_dirs(&dir.join("train")).ok()?.into_iter())
        .find_map(|(_, d)| list(&d).ok()?.into_iter().find(|p| is_image(p)))
}

/// The size (rows, cols, channels) of the set's first training image, read from it alone.
pub fn peek(dir: &Path) -> Result<Dims, DataError> {
    let first = first_image(dir).ok_or_else(|| DataError::Format {
        path: dir.join("train"),
        why: "no PNG or JPEG image in any class folder".into(),
    })?;
    let (h, w, c, _) = decode(&first, None)?;
    Ok((h, w, c))
}

/// Reads `root/<class>/*` for the given classes; labels are the classes' positions.
fn read_split(
    root: &Path,
    classes: &[String],
    channels: &mut Option<usize>,
    resize: Option<usize>,
) -> Result<Labeled, DataError> {
    let mut stack = Stack::new();
    let mut labels = Vec::new();
    for (name, d) in class_dirs(root)? {
        let label = classes
            .iter()
            .position(|c| *c == name)
            .ok_or_else(|| DataError::Format {
                path: d.clone(),
                why: format!(
                    "class `{name}` is not among the training classes ({})",
                    classes.join(", ")
                ),
            })?;
        let before = labels.len();
        for file in list(&d)?.into_iter().filter(|p| is_image(p)) {
            let (h, w, c, px) = decode(&file, *channels)?;
            *channels = Some(c);
            // Images of any sizes become one size as they are read.
            match resize {
                Some(n) if (h, w) != (n, n) => {
                    stack.push(&file, n, n, c, &resize_one(&px, (h, w, c), n))?
                }
                _ => stack.push(&file, h, w, c, &px)?,
            }
            labels.push(label as u8);
        }
        if labels.len() == before && root.ends_with("train") {
            return Err(DataError::Format {
                path: d,
                why: "a training class folder without a PNG or JPEG image: its class could never be learnt".into(),
            });
        }
    }
    if labels.is_empty() {
        return Err(DataError::Format {
            path: root.to_path_buf(),
            why: "no PNG or JPEG image in any class folder".into(),
        });
    }
    Ok(Labeled {
        images: stack.finish(),
        labels,
    })
}

/// Reads the training and test splits and the class names; with `resize`, every image
/// is resized to that side as it is read, so images of several sizes make one set.
pub fn load(
    dir: &Path,
    resize: Option<usize>,
) -> Result<(Labeled, Labeled, Vec<String>), DataError> {
    let train_root = dir.join("train");
    let test_root = dir.join("test");
    fsio::check_dir(&test_root, "test image folder")?;
    let classes: Vec<String> = class_dirs(&train_root)?
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    if classes.len() > 256 {
        return Err(DataError::Format {
            path: train_root,
            why: format!(
                "{} class folders; aen takes at most 256 classes",
                classes.len()
            ),
        });
    }
    let mut channels = None;
    let train = read_split(&train_root, &classes, &mut channels, resize)?;
    let test = read_split(&test_root, &classes, &mut channels, resize)?;
    Ok((train, test, classes))
}
