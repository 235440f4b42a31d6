//! `aen reproduce` end to end on tiny protocols: the report answers the paper's
//! question with intervals, a rerun redoes nothing, and bad plans are clear errors.

use crate::common;

const TINY: &[&str] = &[
    "--quick",
    "--source",
    "embedded",
    "--train-size",
    "100",
    "--val-size",
    "50",
    "--test-size",
    "50",
    "--max-models",
    "12",
    "--final-train-size",
    "100",
    "--final-val-size",
    "50",
    "--final-test-size",
    "50",
    "--top-k",
    "2",
];

/// MNIST, preset 2, 2 seeds, unless `extra` names others.
fn reproduce(
    out: &std::path::Path,
    home: &std::path::Path,
    extra: &[&str],
) -> std::process::Output {
    let mut args: Vec<&str> = TINY.to_vec();
    for (flag, value) in [
        ("--datasets", "mnist"),
        ("--presets", "2"),
        ("--seeds", "2"),
    ] {
        if !extra.contains(&flag) {
            args.extend([flag, value]);
        }
    }
    common::aen()
        .arg("reproduce")
        .arg("--out")
        .arg(out)
        .args(args)
        .args(extra)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .output()
        .unwrap()
}

#[test]
fn a_quick_reproduction_reports_each_search_with_an_interval_and_resumes_for_free() {
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("repro");
    let o = reproduce(&out, home.path(), &[]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("| MNIST | 2 (rot90,hflip,sc4,sc5) | 12 |"),
        "{stdout}"
    );
    assert!(
        stdout.contains("95% CI ±"),
        "two seeds give an interval: {stdout}"
    );
    for f in [
        "report.md",
        "summary.csv",
        "gains.png",
        "single-mnist.csv",
        "single-mnist.json",
        "mnist-p2/final.json",
        "mnist-p2/snapshot.json",
        "mnist-p2/models.csv",
        "mnist-p2/summary.json",
    ] {
        assert!(out.join(f).is_file(), "{f} is written");
    }
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    assert_eq!(summary.lines().count(), 2, "{summary}");
    let single = std::fs::read_to_string(out.join("single-mnist.csv")).unwrap();
    assert_eq!(single.lines().count(), 14, "a header and 13 rows");
    let verdict: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("mnist-p2/summary.json")).unwrap())
            .unwrap();
    let rows = verdict["final_eval"].as_array().unwrap();
    assert_eq!(rows.len(), 2 + 13);
    assert!(
        rows.iter()
            .all(|r| r["test_seeds"].as_array().unwrap().len() == 2)
    );
    assert!(verdict["verdict"]["interval"].as_f64().is_some());

    // A rerun finds every part done and writes the same answers.
    let again = reproduce(&out, home.path(), &[]);
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(again.status.success(), "{err}");
    assert_eq!(err.matches("(done before)").count(), 2, "{err}");
    assert_eq!(
        std::fs::read_to_string(out.join("summary.csv")).unwrap(),
        summary
    );

    // Another plan in the same folder would mix results: refused.
    let other = reproduce(&out, home.path(), &["--final-epochs", "2"]);
    assert!(!other.status.success());
    let err = String::from_utf8_lossy(&other.stderr);
    assert!(err.contains("another plan or other settings"), "{err}");
    assert!(
        err.contains("final_eval.epochs: 1 → 2"),
        "names what differs: {err}"
    );
    let seeds = reproduce(&out, home.path(), &["--seeds", "3"]);
    let err = String::from_utf8_lossy(&seeds.stderr);
    assert!(!seeds.status.success());
    assert!(err.contains("--seeds: 2 → 3"), "names the flag: {err}");
    assert!(!err.contains("Plan {"), "no debug output: {err}");
    // A folder made before classes (its manifest has no search.equivalence) trained
    // every set as its own network: continuing it under the new default is refused.
    let manifest = out.join("reproduce.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["settings"]["search"]
        .as_object_mut()
        .unwrap()
        .remove("equivalence");
    std::fs::write(&manifest, serde_json::to_vec(&v).unwrap()).unwrap();
    let old = reproduce(&out, home.path(), &[]);
    let err = String::from_utf8_lossy(&old.stderr);
    assert!(!old.status.success());
    assert!(err.contains("search.equivalence: none → closure"), "{err}");
    // A folder made by aen 0.2 (no seed scheme recorded) trained its replicates after
    // the first from other seeds: refused, saying so.
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["seed_scheme"], 2);
    v.as_object_mut().unwrap().remove("seed_scheme");
    std::fs::write(&manifest, serde_json::to_vec(&v).unwrap()).unwrap();
    let old = reproduce(&out, home.path(), &[]);
    let err = String::from_utf8_lossy(&old.stderr);
    assert!(!old.status.success());
    assert!(err.contains("made by aen 0.2 or earlier"), "{err}");
    std::fs::write(&manifest, text).unwrap();
    // The number of trainers changes no result: a rerun with other --jobs is welcome.
    let jobs = reproduce(&out, home.path(), &["--jobs", "1"]);
    assert!(
        jobs.status.success(),
        "{}",
        String::from_utf8_lossy(&jobs.stderr)
    );

    // `--report` reports the parts done, trains nothing, and says what is missing.
    std::fs::remove_file(out.join("mnist-p2/final.json")).unwrap();
    let r = reproduce(&out, home.path(), &["--report"]);
    let stdout = String::from_utf8_lossy(&r.stdout);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert!(stdout.contains("**1 of 2 parts done**"), "{stdout}");
    assert!(
        !out.join("mnist-p2/final.json").exists(),
        "nothing was trained"
    );
    let partial = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(partial.contains("1 of 2 parts done"), "{partial}");
    let empty = home.path().join("nothing-here");
    let r = reproduce(&empty, home.path(), &["--report"]);
    assert!(!r.status.success());
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(err.contains("holds no reproduction yet"), "{err}");
}

