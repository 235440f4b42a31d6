//! The `aen` binary as a user runs it: listings, previews, errors with non-zero exits,
//! training, the single-group table and the benchmark. Headless searches with their
//! outputs are in `search`.

use crate::common;

use std::path::Path;
use std::process::Output;

mod search;

fn aen(args: &[&str], data_home: &Path) -> Output {
    common::aen()
        .args(args)
        .env("XDG_DATA_HOME", data_home)
        .env("XDG_CONFIG_HOME", data_home)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).to_string(),
        String::from_utf8_lossy(&o.stderr).to_string(),
    )
}

#[test]
fn data_list_shows_both_embedded_sets_with_10000_images() {
    let home = tempfile::tempdir().unwrap();
    let o = aen(&["data", "list"], home.path());
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        out.contains("MNIST\n") && out.contains("Fashion-MNIST\n"),
        "{out}"
    );
    assert_eq!(out.matches("embedded   pool 10000").count(), 2, "{out}");
}

#[test]
fn preview_prints_ascii_digits_when_not_on_a_terminal() {
    let home = tempfile::tempdir().unwrap();
    let o = aen(
        &[
            "data",
            "preview",
            "--source",
            "embedded",
            "--groups",
            "rot90,sc1",
            "--count",
            "2",
        ],
        home.path(),
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(out.contains("groups rot90,sc1 [100001000000]"), "{out}");
    // Each pair is captioned with the element drawn for it.
    assert_eq!(out.matches("original -> ").count(), 2, "{out}");
    assert!(
        out.contains('@') && !out.contains('\x1b'),
        "shades, no colour codes"
    );
}

#[test]
fn a_corrupt_data_dir_is_a_clear_error_with_a_non_zero_exit() {
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    for f in [
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    ] {
        std::fs::write(dir.path().join(f), b"garbage that is not gzip").unwrap();
    }
    let d = dir.path().to_str().unwrap();
    let o = aen(&["data", "preview", "--data-dir", d], home.path());
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err.contains("train-images-idx3-ubyte.gz: not valid gzip data"),
        "{err}"
    );
    std::fs::write(dir.path().join("train-images-idx3-ubyte.gz"), b"").unwrap();
    let (_, err) = text(&aen(&["data", "preview", "--data-dir", d], home.path()));
    assert!(
        err.contains("train-images-idx3-ubyte.gz: file is empty"),
        "{err}"
    );
}

#[test]
fn bad_flags_and_bad_configs_fail_with_a_message() {
    let home = tempfile::tempdir().unwrap();
    let (_, err) = text(&aen(&["orbits", "--groups", "rot99"], home.path()));
    assert!(err.contains("unknown group `rot99`"), "{err}");
    let cfg = home.path().join("bad.toml");
    std::fs::write(&cfg, "[child]\nepochs = 0\n").unwrap();
    let o = aen(
        &["--config", cfg.to_str().unwrap(), "data", "list"],
        home.path(),
    );
    assert!(!o.status.success());
    assert!(text(&o).1.contains("child.epochs = 0 is out of range"));
    let o = aen(
        &["--config", "/nonexistent/aen.toml", "data", "list"],
        home.path(),
    );
    assert!(
        text(&o)
            .1
            .contains("/nonexistent/aen.toml: cannot read config")
    );
}

#[test]
fn orbits_prints_the_paper_counts() {
    let home = tempfile::tempdir().unwrap();
    let (out, _) = text(&aen(&["orbits", "--groups", "rot90"], home.path()));
    assert!(
        out.contains("313600 weights in 78400 weight orbits, 400 hidden units in 100 orbits"),
        "{out}"
    );
    assert!(out.contains("child network: 122610 parameters"), "{out}");
}

