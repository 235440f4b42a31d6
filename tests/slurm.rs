//! `examples/slurm/submit.sh` on a real Slurm cluster: a 4-task job array sweeps the
//! one-group sets on tiny data, the dependent job merges the parts, and the merged
//! table equals the one a single process writes.
//!
//! Needs a running cluster (`.ci/slurm-up.sh` starts one on this machine). Without
//! `sbatch` the test prints why it skips; with AEN_REQUIRE_SLURM=1 it fails instead.

use crate::common;

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const ARGS: &[&str] = &[
    "--max-groups",
    "1",
    "--source",
    "embedded",
    "--train-size",
    "100",
    "--val-size",
    "50",
    "--test-size",
    "50",
    "--epochs",
    "1",
];

/// None if the cluster can take jobs, else why not.
fn cluster_missing() -> Option<String> {
    match Command::new("sbatch").arg("--version").output() {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Some("sbatch is not installed".into());
        }
        Err(e) => return Some(format!("sbatch does not run: {e}")),
        Ok(_) => {}
    }
    match Command::new("sinfo").args(["-h", "-o", "%t"]).output() {
        Ok(o) if o.status.success() => {
            let states = String::from_utf8_lossy(&o.stdout).to_string();
            if states
                .lines()
                .any(|s| ["idle", "mix", "alloc", "comp"].contains(&s.trim()))
            {
                None
            } else {
                Some(format!("no node takes jobs (sinfo: {})", states.trim()))
            }
        }
        Ok(o) => Some(format!(
            "sinfo fails: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Err(e) => Some(format!("sinfo does not run: {e}")),
    }
}

fn without_seconds(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i < 2 {
                l.to_string()
            } else {
                // Seconds come before `class` and `trained`.
                let f: Vec<&str> = l.rsplitn(4, ',').collect();
                format!("{},{},{}", f[3], f[1], f[0])
            }
        })
        .collect()
}

fn logs(dir: &Path) -> String {
    let mut s = String::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            if e.file_name().to_string_lossy().starts_with("slurm-") {
                s += &format!(
                    "--- {}\n{}",
                    e.path().display(),
                    std::fs::read_to_string(e.path()).unwrap_or_default()
                );
            }
        }
    }
    s
}

#[test]
fn a_job_array_and_its_dependent_merge_give_the_single_process_table() {
    if let Some(why) = cluster_missing() {
        if std::env::var("AEN_REQUIRE_SLURM").as_deref() == Ok("1") {
            panic!("AEN_REQUIRE_SLURM=1 but {why}; start a cluster with .ci/slurm-up.sh");
        }
        // Straight to stderr: the test harness swallows println! of passing tests.
        let _ = writeln!(
            std::io::stderr(),
            "skipped: the Slurm test needs a cluster ({why}); .ci/slurm-up.sh starts one"
        );
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("sweep");
    let mut child = Command::new(root.join("examples/slurm/submit.sh"))
        .args(["-n", "4", "-w", dir.to_str().unwrap()])
        .args(ARGS)
        .env("AEN", common::aen_bin())
        .env("XDG_DATA_HOME", tmp.path())
        .env("XDG_CONFIG_HOME", tmp.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let t = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if t.elapsed() > Duration::from_secs(300) {
            child.kill().unwrap();
            child.wait().unwrap();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let (mut out, mut err) = (String::new(), String::new());
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let Some(status) = status else {
        // Leave no job of ours queued behind us.
        for id in out
            .lines()
            .filter_map(|l| l.split_once(" job ").map(|x| x.1))
            .filter_map(|r| r.split(':').next())
        {
            let _ = Command::new("scancel").arg(id).status();
        }
        panic!(
            "the Slurm jobs did not finish in 300 s\n{out}{err}\n{}",
            logs(&dir)
        );
    };
    assert!(status.success(), "{out}{err}\n{}", logs(&dir));
    assert!(
        out.contains("array job") && out.contains("merge job"),
        "{out}"
    );
    for k in 0..4 {
        assert!(
            dir.join(format!("part-{k}.csv")).is_file(),
            "part {k}\n{}",
            logs(&dir)
        );
    }
    assert!(
        logs(&dir).contains("merged 4 parts: 13 rows"),
        "{}",
        logs(&dir)
    );

    let single = tmp.path().join("single.csv");
    let o = common::aen()
        .arg("sweep")
        .args(ARGS)
        .args(["--out", single.to_str().unwrap()])
        .env("XDG_DATA_HOME", tmp.path())
        .env("XDG_CONFIG_HOME", tmp.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let merged = without_seconds(&dir.join("sweep.csv"));
    assert_eq!(merged.len(), 15);
    assert_eq!(merged, without_seconds(&single));
}
