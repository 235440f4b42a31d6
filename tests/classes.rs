//! Equivalence classes of group sets (docs/method.md §11): the closure is checked
//! against the definition (identical orbit arrays) by brute force on a sample, it is a
//! closure operator on all 4,096 states, equivalent states train the same network bit
//! for bit, sweeps train each class once, searches count networks, and old snapshots
//! and tables keep their meaning.

use crate::common;
use crate::common::aen_in as aen;

use aen_core::classes::{Classes, Grid, SPACE};
use aen_core::groups::{GroupSet, Shift};
use aen_core::orbits::{ChildOrbits, Shape};
use aen_engine::compare::{self, GroundTruth};
use aen_engine::settings::{Equivalence, Settings, StrategyKind};
use aen_engine::sweep::table::{Header, Identity, Row, StateSet, Table};
use rand::{Rng, SeedableRng};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

fn classes(grid: impl Into<Grid>) -> Arc<Classes> {
    Classes::of(grid).unwrap()
}

/// The tied network of `s` on `grid`: both layers' weight and hidden orbit arrays.
fn network(s: GroupSet, grid: Grid) -> Vec<Vec<u32>> {
    let shape = Shape {
        side: grid.side,
        ..Shape::MNIST
    };
    let o = ChildOrbits::for_shape(shape, s, grid.shift).unwrap();
    vec![o.l1.weight, o.l1.hidden, o.l2.weight, o.l2.hidden]
}

/// Two states are in one class exactly when their orbit arrays are identical, on a
/// sample of states chosen so that many share a class (subsets of a few closures)
/// and many do not (uniform states); on MNIST's 28 x 28 input and on the 8 x 8 and
/// 16 x 16 inputs of other data.
#[test]
fn the_closure_matches_identical_orbit_arrays_on_a_sample() {
    let grid = |side, shift| Grid { side, shift };
    for shift in [
        grid(28, Shift::Step(4)),
        grid(28, Shift::Order(4)),
        grid(8, Shift::Step(4)),
        grid(16, Shift::Step(2)),
    ] {
        let c = classes(shift);
        assert_eq!(c.grid(), shift);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut sample: Vec<GroupSet> = (0..40)
            .map(|_| GroupSet::from_bits(rng.gen_range(0..SPACE as u16)))
            .collect();
        // Members of a few classes, each drawn from the class itself.
        for class in c.all().iter().take(40).step_by(4) {
            for _ in 0..3 {
                sample.push(class.members[rng.gen_range(0..class.members.len())]);
            }
        }
        let named = |t: &str| GroupSet::parse(t).unwrap();
        sample.extend([
            named("rot90,hflip"),
            named("rot90,hflip,vflip"),
            named("rot90,vflip"),
            named("none"),
            named("all"),
        ]);
        let mut by_net: HashMap<Vec<Vec<u32>>, Vec<GroupSet>> = HashMap::new();
        for &s in &sample {
            by_net.entry(network(s, shift)).or_default().push(s);
        }
        for (i, &a) in sample.iter().enumerate() {
            for &b in &sample[i + 1..] {
                let same_net = by_net.values().any(|v| v.contains(&a) && v.contains(&b));
                assert_eq!(
                    c.closure(a) == c.closure(b),
                    same_net,
                    "{a} and {b} under {shift:?}"
                );
            }
        }
        // The dihedral example of the issue: adding vflip to {rot90, hflip} changes
        // nothing.
        assert_eq!(
            c.closure(named("rot90,hflip")),
            c.closure(named("rot90,hflip,vflip"))
        );
    }
}

#[test]
fn the_closure_is_a_closure_operator_on_every_state() {
    for shift in [Shift::Step(4), Shift::Order(4), Shift::Step(7)] {
        let c = classes(shift);
        for bits in 0..SPACE as u16 {
            let s = GroupSet::from_bits(bits);
            let cs = c.closure(s);
            assert_eq!(cs.bits() & bits, bits, "extensive at {s}");
            assert_eq!(c.closure(cs), cs, "idempotent at {s}");
            // Monotone along every edge of the cube, hence for every S within T.
            for g in 0..12 {
                let t = GroupSet::from_bits(bits | 1 << g);
                assert_eq!(c.closure(t).bits() & cs.bits(), cs.bits(), "monotone {s}");
            }
            assert!(c.class_of(s).members.contains(&s));
        }
        let total: usize = c.all().iter().map(|k| k.members.len()).sum();
        assert_eq!(total, SPACE);
    }
}

/// The exact counts that the README quotes, and the order of the class list.
#[test]
fn the_paper_translations_make_216_networks_and_the_compatible_ones_148() {
    let paper = classes(Shift::Step(4));
    assert_eq!(paper.len(), 216);
    assert_eq!(classes(Shift::Order(4)).len(), 148);
    let all = paper.all();
    assert!(
        all.windows(2)
            .all(|w| w[0].members.len() >= w[1].members.len())
    );
    assert_eq!(all[0].closure, GroupSet::ALL);
    assert_eq!(all[0].members.len(), 1080);
    // A class's networks are one network: the same parameter count.
    assert_eq!(paper.params(&all[0]).unwrap(), 4073);
    // Computing again (not from the cache) gives the same closures.
    let fresh = Classes::compute(Shift::Step(4)).unwrap();
    for bits in 0..SPACE as u16 {
        let s = GroupSet::from_bits(bits);
        assert_eq!(fresh.closure(s), paper.closure(s));
    }
}

