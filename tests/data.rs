//! IDX parsing and data sources: every malformed file is an error naming the file and
//! the fault; the embedded sets load; a data dir is found in the right precedence.

use crate::common;

use common::write_set;

use aen_core::data::{self, DatasetKind, Images, SourceKind, idx};
use flate2::write::GzEncoder;
use std::io::Write;
use std::path::Path;

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn images(count: usize) -> Images {
    Images {
        count,
        rows: 28,
        cols: 28,
        channels: 1,
        pixels: (0..count * 784).map(|i| (i % 251) as u8).collect(),
    }
}

fn parse_err(name: &str, bytes: Vec<u8>, want: &str) {
    let p = Path::new(name);
    let e = idx::images_from(p, &bytes[..], None)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(name) && e.contains(want),
        "`{e}` should name {name} and say `{want}`"
    );
}

#[test]
fn malformed_image_files_are_errors_naming_file_and_fault() {
    let good = idx::encode_images(&images(3));
    let mut wrong_magic = good.clone();
    wrong_magic[3] = 0x01;
    parse_err("a.idx", wrong_magic, "wrong magic number 0x00000801");
    let mut claims_more = good.clone();
    claims_more[7] = 9;
    parse_err("b.idx", claims_more, "header claims 9 images");
    parse_err("c.idx", good[..good.len() - 100].to_vec(), "truncated");
    parse_err("d.idx", good[..10].to_vec(), "truncated header");
    parse_err(
        "e.gz",
        b"this is not gzip at all".to_vec(),
        "not valid gzip data",
    );
    let zipped = gz(&good);
    parse_err(
        "f.gz",
        zipped[..zipped.len() / 2].to_vec(),
        "not valid gzip data",
    );
    parse_err("g.idx", Vec::new(), "empty (0 bytes)");
    let mut extra = good.clone();
    extra.extend_from_slice(&[1, 2, 3]);
    parse_err(
        "h.idx",
        extra,
        "more data than the header's 3 images: 3 unexpected trailing bytes",
    );
}

#[test]
fn label_files_are_validated_too() {
    let p = Path::new("l.idx");
    let mut bad = idx::encode_labels(&[1, 2, 3]);
    bad[10] = 12;
    assert!(
        idx::labels_from(p, &bad[..])
            .unwrap_err()
            .to_string()
            .contains("label 12 at index 2")
    );
    assert!(
        idx::labels_from(p, &idx::encode_images(&images(1))[..])
            .unwrap_err()
            .to_string()
            .contains("wrong magic")
    );
}

#[test]
fn image_and_label_counts_must_agree() {
    let dir = tempfile::tempdir().unwrap();
    write_set(dir.path(), 20, 10);
    std::fs::write(
        dir.path().join("t10k-labels-idx1-ubyte"),
        idx::encode_labels(&[0; 9]),
    )
    .unwrap();
    let src = data::resolve_source(DatasetKind::Mnist, Some(dir.path()), None).unwrap();
    let e = data::load(DatasetKind::Mnist, &src)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("t10k-labels-idx1-ubyte")
            && e.contains("9 labels but")
            && e.contains("holds 10 images"),
        "{e}"
    );
}

#[test]
fn the_embedded_sets_hold_10000_balanced_real_images() {
    for kind in [DatasetKind::Mnist, DatasetKind::FashionMnist] {
        let b = data::open(kind, None, Some(SourceKind::Embedded)).unwrap();
        assert_eq!(b.train.len(), 10_000);
        assert!(b.test.is_none());
        assert_eq!((b.train.images.rows, b.train.images.cols), (28, 28));
        let mut counts = [0usize; 10];
        for &l in &b.train.labels {
            counts[l as usize] += 1;
        }
        assert!(counts.iter().all(|&c| c > 800), "{kind}: {counts:?}");
        // Real images: mostly dark background with bright strokes.
        let mean = b.train.images.pixels.iter().map(|&p| p as f64).sum::<f64>()
            / b.train.images.pixels.len() as f64;
        assert!((15.0..100.0).contains(&mean), "{kind}: mean pixel {mean}");
    }
}

#[test]
fn a_data_dir_takes_precedence_and_must_hold_the_files() {
    let dir = tempfile::tempdir().unwrap();
    write_set(&dir.path().join("mnist"), 30, 10);
    let src = data::resolve_source(DatasetKind::Mnist, Some(dir.path()), None).unwrap();
    assert_eq!(src.kind, SourceKind::DataDir);
    let b = data::load(DatasetKind::Mnist, &src).unwrap();
    assert_eq!((b.train.len(), b.test.as_ref().unwrap().len()), (30, 10));
    let empty = tempfile::tempdir().unwrap();
    let e = data::resolve_source(DatasetKind::Mnist, Some(empty.path()), None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("no MNIST files here"), "{e}");
    // Asking for the embedded copy ignores the data dir.
    assert_eq!(
        data::resolve_source(
            DatasetKind::Mnist,
            Some(empty.path()),
            Some(SourceKind::Embedded)
        )
        .unwrap()
        .kind,
        SourceKind::Embedded
    );
}
