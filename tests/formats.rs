//! Your data in: a data set written as IDX, .npy files, an .npz, CIFAR-10 batches and an
//! image folder (grey and colour) loads, detected by content, to the same pixels and
//! labels in every format. Shapes and files the networks cannot take are refused in
//! `refusals` (naming the file and the size, or resized on request); colour networks
//! are equivariant to float precision in `colour`.

use aen_core::data::{self, BaseData, DatasetKind, Images, idx};
use std::io::Write;
use std::path::Path;

mod colour;
mod refusals;

/// A labelled set: `n` images of side x side x channels, stored channel by channel.
struct Set {
    side: usize,
    channels: usize,
    pixels: Vec<u8>,
    labels: Vec<u8>,
}

fn set(n: usize, side: usize, channels: usize, classes: u8, salt: usize) -> Set {
    let per = side * side * channels;
    Set {
        side,
        channels,
        pixels: (0..n * per)
            .map(|i| ((i * 37 + salt * 101 + i / per * 7) % 256) as u8)
            .collect(),
        labels: (0..n).map(|i| (i % classes as usize) as u8).collect(),
    }
}

impl Set {
    fn per(&self) -> usize {
        self.side * self.side * self.channels
    }
    /// Image `i` with its channels interleaved (H x W x C), as NumPy and PNG hold it.
    fn interleaved(&self, i: usize) -> Vec<u8> {
        let plane = self.side * self.side;
        let img = &self.pixels[i * self.per()..(i + 1) * self.per()];
        (0..plane)
            .flat_map(|p| (0..self.channels).map(move |c| img[c * plane + p]))
            .collect()
    }
    fn hwc(&self) -> Vec<u8> {
        (0..self.labels.len())
            .flat_map(|i| self.interleaved(i))
            .collect()
    }
}

/// The bytes of a .npy file (format 1.0), written by hand.
pub fn npy(descr: &str, shape: &[usize], data: &[u8]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let shape = match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    };
    let mut header =
        format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}").into_bytes();
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(b' ');
    }
    header.push(b'\n');
    let mut b = b"\x93NUMPY\x01\x00".to_vec();
    b.extend((header.len() as u16).to_le_bytes());
    b.extend(header);
    b.extend(data);
    b
}

/// The four arrays of Keras' layout: uint8 images N x H x W (x C), int64 labels.
fn arrays(train: &Set, test: &Set) -> Vec<(&'static str, Vec<u8>)> {
    let shape = |s: &Set| match s.channels {
        1 => vec![s.labels.len(), s.side, s.side],
        c => vec![s.labels.len(), s.side, s.side, c],
    };
    let labels = |s: &Set| -> Vec<u8> {
        (s.labels.iter())
            .flat_map(|&l| (l as i64).to_le_bytes())
            .collect()
    };
    vec![
        ("x_train", npy("|u1", &shape(train), &train.hwc())),
        ("y_train", npy("<i8", &[train.labels.len()], &labels(train))),
        ("x_test", npy("|u1", &shape(test), &test.hwc())),
        ("y_test", npy("<i8", &[test.labels.len()], &labels(test))),
    ]
}

fn write_npy_dir(dir: &Path, train: &Set, test: &Set) {
    std::fs::create_dir_all(dir).unwrap();
    for (name, bytes) in arrays(train, test) {
        std::fs::write(dir.join(format!("{name}.npy")), bytes).unwrap();
    }
}

fn write_npz(path: &Path, train: &Set, test: &Set) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let opts =
        zip::write::FileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in arrays(train, test) {
        z.start_file(format!("{name}.npy"), opts).unwrap();
        z.write_all(&bytes).unwrap();
    }
    z.finish().unwrap();
}

fn write_idx(dir: &Path, train: &Set, test: &Set) {
    std::fs::create_dir_all(dir).unwrap();
    for (stem, s) in [("train", train), ("t10k", test)] {
        let images = Images {
            count: s.labels.len(),
            rows: s.side,
            cols: s.side,
            channels: 1,
            pixels: s.pixels.clone(),
        };
        let path = |kind: &str| {
            dir.join(format!(
                "{stem}-{kind}-idx{}-ubyte",
                1 + 2 * (kind == "images") as u8
            ))
        };
        std::fs::write(path("images"), idx::encode_images(&images)).unwrap();
        std::fs::write(path("labels"), idx::encode_labels(&s.labels)).unwrap();
    }
}

fn write_cifar(dir: &Path, train: &Set, test: &Set) {
    std::fs::create_dir_all(dir).unwrap();
    let records = |s: &Set| -> Vec<u8> {
        (0..s.labels.len())
            .flat_map(|i| {
                std::iter::once(s.labels[i])
                    .chain(s.pixels[i * s.per()..(i + 1) * s.per()].iter().copied())
            })
            .collect()
    };
    // Two training batches: every batch present is read, in order.
    let all = records(train);
    let half = (train.labels.len() / 2) * (1 + train.per());
    std::fs::write(dir.join("data_batch_1.bin"), &all[..half]).unwrap();
    std::fs::write(dir.join("data_batch_2.bin"), &all[half..]).unwrap();
    std::fs::write(dir.join("test_batch.bin"), records(test)).unwrap();
}

