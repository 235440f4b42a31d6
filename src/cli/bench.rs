//! `aen bench`: how fast children and the DQN train on this machine, against the
//! machine's own limit measured in the same run (`engine::throughput`).

use super::output::{self, print};
use crate::engine::throughput::{self, NETS};
use aen_core::groups::GroupSet;
use anyhow::Result;
use clap::Args;

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Embedded MNIST images each child trains on per epoch.
    #[arg(long, default_value_t = 4000, value_parser = clap::value_parser!(u32).range(64..=8000))]
    pub train_size: u32,
    /// Epochs per training.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=100))]
    pub epochs: u16,
    /// One-thread runs per network; the best counts.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=100))]
    pub reps: u16,
    /// Children trained at once for the many-thread column; default: every core.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Also measure colour children (32 x 32 x 3 random pixels, 10 classes) beside the
    /// greyscale 28 x 28 ones, in the same run.
    #[arg(long)]
    pub colour: bool,
    /// Print one JSON object instead of the tables.
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: BenchArgs) -> Result<()> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = a.threads.map_or(cores, usize::from);
    if threads > cores {
        return Err(output::usage(format!(
            "--threads {threads}: this machine runs {cores} at once, and more would measure contention, not speed"
        )));
    }
    let mut sets = vec![("", throughput::data(a.train_size as usize)?)];
    if a.colour {
        let colour = throughput::colour_data(a.train_size as usize, 32)?;
        sets.push((" 32x32x3", colour));
    }
    let total = (sets.len() * NETS.len()) as u64 + 1;
    let bar = output::bar(total, "{bar:30} {pos}/{len} {msg}", a.json);
    let mut rows = Vec::new();
    for (suffix, gd) in &sets {
        for (name, groups) in NETS {
            let name = format!("{name}{suffix}");
            bar.set_message(name.clone());
            let g = GroupSet::parse(groups).map_err(anyhow::Error::msg)?;
            let (epochs, reps) = (a.epochs as usize, a.reps as usize);
            rows.push(throughput::measure(gd, (&name, g), epochs, reps, threads)?);
            bar.inc(1);
        }
    }
    bar.set_message("DQN");
    let dqn = throughput::dqn_updates_per_s(128, 1.0);
    bar.finish_and_clear();
    if a.json {
        let v = serde_json::json!({
            "batch": throughput::BATCH, "train_size": a.train_size, "epochs": a.epochs,
            "threads": threads,
            "networks": rows.iter().map(|m| serde_json::json!({
                "name": m.name, "params": m.params,
                "images_per_s": m.one, "limit": m.limit_one, "share": m.one / m.limit_one,
                "images_per_s_all_threads": m.many, "limit_all_threads": m.limit_many,
                "share_all_threads": m.many / m.limit_many,
                "seconds": aen_core::kernel::Timing::PHASES.iter().zip(m.timing.spent)
                    .map(|(p, d)| (p.to_string(), serde_json::json!(d.as_secs_f64())))
                    .collect::<serde_json::Map<_, _>>(),
            })).collect::<Vec<_>>(),
            "dqn_updates_per_s": dqn,
        });
        return print(format!("{v}\n"));
    }
    print(format!(
        "child training, images/s: batch {}, {} embedded MNIST images (28x28 grey; with --colour \
         also 32x32x3), {} epoch(s), aen's CPU kernel; \
         the threads column: one child per thread at once\n\
         limit: this gemm on a step's own products alone, measured now; share: of that limit\n\n{}\n\
         DQN (12-400-400-400-12, batch 128, random transitions): {dqn:.0} updates/s on one thread\n",
        throughput::BATCH,
        a.train_size,
        a.epochs,
        throughput::table(&rows),
    ))
}
