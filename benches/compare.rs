//! Seconds per 1,000-model search run against a ground-truth table, per strategy, on
//! one core, with the cost of training one child network (measured in the same run) as
//! the baseline a trained search would pay per model.
//! `cargo bench --bench compare`

use aen_core::groups::GroupSet;
use aen_engine::compare::{self, GroundTruth};
use aen_engine::settings::{Equivalence, Settings, StrategyKind};
use aen_engine::sweep::table::{Header, Identity, Row, StateSet, Table};
use std::sync::Arc;
use std::time::Instant;

fn table() -> Table {
    let states: Vec<GroupSet> = (0..4096u16).map(GroupSet::from_bits).collect();
    let rows = states
        .iter()
        .map(|s| {
            let acc = 40.0 + (s.bits().wrapping_mul(2654435761u32 as u16) % 400) as f64 / 10.0;
            Row {
                state: *s,
                seed: 0,
                val_acc: acc,
                test_acc: acc,
                params: 1000,
                seconds: 0.0,
                class: *s,
                trained: true,
            }
        })
        .collect();
    Table {
        header: Header {
            settings: Identity {
                dataset: "mnist".into(),
                source: "embedded".into(),
                data_groups: GroupSet::preset(2).unwrap(),
                step: 4,
                data_seed: 0,
                epochs: 4,
                train_size: 4000,
                val_size: 1000,
                test_size: 1000,
                batch: 64,
                lr: 1e-3,
                data_sha256: "0".into(),
                normalize: "paper".into(),
                resample: "fixed".into(),
                translation: "paper".into(),
                equivalence: "none".into(),
                per_pass: 1,
                resize: None,
                side: 28,
            },
            seeds: 1,
            states: StateSet::new(&states),
            shard: None,
            version: 2,
        },
        rows,
    }
}

fn main() {
    let truth = Arc::new(GroundTruth::new(&table()).unwrap());
    // The table trains every set as its own network, so the search must too.
    let mut s = Settings::default();
    s.search.equivalence = Equivalence::None;
    println!("strategy   seconds per 1,000-model run (1 core, paper DQN settings)");
    for k in StrategyKind::ALL {
        let t = Instant::now();
        compare::compare(&s, truth.clone(), &[k], 3, 1000, 1, &|_, _| {}).unwrap();
        println!("{:<10} {:.3}", k.name(), t.elapsed().as_secs_f64() / 3.0);
    }
}