#[test]
fn plans_that_cannot_answer_are_refused_before_any_training() {
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("r");
    for (extra, msg) in [
        (&["--seeds", "1"][..], "2..=100"),
        (&["--presets", "7"][..], "1..=5"),
        (&["--datasets", "cifar"][..], "--datasets"),
        (&["--seeds", "101"][..], "2..=100"),
        (&["--data-groups", "none"][..], "set by the plan"),
    ] {
        let o = reproduce(&out, home.path(), extra);
        assert_eq!(o.status.code(), Some(2));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(msg), "{extra:?}: {err}");
        assert!(
            !out.join("reproduce.json").exists(),
            "{extra:?}: nothing claimed"
        );
    }
}

#[test]
fn an_interrupted_table_stops_at_once_and_a_second_run_waits_for_the_folder() {
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("r");
    // The classes are found once per machine (seconds, not interruptible); the tests'
    // shared cache holds them, so the run can stop at once.
    let mut child = common::aen()
        .arg("reproduce")
        .arg("--out")
        .arg(&out)
        .args(TINY)
        .args([
            "--datasets",
            "mnist",
            "--presets",
            "2",
            "--seeds",
            "3",
            "--final-epochs",
            "3",
        ])
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The folder is taken as soon as the run starts.
    let lock = out.join(".lock");
    let t0 = std::time::Instant::now();
    while !lock.exists() && t0.elapsed().as_secs() < 30 {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let second = reproduce(&out, home.path(), &["--seeds", "3", "--final-epochs", "3"]);
    assert!(!second.status.success());
    assert!(String::from_utf8_lossy(&second.stderr).contains("in use by another aen"));
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    // Three seeds of thirteen networks at three epochs take far longer than the
    // second run's refusal: had the first run finished instead of stopping, its
    // table and report would be there.
    for f in ["single-mnist.csv", "report.md"] {
        assert!(
            !out.join(f).exists(),
            "{f}: the table stopped at once, not at its end"
        );
    }
    assert!(!lock.exists(), "the lock goes with the run");
}