#[test]
fn train_prints_a_json_summary_and_is_deterministic() {
    let home = tempfile::tempdir().unwrap();
    let args = [
        "train",
        "--dataset",
        "mnist",
        "--source",
        "embedded",
        "--data-groups",
        "preset:2",
        "--net-groups",
        "rot90,hflip",
        "--epochs",
        "1",
        "--train-size",
        "500",
        "--val-size",
        "200",
        "--test-size",
        "200",
        "--json",
    ];
    let a = aen(&args, home.path());
    let b = aen(&args, home.path());
    let va: serde_json::Value = serde_json::from_slice(&a.stdout).unwrap();
    let vb: serde_json::Value = serde_json::from_slice(&b.stdout).unwrap();
    assert_eq!(va["val_acc"], vb["val_acc"]);
    assert_eq!(va["test_acc"], vb["test_acc"]);
    assert_eq!(va["params"], 63_560);
    assert!(va["val_acc"].as_f64().unwrap() > 10.0);
}

#[test]
fn single_test_quick_writes_a_13_by_13_table() {
    let home = tempfile::tempdir().unwrap();
    let csv = home.path().join("t.csv");
    let o = aen(
        &[
            "single-test",
            "--quick",
            "--source",
            "embedded",
            "--final-train-size",
            "200",
            "--final-val-size",
            "100",
            "--final-test-size",
            "100",
            "--csv",
            csv.to_str().unwrap(),
        ],
        home.path(),
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert_eq!(
        out.lines().filter(|l| l.contains('*')).count(),
        14,
        "13 rows each with a best, plus the header line: {out}"
    );
    let table = std::fs::read_to_string(csv).unwrap();
    assert_eq!(table.lines().count(), 14);
    assert_eq!(table.lines().next().unwrap().split(',').count(), 1 + 13 * 3);
}

/// An unwritable --csv is found before the 169 trainings, not after them.
#[test]
fn single_test_checks_its_csv_before_training() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let under_a_file = file.join("t.csv");
    for (csv, says) in [
        (
            home.path().to_path_buf(),
            "must be a file, and this is a folder",
        ),
        (under_a_file, "cannot create its folder"),
    ] {
        let o = aen(
            &["single-test", "--quick", "--csv", csv.to_str().unwrap()],
            home.path(),
        );
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(err.contains("--csv") && err.contains(says), "{err}");
        assert!(
            !err.contains("single-equivariance test on"),
            "nothing trained: {err}"
        );
    }
}

#[test]
fn the_tui_without_a_terminal_is_a_clear_error() {
    let home = tempfile::tempdir().unwrap();
    let o = common::aen()
        .env("XDG_DATA_HOME", home.path())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("the interactive UI needs a terminal"));
}

#[test]
fn a_bad_flag_leaves_no_output_folder_behind() {
    let home = tempfile::tempdir().unwrap();
    let out = home.path().join("never");
    for bad in [["--jobs", "abc"], ["--final-seeds", "0"]] {
        let o = aen(
            &["search", bad[0], bad[1], "--out", out.to_str().unwrap()],
            home.path(),
        );
        // A wrong flag value is a usage error.
        assert_eq!(o.status.code(), Some(2), "{bad:?}");
        assert!(!out.exists(), "{bad:?} created {}", out.display());
    }
}

#[test]
fn bench_measures_every_network_against_the_same_run_limit() {
    let home = tempfile::tempdir().unwrap();
    let args = [
        "bench",
        "--train-size",
        "128",
        "--epochs",
        "1",
        "--reps",
        "1",
    ];
    let o = aen(
        &[&args[..], &["--threads", "1", "--json"]].concat(),
        home.path(),
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect(&out);
    let nets = v["networks"].as_array().unwrap();
    let names: Vec<&str> = nets.iter().map(|n| n["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["dense", "rot90", "preset2"]);
    let params: Vec<u64> = nets.iter().map(|n| n["params"].as_u64().unwrap()).collect();
    assert_eq!(params, [478_410, 122_610, 11_560]);
    for n in nets {
        for key in [
            "images_per_s",
            "limit",
            "images_per_s_all_threads",
            "limit_all_threads",
        ] {
            assert!(n[key].as_f64().unwrap() > 0.0, "{key}: {n}");
        }
        assert!(n["seconds"]["matmul"].as_f64().unwrap() > 0.0, "{n}");
    }
    assert_eq!(v["threads"], 1);
    assert!(v["dqn_updates_per_s"].as_f64().unwrap() > 0.0);
    // Out of range flags are usage errors.
    let o = aen(&["bench", "--train-size", "10"], home.path());
    assert_eq!(o.status.code(), Some(2));
}
