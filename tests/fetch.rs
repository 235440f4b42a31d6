//! `aen data fetch` against HTTP servers on 127.0.0.1: a mirror that refuses, one that
//! serves a corrupt file, one that breaks off, CIFAR-10's archive, and one that succeeds.
//! Slow, silent and endless mirrors are in `stalls`.

use crate::common;

use aen_core::data::fetch::{self, FetchEvent, FetchLimits, Manifest};
use aen_core::data::{self, DatasetKind, Images, Source, SourceKind, idx};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

mod stalls;

/// Serves `files` under /good/, 404 under /refuse/, wrong bytes under /corrupt/, a
/// response cut short under /short/, and the files marked `Content-Encoding: gzip`
/// (as some object stores mark .gz files) under /encoded/. Handles at most `max`
/// connections, then stops.
fn serve(files: HashMap<String, Vec<u8>>, max: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let files = Arc::new(files);
    std::thread::spawn(move || {
        for stream in listener.incoming().take(max) {
            let Ok(mut s) = stream else { continue };
            s.set_read_timeout(Some(Duration::from_secs(5))).ok();
            let mut buf = [0u8; 4096];
            let n = s.read(&mut buf).unwrap_or(0);
            let req = String::from_utf8_lossy(&buf[..n]).to_string();
            let path = req.split_whitespace().nth(1).unwrap_or("/").to_string();
            let (dir, name) = path
                .trim_start_matches('/')
                .split_once('/')
                .unwrap_or(("", ""));
            let body = files.get(name).cloned();
            let reply = match (dir, body) {
                ("good", Some(b)) => [
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        b.len()
                    )
                    .into_bytes(),
                    b,
                ]
                .concat(),
                ("encoded", Some(b)) => [
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nContent-Encoding: gzip\r\nConnection: close\r\n\r\n",
                        b.len()
                    )
                    .into_bytes(),
                    b,
                ]
                .concat(),
                ("corrupt", Some(mut b)) => {
                    let mid = b.len() / 2;
                    b[mid] ^= 0xff;
                    [
                        format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            b.len()
                        )
                        .into_bytes(),
                        b,
                    ]
                    .concat()
                }
                ("short", Some(b)) => [
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        b.len()
                    )
                    .into_bytes(),
                    b[..b.len() / 3].to_vec(),
                ]
                .concat(),
                _ => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .to_vec(),
            };
            let _ = s.write_all(&reply);
        }
    });
    format!("http://{addr}")
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// A small valid data set as the four gzip files, with their SHA-256.
fn small_set() -> (HashMap<String, Vec<u8>>, Manifest) {
    let imgs = |n: usize| Images {
        count: n,
        rows: 28,
        cols: 28,
        channels: 1,
        pixels: (0..n * 784).map(|i| (i % 256) as u8).collect(),
    };
    let labs = |n: usize| (0..n).map(|i| (i % 10) as u8).collect::<Vec<_>>();
    let bodies = [
        gz(&idx::encode_images(&imgs(40))),
        gz(&idx::encode_labels(&labs(40))),
        gz(&idx::encode_images(&imgs(20))),
        gz(&idx::encode_labels(&labs(20))),
    ];
    let mut files = HashMap::new();
    let mut entries = Vec::new();
    for (name, body) in fetch::FILE_NAMES.iter().zip(bodies) {
        let sum: String = Sha256::digest(&body)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        entries.push((name.to_string(), sum));
        files.insert(name.to_string(), body);
    }
    (
        files,
        Manifest {
            files: entries,
            mirrors: vec![],
            limits: FetchLimits::default(),
        },
    )
}

