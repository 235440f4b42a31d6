//! `aen sweep`: the headless client of the sweep engine (train every group set, merge
//! shards, report on a table).

use super::flags::{CHILD, DATA, SettingFlags};
use super::output::{self, Interrupt, PipeClosed, print};
use crate::engine::settings::Settings;
use crate::engine::sweep::{self, Outcome, Plan, SweepEvent, table::Shard};
use crate::engine::{start, task};
use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use indicatif::ProgressBar;
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
    pub flags: SettingFlags<{ DATA + CHILD }>,
    /// Sweep only these group sets: a file with one per line (names, 12 bits,
    /// preset:N, none, all) or lines of comma-separated 12-bit vectors.
    #[arg(long, value_name = "FILE")]
    pub states: Option<PathBuf>,
    /// Keep only group sets of at most K groups.
    #[arg(long, value_name = "K")]
    pub max_groups: Option<usize>,
    /// Seeds per group set (seed 0 is the network the search trains).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub seeds: u32,
    /// The table (CSV); rows already in it are kept, so a rerun continues.
    #[arg(long, value_name = "TABLE")]
    pub out: Option<PathBuf>,
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
            print(format!(
                "merged {} parts: {} rows ({} states x {} seeds) into {}\n",
                parts.len(),
                t.rows.len(),
                t.header.states.len(),
                t.header.seeds,
                out.display()
            ))
        }
        Some(SweepCommand::Report { table, out }) => {
            if let Some(dir) = &out {
                let outputs = sweep::report::OUTPUTS.map(|n| dir.join(n));
                aen_core::fsio::refuse_overlap(&[&table], &outputs).map_err(anyhow::Error::msg)?;
            }
            let read = sweep::table::read(&table)?;
            if let Some((line, _)) = read.truncated {
                eprintln!(
                    "warning: {}: line {line} is cut short and left out",
                    table.display()
                );
            }
            let r = sweep::report::Report::new(&read.table);
            print(r.to_text())?;
            if let Some(dir) = out {
                r.write(&dir)?;
                print(format!("wrote CSV files and plots to {}\n", dir.display()))?;
            }
            Ok(())
        }
        None => run_sweep(a.run, settings),
    }
}

fn plan(a: &SweepRunArgs) -> Result<Plan> {
    let mut states = match &a.states {
        Some(p) => {
            let bytes = aen_core::fsio::read_capped(p, 1 << 20, "states file")?;
            let text = String::from_utf8(bytes)
                .with_context(|| format!("{}: not UTF-8 text", p.display()))?;
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
    Ok(Plan {
        states,
        seeds: a.seeds,
        shard: a.shard,
    })
}

fn run_sweep(a: SweepRunArgs, mut settings: Settings) -> Result<()> {
    a.flags.apply(&mut settings)?;
    let Some(out) = a.out.clone() else {
        bail!("--out TABLE is required: the table the rows go to (and a rerun continues)");
    };
    let plan = plan(&a)?;
    let jobs = settings.trainers();
    let task = start::sweep(settings, plan.clone(), out.clone(), jobs)
        .context("cannot start the sweep's thread")?;
    let stop = task.cancel_flag();
    output::on_interrupt(stop.clone());
    let mut view = View {
        bar: output::bar(
            0,
            "{bar:30} {pos}/{len} networks, {per_sec}, elapsed {elapsed}, ETA {eta} {msg}",
            a.json,
        ),
        json: a.json,
        started: Instant::now(),
        stop: stop.clone(),
        pipe_closed: false,
    };
    let outcome = task::follow(task, |ev| view.on_event(ev, &plan, &out))
        .context("the sweep ended without a result")??;
    view.bar.finish_and_clear();
    // A closed stdout stops the sweep: unfinished, it is an interruption (its rows are
    // kept, and the same command continues it), not a success.
    if view.pipe_closed && outcome == Outcome::Interrupted {
        return Err(Interrupt(format!(
            "stdout was closed, so the sweep stopped unfinished; the finished rows are in {}: run the same command to continue",
            out.display()
        ))
        .into());
    }
    if view.pipe_closed {
        return Err(PipeClosed.into());
    }
    if outcome == Outcome::Interrupted {
        if a.json {
            view.line(
                serde_json::json!({"event": "interrupted", "out": out.display().to_string()}),
            );
        }
        return Err(Interrupt(format!(
            "interrupted; the finished rows are in {}: run the same command to continue",
            out.display()
        ))
        .into());
    }
    Ok(())
}

/// Progress of a sweep: a bar, or one JSON object per event.
struct View {
    bar: ProgressBar,
    json: bool,
    started: Instant,
    stop: Arc<AtomicBool>,
    pipe_closed: bool,
}

impl View {
    /// A JSON line; a closed stdout stops the sweep (its table keeps what finished).
    fn line(&mut self, v: serde_json::Value) {
        if !self.pipe_closed && print(format!("{v}\n")).is_err() {
            self.pipe_closed = true;
            self.stop.store(true, Ordering::SeqCst);
        }
    }

    fn on_event(&mut self, ev: SweepEvent, plan: &Plan, out: &std::path::Path) {
        match ev {
            SweepEvent::Started {
                total,
                present: p,
                workers,
                networks,
                identity,
            } => {
                self.bar.set_length((total - p) as u64);
                if self.json {
                    self.line(serde_json::json!({
                        "event": "started", "total": total, "present": p, "todo": total - p,
                        "workers": workers, "networks": networks, "states": plan.states.len(), "seeds": plan.seeds,
                        "shard": plan.shard.map(|s| s.to_string()), "settings": identity,
                        "out": out.display().to_string(),
                    }));
                } else {
                    let shard = plan.shard.map_or(String::new(), |s| format!(", shard {s}"));
                    eprintln!(
                        "sweep of {} group sets x {}{shard} on {} ({}), data groups {}: {total} rows, {p} already in {}, {} to fill by training {} on {}",
                        plan.states.len(),
                        crate::render::count(plan.seeds as usize, "seed"),
                        identity.dataset,
                        identity.source,
                        identity.data_groups,
                        out.display(),
                        total - p,
                        crate::render::count(networks, "network"),
                        crate::render::count(workers, "worker")
                    );
                }
            }
            SweepEvent::Warning(w) if self.json => {
                self.line(serde_json::json!({"event": "warning", "message": w}))
            }
            SweepEvent::Warning(w) => output::note(&self.bar, format!("warning: {w}")),
            SweepEvent::Row { row, done, todo } => {
                if self.json {
                    self.line(serde_json::json!({
                        "event": "row", "state": row.state.bit_string(), "groups": row.state.to_string(),
                        "seed": row.seed, "val_acc": row.val_acc, "test_acc": row.test_acc,
                        "params": row.params, "seconds": row.seconds, "done": done, "todo": todo,
                    }));
                }
                self.bar.set_position(done as u64);
                self.bar
                    .set_message(format!("{} {:.1}%", row.state.bit_string(), row.val_acc));
            }
            SweepEvent::Finished { rows, out } => {
                self.bar.finish_and_clear();
                let secs = self.started.elapsed().as_secs_f64();
                if self.json {
                    self.line(serde_json::json!({
                        "event": "finished", "rows": rows, "out": out.display().to_string(),
                        "seconds": secs,
                    }));
                } else {
                    eprintln!("{rows} rows in {} ({secs:.1} s)", out.display());
                }
            }
        }
    }
}
