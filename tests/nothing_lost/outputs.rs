//! Outputs never overwrite inputs and are replaced whole or not at all: a failing export,
//! links written through, a folder of data refused, and a full disk.

use super::{dir_files, fails, ok, read, run, temporaries};
use crate::common::{aen_at as aen_in, write_set};
use aen_engine::sweep::table;
use std::process::{Command, Stdio};

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
