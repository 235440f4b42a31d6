//! `aen data fetch` against HTTP servers on 127.0.0.1: a mirror that refuses, one that
//! serves a corrupt file, one that breaks off, slow, silent and endless ones, and one
//! that succeeds.

use crate::common;

use aen_core::data::fetch::{self, FetchEvent, FetchLimits, Manifest};
use aen_core::data::{self, DatasetKind, Images, Source, SourceKind, idx};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

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

/// How a misbehaving mirror answers.
#[derive(Clone, Copy)]
enum Pace {
    /// Headers, then one byte of the body per second.
    OneBytePerSecond,
    /// Accepts the request and never answers.
    Silent,
    /// Headers announcing a huge body, then 4 KiB every 50 ms: fast, but endless.
    Endless,
}

/// Serves each connection on its own thread in the given pace, for at most
/// `max_secs`, so the server stops by itself whatever the client does.
fn serve_badly(pace: Pace, max_secs: u64) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(8) {
            let Ok(mut s) = stream else { continue };
            std::thread::spawn(move || {
                let end = Instant::now() + Duration::from_secs(max_secs);
                s.set_read_timeout(Some(Duration::from_secs(5))).ok();
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf);
                let (header_len, chunk, every) = match pace {
                    Pace::OneBytePerSecond => (1_000_000, 1, Duration::from_secs(1)),
                    Pace::Silent => (0, 0, Duration::from_millis(100)),
                    Pace::Endless => (1 << 29, 4096, Duration::from_millis(50)),
                };
                if header_len > 0 {
                    let head = format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {header_len}\r\nConnection: close\r\n\r\n"
                    );
                    if s.write_all(head.as_bytes()).is_err() {
                        return;
                    }
                }
                while Instant::now() < end {
                    std::thread::sleep(every);
                    if chunk > 0 && s.write_all(&vec![0x1f; chunk]).is_err() {
                        return;
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

/// The small set's label file alone, with short limits, so that each bad mirror
/// costs a few seconds at most.
fn one_file_quick() -> (HashMap<String, Vec<u8>>, Manifest) {
    let (files, mut manifest) = small_set();
    manifest
        .files
        .retain(|(name, _)| name == "train-labels-idx1-ubyte.gz");
    manifest.limits = FetchLimits {
        connect: Duration::from_secs(2),
        file_deadline: Duration::from_secs(3),
        stall_window: Duration::from_millis(1500),
        min_bytes: 256,
        max_file_bytes: 1 << 30,
    };
    (files, manifest)
}

fn failures_then_success(mirrors: Vec<String>) -> Vec<(String, String)> {
    let (files, mut manifest) = one_file_quick();
    let good = serve(files, 4);
    manifest.mirrors = mirrors;
    manifest.mirrors.push(format!("{good}/good/"));
    let dest = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    fetch::fetch(&manifest, dest.path(), &mut |e| {
        if let FetchEvent::MirrorFailed { url, reason, .. } = e {
            failures.push((url, reason));
        }
    })
    .unwrap();
    assert!(dest.path().join("train-labels-idx1-ubyte.gz").is_file());
    failures
}

#[test]
fn a_mirror_sending_one_byte_a_second_times_out_and_the_next_is_used() {
    let slow = serve_badly(Pace::OneBytePerSecond, 10);
    let failures = failures_then_success(vec![format!("{slow}/x/")]);
    assert_eq!(failures.len(), 1, "{failures:?}");
    let (url, reason) = &failures[0];
    assert!(url.starts_with(&slow), "{url}");
    assert!(
        reason.contains("timed out") && reason.contains("too slow"),
        "{reason}"
    );
}

#[test]
fn a_silent_mirror_and_an_endless_one_time_out_too() {
    let silent = serve_badly(Pace::Silent, 10);
    let endless = serve_badly(Pace::Endless, 10);
    let failures = failures_then_success(vec![format!("{silent}/x/"), format!("{endless}/x/")]);
    assert_eq!(failures.len(), 2, "{failures:?}");
    assert!(
        failures[0].1.contains("timed out: no response"),
        "{failures:?}"
    );
    assert!(
        failures[1].1.contains("timed out") && failures[1].1.contains("deadline"),
        "{failures:?}"
    );
}

#[test]
fn a_stale_part_file_from_a_killed_run_is_replaced() {
    let (files, mut manifest) = one_file_quick();
    let base = serve(files, 4);
    let dest = tempfile::tempdir().unwrap();
    let target = dest.path().join("train-labels-idx1-ubyte.gz");
    let part = fetch::part_path(&target);
    assert!(
        part.to_string_lossy()
            .ends_with("train-labels-idx1-ubyte.gz.part")
    );

    // Every mirror failing before any byte arrives still clears the stale part.
    std::fs::write(&part, b"left by a killed run").unwrap();
    manifest.mirrors = vec![format!("{base}/refuse/")];
    assert!(fetch::fetch(&manifest, dest.path(), &mut |_| {}).is_err());
    assert!(!part.exists());

    std::fs::write(&part, vec![7u8; 100_000]).unwrap();
    manifest.mirrors = vec![format!("{base}/good/")];
    fetch::fetch(&manifest, dest.path(), &mut |_| {}).unwrap();
    assert!(!part.exists());
    let labels = idx::read_labels(&target).unwrap();
    assert_eq!(labels.len(), 40);
}

#[test]
fn a_failed_fetch_leaves_no_empty_data_folder_behind() {
    let (files, mut manifest) = one_file_quick();
    let base = serve(files, 4);
    manifest.mirrors = vec![format!("{base}/refuse/")];
    let root = tempfile::tempdir().unwrap();
    let dest = root.path().join("aen/datasets/mnist");
    assert!(fetch::fetch(&manifest, &dest, &mut |_| {}).is_err());
    assert!(
        !root.path().join("aen").exists(),
        "the folders this fetch created are gone"
    );

    // A folder that was there before stays, and so does what the user put in it.
    std::fs::create_dir_all(&dest).unwrap();
    assert!(fetch::fetch(&manifest, &dest, &mut |_| {}).is_err());
    assert!(dest.is_dir());
    let kept = root.path().join("aen/datasets/notes.txt");
    std::fs::write(&kept, b"mine").unwrap();
    std::fs::remove_dir(&dest).unwrap();
    assert!(fetch::fetch(&manifest, &dest, &mut |_| {}).is_err());
    assert!(!dest.exists() && kept.is_file());
}

#[test]
fn fetch_errors_print_their_cause_once() {
    let (_, manifest) = one_file_quick();
    let root = tempfile::tempdir().unwrap();
    let blocker = root.path().join("file");
    std::fs::write(&blocker, b"").unwrap();
    let e = fetch::fetch(&manifest, &blocker.join("sub"), &mut |_| {}).unwrap_err();
    let msg = format!("{:#}", anyhow::Error::new(e));
    assert!(msg.contains("sub"), "{msg}");
    let cause = msg.rsplit(": ").next().unwrap().to_string();
    assert_eq!(msg.matches(&cause).count(), 1, "{msg}");
}
