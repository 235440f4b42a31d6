//! Bad data a hostile user tried, each refused with a message naming the file and the
//! fault, through the library and through the binary: images that are not 28x28,
//! absurd preview counts, gzip bombs, things that are not files where files should
//! be, and a data dir that does not exist. Multi-member gzip, which is valid, loads.

use crate::peak_alloc;

use aen_core::data::{self, DatasetKind, Images, SourceKind, idx};
use flate2::Compression;
use flate2::write::GzEncoder;
use peak_alloc::peak_during;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output};

fn aen(args: &[&str], home: &Path) -> Output {
    crate::common::aen()
        .args(args)
        .env("XDG_DATA_HOME", home)
        .env("XDG_CONFIG_HOME", home)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// Exit code 1 with `want` in stderr, and no panic.
fn fails_with(o: &Output, want: &str) -> String {
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains(want), "`{err}` should say `{want}`");
    err
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn images(count: usize, side: usize) -> Images {
    Images {
        count,
        rows: side,
        cols: side,
        channels: 1,
        pixels: (0..count * side * side).map(|i| (i % 251) as u8).collect(),
    }
}

fn labels(count: usize) -> Vec<u8> {
    (0..count).map(|i| (i % 10) as u8).collect()
}

/// A four-file set of `side`x`side` images, training images gzipped.
fn write_set(dir: &Path, n: usize, m: usize, side: usize) {
    std::fs::create_dir_all(dir).unwrap();
    let put = |name: &str, bytes: Vec<u8>| std::fs::write(dir.join(name), bytes).unwrap();
    put(
        "train-images-idx3-ubyte.gz",
        gz(&idx::encode_images(&images(n, side))),
    );
    put("train-labels-idx1-ubyte", idx::encode_labels(&labels(n)));
    put(
        "t10k-images-idx3-ubyte",
        idx::encode_images(&images(m, side)),
    );
    put("t10k-labels-idx1-ubyte", idx::encode_labels(&labels(m)));
}

fn train_args(dir: &Path) -> Vec<String> {
    [
        "train",
        "--data-dir",
        dir.to_str().unwrap(),
        "--train-size",
        "100",
        "--val-size",
        "50",
        "--test-size",
        "50",
        "--epochs",
        "1",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn run_train(dir: &Path, home: &Path) -> Output {
    let args = train_args(dir);
    aen(&args.iter().map(String::as_str).collect::<Vec<_>>(), home)
}

#[test]
fn images_that_are_not_28x28_are_refused_at_load_time_naming_file_and_size() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("small");
    write_set(&dir, 200, 60, 10);
    let e = data::open(DatasetKind::Mnist, Some(&dir), None)
        .unwrap_err()
        .to_string();
    assert!(
        e.ends_with("train-images-idx3-ubyte.gz: images are 10x10; aen's networks take 28x28"),
        "{e}"
    );

    let err = fails_with(
        &run_train(&dir, home.path()),
        "train-images-idx3-ubyte.gz: images are 10x10; aen's networks take 28x28",
    );
    assert_eq!(err.matches("10x10").count(), 1, "{err}");
    fails_with(
        &aen(
            &[
                "data",
                "preview",
                "--data-dir",
                dir.to_str().unwrap(),
                "--count",
                "2",
            ],
            home.path(),
        ),
        "images are 10x10; aen's networks take 28x28",
    );

    // 28x28 training images with 14x14 test images: the test file is named.
    let mixed = home.path().join("mixed");
    write_set(&mixed, 200, 60, 28);
    std::fs::write(
        mixed.join("t10k-images-idx3-ubyte"),
        idx::encode_images(&images(60, 14)),
    )
    .unwrap();
    fails_with(
        &run_train(&mixed, home.path()),
        "t10k-images-idx3-ubyte: images are 14x14",
    );
    // And a good 28x28 set trains.
    let good = home.path().join("good");
    write_set(&good, 200, 60, 28);
    let o = run_train(&good, home.path());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn preview_counts_outside_the_images_available_are_errors_not_aborts() {
    let home = tempfile::tempdir().unwrap();
    for count in ["18446744073709551615", "1000000000000", "10001", "0"] {
        let o = aen(
            &["data", "preview", "--source", "embedded", "--count", count],
            home.path(),
        );
        fails_with(
            &o,
            &format!("cannot show {count} sample images: choose a count from 1 to 10000"),
        );
    }
    let o = aen(
        &["data", "preview", "--source", "embedded", "--count", "3"],
        home.path(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn preview_samples_checks_the_count_before_allocating() {
    let base = data::open(DatasetKind::Mnist, None, Some(SourceKind::Embedded)).unwrap();
    let g = aen_core::groups::GroupSet::EMPTY;
    let (r, peak) = peak_during(|| aen_core::gdata::preview_samples(&base, g, 4, 1, usize::MAX));
    assert!(r.is_err());
    assert!(peak < 1 << 20, "held {peak} bytes");
    assert_eq!(
        aen_core::gdata::preview_samples(&base, g, 4, 1, 10_000)
            .unwrap()
            .len(),
        10_000
    );
}

/// A valid one-image IDX header followed by `zeros` zero bytes, gzip-compressed as it
/// is generated, into `path`: about 1 MB of file per GB of content.
fn write_bomb(path: &Path, zeros: u64) {
    let f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut e = GzEncoder::new(f, Compression::default());
    e.write_all(&idx::encode_images(&images(1, 28))).unwrap();
    let chunk = vec![0u8; 1 << 20];
    let mut left = zeros;
    while left > 0 {
        let n = left.min(chunk.len() as u64) as usize;
        e.write_all(&chunk[..n]).unwrap();
        left -= n as u64;
    }
    e.finish().unwrap().flush().unwrap();
}

#[test]
fn a_gzip_bomb_fails_fast_in_little_memory() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("bomb");
    write_set(&dir, 200, 60, 28);
    let bomb = dir.join("train-images-idx3-ubyte.gz");
    write_bomb(&bomb, 1_100_000_000);
    let size = std::fs::metadata(&bomb).unwrap().len();
    assert!(size < 6_000_000, "the bomb is small: {size} bytes");

    let (r, peak) = peak_during(|| idx::read_images(&bomb, Some((28, 28))));
    let e = r.unwrap_err().to_string();
    assert!(
        e.contains("train-images-idx3-ubyte.gz: more data than the header's 1 image"),
        "{e}"
    );
    assert!(
        !e.contains("unexpected trailing bytes"),
        "no count it cannot know: {e}"
    );
    assert!(peak < 4 << 20, "held {peak} bytes for a 784-byte image");

    fails_with(
        &run_train(&dir, home.path()),
        "more data than the header's 1 image",
    );
}

#[test]
fn a_header_that_lies_about_its_size_costs_only_the_data_present() {
    let mut lying = idx::encode_images(&images(2, 28));
    // 2^31 / 784 images claimed, two present.
    lying[4..8].copy_from_slice(&2_739_000u32.to_be_bytes());
    for (name, bytes) in [("lie.idx", lying.clone()), ("lie.gz", gz(&lying))] {
        let (r, peak) = peak_during(|| idx::images_from(Path::new(name), &bytes[..], None));
        let e = r.unwrap_err().to_string();
        assert!(e.contains("truncated: header claims 2739000 images"), "{e}");
        assert!(peak < 1 << 20, "{name}: held {peak} bytes");
    }
}

#[test]
fn multi_member_gzip_is_accepted_and_integrity_is_still_checked() {
    let dir = tempfile::tempdir().unwrap();
    write_set(dir.path(), 200, 60, 28);
    let whole = idx::encode_images(&images(200, 28));
    let (a, b) = whole.split_at(5000);
    let cat = [gz(a), gz(b)].concat();
    let p = dir.path().join("train-images-idx3-ubyte.gz");
    std::fs::write(&p, &cat).unwrap();
    if let Ok(st) = Command::new("gzip").arg("-t").arg(&p).status() {
        assert!(st.success(), "gzip -t accepts the concatenation");
    }
    let base = data::open(DatasetKind::Mnist, Some(dir.path()), None).unwrap();
    assert_eq!(base.train.images, images(200, 28));

    // A flipped CRC in either member is still caught.
    for at in [gz(a).len() - 6, cat.len() - 6] {
        let mut bad = cat.clone();
        bad[at] ^= 0x40;
        let e = idx::images_from(&p, &bad[..], None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("not valid gzip data"), "{e}");
    }
    // Garbage after the last member is refused, not ignored.
    let mut tail = cat.clone();
    tail.extend_from_slice(b"junk!");
    let e = idx::images_from(&p, &tail[..], None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("not valid gzip data"), "{e}");
}

#[test]
fn entries_that_are_not_files_are_named_with_what_is_wrong() {
    let home = tempfile::tempdir().unwrap();
    type Make = fn(&Path);
    let cases: [(&str, Make, &str); 3] = [
        (
            "dir",
            |p| std::fs::create_dir(p).unwrap(),
            "is a directory, not a file",
        ),
        (
            "loop",
            |p| std::os::unix::fs::symlink(p, p).unwrap(),
            "is a symbolic link loop",
        ),
        (
            "dangling",
            |p| std::os::unix::fs::symlink(p.with_extension("gone"), p).unwrap(),
            "is a dangling symbolic link",
        ),
    ];
    for (name, make, want) in cases {
        let dir = home.path().join(name);
        write_set(&dir, 200, 60, 28);
        let file = dir.join("t10k-labels-idx1-ubyte");
        std::fs::remove_file(&file).unwrap();
        make(&file);
        let e = data::resolve_source(DatasetKind::Mnist, Some(&dir), None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(&format!("{}: {want}", file.display())),
            "{name}: {e}"
        );
        let err = fails_with(&run_train(&dir, home.path()), want);
        assert!(err.contains("t10k-labels-idx1-ubyte"), "{err}");
        assert_eq!(err.matches(want).count(), 1, "said once: {err}");
        assert!(!err.contains("no MNIST files here"), "{err}");
    }

    // The raw file is fine when the .gz beside it is a directory.
    let dir = home.path().join("both");
    write_set(&dir, 200, 60, 28);
    std::fs::create_dir(dir.join("t10k-labels-idx1-ubyte.gz")).unwrap();
    assert!(data::open(DatasetKind::Mnist, Some(&dir), None).is_ok());
}

#[test]
fn a_missing_or_partial_data_dir_is_told_as_such() {
    let home = tempfile::tempdir().unwrap();
    let nowhere = home.path().join("no-such-dir");
    let e = data::check_data_dir(&nowhere).unwrap_err().to_string();
    assert_eq!(e, format!("data dir {}: does not exist", nowhere.display()));
    fails_with(&run_train(&nowhere, home.path()), "does not exist");

    let file = home.path().join("a-file");
    std::fs::write(&file, b"").unwrap();
    let e = data::check_data_dir(&file).unwrap_err().to_string();
    assert!(e.ends_with("a-file: is not a directory"), "{e}");

    let link = home.path().join("link");
    std::os::unix::fs::symlink(&nowhere, &link).unwrap();
    let e = data::check_data_dir(&link).unwrap_err().to_string();
    assert!(e.contains("dangling symbolic link"), "{e}");

    let partial = home.path().join("partial");
    write_set(&partial, 200, 60, 28);
    std::fs::remove_file(partial.join("t10k-images-idx3-ubyte")).unwrap();
    let e = data::resolve_source(DatasetKind::Mnist, Some(&partial), None)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("the MNIST set is incomplete: no t10k-images-idx3-ubyte (raw or .gz)"),
        "{e}"
    );
    assert!(data::check_data_dir(&partial).is_ok());
}

#[test]
fn a_fifo_in_place_of_an_idx_file_does_not_hang() {
    let dir = tempfile::tempdir().unwrap();
    write_set(dir.path(), 200, 60, 28);
    let file = dir.path().join("train-labels-idx1-ubyte");
    std::fs::remove_file(&file).unwrap();
    let c = std::ffi::CString::new(file.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let e = data::open(DatasetKind::Mnist, Some(dir.path()), None)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("is a FIFO (named pipe), not a regular file"),
        "{e}"
    );
    // Even handed straight to the reader, it is refused without blocking.
    let e = idx::read_labels(&file).unwrap_err().to_string();
    assert!(e.contains("FIFO"), "{e}");
}
