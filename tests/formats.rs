//! Your data in: a data set written as IDX, .npy files, an .npz, CIFAR-10 batches and an
//! image folder (grey and colour) loads, detected by content, to the same pixels and
//! labels in every format; shapes the networks cannot take are refused naming the file
//! and the size (or resized on request); colour networks are equivariant to float
//! precision.

use aen_core::data::{self, BaseData, DatasetKind, Images, idx};
use aen_core::groups::GroupSet;
use aen_core::kernel::Mlp;
use aen_core::orbits::{ChildOrbits, HIDDEN_SIDE, Shape};
use rand::SeedableRng;
use std::io::Write;
use std::path::Path;

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

#[test]
fn shapes_the_networks_cannot_take_are_named_or_resized_on_request() {
    let t = tempfile::tempdir().unwrap();
    // An odd side: named with the file and its size.
    let dir = t.path().join("odd");
    write_npy_dir(&dir, &set(10, 9, 1, 2, 1), &set(4, 9, 1, 2, 2));
    let e = open(&dir).unwrap_err();
    assert!(
        e.contains("x_train.npy") && e.contains("9x9") && e.contains("--resize"),
        "{e}"
    );
    // --resize makes them square and even, and says from what.
    let b = data::open(DatasetKind::Files, Some(&dir), None)
        .unwrap()
        .prepared(Some(8))
        .unwrap();
    assert_eq!(
        (
            b.train.images.rows,
            b.train.images.cols,
            b.train.images.pixels.len()
        ),
        (8, 8, 640)
    );
    assert_eq!(b.resized_from, Some((9, 9)));
    assert!(
        b.describe().contains("resized from 9x9"),
        "{}",
        b.describe()
    );
    // Images of two sizes in one folder: both files named.
    let dir = t.path().join("mixed");
    write_folder(&dir, &set(4, 8, 1, 2, 1), &set(2, 8, 1, 2, 2), "png");
    let odd = dir.join("train/class1/zz.png");
    image::GrayImage::new(6, 8).save(&odd).unwrap();
    let e = open(&dir).unwrap_err();
    assert!(
        e.contains("zz.png") && e.contains("8x6") && e.contains("00000.png"),
        "{e}"
    );
    // Not square.
    std::fs::remove_dir_all(dir.join("train/class0")).unwrap();
    std::fs::remove_file(dir.join("train/class1/00001.png")).unwrap();
    std::fs::remove_file(dir.join("train/class1/00003.png")).unwrap();
    std::fs::remove_dir_all(dir.join("test")).unwrap();
    std::fs::create_dir_all(dir.join("test/class1")).unwrap();
    image::GrayImage::new(6, 8)
        .save(dir.join("test/class1/a.png"))
        .unwrap();
    let e = open(&dir).unwrap_err();
    assert!(e.contains("zz.png") && e.contains("images are 8x6"), "{e}");
    // A test class the training split lacks.
    std::fs::create_dir_all(dir.join("test/other")).unwrap();
    image::GrayImage::new(6, 8)
        .save(dir.join("test/other/b.png"))
        .unwrap();
    assert!(
        open(&dir)
            .unwrap_err()
            .contains("class `other` is not among the training classes")
    );
}

