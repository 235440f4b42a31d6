//! Nothing a user made is lost: one writer per table, snapshot and reproduce folder;
//! outputs never overwrite inputs; a set of outputs is replaced whole or not at all
//! (a failing write, a full disk); links are written through; an export refuses a
//! folder of data and is checked when read back.

use crate::common::{TINY_CHILD, aen_at as aen_in, aen_command, write_set};
use aen_engine::sweep::table;
use std::path::Path;
use std::process::{Command, Output, Stdio};

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

#[test]
fn no_output_may_overwrite_an_input() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    // The snapshot inside --out, as one of the exports.
    for name in ["summary.json", "models.csv", "rewards.png"] {
        let snap = format!("o/{name}");
        let o = run(
            &[
                "search",
                "--max-models",
                "2",
                "--out",
                "o",
                "--snapshot",
                &snap,
            ],
            h,
        );
        fails(&o, "would be overwritten");
        assert!(!h.join(&snap).exists());
    }
    let t = crate::compare::synthetic();
    let text = table::render(&t.header, &t.rows);
    // A report over its table, a comparison over its table, a merge over a part.
    for (file, args) in [
        (
            "r/states.csv",
            vec!["sweep", "report", "r/states.csv", "--out", "r"],
        ),
        (
            "r/marginal.png",
            vec!["sweep", "report", "r/marginal.png", "--out", "r"],
        ),
        (
            "c/regret.csv",
            vec![
                "compare",
                "--table",
                "c/regret.csv",
                "--strategies",
                "random",
                "--repeats",
                "2",
                "--budget",
                "10",
                "--out",
                "c",
            ],
        ),
        ("p.csv", vec!["sweep", "merge", "p.csv", "--out", "p.csv"]),
    ] {
        std::fs::create_dir_all(h.join(file).parent().unwrap()).unwrap();
        std::fs::write(h.join(file), &text).unwrap();
        fails(&aen_in(&args, h), "would be overwritten");
        assert_eq!(read(&h.join(file)), text.as_bytes(), "{args:?}");
    }
    // A reproduction into a folder of the user's.
    let mine = h.join("mine");
    std::fs::create_dir(&mine).unwrap();
    std::fs::write(mine.join("report.md"), "notes").unwrap();
    let o = run(
        &[
            "reproduce",
            "--quick",
            "--datasets",
            "mnist",
            "--presets",
            "1",
            "--seeds",
            "2",
            "--out",
            "mine",
        ],
        h,
    );
    fails(&o, "holds report.md and no reproduce.json");
    assert_eq!(read(&mine.join("report.md")), b"notes");
}

