//! What review found, each refused before any work: impossible tables, usage errors with
//! exit 2, the second round's findings, an interrupted comparison, and tables read back.

use super::{fails, ok, read, run, start};
use crate::common::aen_at as aen_in;
use aen_engine::sweep::table;

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
