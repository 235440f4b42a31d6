//! `aen sweep`: the headless client of the sweep engine (train every group set, merge
//! shards, report on a table).

use crate::cli::{ChildArgs, DataArgs};
use crate::config::Settings;
use crate::groups::GroupSet;
use crate::sweep::{self, Outcome, Plan, SweepEvent, table::Shard};
use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SweepArgs {
    #[command(subcommand)]
    pub command: Option<SweepCommand>,
    #[command(flatten)]
    pub run: SweepRunArgs,
}

#[derive(Args, Debug)]
pub struct SweepRunArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Groups of the G-data.
    #[arg(long)]
    pub data_groups: Option<GroupSet>,
    #[command(flatten)]
    pub child: ChildArgs,
    /// Sweep only these group sets: a file with one per line (names, 12 bits,
    /// preset:N, none, all) or lines of comma-separated 12-bit vectors.
    #[arg(long, value_name = "FILE")]
    pub states: Option<PathBuf>,
    /// Keep only group sets of at most K groups.
    #[arg(long, value_name = "K")]
    pub max_groups: Option<usize>,
    /// Seeds per group set (seed 0 is the network the search trains).
    #[arg(long, default_value_t = 1)]
    pub seeds: u32,
    /// The table (CSV); rows already in it are kept, so a rerun continues.
    #[arg(long, value_name = "TABLE")]
    pub out: Option<PathBuf>,
    /// Child networks trained at once (default: one per core).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Train only part K of N (0-based: 0/N .. N-1/N), every N-th group set.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<Shard>,
    /// Machine-readable progress: one JSON object per event on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand, Debug)]
pub enum SweepCommand {
    /// Merge the shard tables of one sweep into one table.
    Merge {
        /// The part tables (one per shard).
        #[arg(required = true, value_name = "PARTS")]
        parts: Vec<PathBuf>,
        /// The merged table.
        #[arg(long, value_name = "TABLE")]
        out: PathBuf,
    },
    /// What a table says: best states, accuracy by groups and parameters, the marginal
    /// effect of each group.
    Report {
        table: PathBuf,
        /// Also write CSV files and PNG plots here.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

fn parse_shard(text: &str) -> Result<Shard, String> {
    Shard::parse(text).map_err(|e| format!("{e:#}"))
}

pub fn run(a: SweepArgs, settings: Settings) -> Result<()> {
    match a.command {
        Some(SweepCommand::Merge { parts, out }) => {
            let t = sweep::merge(&parts, &out)?;
            println!(
                "merged {} parts: {} rows ({} states x {} seeds) into {}",
                parts.len(),
                t.rows.len(),
                t.header.states.len(),
                t.header.seeds,
                out.display()
            );
            Ok(())
        }
        Some(SweepCommand::Report { table, out }) => {
            let read = sweep::table::read(&table)?;
            if let Some((line, _)) = read.truncated {
                eprintln!(
                    "warning: {}: line {line} is cut short and left out",
                    table.display()
                );
            }
            let r = sweep::report::Report::new(&read.table);
            print!("{}", r.to_text());
            if let Some(dir) = out {
                r.write(&dir)?;
                println!("wrote CSV files and plots to {}", dir.display());
            }
            Ok(())
        }
        None => run_sweep(a.run, settings),
    }
}

fn run_sweep(a: SweepRunArgs, mut settings: Settings) -> Result<()> {
    a.data.apply(&mut settings);
    a.child.apply(&mut settings);
    if let Some(g) = a.data_groups {
        settings.data.groups = g;
    }
    settings.validate()?;
    let Some(out) = a.out.clone() else {
        bail!("--out TABLE is required: the table the rows go to (and a rerun continues)");
    };
    let mut states = match &a.states {
        Some(p) => {
            let text =
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            sweep::parse_states(&text).with_context(|| format!("{}", p.display()))?
        }
        None => sweep::all_states(None),
    };
    if let Some(k) = a.max_groups {
        states.retain(|s| s.len() <= k);
    }
    if states.is_empty() {
        bail!("no group set is left to sweep (--max-groups keeps none of the list)");
    }
    let jobs = match a.jobs {
        Some(0) => bail!("--jobs must be at least 1"),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let plan = Plan {
        states,
        seeds: a.seeds,
        shard: a.shard,
    };
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        let _ = ctrlc::set_handler(move || stop.store(true, Ordering::SeqCst));
    }
    let bar = if a.json || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(0)
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:30} {pos}/{len} networks, {per_sec}, elapsed {elapsed}, ETA {eta} {msg}",
        )
        .expect("valid template"),
    );
    let started = Instant::now();
    let json = a.json;
    let mut on_event = |ev: SweepEvent| match ev {
        SweepEvent::Started {
            total,
            present: p,
            workers,
            identity,
        } => {
            bar.set_length((total - p) as u64);
            let shard = plan.shard.map_or(String::new(), |s| format!(", shard {s}"));
            if json {
                println!(
                    "{}",
                    serde_json::json!({
                        "event": "started", "total": total, "present": p, "todo": total - p,
                        "workers": workers, "states": plan.states.len(), "seeds": plan.seeds,
                        "shard": plan.shard.map(|s| s.to_string()), "settings": identity,
                        "out": out.display().to_string(),
                    })
                );
            } else {
                eprintln!(
                    "sweep of {} group sets x {} seeds{shard} on {} ({}), data groups {}: {} rows, {p} already in {}, {} to train on {workers} workers",
                    plan.states.len(),
                    plan.seeds,
                    identity.dataset,
                    identity.source,
                    identity.data_groups,
                    total,
                    out.display(),
                    total - p
                );
            }
        }
        SweepEvent::Warning(w) => {
            if json {
                println!("{}", serde_json::json!({"event": "warning", "message": w}));
            } else {
                // A hidden bar drops println; suspend prints either way.
                bar.suspend(|| eprintln!("warning: {w}"));
            }
        }
        SweepEvent::Row { row, done, todo } => {
            if json {
                println!(
                    "{}",
                    serde_json::json!({
                        "event": "row", "state": row.state.bit_string(), "groups": row.state.to_string(),
                        "seed": row.seed, "val_acc": row.val_acc, "test_acc": row.test_acc,
                        "params": row.params, "seconds": row.seconds, "done": done, "todo": todo,
                    })
                );
            }
            bar.set_position(done as u64);
            bar.set_message(format!("{} {:.1}%", row.state.bit_string(), row.val_acc));
        }
        SweepEvent::Finished { rows, out } => {
            bar.finish_and_clear();
            if json {
                println!(
                    "{}",
                    serde_json::json!({
                        "event": "finished", "rows": rows, "out": out.display().to_string(),
                        "seconds": started.elapsed().as_secs_f64(),
                    })
                );
            } else {
                eprintln!(
                    "{rows} rows in {} ({:.1} s)",
                    out.display(),
                    started.elapsed().as_secs_f64()
                );
            }
        }
    };
    let outcome = sweep::run(&settings, &plan, &out, jobs, stop, &mut on_event)?;
    bar.finish_and_clear();
    if outcome == Outcome::Interrupted {
        if json {
            println!(
                "{}",
                serde_json::json!({"event": "interrupted", "out": out.display().to_string()})
            );
        }
        bail!(
            "interrupted; the finished rows are in {}: run the same command to continue",
            out.display()
        );
    }
    Ok(())
}
