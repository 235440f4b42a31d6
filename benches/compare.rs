//! Seconds per 1,000-model search run against a ground-truth table, per strategy, on
//! one core, with the cost of training one child network (measured in the same run) as
//! the baseline a trained search would pay per model. For the DQN, whose Q-updates are
//! matrix products, it also sets the run's time against the time its products alone
//! would take at this machine's gemm rate on the Q-network's shapes, measured in the
//! same run: the floor that no update written around the same products can go below.
//! `cargo bench --bench compare`

use aen_core::groups::GroupSet;
use aen_core::kernel::{flops_done, gemm_rate};
use aen_engine::compare::{self, GroundTruth};
use aen_engine::search::q_network;
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
    const RUNS: usize = 3;
    for k in StrategyKind::ALL {
        let (t, flops) = (Instant::now(), flops_done());
        compare::compare(&s, truth.clone(), &[k], RUNS, 1000, 1, &|_, _| {}).unwrap();
        let secs = t.elapsed().as_secs_f64() / RUNS as f64;
        println!("{:<10} {secs:.3}", k.name());
        if k == StrategyKind::Dqn {
            let flops = (flops_done() - flops) as f64 / RUNS as f64;
            // A batch of 128 transitions holds at most 128 distinct states, and the
            // products run slower on fewer rows: this rate flatters the floor.
            let rate = gemm_rate(&q_network(), s.search.q_batch, 2.0).flops;
            let floor = flops / rate;
            println!(
                "           its products: {:.0} GFLOP per run; alone, at this machine's gemm \
                 rate on the Q-network's shapes ({:.1} GFLOP/s, one thread, {} rows), \
                 {floor:.3} s: {:.0} % of the run",
                flops / 1e9,
                rate / 1e9,
                s.search.q_batch,
                100.0 * floor / secs,
            );
        }
    }
}
