//! Searching against a ground-truth table: it follows the trained search exactly on the
//! states it visits, and `aen compare` ranks strategies by regret on a table with a
//! known answer.

use crate::common;

use aen_core::groups::GroupSet;
use aen_engine::compare::{self, GroundTruth};
use aen_engine::settings::{Settings, StrategyKind};
use aen_engine::sweep::table::{self, Header, Row, StateSet, Table};
use std::path::Path;
use std::process::Output;
use std::sync::Arc;

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
];

fn aen(args: &[&str], home: &Path) -> Output {
    common::aen_at(args, home)
}

fn ok(o: &Output) -> String {
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(o.status.success(), "{err}");
    String::from_utf8_lossy(&o.stdout).to_string() + &err
}

#[test]
fn a_table_search_follows_the_trained_search_on_the_states_it_visits() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let search = |extra: &[&str]| {
        let mut a = vec![
            "search",
            "--max-models",
            "14",
            "--episode-len",
            "10",
            "--q-batch",
            "8",
        ];
        a.extend_from_slice(TINY);
        a.extend_from_slice(extra);
        aen(&a, h)
    };
    ok(&search(&["--snapshot", "trained.json", "--out", "trained"]));
    let trained = aen_engine::snapshot::load(&h.join("trained.json")).unwrap();
    // The ground truth of exactly the visited states, trained by `aen sweep`.
    let states: String = trained
        .history
        .models
        .iter()
        .map(|m| format!("{}\n", m.state.bit_string()))
        .collect();
    std::fs::write(h.join("states.txt"), states).unwrap();
    let mut a = vec!["sweep", "--states", "states.txt", "--out", "t.csv"];
    a.extend_from_slice(TINY);
    ok(&aen(&a, h));
    ok(&search(&[
        "--table",
        "t.csv",
        "--snapshot",
        "looked.json",
        "--out",
        "looked",
    ]));
    let looked = aen_engine::snapshot::load(&h.join("looked.json")).unwrap();
    let path = |s: &aen_engine::snapshot::Snapshot| {
        s.history
            .steps
            .iter()
            .map(|x| (x.state, x.action, x.val_acc.to_bits(), x.q_values.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(path(&trained), path(&looked));
    // Other child settings than the table's are refused.
    let o = search(&["--table", "t.csv", "--batch", "32", "--snapshot", "x.json"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("child.batch is 32 here, 64 in the table"));
}

/// A whole table whose true best is known: accuracy rises with the groups of `target`
/// present and falls with the others; two seeds add a fixed noise.
pub(crate) fn synthetic() -> Table {
    let target = 0b0000_0011_0011u16;
    let states: Vec<GroupSet> = (0..4096u16).map(GroupSet::from_bits).collect();
    let rows = states
        .iter()
        .flat_map(|s| {
            let good = (s.bits() & target).count_ones() as f64;
            let bad = (s.bits() & !target).count_ones() as f64;
            let acc = 50.0 + 8.0 * good - 2.0 * bad;
            (0..2u32).map(move |k| Row {
                state: *s,
                seed: k,
                val_acc: acc + if k == 0 { 0.3 } else { -0.3 },
                test_acc: acc,
                params: 1000 + s.bits() as usize,
                seconds: 0.0,
                class: *s,
                trained: true,
            })
        })
        .collect();
    Table {
        header: Header {
            settings: common::tiny_identity(GroupSet::from_bits(target)),
            seeds: 2,
            states: StateSet::new(&states),
            shard: None,
            version: 2,
        },
        rows,
    }
}

#[test]
fn regret_falls_to_zero_once_the_best_state_is_found() {
    let truth = Arc::new(GroundTruth::new(&synthetic()).unwrap());
    assert_eq!(truth.best(), 82.0);
    let mut s = Settings::default();
    s.search.q_batch = 16;
    // The synthetic table gives every state its own accuracy.
    s.search.equivalence = aen_engine::settings::Equivalence::None;
    let kinds = [
        StrategyKind::Random,
        StrategyKind::Local,
        StrategyKind::Evolution,
        StrategyKind::Dqn,
    ];
    let results = compare::compare(&s, truth.clone(), &kinds, 3, 200, 2, &|_, _| {}).unwrap();
    for r in &results {
        for c in &r.curves {
            assert_eq!(c.len(), 200);
            // Validation here ranks states as the truth does, so regret never rises.
            assert!(
                c.windows(2).all(|w| w[1] <= w[0] + 1e-9),
                "{:?}",
                r.strategy
            );
            assert!(c[0] >= 0.0);
        }
    }
    // Hill climbing on this smooth landscape reaches the best within 200 models.
    let local = &results[1];
    assert!(
        local.to_best.iter().all(|n| n.is_some()),
        "{:?}",
        local.to_best
    );
    assert_eq!(local.regret_at(200).0, 0.0);
    // Random search over all 4,096 states sees the best by the end.
    let full =
        compare::compare(&s, truth, &[StrategyKind::Random], 1, 4096, 1, &|_, _| {}).unwrap();
    assert_eq!(full[0].regret_at(4096).0, 0.0);
}

#[test]
fn aen_compare_writes_curves_plots_and_a_summary_and_refuses_a_partial_table() {
    let home = tempfile::tempdir().unwrap();
    let t = synthetic();
    std::fs::write(home.path().join("t.csv"), table::render(&t.header, &t.rows)).unwrap();
    let out = ok(&aen(
        &[
            "compare",
            "--table",
            "t.csv",
            "--repeats",
            "2",
            "--budget",
            "40",
            "--q-batch",
            "16",
            "--equivalence",
            "none",
            "--out",
            "cmp",
        ],
        home.path(),
    ));
    assert!(out.contains("true best mean test accuracy 82.00%"), "{out}");
    for s in ["dqn", "random", "local", "evolution"] {
        assert!(out.contains(s), "{out}");
    }
    for f in ["regret.csv", "runs.csv", "regret.png", "summary.txt"] {
        assert!(home.path().join("cmp").join(f).exists(), "{f}");
    }
    let half = Table {
        rows: t.rows[..4000].to_vec(),
        ..t.clone()
    };
    std::fs::write(
        home.path().join("half.csv"),
        table::render(&half.header, &half.rows),
    )
    .unwrap();
    let o = aen(
        &["compare", "--table", "half.csv", "--out", "c2"],
        home.path(),
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("needs the whole space"));
    // Counting networks by class needs a table whose classes share their rows.
    let o = aen(&["compare", "--table", "t.csv", "--out", "c3"], home.path());
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && e.contains("--equivalence none"),
        "{e}"
    );
}

#[test]
fn tables_that_are_not_files_and_zero_jobs_are_clear_errors_not_hangs() {
    let home = tempfile::tempdir().unwrap();
    for args in [
        vec!["compare", "--table", "/dev/zero"],
        vec!["sweep", "report", "/dev/zero"],
        vec!["search", "--table", "/dev/zero"],
    ] {
        let o = aen(&args, home.path());
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("not a regular file"),
            "{args:?}"
        );
    }
    let t = synthetic();
    std::fs::write(home.path().join("t.csv"), table::render(&t.header, &t.rows)).unwrap();
    // Bounds on what the machine can do, before any work: threads, runs, shards.
    for (flag, value, says) in [
        (
            "--jobs",
            "100000",
            "--jobs must be 0 (one per core) to 1024",
        ),
        ("--repeats", "100000000000", "--repeats must be 1 to 10000"),
    ] {
        let o = aen(&["compare", "--table", "t.csv", flag, value], home.path());
        let e = String::from_utf8_lossy(&o.stderr);
        assert!(
            o.status.code() == Some(2) && e.contains(says),
            "{flag} {value}: {e}"
        );
    }
    let o = aen(
        &["sweep", "--shard", "0/100000000", "--out", "s.csv"],
        home.path(),
    );
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("at most 4096 parts"), "{e}");
    // A merge into a folder fails whole, leaving no temporary file.
    std::fs::create_dir(home.path().join("dd")).unwrap();
    let o = aen(&["sweep", "merge", "t.csv", "--out", "dd"], home.path());
    assert_eq!(o.status.code(), Some(1));
    let left: Vec<_> = std::fs::read_dir(home.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// `--max-episodes` is honoured: a DQN with one-step episodes stops after them (it once
/// ran 100,000 episodes instead), keeping its last regret for the rest of the budget.
#[test]
fn a_comparison_honours_max_episodes() {
    let home = tempfile::tempdir().unwrap();
    let t = synthetic();
    std::fs::write(home.path().join("t.csv"), table::render(&t.header, &t.rows)).unwrap();
    let args = [
        "compare",
        "--table",
        "t.csv",
        "--strategies",
        "dqn",
        "--repeats",
        "2",
        "--budget",
        "100",
        "--episode-len",
        "1",
        "--max-episodes",
        "5",
        "--equivalence",
        "none",
        "--out",
        "c",
    ];
    let out = ok(&aen(&args, home.path()));
    assert!(out.contains("dqn"), "{out}");
    let runs = std::fs::read_to_string(home.path().join("c/runs.csv")).unwrap();
    assert_eq!(runs.lines().count(), 3, "{runs}");
}
