//! Inputs the networks cannot take: wrong shapes named or resized on request, broken,
//! ambiguous, partial, huge and damaged files refused naming the file.

use super::{arrays, npy, open, set, write_cifar, write_folder, write_npy_dir, write_npz};
use aen_core::data::{self, DatasetKind};
use std::io::Write;

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