#[test]
fn a_refusing_and_a_corrupt_mirror_are_skipped_and_the_good_one_is_used() {
    let (files, mut manifest) = small_set();
    let base = serve(files, 40);
    manifest.mirrors = vec![
        format!("{base}/refuse/"),
        format!("{base}/corrupt/"),
        format!("{base}/short/"),
        format!("{base}/good/"),
    ];
    let dest = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    fetch::fetch(&manifest, dest.path(), &mut |e| {
        if let FetchEvent::MirrorFailed { url, reason, .. } = e {
            failures.push((url, reason));
        }
    })
    .unwrap();
    assert_eq!(
        failures.len(),
        12,
        "three bad mirrors for each of four files"
    );
    assert!(
        failures
            .iter()
            .any(|(u, r)| u.contains("/refuse/") && r.contains("404"))
    );
    assert!(
        failures
            .iter()
            .any(|(u, r)| u.contains("/corrupt/") && r.contains("checksum mismatch"))
    );
    assert!(
        failures
            .iter()
            .any(|(u, r)| u.contains("/short/") && !r.is_empty())
    );
    let b = data::load(
        DatasetKind::Mnist,
        &Source {
            kind: SourceKind::Downloaded,
            dir: Some(dest.path().to_path_buf()),
        },
    )
    .unwrap();
    assert_eq!((b.train.len(), b.test.unwrap().len()), (40, 20));
    let leftovers: Vec<_> = std::fs::read_dir(dest.path())
        .unwrap()
        .flatten()
        .filter(|e| e.path().to_string_lossy().ends_with(".part"))
        .collect();
    assert!(leftovers.is_empty());

    // A second fetch finds everything in place and downloads nothing.
    let mut present = 0;
    manifest.mirrors = vec![format!("{base}/refuse/")];
    fetch::fetch(&manifest, dest.path(), &mut |e| {
        present += matches!(e, FetchEvent::AlreadyPresent { .. }) as usize
    })
    .unwrap();
    assert_eq!(present, 4);
}

#[test]
fn files_marked_content_encoding_gzip_are_stored_as_sent() {
    let (files, mut manifest) = small_set();
    let base = serve(files, 8);
    manifest.mirrors = vec![format!("{base}/encoded/")];
    let dest = tempfile::tempdir().unwrap();
    fetch::fetch(&manifest, dest.path(), &mut |_| {}).unwrap();
    let b = data::load(
        DatasetKind::Mnist,
        &Source {
            kind: SourceKind::Downloaded,
            dir: Some(dest.path().to_path_buf()),
        },
    )
    .unwrap();
    assert_eq!(b.train.len(), 40);
}

#[test]
fn when_every_mirror_fails_nothing_that_could_load_is_left_behind() {
    let (files, mut manifest) = small_set();
    let base = serve(files, 20);
    manifest.mirrors = vec![format!("{base}/corrupt/"), format!("{base}/short/")];
    let dest = tempfile::tempdir().unwrap();
    let e = fetch::fetch(&manifest, dest.path(), &mut |_| {})
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("every mirror failed") && e.contains("/corrupt/") && e.contains("/short/"),
        "{e}"
    );
    assert_eq!(
        std::fs::read_dir(dest.path()).unwrap().count(),
        0,
        "no partial or corrupt file"
    );
}

#[test]
fn the_cli_reports_failed_mirrors_and_exits_non_zero() {
    let (files, _) = small_set();
    let base = serve(files, 20);
    let dest = tempfile::tempdir().unwrap();
    // The official checksums cannot match these small files: every mirror fails.
    let out = common::aen()
        .args([
            "data",
            "fetch",
            "mnist",
            "--mirror",
            &format!("{base}/refuse/"),
            "--mirror",
            &format!("{base}/good/"),
            "--dest",
        ])
        .arg(dest.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("every mirror failed")
            && err.contains("404")
            && err.contains("checksum mismatch"),
        "{err}"
    );
    assert_eq!(std::fs::read_dir(dest.path()).unwrap().count(), 0);
}