fn tiny() -> Settings {
    let mut s = Settings::default();
    s.data.source = "embedded".into();
    s.child.train_size = 200;
    s.child.val_size = 100;
    s.child.test_size = 100;
    s.child.epochs = 1;
    s
}

#[test]
fn equivalent_states_train_the_same_network_under_closure_and_apart_under_none() {
    let a = GroupSet::parse("rot90,hflip").unwrap();
    let b = GroupSet::parse("rot90,hflip,vflip").unwrap();
    let train = |s: &Settings, state: GroupSet| {
        let (_, gd) = aen_engine::session::prepare_data(s).unwrap();
        let spec = aen_engine::runner::ChildSpec::from_settings(s);
        let dev = aen_core::nn::Dev::default();
        let r = aen_engine::runner::train_one(&dev, &gd, &spec, state, 0, &mut |_| {
            aen_core::train::Flow::Continue
        })
        .unwrap();
        (r.val_acc.to_bits(), r.test_acc.to_bits(), r.val_curve.len())
    };
    let closure = tiny();
    assert_eq!(train(&closure, a), train(&closure, b));
    let mut none = tiny();
    none.search.equivalence = Equivalence::None;
    // Under none each state has its own seed, as before classes: the untied state
    // {rot90, hflip} trains from the seed of its own bits.
    let seeds = |s: &Settings| {
        let spec = aen_engine::runner::ChildSpec::from_settings(s);
        (spec.train_config(a, 0).seed, spec.train_config(b, 0).seed)
    };
    let (sa, sb) = seeds(&none);
    assert_ne!(sa, sb);
    assert_eq!(sa, aen_engine::child_seed(0, a, 0));
    let (ca, cb) = seeds(&closure);
    assert_eq!(ca, cb);
    assert_eq!(
        ca,
        aen_engine::child_seed(0, b, 0),
        "the closure's own seed"
    );
}

/// A closure table whose accuracy depends on the class alone.
fn class_table(s: &Settings) -> Table {
    let c = s.classes().unwrap();
    let states = aen_engine::sweep::all_states(None);
    let rows = states
        .iter()
        .map(|&st| {
            let k = c.position(st);
            let acc = 40.0 + (k * 37 % 200) as f64 / 4.0;
            Row {
                state: st,
                seed: 0,
                val_acc: acc,
                test_acc: acc,
                params: 1000,
                seconds: 0.0,
                class: c.closure(st),
                trained: c.class_of(st).members[0] == st,
            }
        })
        .collect();
    let mut id = aen_engine::sweep::table::identity_of(s, "mnist", "embedded", "0".into());
    id.equivalence = "closure".into();
    Table {
        header: Header {
            settings: id,
            seeds: 1,
            states: StateSet::new(&states),
            shard: None,
            version: 2,
        },
        rows,
    }
}

#[test]
fn every_strategy_counts_networks_and_stops_when_every_class_is_trained() {
    let mut s = Settings::default();
    s.search.q_batch = 16;
    let table = class_table(&s);
    let truth = Arc::new(GroundTruth::new(&table).unwrap());
    let c = s.classes().unwrap();
    for kind in StrategyKind::ALL {
        let mut t = s.clone();
        t.search.strategy = kind;
        t.search.max_models = SPACE;
        // The DQN's Q-updates cost milliseconds a step: a few episodes show it.
        t.search.max_episodes = if kind == StrategyKind::Dqn { 3 } else { 30 };
        let models = compare::run_once(&t, &truth, 1).unwrap();
        let mut nets: Vec<GroupSet> = models.iter().map(|m| c.closure(m.state)).collect();
        let n = nets.len();
        nets.sort();
        nets.dedup();
        assert_eq!(nets.len(), n, "{kind:?} trained a class twice");
        if kind != StrategyKind::Dqn && kind != StrategyKind::Evolution {
            assert_eq!(n, c.len(), "{kind:?} stops once every class is trained");
        }
        for (i, m) in models.iter().enumerate() {
            assert_eq!(m.index, i + 1);
        }
    }
}

#[test]
fn a_none_table_is_refused_for_a_closure_search() {
    let mut s = Settings::default();
    let mut table = class_table(&s);
    table.header.settings.equivalence = "none".into();
    for r in &mut table.rows {
        r.class = r.state;
    }
    let truth = Arc::new(GroundTruth::new(&table).unwrap());
    let e = compare::compare(
        &s,
        truth.clone(),
        &[StrategyKind::Random],
        1,
        10,
        1,
        &|_, _| {},
    )
    .err()
    .unwrap()
    .to_string();
    assert!(e.contains("--equivalence none"), "{e}");
    s.search.equivalence = Equivalence::None;
    let r = compare::compare(&s, truth, &[StrategyKind::Random], 1, 10, 1, &|_, _| {}).unwrap();
    assert_eq!(r[0].curves[0].len(), 10);
}

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