/// train/<class>/*.png and test/<class>/*.png, classes named so that sorting them
/// gives the label order.
fn write_folder(dir: &Path, train: &Set, test: &Set, ext: &str) {
    for (split, s) in [("train", train), ("test", test)] {
        for i in 0..s.labels.len() {
            let class = dir.join(split).join(format!("class{}", s.labels[i]));
            std::fs::create_dir_all(&class).unwrap();
            let path = class.join(format!("{i:05}.{ext}"));
            let (w, px) = (s.side as u32, s.interleaved(i));
            match s.channels {
                1 => image::GrayImage::from_raw(w, w, px)
                    .unwrap()
                    .save(&path)
                    .unwrap(),
                _ => image::RgbImage::from_raw(w, w, px)
                    .unwrap()
                    .save(&path)
                    .unwrap(),
            }
        }
    }
}

fn open(dir: &Path) -> Result<BaseData, String> {
    data::open(DatasetKind::Files, Some(dir), None)
        .and_then(|b| b.prepared(None))
        .map_err(|e| e.to_string())
}

/// The pixels and labels of a loaded split, in file order.
fn same(got: &data::Labeled, want: &Set, what: &str) {
    let im = &got.images;
    assert_eq!(
        (im.rows, im.cols, im.channels),
        (want.side, want.side, want.channels),
        "{what}"
    );
    assert_eq!(got.labels, want.labels, "{what}: labels");
    assert!(im.pixels == want.pixels, "{what}: pixels differ");
}

/// The image folder reads classes in sorted order and files sorted within each:
/// the set as it reads back.
fn by_class(s: &Set) -> Set {
    let mut order: Vec<usize> = (0..s.labels.len()).collect();
    order.sort_by_key(|&i| (s.labels[i], i));
    Set {
        side: s.side,
        channels: s.channels,
        pixels: order
            .iter()
            .flat_map(|&i| s.pixels[i * s.per()..(i + 1) * s.per()].to_vec())
            .collect(),
        labels: order.iter().map(|&i| s.labels[i]).collect(),
    }
}

#[test]
fn every_format_reads_back_the_same_pixels_and_labels_grey_and_colour() {
    let t = tempfile::tempdir().unwrap();
    let (grey, grey_test) = (set(30, 8, 1, 3, 1), set(12, 8, 1, 3, 2));
    let (rgb, rgb_test) = (set(30, 8, 3, 4, 3), set(12, 8, 3, 4, 4));
    write_idx(&t.path().join("idx"), &grey, &grey_test);
    write_npy_dir(&t.path().join("npy"), &grey, &grey_test);
    write_npz(&t.path().join("npz/set.npz"), &rgb, &rgb_test);
    write_npy_dir(&t.path().join("npy3"), &rgb, &rgb_test);
    write_folder(&t.path().join("png"), &grey, &grey_test, "png");
    write_folder(&t.path().join("png3"), &rgb, &rgb_test, "png");
    let cases: [(&str, &str, &Set, &Set, usize); 6] = [
        ("idx", "IDX", &grey, &grey_test, 3),
        ("npy", "NumPy .npy files", &grey, &grey_test, 3),
        ("npz", "NumPy .npz", &rgb, &rgb_test, 4),
        ("npy3", "NumPy .npy files", &rgb, &rgb_test, 4),
        (
            "png",
            "image folder",
            &by_class(&grey),
            &by_class(&grey_test),
            3,
        ),
        (
            "png3",
            "image folder",
            &by_class(&rgb),
            &by_class(&rgb_test),
            4,
        ),
    ];
    for (name, format, train, test, classes) in cases {
        let dir = t.path().join(name);
        assert_eq!(data::custom::detect(&dir).unwrap().name(), format, "{name}");
        let b = open(&dir).unwrap_or_else(|e| panic!("{name}: {e}"));
        same(&b.train, train, name);
        same(b.test.as_ref().unwrap(), test, name);
        assert_eq!(b.classes.len(), classes, "{name}");
        // The set's shape, read from one header or image, is the loaded one.
        let (r, c, ch) = data::custom::peek(&dir).unwrap();
        assert_eq!((r, c, ch), (8, 8, train.channels), "{name}");
    }
    // Image folders name their classes after their folders.
    let b = open(&t.path().join("png3")).unwrap();
    assert_eq!(b.classes, ["class0", "class1", "class2", "class3"]);
}

#[test]
fn cifar_batches_and_float_arrays_read_back_exactly() {
    let t = tempfile::tempdir().unwrap();
    let (train, test) = (set(6, 32, 3, 10, 5), set(3, 32, 3, 10, 6));
    // In the archive's own sub-folder, as it unpacks.
    write_cifar(&t.path().join("c/cifar-10-batches-bin"), &train, &test);
    let b = open(&t.path().join("c")).unwrap();
    same(&b.train, &train, "cifar");
    same(b.test.as_ref().unwrap(), &test, "cifar");
    assert_eq!(b.classes[0], "airplane");
    // Float images in [0, 1] are the bytes they were made from (k / 255).
    let (g, gt) = (set(10, 6, 1, 2, 7), set(4, 6, 1, 2, 8));
    let dir = t.path().join("f");
    write_npy_dir(&dir, &g, &gt);
    let floats: Vec<u8> = g
        .pixels
        .iter()
        .flat_map(|&p| (p as f32 / 255.0).to_le_bytes())
        .collect();
    std::fs::write(dir.join("x_train.npy"), npy("<f4", &[10, 6, 6], &floats)).unwrap();
    same(&open(&dir).unwrap().train, &g, "float32");
    let bad: Vec<u8> = [0.5f32, 2.0]
        .repeat(180)
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    std::fs::write(dir.join("x_train.npy"), npy("<f4", &[10, 6, 6], &bad)).unwrap();
    let e = open(&dir).unwrap_err();
    assert!(
        e.contains("x_train.npy") && e.contains("value 2 at element 1") && e.contains("[0, 1]"),
        "{e}"
    );
}
