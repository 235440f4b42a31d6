//! Tables and states files `aen sweep` is given: bad tables are clear errors, states files
//! take every form, and --max-groups filters.

use super::{fails, ok, reference, rows, sweep};
use crate::common::aen_in as aen;
use aen_core::groups::GroupSet;
use aen_engine::sweep::table;
use std::path::Path;

#[test]
fn bad_tables_are_clear_errors() {
    let (_, reference) = reference();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.csv");
    let run = |p: &Path| sweep(&["--max-groups", "1", "--seeds", "2"], p, dir.path());

    std::fs::write(&p, "state,acc\n1,2\n").unwrap();
    let e = fails(&run(&p));
    assert!(
        e.contains("t.csv") && e.contains("not an aen sweep table"),
        "{e}"
    );

    std::fs::write(&p, [0xffu8, 0xfe, 0x00]).unwrap();
    let e = fails(&run(&p));
    assert!(e.contains("not an aen sweep table"), "{e}");

    let text = std::fs::read_to_string(reference).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[5] = lines[5].replace(",\"", ",\"rot90,");
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    let e = fails(&run(&p));
    assert!(e.contains("line 6") && e.contains("do not match"), "{e}");

    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines.push(lines[4].clone());
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    let e = fails(&run(&p));
    assert!(
        e.contains("line 29") && e.contains("already on line 5"),
        "{e}"
    );

    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[2] = lines[2].replacen(",0,", ",7,", 1);
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    let e = fails(&run(&p));
    assert!(
        e.contains("line 3") && e.contains("seed 7 is not in"),
        "{e}"
    );

    // The header alone (what the TUI reads to pass over tables of other settings).
    let whole = aen_engine::sweep::table::read(Path::new(&reference)).unwrap();
    let head = aen_engine::sweep::table::read_header(Path::new(&reference)).unwrap();
    assert_eq!(head, whole.table.header);
    let junk = dir.path().join("junk.csv");
    std::fs::write(&junk, "state,acc\n1,2\n").unwrap();
    assert!(aen_engine::sweep::table::read_header(&junk).is_err());

    // A header's seed count is bounded before any row is listed: a tiny file cannot
    // ask for billions of rows.
    let huge = text
        .lines()
        .next()
        .unwrap()
        .replacen("\"seeds\":2", "\"seeds\":4294967295", 1);
    std::fs::write(
        &p,
        format!("{huge}\n{}\n", aen_engine::sweep::table::COLUMNS),
    )
    .unwrap();
    let e = fails(&aen(&["sweep", "report", p.to_str().unwrap()], dir.path()));
    assert!(
        e.contains("4294967295 seeds (a table holds 1 to 1000)"),
        "{e}"
    );
    let e = fails(&sweep(
        &["--max-groups", "1", "--seeds", "1001"],
        &p,
        dir.path(),
    ));
    assert!(e.contains("1001 is not in 1..=1000"), "{e}");

    let other = text.replacen("\"epochs\":1", "\"epochs\":3", 1);
    std::fs::write(&p, other).unwrap();
    let e = fails(&run(&p));
    assert!(
        e.contains("other settings") && e.contains("epochs 3 vs 1"),
        "{e}"
    );

    let e = fails(&aen(
        &[
            "sweep",
            "report",
            dir.path().join("none.csv").to_str().unwrap(),
        ],
        dir.path(),
    ));
    assert!(e.contains("none.csv"), "{e}");

    for bad in ["3/3", "0/0", "x/2", "1"] {
        let e = fails(&sweep(&["--shard", bad], &p, dir.path()));
        assert!(e.contains("shard"), "{bad}: {e}");
    }
    let e = fails(&aen(&["sweep", "--source", "embedded"], dir.path()));
    assert!(e.contains("--out TABLE is required"), "{e}");
}

#[test]
fn states_files_take_every_form_and_max_groups_filters() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("states.txt");
    std::fs::write(
        &list,
        "# names, bits, presets, none, all, and a line of vectors\nrot90,hflip\n001000000000\npreset:2\nnone\nall\n\n000100000000, 000010000000\nrot90 , hflip\n",
    )
    .unwrap();
    let out = dir.path().join("s.csv");
    let l = list.to_str().unwrap();
    let o = sweep(&["--states", l, "--json"], &out, dir.path());
    ok(&o);
    let events: Vec<serde_json::Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(events[0]["event"], "started");
    assert_eq!(events.last().unwrap()["event"], "finished");
    assert_eq!(events.iter().filter(|e| e["event"] == "row").count(), 7);
    let got: Vec<GroupSet> = table::read(&out)
        .unwrap()
        .table
        .rows
        .iter()
        .map(|r| r.state)
        .collect();
    let want: Vec<GroupSet> = [
        "none",
        "rot90,hflip",
        "vflip",
        "htrans",
        "vtrans",
        "preset:2",
        "all",
    ]
    .iter()
    .map(|s| GroupSet::parse(s).unwrap())
    .collect::<std::collections::BTreeSet<_>>()
    .into_iter()
    .collect();
    assert_eq!(got, want);

    let out2 = dir.path().join("s2.csv");
    ok(&sweep(
        &["--states", l, "--max-groups", "2"],
        &out2,
        dir.path(),
    ));
    assert_eq!(rows(&out2).len(), 5);

    std::fs::write(&list, "rot90\nrot91\n").unwrap();
    let e = fails(&sweep(&["--states", l], &out2, dir.path()));
    assert!(
        e.contains("line 2") && e.contains("rot91") && e.contains("valid names"),
        "{e}"
    );
}
