//! Classes on the command line and on disk: sweeps train each class once, old tables and
//! snapshots keep their meaning, `aen orbits classes`, shards, and `aen search`'s count.

use super::classes;
use crate::common;
use crate::common::aen_in as aen;
use aen_core::classes::SPACE;
use aen_core::groups::{GroupSet, Shift};
use aen_engine::settings::{Equivalence, Settings};
use aen_engine::sweep::table::{Identity, Row};
use std::collections::HashMap;
use std::path::Path;

const TINY: &[&str] = common::TINY_CHILD;

/// Rows of one class at one seed carry one network; exactly one of them is marked
/// trained, and the table says so in its class column.
#[test]
fn a_sweep_trains_each_class_once_per_seed_and_fills_every_row() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    // Two whole classes and a part of a third.
    let c = classes(Shift::Step(4));
    let picks: Vec<GroupSet> = (c.all()[3..5].iter().flat_map(|k| k.members.clone()))
        .chain(c.all()[6].members[..5].iter().copied())
        .collect();
    let list: String = picks.iter().map(|s| s.bit_string() + "\n").collect();
    let states = h.join("states.txt");
    std::fs::write(&states, list).unwrap();
    let states = states.to_str().unwrap();
    let out = h.join("t.csv");
    let mut a = vec!["sweep", "--states", states, "--seeds", "2", "--out"];
    a.push(out.to_str().unwrap());
    a.extend_from_slice(TINY);
    let run = aen(&a, h);
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{err}");
    assert!(err.contains("training 6 networks"), "{err}");
    let t = aen_engine::sweep::table::read(&out).unwrap().table;
    assert_eq!(t.rows.len(), picks.len() * 2);
    let mut by: HashMap<(GroupSet, u32), Vec<&Row>> = HashMap::new();
    for r in &t.rows {
        assert_eq!(r.class, c.closure(r.state));
        by.entry((r.class, r.seed)).or_default().push(r);
    }
    assert_eq!(by.len(), 6);
    // The report counts each network once, with the sets that build it.
    let report = aen_engine::sweep::report::Report::new(&t);
    assert_eq!((report.states.len(), report.sets), (3, picks.len()));
    let sets: usize = report.states.iter().map(|s| s.members).sum();
    assert_eq!(sets, picks.len());
    assert!(report.to_text().contains("3 networks"));
    for rows in by.values() {
        assert_eq!(rows.iter().filter(|r| r.trained).count(), 1);
        assert!(rows.iter().all(|r| r.val_acc == rows[0].val_acc));
        assert!(rows.iter().all(|r| r.trained || r.seconds == 0.0));
    }
    // The same rows under none differ within a class: each state is its own network.
    let none = h.join("n.csv");
    let mut a = vec!["sweep", "--equivalence", "none", "--out"];
    a.push(none.to_str().unwrap());
    a.extend_from_slice(&["--states", states]);
    a.extend_from_slice(TINY);
    assert!(aen(&a, h).status.success());
    let t = aen_engine::sweep::table::read(&none).unwrap().table;
    assert!(t.rows.iter().all(|r| r.trained && r.class == r.state));
    assert_eq!(t.header.settings.equivalence, "none");
}

