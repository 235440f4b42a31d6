//! Nothing a user made is lost: one writer per table, snapshot and reproduce folder, and
//! one resume per running session. Outputs never overwrite inputs and are replaced whole
//! or not at all in `outputs`; what review found is refused in `review`.

use crate::common::{TINY_CHILD, aen_at as aen_in, aen_command};
use aen_engine::sweep::table;
use std::path::Path;
use std::process::{Output, Stdio};

mod outputs;
mod review;

fn ok(o: &Output) -> String {
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(o.status.success(), "{err}");
    String::from_utf8_lossy(&o.stdout).to_string() + &err
}

fn fails(o: &Output, says: &str) -> String {
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains(says), "`{says}` not in: {err}");
    err
}

fn with_tiny<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut a = args.to_vec();
    a.extend_from_slice(TINY_CHILD);
    a
}

fn run(args: &[&str], home: &Path) -> Output {
    aen_in(&with_tiny(args), home)
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Every file in `dir` with its bytes, by name.
fn dir_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                read(&e.path()),
            )
        })
        .collect();
    v.sort();
    v
}

/// Files whose names say they are aen's temporaries, anywhere under `dir`.
fn temporaries(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if e.path().is_dir() {
            out.extend(temporaries(&e.path()));
        } else if name.starts_with(".aen-tmp-") {
            out.push(name);
        }
    }
    out
}

/// Starts aen in `home` (as [`aen_in`] runs it) without waiting; its stderr is piped.
fn start(args: &[&str], home: &Path) -> std::process::Child {
    aen_command(args, home)
        .current_dir(home)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Starts two copies of one command at once and returns both outputs.
fn race(args: &[&str], home: &Path) -> [Output; 2] {
    let (a, b) = (start(args, home), start(args, home));
    [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()]
}

/// The one that lost a race was refused at the lock (or, for a snapshot whose winner
/// had already ended, at the file it made), before doing anything.
fn one_proceeded(outs: &[Output; 2], round: usize) {
    let won = outs.iter().filter(|o| o.status.success()).count();
    let lost: Vec<String> = (outs.iter().filter(|o| !o.status.success()))
        .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
        .collect();
    assert_eq!(won, 1, "round {round}: {lost:?}");
    assert!(
        lost[0].contains("in use by another aen") || lost[0].contains("already exists"),
        "round {round}: {}",
        lost[0]
    );
}

#[test]
fn two_sweeps_on_one_table_fifty_times_one_proceeds_and_no_row_is_lost() {
    let home = tempfile::tempdir().unwrap();
    for round in 0..50 {
        let out = format!("t{round}.csv");
        let args = with_tiny(&["sweep", "--max-groups", "0", "--seeds", "3", "--out", &out]);
        one_proceeded(&race(&args, home.path()), round);
        let t = table::read(&home.path().join(&out)).unwrap();
        assert!(t.truncated.is_none());
        assert_eq!(t.table.rows.len(), 3, "round {round}");
        assert!(!home.path().join(format!("{out}.lock")).exists());
    }
}

#[test]
fn two_new_searches_on_one_snapshot_fifty_times_one_proceeds() {
    let home = tempfile::tempdir().unwrap();
    for round in 0..50 {
        let snap = format!("s{round}.json");
        let args = with_tiny(&["search", "--max-models", "1", "--snapshot", &snap]);
        one_proceeded(&race(&args, home.path()), round);
        let saved = aen_engine::snapshot::load(&home.path().join(&snap)).unwrap();
        assert_eq!(saved.history.models.len(), 1);
    }
}

#[test]
fn two_runs_on_one_reproduce_folder_fifty_times_one_takes_it() {
    use aen_engine::reproduce::{Plan, prepare};
    let home = tempfile::tempdir().unwrap();
    let mut base = aen_engine::settings::Settings::default();
    base.data.source = "embedded".into();
    let plan = Plan {
        datasets: vec![aen_core::data::DatasetKind::Mnist],
        presets: vec![2],
        seeds: 2,
        quick: true,
    };
    for round in 0..50 {
        let dir = home.path().join(format!("r{round}"));
        let barrier = std::sync::Barrier::new(2);
        let got: Vec<Result<_, String>> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..2)
                .map(|_| {
                    s.spawn(|| {
                        let r = prepare(&base, &plan, &dir).map_err(|e| format!("{e:#}"));
                        // Held until both have tried.
                        barrier.wait();
                        r.map(|_| ())
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(got.iter().filter(|r| r.is_ok()).count(), 1, "{got:?}");
        let e = got.iter().find_map(|r| r.clone().err()).unwrap();
        assert!(e.contains("in use by another aen"), "{e}");
        assert!(dir.join("reproduce.json").exists());
    }
}

#[test]
fn a_second_resume_of_a_running_session_is_refused() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    ok(&run(
        &["search", "--max-models", "2", "--snapshot", "s.json"],
        h,
    ));
    let mut long = start(&["search", "--resume", "s.json", "--max-models", "200"], h);
    let lock = h.join("s.json.lock");
    let t0 = std::time::Instant::now();
    while !lock.exists() && t0.elapsed().as_secs() < 30 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let o = aen_in(&["search", "--resume", "s.json", "--max-models", "3"], h);
    let _ = long.kill();
    let _ = long.wait();
    fails(&o, "in use by another aen");
    // Killed: the system dropped its lock, so the session opens again.
    ok(&aen_in(
        &["search", "--resume", "s.json", "--max-models", "3"],
        h,
    ));
}