#[test]
fn broken_files_are_named_with_what_is_wrong() {
    let t = tempfile::tempdir().unwrap();
    let (train, test) = (set(6, 8, 1, 2, 1), set(2, 8, 1, 2, 2));
    // An .npz without one of the four arrays.
    let path = t.path().join("z/set.npz");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut z = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    for (name, bytes) in arrays(&train, &test)
        .into_iter()
        .filter(|(n, _)| *n != "y_test")
    {
        z.start_file(format!("{name}.npy"), Default::default())
            .unwrap();
        z.write_all(&bytes).unwrap();
    }
    z.finish().unwrap();
    let e = open(path.parent().unwrap()).unwrap_err();
    assert!(
        e.contains("set.npz") && e.contains("no array `y_test`"),
        "{e}"
    );
    // Labels and images that disagree in number.
    let dir = t.path().join("n");
    write_npy_dir(&dir, &train, &test);
    std::fs::write(dir.join("y_train.npy"), npy("|u1", &[5], &[0, 1, 0, 1, 0])).unwrap();
    let e = open(&dir).unwrap_err();
    assert!(
        e.contains("y_train.npy") && e.contains("5 labels for the 6 images"),
        "{e}"
    );
    // A truncated array.
    let full = npy("|u1", &[6, 8, 8], &train.pixels);
    std::fs::write(dir.join("x_train.npy"), &full[..full.len() - 10]).unwrap();
    let e = open(&dir).unwrap_err();
    assert!(e.contains("x_train.npy"), "{e}");
    // A CIFAR batch that is not whole records.
    let dir = t.path().join("c");
    write_cifar(&dir, &set(2, 32, 3, 10, 1), &set(1, 32, 3, 10, 2));
    let f = dir.join("test_batch.bin");
    let mut b = std::fs::read(&f).unwrap();
    b.pop();
    std::fs::write(&f, b).unwrap();
    let e = open(&dir).unwrap_err();
    assert!(
        e.contains("test_batch.bin")
            && e.contains("3072 bytes is not a whole number of 3073-byte records"),
        "{e}"
    );
    // A folder holding nothing aen reads.
    let e = open(t.path().join("empty").as_path()).unwrap_err();
    assert!(e.contains("empty"), "{e}");
    std::fs::create_dir_all(t.path().join("nothing")).unwrap();
    let e = open(&t.path().join("nothing")).unwrap_err();
    assert!(
        e.contains("no data set found") && e.contains("image folder"),
        "{e}"
    );
}

/// max |h(g x) - g h(x)| / max |h(x)| of the tied layers of a random colour network.
#[test]
fn colour_networks_are_equivariant_to_float_precision_and_tie_each_channel_alike() {
    let shape = Shape {
        side: 16,
        channels: 3,
        classes: 5,
    };
    let groups = GroupSet::parse("rot90,hflip,htrans,sc1").unwrap();
    let grey = ChildOrbits::for_shape(
        Shape {
            channels: 1,
            ..shape
        },
        groups,
        4,
    )
    .unwrap();
    let o = ChildOrbits::for_shape(shape, groups, 4).unwrap();
    assert_eq!(o.l1.n_weight, 3 * grey.l1.n_weight);
    assert_eq!(
        (o.l1.n_hidden, o.l2.n_weight),
        (grey.l1.n_hidden, grey.l2.n_weight)
    );
    assert_eq!(o.params(), grey.params() + 2 * grey.l1.n_weight);
    let net = aen_core::train::cpu::child_mlp(&o);
    assert_eq!(net.n_params(), o.params());
    assert_eq!((net.inputs(), net.outputs()), (768, 5));
    let params = net.init(&mut rand_chacha::ChaCha8Rng::seed_from_u64(3));
    let tied = Mlp::new(net.layers()[..2].to_vec());
    let tp = &params[..net.layers()[1].ranges().1.end];
    let n = 20;
    let x: Vec<f32> = (0..n * 768)
        .map(|i| ((i * 7919) % 1000) as f32 / 500.0 - 1.0)
        .collect();
    let h = tied.predict(tp, &x, n);
    let scale = h.iter().fold(0f32, |a, v| a.max(v.abs()));
    assert!(scale > 0.0);
    for g in groups.iter() {
        let (gi, gh) = (
            g.generator(16, 4).unwrap(),
            g.generator(HIDDEN_SIDE, 4).unwrap(),
        );
        let permute = |v: &[f32], p: &aen_core::groups::Perm| -> Vec<f32> {
            let mut out = vec![0.0; v.len()];
            for (s, d) in v.chunks(p.len()).zip(out.chunks_mut(p.len())) {
                p.apply(s, d);
            }
            out
        };
        let hg = tied.predict(tp, &permute(&x, &gi), n);
        let want = permute(&h, &gh);
        let err = hg
            .iter()
            .zip(&want)
            .fold(0f32, |a, (p, q)| a.max((p - q).abs()));
        assert!(err / scale < 1e-5, "{}: {}", g.name(), err / scale);
    }
}