/// A table made before classes (v1) reads as `none`, and a sweep continues it as v1.
#[test]
fn a_v1_table_reads_as_none_and_continues_as_v1() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let out = h.join("old.csv");
    std::fs::write(h.join("plain.txt"), "plain\nrot90\n").unwrap();
    let states = h.join("plain.txt");
    let mut a = vec!["sweep", "--equivalence", "none", "--out"];
    a.push(out.to_str().unwrap());
    a.extend_from_slice(&["--states", states.to_str().unwrap()]);
    a.extend_from_slice(TINY);
    assert!(aen(&a, h).status.success());
    // Rewrite it as aen 0.1 wrote it: the v1 magic, no class columns.
    let text = std::fs::read_to_string(&out).unwrap();
    let mut lines = text.lines();
    let header = lines
        .next()
        .unwrap()
        .replace("aen-sweep v2", "aen-sweep v1");
    let _columns = lines.next();
    let mut v1 = format!("{header}\nstate_bits,groups,seed,val_acc,test_acc,params,seconds\n");
    for l in lines {
        let cut: Vec<&str> = l.rsplitn(3, ',').collect();
        v1.push_str(cut[2]);
        v1.push('\n');
    }
    std::fs::write(&out, &v1).unwrap();
    let t = aen_engine::sweep::table::read(&out).unwrap().table;
    assert_eq!(
        (t.header.version, t.header.settings.equivalence.as_str()),
        (1, "none")
    );
    assert!(t.rows[0].trained);
    // Continuing it (same command) keeps v1 and rewrites it unchanged.
    assert!(aen(&a, h).status.success());
    assert_eq!(std::fs::read_to_string(&out).unwrap(), v1);
    // Under closure it does not fit.
    let mut b = vec!["sweep", "--out"];
    b.push(out.to_str().unwrap());
    b.extend_from_slice(&["--states", states.to_str().unwrap()]);
    b.extend_from_slice(TINY);
    let e = String::from_utf8_lossy(&aen(&b, h).stderr).to_string();
    assert!(e.contains("equivalence"), "{e}");
}

#[test]
fn snapshots_before_version_3_resume_under_none() {
    let dir = tempfile::tempdir().unwrap();
    let s = aen_engine::snapshot::Snapshot::new(
        Settings::default(),
        &aen_engine::search::RunInfo {
            dataset: "mnist".into(),
            source: "embedded".into(),
            data_groups: GroupSet::EMPTY,
            device: "cpu".into(),
            settings: Settings::default(),
            snapshot_path: dir.path().join("s.json"),
            prior_seconds: 0.0,
        },
        Default::default(),
        None,
        0.0,
    );
    let mut v: serde_json::Value = serde_json::to_value(&s).unwrap();
    v["version"] = 2.into();
    v["settings"]["search"]
        .as_object_mut()
        .unwrap()
        .remove("equivalence");
    let p = dir.path().join("old.json");
    std::fs::write(&p, serde_json::to_vec(&v).unwrap()).unwrap();
    let old = aen_engine::snapshot::load(&p).unwrap();
    assert_eq!(old.settings.search.equivalence, Equivalence::None);
    let p3 = dir.path().join("new.json");
    aen_engine::snapshot::save(&s, &p3).unwrap();
    let new = aen_engine::snapshot::load(&p3).unwrap();
    assert_eq!(new.version, 3);
    assert_eq!(new.settings.search.equivalence, Equivalence::Closure);
}

#[test]
fn aen_orbits_classes_lists_every_class_as_text_and_json() {
    let home = tempfile::tempdir().unwrap();
    let o = aen(&["orbits", "--classes"], home.path());
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success());
    assert!(
        text.starts_with("4,096 group sets, 216 distinct networks (step 4"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 2 + 216);
    let o = aen(
        &[
            "orbits",
            "--classes",
            "--json",
            "--translation",
            "compatible",
        ],
        home.path(),
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["networks"], 148);
    let sizes: usize = (v["classes"].as_array().unwrap().iter())
        .map(|c| c["size"].as_u64().unwrap() as usize)
        .sum();
    assert_eq!(sizes, SPACE);
    let e = aen(&["orbits", "--json"], home.path());
    assert!(!e.status.success());
}

#[test]
fn the_identity_of_a_table_names_its_equivalence() {
    let s = Settings::default();
    let id: Identity = aen_engine::sweep::table::identity_of(&s, "mnist", "embedded", "0".into());
    assert_eq!(id.equivalence, "closure");
    let mut none = s.clone();
    none.search.equivalence = Equivalence::None;
    // Every set has its row in a closure table: a search without classes may read it.
    id.fits(&none).unwrap();
    // A table without classes cannot serve a search by classes.
    let id_none = aen_engine::sweep::table::identity_of(&none, "mnist", "embedded", "0".into());
    let e = id_none.fits(&s).unwrap_err().to_string();
    assert!(
        e.contains("search.equivalence is closure here, none in the table"),
        "{e}"
    );
    // Children per pass change results at float precision: a table records them.
    let mut batched = s.clone();
    batched.child.per_pass = 8;
    let e = id.fits(&batched).unwrap_err().to_string();
    assert!(
        e.contains("child.per_pass (children per pass) is 8 here, 1 in the table"),
        "{e}"
    );
    // An old header (no equivalence, no per_pass) reads as none and one per pass.
    let json = serde_json::to_string(&id).unwrap();
    assert!(!json.contains("per_pass"), "left out at 1: {json}");
    let old = json.replace(",\"equivalence\":\"closure\"", "");
    let old: Identity = serde_json::from_str(&old).unwrap();
    assert_eq!((old.equivalence.as_str(), old.per_pass), ("none", 1));
}

