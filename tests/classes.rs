//! Equivalence classes of group sets (docs/method.md §11): the closure is checked
//! against the definition (identical orbit arrays) by brute force on a sample, it is a
//! closure operator on all 4,096 states, equivalent states train the same network bit
//! for bit, and searches count networks. Sweeps that train each class once, and old
//! snapshots and tables that keep their meaning, are in `sweeps`.

use aen_core::classes::{Classes, Grid, SPACE};
use aen_core::groups::{GroupSet, Shift};
use aen_core::orbits::{ChildOrbits, Shape};
use aen_engine::compare::{self, GroundTruth};
use aen_engine::settings::{Equivalence, Settings, StrategyKind};
use aen_engine::sweep::table::{Header, Row, StateSet, Table};
use rand::{Rng, SeedableRng};
use std::collections::HashMap;
use std::sync::Arc;

mod sweeps;

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