#[test]
fn a_failed_export_leaves_the_previous_outputs_whole_and_links_are_written_through() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    ok(&run(
        &[
            "search",
            "--max-models",
            "2",
            "--snapshot",
            "t.json",
            "--out",
            "o",
        ],
        h,
    ));
    let before: Vec<Vec<u8>> = ["models.csv", "summary.json", "accuracy.png"]
        .iter()
        .map(|n| read(&h.join("o").join(n)))
        .collect();
    // The last output cannot be written: none of the others changes.
    std::fs::remove_file(h.join("o/rewards.png")).unwrap();
    std::fs::create_dir(h.join("o/rewards.png")).unwrap();
    std::os::unix::fs::symlink("t.json", h.join("l.json")).unwrap();
    let o = aen_in(
        &[
            "search",
            "--resume",
            "l.json",
            "--max-models",
            "3",
            "--out",
            "o",
        ],
        h,
    );
    fails(&o, "rewards.png");
    for (n, b) in ["models.csv", "summary.json", "accuracy.png"]
        .iter()
        .zip(&before)
    {
        assert_eq!(&read(&h.join("o").join(n)), b, "{n} changed");
    }
    assert_eq!(temporaries(h), Vec::<String>::new());
    // Resumed through the link: the target holds the run, and the link stays.
    assert!(
        std::fs::symlink_metadata(h.join("l.json"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        aen_engine::snapshot::load(&h.join("t.json"))
            .unwrap()
            .history
            .models
            .len(),
        3
    );
    // A dangling link given as a new snapshot: its target is made, the link kept.
    std::os::unix::fs::symlink("made.json", h.join("d.json")).unwrap();
    ok(&run(
        &["search", "--max-models", "1", "--snapshot", "d.json"],
        h,
    ));
    assert!(
        std::fs::symlink_metadata(h.join("d.json"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    aen_engine::snapshot::load(&h.join("made.json")).unwrap();
}

#[test]
fn an_export_refuses_a_folder_of_data_and_is_checked_when_read_back() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let data = h.join("data");
    write_set(&data, 200, 60);
    let untouched = dir_files(&data);
    fails(
        &run(&["data", "export", "--out", "data"], h),
        "an export never overwrites data",
    );
    for (n, b) in &untouched {
        assert_eq!(&read(&data.join(n)), b, "{n}");
    }
    ok(&run(&["data", "export", "--out", "ex"], h));
    // Again with the same settings: allowed; with others: refused.
    ok(&run(&["data", "export", "--out", "ex"], h));
    fails(
        &run(&["data", "export", "--out", "ex", "--seed", "5"], h),
        "holds an export of other settings",
    );
    let preview = |extra: &[&str]| {
        let mut a = vec![
            "data", "preview", "--ascii", "--count", "1", "--source", "data-dir",
        ];
        a.extend(["--data-dir", "ex"]);
        a.extend_from_slice(extra);
        aen_in(&a, h)
    };
    ok(&preview(&[]));
    fails(
        &preview(&["--dataset", "fashion-mnist"]),
        "an export of mnist, not fashion-mnist",
    );
    let labels = h.join("ex/t10k-labels-idx1-ubyte");
    let mut b = read(&labels);
    let last = b.len() - 1;
    b[last] ^= 1;
    std::fs::write(&labels, &b).unwrap();
    fails(
        &preview(&[]),
        "t10k-labels-idx1-ubyte: changed since it was exported",
    );
    std::fs::write(h.join("ex/manifest.json"), "junk").unwrap();
    fails(&preview(&[]), "not an aen export manifest");
}

/// A disk that fills while outputs are written: the command fails, and the outputs of
/// the earlier run are all still whole. Needs a small tmpfs (root); skipped otherwise.
#[test]
fn on_a_full_disk_every_earlier_output_survives_whole() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let disk = h.join("disk");
    std::fs::create_dir(&disk).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
        .arg(&disk)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("skipped: cannot mount a small tmpfs here (needs root)");
        return;
    }
    let result = std::panic::catch_unwind(|| {
        ok(&run(
            &[
                "search",
                "--max-models",
                "2",
                "--snapshot",
                "s.json",
                "--out",
                "disk/o",
            ],
            h,
        ));
        let t = crate::compare::synthetic();
        std::fs::write(h.join("t.csv"), table::render(&t.header, &t.rows)).unwrap();
        ok(&aen_in(&["sweep", "report", "t.csv", "--out", "disk/r"], h));
        let files = |dir: &str| dir_files(&disk.join(dir));
        let (o, r) = (files("o"), files("r"));
        // Fill the disk to the last few KiB.
        let free = |_: ()| {
            let out = Command::new("df")
                .args(["-B1", "--output=avail"])
                .arg(&disk)
                .output();
            let text = String::from_utf8_lossy(&out.unwrap().stdout).into_owned();
            text.lines().nth(1).unwrap().trim().parse::<u64>().unwrap()
        };
        let fill = free(()).saturating_sub(8 << 10);
        std::fs::write(disk.join("filler"), vec![0u8; fill as usize]).unwrap();
        fails(
            &aen_in(
                &[
                    "search",
                    "--resume",
                    "s.json",
                    "--max-models",
                    "4",
                    "--out",
                    "disk/o",
                ],
                h,
            ),
            "No space left",
        );
        fails(
            &aen_in(&["sweep", "report", "t.csv", "--out", "disk/r"], h),
            "No space left",
        );
        assert_eq!(files("o"), o, "the search's outputs changed");
        assert_eq!(files("r"), r, "the report's outputs changed");
        assert_eq!(temporaries(&disk), Vec::<String>::new());
    });
    let _ = Command::new("umount").arg(&disk).status();
    if let Err(p) = result {
        std::panic::resume_unwind(p);
    }
}

/// A table holding what no run can make is refused, naming it; one saved with CRLF
/// line ends or a byte order mark reads as the table it is.
#[test]
fn impossible_tables_are_refused_and_crlf_or_a_bom_are_read() {
    let t = crate::compare::synthetic();
    let text = table::render(&t.header, &t.rows);
    let plain = table::parse(&text).unwrap().table.rows.len();
    let crlf = text.replace('\n', "\r\n");
    assert_eq!(table::parse(&crlf).unwrap().table.rows.len(), plain);
    let bom = format!("\u{feff}{text}");
    let read = table::parse(&bom).unwrap();
    assert_eq!(read.table.rows.len(), plain);
    assert_eq!(read.complete_len as usize, bom.len());
    let home = tempfile::tempdir().unwrap();
    let p = home.path().join("bom.csv");
    std::fs::write(&p, &bom).unwrap();
    table::read_header(&p).unwrap();
    for (from, to, says) in [
        ("\"step\":4", "\"step\":0", "step 0 is impossible"),
        ("\"epochs\":1", "\"epochs\":0", "epochs 0"),
        (
            "\"train_size\":100",
            "\"train_size\":0",
            "split 0 / 50 / 50",
        ),
        ("\"lr\":0.001", "\"lr\":-1e308", "learning rate"),
        (
            "\"data_sha256\":\"0\"",
            "\"data_sha256\":\"zz\"",
            "data_sha256 `zz`",
        ),
        (
            ",1000,",
            ",18446744073709551615,",
            "parameters is impossible",
        ),
    ] {
        assert!(text.contains(from), "{from}");
        let bad = text.replacen(from, to, 1);
        let e = format!("{:#}", table::parse(&bad).unwrap_err());
        assert!(e.contains(says), "{from}: {e}");
    }
}

/// One exit-code scheme: 2 for a command line that is wrong (clap's errors and values
/// out of range alike), 1 for everything else; a non-UTF-8 path names its flag; a
/// name near the file system's limit works as an output.
#[test]
fn usage_errors_exit_2_and_name_their_flag_and_long_names_work() {
    use std::os::unix::ffi::OsStrExt;
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    for args in [
        vec!["train", "--seeds", "0"],
        vec!["sweep", "--seeds", "0", "--out", "x.csv"],
        vec!["reproduce", "--seeds", "1", "--out", "r"],
        vec!["search", "--max-models", "0"],
        vec!["compare", "--table", "none.csv", "--jobs", "100000"],
        vec!["search", "--no-such-flag"],
    ] {
        let o = aen_in(&args, h);
        assert_eq!(
            o.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let bad = std::ffi::OsStr::from_bytes(b"x\xff.csv");
    let o = crate::common::aen()
        .args(["search", "--table"])
        .arg(bad)
        .current_dir(h)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("--table"),
        "{o:?}"
    );
    std::fs::write(h.join("states.txt"), "000000000000,000000000001,\n").unwrap();
    fails(
        &run(&["sweep", "--states", "states.txt", "--out", "s.csv"], h),
        "has an empty item",
    );
    // 240 bytes: the lock and temporary names beside it must still fit.
    let long = format!("{}.csv", "a".repeat(236));
    ok(&run(&["sweep", "--max-groups", "0", "--out", &long], h));
    let long = format!("{}.json", "b".repeat(250));
    ok(&run(
        &["search", "--max-models", "1", "--snapshot", &long],
        h,
    ));
}

/// What the hostile review of this change found, each refused before any work: a
/// search's table under its own outputs, a stray data file beside an export, a link
/// planted as a lock file, and a resume asking for fewer models than it has.
#[test]
fn the_reviews_second_round_is_refused() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let t = crate::compare::synthetic();
    let text = table::render(&t.header, &t.rows);
    std::fs::create_dir_all(h.join("ot")).unwrap();
    std::fs::write(h.join("ot/models.csv"), &text).unwrap();
    std::fs::write(h.join("ft.csv"), &text).unwrap();
    for args in [
        vec![
            "search",
            "--max-models",
            "2",
            "--table",
            "ot/models.csv",
            "--out",
            "ot",
        ],
        vec![
            "search",
            "--max-models",
            "2",
            "--table",
            "ft.csv",
            "--snapshot",
            "ft.csv",
            "--overwrite",
        ],
    ] {
        fails(&run(&args, h), "would be overwritten");
    }
    assert_eq!(read(&h.join("ot/models.csv")), text.as_bytes());
    assert_eq!(read(&h.join("ft.csv")), text.as_bytes());
    // A gzipped twin beside an export's file would be read instead of it.
    ok(&run(&["data", "export", "--out", "ex"], h));
    std::fs::write(h.join("ex/t10k-labels-idx1-ubyte.gz"), b"twin").unwrap();
    let o = aen_in(
        &[
            "data",
            "preview",
            "--ascii",
            "--count",
            "1",
            "--source",
            "data-dir",
            "--data-dir",
            "ex",
        ],
        h,
    );
    fails(&o, "is not a file of the export");
    // A link planted where a lock file goes is not written through.
    std::fs::write(h.join("precious.txt"), "keep").unwrap();
    std::os::unix::fs::symlink("precious.txt", h.join("v.csv.lock")).unwrap();
    fails(
        &run(&["sweep", "--max-groups", "0", "--out", "v.csv"], h),
        "a lock file must be a plain file",
    );
    assert_eq!(read(&h.join("precious.txt")), b"keep");
    // A resume asking for fewer models than it has stops before any work.
    ok(&run(
        &["search", "--max-models", "3", "--snapshot", "s.json"],
        h,
    ));
    fails(
        &aen_in(&["search", "--resume", "s.json", "--max-models", "2"], h),
        "max models must be at least 3",
    );
    // A negative value is a value out of range, not an unknown flag.
    let o = aen_in(&["search", "--lr", "-1"], h);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("child.lr"),
        "{o:?}"
    );
}

