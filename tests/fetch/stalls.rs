//! Mirrors that stall (one byte a second, silent, endless) time out, and a failed or
//! killed fetch leaves nothing behind and names its cause once.

use super::{serve, small_set};
use aen_core::data::fetch::{self, FetchEvent, FetchLimits, Manifest};
use aen_core::data::idx;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

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
