//! Bad input and faults a hostile user tried, through the binary as they met them:
//! each gives a clear error before any work starts, or the right result, and never
//! loses or clobbers a saved session.

use crate::common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

const TINY: &[&str] = &[
    "--source",
    "embedded",
    "--train-size",
    "300",
    "--val-size",
    "200",
    "--test-size",
    "200",
    "--epochs",
    "1",
    "--episode-len",
    "10",
    "--q-batch",
    "16",
];

/// Runs aen in `home` (so default outputs land there, not in the repository).
fn aen(args: &[&str], home: &Path) -> Output {
    common::aen()
        .args(args)
        .current_dir(home)
        .env("XDG_DATA_HOME", home)
        .env("XDG_CONFIG_HOME", home)
        .output()
        .unwrap()
}

fn search(extra: &[&str], home: &Path) -> Output {
    let mut args = vec!["search"];
    args.extend_from_slice(TINY);
    args.extend_from_slice(extra);
    aen(&args, home)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// A finished 8-model search saved in `home`, for resume cases.
fn finished_session(home: &Path) -> std::path::PathBuf {
    let snap = home.join("good.json");
    let out = home.join("out");
    let o = search(
        &[
            "--max-models",
            "8",
            "--snapshot",
            snap.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        home,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    snap
}

#[test]
fn nan_and_out_of_range_numbers_are_refused_before_anything_trains() {
    let home = tempfile::tempdir().unwrap();
    for (flag, value, says) in [
        (
            "--epsilon",
            "NaN",
            "search.fixed_epsilon = NaN is not a finite number",
        ),
        ("--lr", "inf", "child.lr = inf is not a finite number"),
        (
            "--step",
            "21",
            "data.step = 21 is out of range; allowed: 1 to 20",
        ),
        ("--batch", "0", "child.batch = 0 is out of range"),
        ("--epsilon-schedule", "0:nan", "search.epsilon_schedule"),
    ] {
        let o = search(&[flag, value], home.path());
        assert_eq!(o.status.code(), Some(2), "{flag} {value}");
        assert!(stderr(&o).contains(says), "{flag} {value}: {}", stderr(&o));
    }
    let cfg = home.path().join("nan.toml");
    std::fs::write(&cfg, "[search]\ngamma = nan\n").unwrap();
    let o = search(&["--config", cfg.to_str().unwrap()], home.path());
    assert!(stderr(&o).contains("search.gamma = NaN"), "{}", stderr(&o));
    let sessions = home.path().join("aen").join("sessions");
    assert!(!sessions.exists() || std::fs::read_dir(&sessions).unwrap().count() == 0);
}

#[test]
fn single_test_checks_its_protocol_and_sizes_before_training() {
    let home = tempfile::tempdir().unwrap();
    for (flag, value) in [
        ("--final-train-size", "18446744073709551615"),
        ("--final-epochs", "0"),
    ] {
        let o = aen(&["single-test", "--quick", flag, value], home.path());
        assert_eq!(o.status.code(), Some(2));
        assert!(stderr(&o).contains("is out of range"), "{}", stderr(&o));
    }
}

#[test]
fn a_bad_resume_flag_or_snapshot_leaves_the_good_snapshot_untouched() {
    let home = tempfile::tempdir().unwrap();
    let snap = finished_session(home.path());
    let before = std::fs::read(&snap).unwrap();
    let s = snap.to_str().unwrap();
    let o = aen(&["search", "--resume", s, "--epsilon", "NaN"], home.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a finite number"), "{}", stderr(&o));
    let o = aen(&["search", "--resume", s, "--epochs", "0"], home.path());
    assert_eq!(o.status.code(), Some(2));
    let o = aen(
        &["search", "--resume", s, "--train-size", "100"],
        home.path(),
    );
    assert!(
        stderr(&o).contains("cannot change when resuming"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read(&snap).unwrap(), before);

    // A model with an impossible accuracy, and versions that are not 1 to 3.
    let text = String::from_utf8(before.clone()).unwrap();
    let bad = home.path().join("bad.json");
    let acc = text.find("\"val_acc\":").unwrap() + "\"val_acc\":".len();
    let end = acc + text[acc..].find(',').unwrap();
    std::fs::write(&bad, format!("{}-1e308{}", &text[..acc], &text[end..])).unwrap();
    let o = aen(&["search", "--resume", bad.to_str().unwrap()], home.path());
    assert!(stderr(&o).contains("outside 0 to 100"), "{}", stderr(&o));
    for (v, shown) in [
        ("1180591620717411303424", "1.1805916207174113e+21"),
        ("-1", "-1"),
        ("\"1\"", "\"1\""),
    ] {
        let t = text.replacen("\"version\":3", &format!("\"version\":{v}"), 1);
        std::fs::write(&bad, t).unwrap();
        let o = aen(&["search", "--resume", bad.to_str().unwrap()], home.path());
        assert!(
            stderr(&o).contains(&format!("version {shown} is not supported")),
            "{}",
            stderr(&o)
        );
    }
}

#[test]
fn a_tampered_step_is_a_divergence_error_not_a_silent_finish() {
    let home = tempfile::tempdir().unwrap();
    let snap = finished_session(home.path());
    let text = std::fs::read_to_string(&snap).unwrap();
    let at = text.find("\"action\":").unwrap() + "\"action\":".len();
    let end = at + text[at..].find(',').unwrap();
    let action: usize = text[at..end].parse().unwrap();
    let tampered = format!("{}{}{}", &text[..at], (action + 1) % 12, &text[end..]);
    std::fs::write(&snap, &tampered).unwrap();
    let out = home.path().join("o2");
    let o = aen(
        &[
            "search",
            "--resume",
            snap.to_str().unwrap(),
            "--max-models",
            "12",
            "--out",
            out.to_str().unwrap(),
        ],
        home.path(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("diverged at step 0"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&snap).unwrap(), tampered);
}

#[test]
fn an_unusable_snapshot_or_out_path_fails_before_the_first_model() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("adir.json");
    std::fs::create_dir(&dir).unwrap();
    let file = home.path().join("afile");
    std::fs::write(&file, "x").unwrap();
    for (args, says) in [
        (vec!["--snapshot", "/proc/foo.json"], "cannot autosave"),
        (vec!["--snapshot", dir.to_str().unwrap()], "already exists"),
        (vec!["--out", file.to_str().unwrap()], "must be a folder"),
    ] {
        let o = search(&args, home.path());
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
    }
    let o = search(
        &["--snapshot", dir.to_str().unwrap(), "--overwrite"],
        home.path(),
    );
    assert!(stderr(&o).contains("directory"), "{}", stderr(&o));
    let leftovers: Vec<_> = std::fs::read_dir(home.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_new_search_never_replaces_another_sessions_snapshot() {
    let home = tempfile::tempdir().unwrap();
    let snap = finished_session(home.path());
    let before = std::fs::read(&snap).unwrap();
    let o = search(&["--snapshot", snap.to_str().unwrap()], home.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&snap).unwrap(), before);
    // Sessions started in the same second get names of their own: start three at
    // once with the default name and count three files.
    let mut children: Vec<_> = (0..3)
        .map(|_| {
            let mut args = vec!["search"];
            args.extend_from_slice(TINY);
            args.extend(["--max-models", "2", "--out"]);
            let out = home.path().join("same-second");
            common::aen()
                .args(&args)
                .arg(out)
                .env("XDG_DATA_HOME", home.path())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in &mut children {
        assert!(c.wait().unwrap().success());
    }
    let sessions = home.path().join("aen").join("sessions");
    let loaded = std::fs::read_dir(&sessions)
        .unwrap()
        .flatten()
        .filter(|e| aen_engine::snapshot::load(&e.path()).is_ok())
        .count();
    assert_eq!(loaded, 3);
}

#[test]
fn config_and_snapshot_files_are_read_with_a_cap() {
    let home = tempfile::tempdir().unwrap();
    let o = aen(&["--config", "/dev/zero", "data", "list"], home.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
    let o = aen(&["search", "--resume", "/dev/zero"], home.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
    let o = aen(&["data", "list", "--data-dir", "/nonexistent"], home.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
}

#[test]
fn a_closed_stdout_ends_quietly_and_keeps_the_snapshot() {
    let home = tempfile::tempdir().unwrap();
    for args in [
        vec!["data", "list"],
        vec!["orbits"],
        vec!["data", "preview", "--source", "embedded", "--count", "4"],
        vec!["config", "example"],
    ] {
        let mut child = common::aen()
            .args(&args)
            .env("XDG_DATA_HOME", home.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let o = child.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"), "{args:?}: {}", stderr(&o));
    }
    let snap = home.path().join("pipe.json");
    let mut args = vec!["search"];
    args.extend_from_slice(TINY);
    let out = home.path().join("pout");
    args.extend([
        "--json",
        "--max-models",
        "30",
        "--snapshot",
        snap.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let mut child = common::aen()
        .args(&args)
        .env("XDG_DATA_HOME", home.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let o = child.wait_with_output().unwrap();
    // Unfinished: an interruption, as for SIGINT, with how to continue.
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    assert!(stderr(&o).contains("stopped unfinished"), "{}", stderr(&o));
    let saved = aen_engine::snapshot::load(&snap).expect("the snapshot is kept");
    assert!(saved.history.models.len() < 30);
}

#[test]
fn sigterm_and_sigint_stop_the_search_save_it_and_exit_130() {
    let home = tempfile::tempdir().unwrap();
    for (sig, name) in [("-TERM", "term.json"), ("-INT", "int.json")] {
        let snap = home.path().join(name);
        let out = home.path().join(format!("{name}-out"));
        let mut args = vec!["search"];
        args.extend_from_slice(TINY);
        args.extend([
            "--json",
            "--max-models",
            "500",
            "--snapshot",
            snap.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        let mut child = common::aen()
            .args(&args)
            .env("XDG_DATA_HOME", home.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let mut models = 0;
        let mut line = String::new();
        while models < 3 && reader.read_line(&mut line).unwrap() > 0 {
            models += line.contains("\"event\":\"model\"") as usize;
            line.clear();
        }
        Command::new("kill")
            .args([sig, &child.id().to_string()])
            .status()
            .unwrap();
        std::io::copy(&mut reader, &mut std::io::sink()).unwrap();
        let o = child.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(130), "{sig}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("resume with: aen search --resume"),
            "{}",
            stderr(&o)
        );
        let saved = aen_engine::snapshot::load(&snap).unwrap();
        assert!(saved.history.models.len() >= 3);
        assert!(
            out.join("models.csv").exists(),
            "outputs written on interrupt"
        );
    }
}

/// Two new searches started together on one --snapshot: exactly one proceeds, every
/// time; the other stops before any training, saying the file exists; the snapshot
/// left is the winner's, whole.
#[test]
fn two_new_searches_on_one_snapshot_one_proceeds() {
    let home = tempfile::tempdir().unwrap();
    for round in 0..8 {
        let snap = home.path().join(format!("race-{round}.json"));
        let mut args = vec!["search", "--max-models", "1"];
        args.extend_from_slice(TINY);
        args.extend(["--snapshot", snap.to_str().unwrap()]);
        let spawn = || {
            common::aen()
                .args(&args)
                .current_dir(home.path())
                .env("XDG_DATA_HOME", home.path())
                .env("XDG_CONFIG_HOME", home.path())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (spawn(), spawn());
        let outs = [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()];
        let won = outs.iter().filter(|o| o.status.success()).count();
        let lost: Vec<_> = (outs.iter().filter(|o| !o.status.success()))
            .map(|o| String::from_utf8_lossy(&o.stderr).to_string())
            .collect();
        assert_eq!(won, 1, "round {round}: {lost:?}");
        // Refused at the lock while the other runs, or at the file once it has ended.
        assert!(
            lost[0].contains("in use by another aen") || lost[0].contains("already exists"),
            "{}",
            lost[0]
        );
        let saved = aen_engine::snapshot::load(&snap).unwrap();
        assert_eq!(saved.history.models.len(), 1);
    }
}