/// Ctrl-C (or SIGTERM) stops a comparison at once, exits 130 and writes nothing partial.
#[test]
fn an_interrupted_comparison_stops_exits_130_and_writes_nothing() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let t = crate::compare::synthetic();
    std::fs::write(h.join("t.csv"), table::render(&t.header, &t.rows)).unwrap();
    for signal in [libc::SIGINT, libc::SIGTERM] {
        let child = start(
            &[
                "compare",
                "--table",
                "t.csv",
                "--strategies",
                "dqn",
                "--repeats",
                "500",
                "--budget",
                "300",
                "--jobs",
                "1",
                "--equivalence",
                "none",
                "--out",
                "c",
            ],
            h,
        );
        std::thread::sleep(std::time::Duration::from_millis(1500));
        unsafe { libc::kill(child.id() as i32, signal) };
        let o = child.wait_with_output().unwrap();
        assert_eq!(
            o.status.code(),
            Some(130),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(String::from_utf8_lossy(&o.stderr).contains("interrupted"));
        assert!(!h.join("c/regret.csv").exists());
    }
}

/// Tables are read and written through the `csv` crate: the committed tables render
/// back byte for byte (the group names quoted, as aen always wrote them), and a table
/// re-saved with every field quoted and CRLF line ends, as a spreadsheet or pandas
/// saves one, reads as the same rows.
#[test]
fn committed_tables_render_back_unchanged_and_quoted_fields_read() {
    for path in [
        "bench/results/sweep-mnist-p2.csv",
        "bench/results/sweep-fmnist-p1.csv",
    ] {
        let text = std::fs::read_to_string(path).unwrap();
        let t = table::parse(&text).unwrap().table;
        assert_eq!(table::render(&t.header, &t.rows), text, "{path}");
    }
    let t = crate::compare::synthetic();
    let text = table::render(&t.header, &t.rows);
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let names: Vec<String> = (lines.next().unwrap().split(','))
        .map(|n| format!("\"{n}\""))
        .collect();
    let mut quoted = format!("{header}\r\n{}\r\n", names.join(","));
    for line in lines {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(line.as_bytes());
        let rec = r.records().next().unwrap().unwrap();
        let fields: Vec<String> = rec.iter().map(|f| format!("\"{f}\"")).collect();
        quoted.push_str(&fields.join(","));
        quoted.push_str("\r\n");
    }
    assert!(
        quoted.contains("\"000000000000\",\"plain\",\"0\""),
        "{quoted}"
    );
    assert_eq!(table::parse(&quoted).unwrap().table.rows, t.rows);
    // A field that is not closed is a clear error naming its line.
    let broken = text.replacen(",\"plain\",", ",\"plain,", 1);
    let e = format!("{:#}", table::parse(&broken).unwrap_err());
    assert!(e.contains("line 3"), "{e}");
}
