//! `aen reproduce`: the paper's experiments end to end, with a progress bar per part.

use super::flags::{CHILD, DATA, FINAL, SEARCH, SettingFlags};
use super::output::{self, Interrupt};
use crate::engine::reproduce::{self, Part, Plan};
use crate::engine::settings::Settings;
use crate::engine::start::{self, ReproduceEvent};
use crate::engine::task;
use aen_core::data::DatasetKind;
use anyhow::{Context, Result};
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ReproduceArgs {
    /// The output folder: one file or folder per part, report.md, summary.csv and
    /// gains.png. A rerun skips what is done and resumes a search where it stopped.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Minutes instead of hours: 500-image children for one epoch, 30-model searches,
    /// 1,000-image final evaluations for one epoch. Flags given still override it.
    #[arg(long)]
    pub quick: bool,
    /// Data sets, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "mnist,fashion-mnist")]
    pub datasets: Vec<String>,
    /// Presets to search (the paper's are 1 to 5), comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,2,3,4,5", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=5))]
    pub presets: Vec<usize>,
    /// Seeds per single-equivariance cell and per network of each final evaluation
    /// (at least 2: intervals need them).
    #[arg(long, default_value_t = 3, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(2..=100))]
    pub seeds: usize,
    /// Write the report of the parts already done (report.md, summary.csv, gains.png)
    /// and train nothing; it may follow a run going on in the same folder. Give the
    /// flags that run was started with.
    #[arg(long)]
    pub report: bool,
    #[command(flatten)]
    pub flags: SettingFlags<{ DATA + CHILD + SEARCH + FINAL }>,
}

pub fn run(a: ReproduceArgs, mut settings: Settings) -> Result<()> {
    if a.quick {
        Plan::quick_settings(&mut settings);
    }
    if let Some((key, _)) =
        (a.flags.given()).find(|(k, _)| ["data.dataset", "data.groups"].contains(k))
    {
        return Err(output::usage(format!(
            "{key} is set by the plan: use --datasets and --presets"
        )));
    }
    a.flags.apply(&mut settings)?;
    let plan = plan(&a)?;
    if a.report {
        let out = reproduce::report_done(&settings, &plan, &a.out)?;
        let md = reproduce::report_markdown(&plan, &settings, &out);
        return output::print(format!(
            "{md}\nwrote report.md, summary.csv and gains.png to {}\n",
            a.out.display()
        ));
    }
    let task = start::reproduce(settings.clone(), plan.clone(), a.out.clone())
        .context("cannot start the reproduction's thread")?;
    output::on_interrupt(task.cancel_flag());
    let bar = output::bar(0, "{bar:30} {pos}/{len} {msg} ETA {eta}", false);
    let models = settings.search.max_models as u64;
    let per_eval = (settings.final_eval.top_k as u64 + 13) * a.seeds as u64;
    let started = std::time::Instant::now();
    let result = task::follow(task, |ev| match ev {
        ReproduceEvent::Part {
            index,
            total,
            part,
            done,
        } => {
            let note = if done { " (done before)" } else { "" };
            let at = reproduce::part_path(&a.out, part);
            output::note(
                &bar,
                format!(
                    "[{}/{total}] {}{note}: {}",
                    index + 1,
                    part.label(),
                    at.display()
                ),
            );
            bar.set_position(0);
            bar.set_length(match part {
                Part::Single(_) => 169 * a.seeds as u64,
                Part::Search(..) => models + per_eval,
            });
        }
        ReproduceEvent::Training(label) => bar.set_message(label),
        ReproduceEvent::Trained => bar.inc(1),
        ReproduceEvent::Models(n) => bar.set_position(n as u64),
        ReproduceEvent::Replaying { done, total } => {
            bar.set_message(format!("replaying the snapshot {done}/{total}"))
        }
    })
    .context("the reproduction ended without a result")?;
    bar.finish_and_clear();
    let out = match result {
        Err(e) if output::interrupted() => {
            return Err(Interrupt(format!(
                "interrupted: {e}; rerun the same command to continue"
            ))
            .into());
        }
        r => r?,
    };
    let md = reproduce::report_markdown(&plan, &settings, &out);
    output::print(format!(
        "{md}\nwrote report.md, summary.csv and gains.png to {} ({:.0} s)\n",
        a.out.display(),
        started.elapsed().as_secs_f64()
    ))
}

/// The plan the flags ask for, each data set and preset once, in the order given.
fn plan(a: &ReproduceArgs) -> Result<Plan> {
    let mut datasets = Vec::new();
    for d in &a.datasets {
        let k = DatasetKind::parse(d).map_err(|e| output::usage(format!("--datasets: {e}")))?;
        if !datasets.contains(&k) {
            datasets.push(k);
        }
    }
    let mut presets = Vec::new();
    for &k in &a.presets {
        if !presets.contains(&k) {
            presets.push(k);
        }
    }
    Ok(Plan {
        datasets,
        presets,
        seeds: a.seeds,
        quick: a.quick,
    })
}