#[test]
fn a_colour_set_is_searched_exported_and_evaluated_from_the_command_line() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("data");
    write_npz(
        &dir.join("set.npz"),
        &set(200, 8, 3, 3, 1),
        &set(60, 8, 3, 3, 2),
    );
    let d = dir.to_str().unwrap();
    let o = crate::common::aen_in(
        &["data", "list", "--dataset", "files", "--data-dir", d],
        home.path(),
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("NumPy .npz, train 200 / test 60, 8x8 colour, 3 classes"),
        "{out}"
    );
    let common = [
        "--dataset",
        "files",
        "--data-dir",
        d,
        "--normalize",
        "dataset",
        "--train-size",
        "120",
        "--val-size",
        "40",
        "--test-size",
        "40",
        "--epochs",
        "1",
    ];
    let out_dir = home.path().join("out");
    let search = [
        &[
            "search",
            "--max-models",
            "3",
            "--out",
            out_dir.to_str().unwrap(),
            "--export-net",
            "--final-epochs",
            "1",
            "--final-train-size",
            "120",
            "--final-val-size",
            "40",
            "--final-test-size",
            "40",
        ][..],
        &common[..],
    ]
    .concat();
    let o = crate::common::aen_in(&search, home.path());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("your files (8x8 colour, 3 classes)"), "{err}");
    let net = out_dir.join("network");
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(net.join("model.json")).unwrap()).unwrap();
    assert_eq!(meta["layers"], serde_json::json!([192, 400, 400, 3]));
    assert_eq!(
        (meta["channels"].as_u64(), meta["input_side"].as_u64()),
        (Some(3), Some(8))
    );
    assert_eq!(meta["mean"].as_array().unwrap().len(), 3);
    let o = crate::common::aen_in(
        &[
            &["eval-net", net.to_str().unwrap(), "--json"][..],
            &common[..4],
        ]
        .concat(),
        home.path(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let eval: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(eval["images"], 60);
    for g in eval["groups"].as_array().unwrap() {
        assert!(g["hidden_error"].as_f64().unwrap() < 1e-5, "{g}");
    }
    // The NumPy loader predicts what aen predicts, from N x H x W x C pixels as they
    // are in the .npz, and from N x C x H x W.
    let csv = home.path().join("p.csv");
    let args = [
        &[
            "eval-net",
            net.to_str().unwrap(),
            "--predictions",
            csv.to_str().unwrap(),
        ][..],
        &common[..4],
    ]
    .concat();
    assert!(crate::common::aen_in(&args, home.path()).status.success());
    let ours: Vec<String> = (std::fs::read_to_string(&csv).unwrap().lines().skip(1))
        .map(|l| l.rsplit(',').next().unwrap().to_string())
        .collect();
    assert_eq!(ours.len(), 60);
    if !crate::network::python_has("numpy") {
        assert!(
            std::env::var_os("AEN_REQUIRE_NUMPY").is_none(),
            "NumPy is required"
        );
        eprintln!("NumPy loader part skipped: numpy is not installed");
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("python");
    let code = format!(
        "import sys, numpy as np; sys.path.insert(0, {script:?}); import aen_model\n\
         n = aen_model.load({net:?}); x = np.load({npz:?})['x_test']\n\
         p = n.predict(x); assert (p == n.predict(x.transpose(0, 3, 1, 2))).all()\n\
         print('\\n'.join(str(int(v)) for v in p))",
        npz = dir.join("set.npz"),
    );
    let o = std::process::Command::new("python3")
        .args(["-c", &code])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let theirs: Vec<String> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(theirs, ours, "NumPy's predictions are aen's");
    if crate::network::python_has("torch") {
        let torch = format!(
            "import sys, numpy as np, torch; sys.path.insert(0, {script:?}); import aen_model\n\
             n = aen_model.load({net:?}); x = np.load({npz:?})['x_test']\n\
             t = n.to_torch()(torch.from_numpy(n.inputs(x))).argmax(1).numpy()\n\
             assert (t == n.predict(x)).all()",
            npz = dir.join("set.npz"),
        );
        let o = std::process::Command::new("python3")
            .args(["-c", &torch])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    } else {
        eprintln!("PyTorch part skipped: torch is not installed");
    }
    // Data of other classes is refused, not scored against the wrong labels.
    let other = home.path().join("other");
    write_folder(&other, &set(6, 8, 3, 3, 1), &set(3, 8, 3, 3, 2), "png");
    let o = crate::common::aen_in(
        &[
            "eval-net",
            net.to_str().unwrap(),
            "--dataset",
            "files",
            "--data-dir",
            other.to_str().unwrap(),
        ],
        home.path(),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("are not the network's"),
        "{err}"
    );
}

#[test]
fn ambiguous_partial_huge_and_damaged_inputs_are_refused_naming_the_file() {
    let t = tempfile::tempdir().unwrap();
    let (train, test) = (set(20, 8, 1, 2, 1), set(6, 8, 1, 2, 2));
    // A header claiming a trillion images: refused at once, nothing allocated for it.
    let dir = t.path().join("huge");
    write_npy_dir(&dir, &train, &test);
    let lie = npy("|u1", &[1_000_000_000_000, 8, 8], &[0; 1000]);
    std::fs::write(dir.join("x_train.npy"), lie).unwrap();
    let e = open(&dir).unwrap_err();
    assert!(
        e.contains("x_train.npy") && e.contains("claims shape [1000000000000, 8, 8]"),
        "{e}"
    );
    // One bit flipped inside an .npz: its CRC refuses it.
    let dir = t.path().join("crc");
    write_npz(&dir.join("set.npz"), &train, &test);
    let mut z = std::fs::read(dir.join("set.npz")).unwrap();
    let stored: Vec<u8> = {
        // Stored (not deflated) so the flip lands in pixel bytes, not in the stream.
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, bytes) in arrays(&train, &test) {
            let o = zip::write::FileOptions::default()
                .compression_method(zip::CompressionMethod::Stored);
            w.start_file(format!("{name}.npy"), o).unwrap();
            w.write_all(&bytes).unwrap();
        }
        w.finish().unwrap().into_inner()
    };
    z.clone_from(&stored);
    z[300] ^= 0x40;
    std::fs::write(dir.join("set.npz"), &z).unwrap();
    let e = open(&dir).unwrap_err();
    assert!(e.contains("x_train.npy") && e.contains("damaged"), "{e}");
    // Two candidates: aen will not guess.
    let dir = t.path().join("two");
    write_npz(&dir.join("a.npz"), &train, &test);
    write_npz(&dir.join("b.npz"), &train, &test);
    assert!(
        open(&dir)
            .unwrap_err()
            .contains("holds 2 .npz files (a.npz, b.npz)")
    );
    std::fs::remove_file(dir.join("b.npz")).unwrap();
    write_npy_dir(&dir, &train, &test);
    assert!(
        open(&dir)
            .unwrap_err()
            .contains("holds both a.npz and .npy files")
    );
    // A set with a file missing names it.
    let dir = t.path().join("partial");
    write_npy_dir(&dir, &train, &test);
    std::fs::remove_file(dir.join("y_test.npy")).unwrap();
    assert!(open(&dir).unwrap_err().contains("but not y_test"));
    let dir = t.path().join("cifar");
    write_cifar(&dir, &set(2, 32, 3, 10, 1), &set(1, 32, 3, 10, 2));
    std::fs::remove_file(dir.join("test_batch.bin")).unwrap();
    let e = open(&dir).unwrap_err();
    assert!(e.contains("test_batch.bin"), "{e}");
    // Class names that are not a regular file are refused, never waited on.
    write_cifar(&dir, &set(2, 32, 3, 10, 1), &set(1, 32, 3, 10, 2));
    let fifo = dir.join("batches.meta.txt");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let e = open(&dir).unwrap_err();
    assert!(e.contains("batches.meta.txt"), "{e}");
}

#[test]
fn resize_makes_images_of_several_sizes_one_set_and_must_be_even() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("mixed");
    write_folder(&dir, &set(4, 8, 3, 2, 1), &set(2, 8, 3, 2, 2), "png");
    image::RgbImage::new(10, 6)
        .save(dir.join("train/class1/zz.png"))
        .unwrap();
    assert!(open(&dir).unwrap_err().contains("zz.png"));
    let resized = |n| {
        data::open_prepared(DatasetKind::Files, Some(&dir), None, Some(n))
            .map_err(|e| e.to_string())
    };
    let b = resized(12).unwrap();
    let im = &b.train.images;
    assert_eq!((im.count, im.rows, im.cols, im.channels), (5, 12, 12, 3));
    assert_eq!(b.resized_from, Some((8, 8)));
    assert!(
        resized(9)
            .unwrap_err()
            .contains("--resize 9: the side must be even")
    );
}
