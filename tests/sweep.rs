//! `aen sweep` as a user runs it, on tiny data: seed 0 is the search's network, tables
//! do not depend on --jobs or shards, a kill -9 or Ctrl-C loses nothing. Bad tables and
//! states files are in `tables`, the report's statistics on a table with a known answer
//! in `report`.

use crate::common;
use crate::common::aen_in as aen;

use aen_core::groups::GroupSet;
use aen_engine::sweep::table;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

mod report;
mod tables;

const TINY: &[&str] = common::TINY_CHILD;

fn sweep(extra: &[&str], out: &Path, home: &Path) -> Output {
    let mut args = vec!["sweep"];
    args.extend_from_slice(TINY);
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--out", out.to_str().unwrap()]);
    aen(&args, home)
}

fn ok(o: &Output) -> String {
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(
        o.status.success(),
        "failed: {err}\n{}",
        String::from_utf8_lossy(&o.stdout)
    );
    err
}

fn fails(o: &Output) -> String {
    assert!(!o.status.success(), "should have failed");
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// The table without its seconds column (the only one that may differ between runs;
/// it comes before `class` and `trained`).
fn no_seconds(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .enumerate()
        .map(|(i, l)| {
            if i < 2 {
                l.to_string()
            } else {
                let f: Vec<&str> = l.rsplitn(4, ',').collect();
                format!("{},{},{}", f[3], f[1], f[0])
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn rows(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(2)
        .map(str::to_string)
        .collect()
}

/// One-group sets (13 states) x 2 seeds, one process, --jobs 1: the table every other
/// way of running must reproduce.
fn reference() -> &'static (tempfile::TempDir, PathBuf) {
    static R: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    R.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("ref.csv");
        ok(&sweep(
            &["--max-groups", "1", "--seeds", "2", "--jobs", "1"],
            &out,
            dir.path(),
        ));
        (dir, out)
    })
}

#[test]
fn seed_zero_is_what_aen_train_gives_and_other_seeds_differ() {
    let (dir, table) = reference();
    let t = table::read(table).unwrap().table;
    assert_eq!(t.rows.len(), 26);
    let mut differs = false;
    for net in ["none", "rot90", "sc4", "htrans"] {
        let state = GroupSet::parse(net).unwrap();
        let mut args = vec!["train"];
        args.extend_from_slice(TINY);
        args.extend_from_slice(&["--net-groups", net, "--json"]);
        let o = aen(&args, dir.path());
        ok(&o);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let row = |k: u32| {
            t.rows
                .iter()
                .find(|r| r.state == state && r.seed == k)
                .unwrap()
        };
        let r0 = row(0);
        assert_eq!(v["val_acc"].as_f64().unwrap(), r0.val_acc, "{net}");
        assert_eq!(v["test_acc"].as_f64().unwrap(), r0.test_acc, "{net}");
        assert_eq!(v["params"].as_u64().unwrap() as usize, r0.params, "{net}");
        let r1 = row(1);
        assert_eq!(r1.params, r0.params);
        differs |= (r1.val_acc, r1.test_acc) != (r0.val_acc, r0.test_acc);
    }
    assert!(
        differs,
        "seed 1 gave the same accuracies as seed 0 everywhere"
    );
}

#[test]
fn seed_zero_is_what_the_search_trains() {
    use aen_engine::search::Event;
    let mut s = common::tiny_settings();
    s.search.max_models = 6;
    let dir = tempfile::tempdir().unwrap();
    let h =
        aen_engine::session::start(s.clone(), Some(dir.path().join("snap.json")), false).unwrap();
    let mut models = Vec::new();
    for ev in h.events().iter() {
        match ev {
            Event::ModelTrained(m) => models.push(m),
            Event::Error(e) => panic!("{e}"),
            Event::Finished { .. } => break,
            _ => {}
        }
    }
    h.join();
    assert_eq!(models.len(), 6);
    let (_, gd) = aen_engine::session::prepare_data(&s).unwrap();
    let pool = aen_engine::runner::Runner::new(
        2,
        std::sync::Arc::new(gd),
        aen_engine::runner::ChildSpec::from_settings(&s),
    );
    for (i, m) in models.iter().enumerate() {
        pool.submit(i as u64, m.state, 0);
    }
    for _ in 0..models.len() {
        let r = pool.next_result(Duration::from_secs(120)).unwrap();
        let m = &models[r.id as usize];
        let t = r.outcome.unwrap();
        assert_eq!(
            (t.val_acc, t.test_acc, t.params),
            (m.val_acc, m.test_acc, m.params),
            "{}",
            m.state
        );
    }
    pool.shutdown();
}

#[test]
fn one_or_two_jobs_give_the_same_table() {
    let (_, reference) = reference();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("j2.csv");
    ok(&sweep(
        &["--max-groups", "1", "--seeds", "2", "--jobs", "2"],
        &out,
        dir.path(),
    ));
    assert_eq!(no_seconds(&out), no_seconds(reference));
}

#[test]
fn shards_merged_equal_one_process() {
    let (_, reference) = reference();
    let dir = tempfile::tempdir().unwrap();
    let mut parts = Vec::new();
    for (k, jobs) in [(0, "2"), (1, "1"), (2, "2")] {
        let p = dir.path().join(format!("part-{k}.csv"));
        let shard = format!("{k}/3");
        ok(&sweep(
            &[
                "--max-groups",
                "1",
                "--seeds",
                "2",
                "--jobs",
                jobs,
                "--shard",
                &shard,
            ],
            &p,
            dir.path(),
        ));
        // Interleaved: part k holds the states at positions k, k+3, ... of 13.
        let states = (0..13).filter(|i| i % 3 == k).count();
        assert_eq!(rows(&p).len(), states * 2, "part {k}");
        parts.push(p);
    }
    let merged = dir.path().join("merged.csv");
    // Given in any order.
    let o = aen(
        &[
            "sweep",
            "merge",
            parts[2].to_str().unwrap(),
            parts[0].to_str().unwrap(),
            parts[1].to_str().unwrap(),
            "--out",
            merged.to_str().unwrap(),
        ],
        dir.path(),
    );
    ok(&o);
    assert!(String::from_utf8_lossy(&o.stdout).contains("26 rows"));
    assert_eq!(no_seconds(&merged), no_seconds(reference));

    // The same part twice, a part missing, a whole table with a part: all refused.
    let m2 = dir.path().join("m2.csv");
    let merge = |ps: &[&Path]| {
        let mut a = vec!["sweep", "merge"];
        a.extend(ps.iter().map(|p| p.to_str().unwrap()));
        a.extend(["--out", m2.to_str().unwrap()]);
        aen(&a, dir.path())
    };
    let e = fails(&merge(&[&parts[0], &parts[1], &parts[1]]));
    assert!(
        e.contains("part-1.csv and") && e.contains("both shard 1/3"),
        "{e}"
    );
    let e = fails(&merge(&[&parts[0], &parts[2]]));
    assert!(
        e.contains("miss 8 of 26 rows") && e.contains("no part given for shard 1/3"),
        "{e}"
    );
    // The first state of part 1 is the second of the space: rot90 (bit 0).
    assert!(e.contains("100000000000 seed 0"), "{e}");
    let e = fails(&merge(&[reference.as_path(), &parts[1]]));
    assert!(e.contains("both hold") && e.contains("part-1.csv"), "{e}");
    assert!(!m2.exists());

    // A part from other settings.
    let other = dir.path().join("other.csv");
    let mut args = vec![
        "sweep",
        "--source",
        "embedded",
        "--train-size",
        "100",
        "--val-size",
        "50",
        "--test-size",
        "50",
        "--epochs",
        "2",
    ];
    args.extend([
        "--max-groups",
        "1",
        "--seeds",
        "2",
        "--shard",
        "1/3",
        "--out",
        other.to_str().unwrap(),
    ]);
    ok(&aen(&args, dir.path()));
    let e = fails(&merge(&[&parts[0], &other, &parts[2]]));
    assert!(
        e.contains("different settings") && e.contains("epochs 1 vs 2"),
        "{e}"
    );
}

#[test]
fn a_killed_sweep_resumes_without_losing_or_repeating_rows() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("killed.csv");
    // Big enough that the kill lands mid-run: 79 states of at most two groups.
    let args = [
        "sweep",
        "--source",
        "embedded",
        "--train-size",
        "400",
        "--val-size",
        "50",
        "--test-size",
        "50",
        "--epochs",
        "1",
        "--max-groups",
        "2",
        "--jobs",
        "2",
        "--out",
        out.to_str().unwrap(),
    ];
    let mut child = common::aen()
        .args(args)
        .env("XDG_DATA_HOME", dir.path())
        .env("XDG_CONFIG_HOME", dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t = Instant::now();
    while !out.exists() || rows(&out).len() < 10 {
        assert!(t.elapsed() < Duration::from_secs(120), "no rows appeared");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL: no chance to clean up
    child.wait().unwrap();
    let text = std::fs::read_to_string(&out).unwrap();
    let before: Vec<String> = text
        .lines()
        .skip(2)
        .filter(|l| text.contains(&format!("{l}\n")))
        .map(str::to_string)
        .collect();
    assert!(
        before.len() < 79,
        "the sweep finished before the kill; make it bigger"
    );

    let o = aen(&args[..], dir.path());
    let err = ok(&o);
    assert!(
        err.contains(&format!("{} already in", before.len())),
        "{err}"
    );
    let after = rows(&out);
    assert_eq!(after.len(), 79);
    // Rows from before the kill were kept as they were (their seconds too), not redone.
    for r in &before {
        assert!(after.contains(r), "lost or retrained: {r}");
    }
    let mut keys: Vec<&str> = after.iter().map(|r| &r[..12]).collect();
    keys.dedup();
    assert_eq!(keys.len(), 79, "a state appears twice");

    // The same as an uninterrupted run.
    let whole = dir.path().join("whole.csv");
    let mut a2: Vec<&str> = args[..args.len() - 1].to_vec();
    a2.push(whole.to_str().unwrap());
    ok(&aen(&a2, dir.path()));
    assert_eq!(no_seconds(&out), no_seconds(&whole));
}

#[test]
fn a_cut_short_last_row_is_dropped_with_a_warning_and_redone() {
    let (_, reference) = reference();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cut.csv");
    let text = std::fs::read_to_string(reference).unwrap();
    // Four rows kept whole, the fifth cut in the middle of its accuracy.
    let keep: String = text.split_inclusive('\n').take(6).collect();
    let fifth = text.split_inclusive('\n').nth(6).unwrap();
    std::fs::write(&out, format!("{keep}{}", &fifth[..30])).unwrap();
    let err = ok(&sweep(
        &["--max-groups", "1", "--seeds", "2"],
        &out,
        dir.path(),
    ));
    assert!(
        err.contains("line 7 was cut short") && err.contains("4 already in"),
        "{err}"
    );
    assert_eq!(no_seconds(&out), no_seconds(reference));
    // Merge takes no cut-short part.
    std::fs::write(&out, format!("{keep}{}", &fifth[..30])).unwrap();
    let o = aen(
        &[
            "sweep",
            "merge",
            out.to_str().unwrap(),
            "--out",
            dir.path().join("m.csv").to_str().unwrap(),
        ],
        dir.path(),
    );
    let e = fails(&o);
    assert!(e.contains("cut.csv: line 7 is cut short"), "{e}");
}

#[test]
fn ctrl_c_stops_cleanly_and_says_how_to_continue() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("int.csv");
    let args = [
        "sweep",
        "--source",
        "embedded",
        "--train-size",
        "400",
        "--val-size",
        "50",
        "--test-size",
        "50",
        "--epochs",
        "1",
        "--max-groups",
        "2",
        "--jobs",
        "1",
        "--out",
        out.to_str().unwrap(),
    ];
    let child = common::aen()
        .args(args)
        .env("XDG_DATA_HOME", dir.path())
        .env("XDG_CONFIG_HOME", dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let t = Instant::now();
    while !out.exists() || rows(&out).len() < 5 {
        assert!(t.elapsed() < Duration::from_secs(120), "no rows appeared");
        std::thread::sleep(Duration::from_millis(5));
    }
    let s = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(s.success());
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{err}");
    assert!(
        err.contains("interrupted") && err.contains("run the same command to continue"),
        "{err}"
    );
    let read = table::read(&out).unwrap();
    assert!(read.truncated.is_none());
    let kept = read.table.rows.len();
    assert!((5..79).contains(&kept), "{kept}");
    let err = ok(&aen(&args, dir.path()));
    assert!(err.contains(&format!("{kept} already in")), "{err}");
    assert_eq!(rows(&out).len(), 79);
}