/// A CIFAR-10 archive of a few records: the batches in `cifar-10-batches-bin/`, with
/// the class names, as the real one holds them. Returns the archive and its batches.
fn small_cifar() -> (Vec<u8>, Vec<(String, Vec<u8>)>) {
    let record = |k: usize| -> Vec<u8> {
        std::iter::once((k % 10) as u8)
            .chain((0..3072).map(|i| ((i * 7 + k * 31) % 256) as u8))
            .collect()
    };
    let mut batches: Vec<(String, Vec<u8>)> = (1..=5)
        .map(|b| {
            (
                format!("data_batch_{b}.bin"),
                [record(2 * b), record(2 * b + 1)].concat(),
            )
        })
        .collect();
    batches.push((
        "test_batch.bin".into(),
        [record(90), record(91), record(92)].concat(),
    ));
    let names = data::cifar::CLASSES.join("\n") + "\n";
    let mut tar = tar::Builder::new(Vec::new());
    let mut add = |name: &str, body: &[u8]| {
        let mut h = tar::Header::new_gnu();
        h.set_size(body.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        tar.append_data(&mut h, format!("cifar-10-batches-bin/{name}"), body)
            .unwrap();
    };
    add("batches.meta.txt", names.as_bytes());
    add("readme.html", b"<p>not a batch</p>");
    for (name, body) in &batches {
        add(name, body);
    }
    (gz(&tar.into_inner().unwrap()), batches)
}

#[test]
fn cifar10_is_fetched_checked_and_unpacked_into_its_batches() {
    let (archive, batches) = small_cifar();
    let sum: String = Sha256::digest(&archive)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let base = serve(
        HashMap::from([(data::cifar::ARCHIVE.to_string(), archive)]),
        10,
    );
    let dest = tempfile::tempdir().unwrap();
    let manifest = Manifest {
        files: vec![(data::cifar::ARCHIVE.into(), sum)],
        mirrors: vec![format!("{base}/corrupt/"), format!("{base}/good/")],
        limits: FetchLimits::default(),
    };
    let mut events = Vec::new();
    data::cifar::fetch_into(&manifest, dest.path(), &mut |e| {
        events.push(format!("{e:?}"))
    })
    .unwrap();
    assert!(
        events.iter().any(|e| e.contains("MirrorFailed")),
        "{events:?}"
    );
    // The batches, byte for byte, and the class names; not the rest of the archive.
    for (name, body) in &batches {
        assert_eq!(
            &std::fs::read(dest.path().join(name)).unwrap(),
            body,
            "{name}"
        );
    }
    assert!(dest.path().join("batches.meta.txt").is_file());
    assert!(!dest.path().join("readme.html").exists());
    assert!(!dest.path().join(data::cifar::ARCHIVE).exists());
    let b = data::open(DatasetKind::Files, Some(dest.path()), None).unwrap();
    assert_eq!((b.train.len(), b.test.as_ref().unwrap().len()), (10, 3));
    assert_eq!(b.classes[9], "truck");
    // Fetching again downloads nothing.
    let mut again = Vec::new();
    data::cifar::fetch_into(&manifest, dest.path(), &mut |e| {
        again.push(format!("{e:?}"))
    })
    .unwrap();
    assert!(
        again.len() == 1 && again[0].contains("AlreadyPresent"),
        "{again:?}"
    );
    // The real archive is fetched from its publisher and checked against its SHA-256.
    let real = data::cifar::manifest();
    assert_eq!(real.mirrors, ["https://www.cs.toronto.edu/~kriz/"]);
    assert_eq!(real.files[0].0, "cifar-10-binary.tar.gz");
}

#[test]
fn the_cli_refuses_a_cifar10_archive_whose_checksum_is_not_the_published_one() {
    let (archive, _) = small_cifar();
    let base = serve(
        HashMap::from([(data::cifar::ARCHIVE.to_string(), archive)]),
        10,
    );
    let dest = tempfile::tempdir().unwrap();
    let out = common::aen()
        .args([
            "data",
            "fetch",
            "cifar10",
            "--mirror",
            &format!("{base}/good/"),
            "--dest",
        ])
        .arg(dest.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("checksum mismatch"),
        "{err}"
    );
    assert_eq!(std::fs::read_dir(dest.path()).unwrap().count(), 0);
}
