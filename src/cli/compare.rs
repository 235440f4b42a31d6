//! `aen compare`: search strategies run many times against a ground-truth table.

use super::flags::{SEARCH, SettingFlags};
use super::output::{self, print};
use crate::engine::compare::{self, GroundTruth};
use crate::engine::session;
use crate::engine::settings::{SettingValue, Settings, StrategyKind};
use crate::engine::sweep::table;
use crate::engine::{start, task};
use anyhow::{Context, Result};
use clap::Args;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

#[derive(Args, Debug)]
pub struct CompareArgs {
    /// Strategies to compare, comma-separated.
    #[arg(
        long,
        default_value = "dqn,random,local,evolution",
        value_delimiter = ','
    )]
    pub strategies: Vec<String>,
    /// Runs per strategy (run r uses seed r).
    #[arg(long, default_value_t = 50)]
    pub repeats: usize,
    /// Models evaluated per run.
    #[arg(long, default_value_t = 300)]
    pub budget: usize,
    /// Runs at once (default, or 0: one per core).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Folder for regret.csv, runs.csv, regret.png and summary.txt.
    #[arg(long, default_value = "aen-compare")]
    pub out: PathBuf,
    /// Search settings, and --table: the ground-truth table of `aen sweep`, covering
    /// all 4,096 group sets.
    #[command(flatten)]
    pub flags: SettingFlags<SEARCH>,
}

/// More runs than this are a typo: 10,000 runs of 4,096 models hold 330 MB of curves.
const MAX_REPEATS: usize = 10_000;
/// Threads are runs in parallel; past the cores they only cost memory.
const MAX_JOBS: usize = 1024;

pub fn run(a: CompareArgs, mut settings: Settings) -> Result<()> {
    a.flags.apply(&mut settings)?;
    let strategies = check_flags(&a)?;
    let Some(path) = settings.search.table.clone() else {
        return Err(output::usage(
            "--table TABLE is required: the ground-truth table of `aen sweep`",
        ));
    };
    session::check_out_dir(&a.out)?;
    let outputs = compare::OUTPUTS.map(|n| a.out.join(n));
    aen_core::fsio::refuse_overlap(&[&path], &outputs).map_err(anyhow::Error::msg)?;
    let read = table::read(&path)?;
    let truth =
        Arc::new(GroundTruth::new(&read.table).with_context(|| path.display().to_string())?);
    // The table's data settings; the search settings come from the config and flags.
    let id = &read.table.header.settings;
    settings = truth.search_settings(&settings)?;
    let jobs = match a.jobs {
        Some(j) if j > 0 => j,
        _ => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let total = strategies.len() * a.repeats;
    eprintln!(
        "comparing {} on {} ({} data groups {}; {} networks under equivalence {}): {} runs of {} models on {}",
        a.strategies.join(", "),
        path.display(),
        id.dataset,
        id.data_groups,
        settings.networks(),
        settings.search.equivalence.show(),
        total,
        a.budget,
        crate::render::count(jobs, "thread")
    );
    let bar = output::bar(total as u64, "{bar:30} {pos}/{len} runs, ETA {eta}", false);
    let started = Instant::now();
    let runs = start::CompareRuns {
        strategies,
        repeats: a.repeats,
        budget: a.budget,
        jobs,
    };
    let task = start::compare(settings, truth.clone(), runs)
        .context("cannot start the comparison's thread")?;
    // Ctrl-C or SIGTERM stop the runs; a comparison keeps nothing partial.
    let stop = task.cancel_flag();
    output::on_interrupt(stop.clone());
    let results = task::follow(task, |(done, _)| bar.set_position(done as u64))
        .context("the comparison ended without a result")?;
    bar.finish_and_clear();
    if stop.load(std::sync::atomic::Ordering::SeqCst) {
        return Err(output::Interrupt(
            "interrupted: the comparison stopped before its runs were done; nothing was written"
                .into(),
        )
        .into());
    }
    let results = results?;
    let text = compare::summary_text(&results, &truth, a.budget);
    compare::write_outputs(&results, &text, &a.out)?;
    print(format!(
        "{text}\n{} runs in {:.1} s; wrote regret.csv, runs.csv, regret.png, summary.txt to {}\n",
        total,
        started.elapsed().as_secs_f64(),
        a.out.display()
    ))
}

/// The strategies asked for, once every comparison flag is in its range (usage errors).
fn check_flags(a: &CompareArgs) -> Result<Vec<StrategyKind>> {
    let strategies = a
        .strategies
        .iter()
        .map(|s| StrategyKind::parse(s).map_err(|e| output::usage(format!("--strategies {s} {e}"))))
        .collect::<Result<Vec<_>>>()?;
    // Every run's curve is held until the end: bounded, so a typo is an error, not an
    // allocation failure.
    if !(1..=MAX_REPEATS).contains(&a.repeats) {
        return Err(output::usage(format!(
            "--repeats must be 1 to {MAX_REPEATS}"
        )));
    }
    if !(1..=4096).contains(&a.budget) {
        return Err(output::usage(
            "--budget must be 1 to 4096 (the number of group sets)",
        ));
    }
    if let Some(j) = a.jobs
        && j > MAX_JOBS
    {
        return Err(output::usage(format!(
            "--jobs must be 0 (one per core) to {MAX_JOBS} (one thread a run; this machine has {} cores)",
            std::thread::available_parallelism().map_or(1, |n| n.get())
        )));
    }
    Ok(strategies)
}