/// The table without its seconds column, which comes before `class` and `trained`.
fn no_seconds(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .map(|l| match l.rsplitn(4, ',').collect::<Vec<_>>()[..] {
            [t, c, _, rest] if !l.starts_with('#') && !l.starts_with("state_bits") => {
                format!("{rest},{c},{t}")
            }
            _ => l.to_string(),
        })
        .collect()
}

/// Shards deal out whole classes: no network is trained by two shards, and the merged
/// table equals one process's, at one and at two jobs.
#[test]
fn shards_of_classes_merge_into_the_one_process_table() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    // The 79 sets of at most two groups hold many equivalent pairs.
    let sweep = |extra: &[&str], out: &Path| {
        let mut a = vec!["sweep", "--max-groups", "2", "--out", out.to_str().unwrap()];
        a.extend_from_slice(extra);
        a.extend_from_slice(TINY);
        let o = aen(&a, h);
        let err = String::from_utf8_lossy(&o.stderr).to_string();
        assert!(o.status.success(), "{err}");
        err
    };
    let one = h.join("one.csv");
    let err = sweep(&["--jobs", "1"], &one);
    let c = classes(Shift::Step(4));
    let states = aen_engine::sweep::all_states(Some(2));
    let mut nets: Vec<GroupSet> = states.iter().map(|&s| c.closure(s)).collect();
    nets.sort();
    nets.dedup();
    assert!(nets.len() < states.len());
    assert!(
        err.contains(&format!("training {} networks", nets.len())),
        "{err}"
    );
    let two = h.join("two.csv");
    sweep(&["--jobs", "2"], &two);
    assert_eq!(no_seconds(&one), no_seconds(&two));
    let mut parts = Vec::new();
    let mut trained = 0;
    for k in 0..3 {
        let p = h.join(format!("part-{k}.csv"));
        let shard = format!("{k}/3");
        let err = sweep(&["--shard", &shard], &p);
        let n: usize = err
            .split("training ")
            .nth(1)
            .and_then(|t| t.split(' ').next())
            .and_then(|t| t.parse().ok())
            .unwrap();
        trained += n;
        let t = aen_engine::sweep::table::read(&p).unwrap().table;
        for r in &t.rows {
            // A shard holds every set of each of its classes.
            let members = states.iter().filter(|&&s| c.closure(s) == r.class);
            assert!(
                members
                    .clone()
                    .all(|&m| t.rows.iter().any(|x| x.state == m))
            );
        }
        parts.push(p);
    }
    assert_eq!(trained, nets.len(), "each network trained by one shard");
    let merged = h.join("merged.csv");
    let mut a = vec!["sweep", "merge"];
    a.extend(parts.iter().map(|p| p.to_str().unwrap()));
    a.extend(["--out", merged.to_str().unwrap()]);
    assert!(aen(&a, h).status.success());
    assert_eq!(no_seconds(&merged), no_seconds(&one));
}

#[test]
fn aen_search_names_the_networks_of_the_space() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let (snap, snap2) = (h.join("s.json"), h.join("s2.json"));
    let mut a = vec![
        "search",
        "--max-models",
        "3",
        "--snapshot",
        snap.to_str().unwrap(),
    ];
    a.extend_from_slice(TINY);
    let o = aen(&a, h);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("4,096 group sets, 216 distinct networks"),
        "{err}"
    );
    a.extend_from_slice(&["--equivalence", "none"]);
    a[4] = snap2.to_str().unwrap();
    let o = aen(&a, h);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("4,096 group sets, each its own network"),
        "{err}"
    );
}
