//! Ground truth for the search: the child network of every group set (or a chosen
//! list), trained for several seeds on the search's G-dataset, written to a table
//! ([`table`]) that survives kills, splits into shards and merges back.
//!
//! A row depends only on (settings, state, seed index): seed 0 is exactly the network
//! the search trains for that state ([`crate::child_seed`]), so the table is the
//! ground truth the search's choices can be scored against.

mod aggregate;
mod identity;
mod merge;
mod plots;
pub mod report;
mod report_text;
mod row;
mod states;
pub mod table;
mod tables;

pub use merge::merge;
pub use tables::{find_table, table_file_name, tables_dir};

use crate::error::{Result, ResultExt, bail};
use crate::groups::GroupSet;
use crate::runner::{ChildSpec, JobError, JobResult, Report, Runner};
use crate::settings::Settings;
use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use table::{Header, Identity, Row, Shard, StateSet, identity};

/// Every group set with at most `max_groups` groups (all 4,096 for None), by bits.
pub fn all_states(max_groups: Option<usize>) -> Vec<GroupSet> {
    (0..table::SPACE as u16)
        .map(GroupSet::from_bits)
        .filter(|s| max_groups.is_none_or(|k| s.len() <= k))
        .collect()
}

/// Parses a list of states: one group set per line in any form `GroupSet::parse`
/// takes (names, 12 bits, preset:N, none, all), or lines of comma-separated 12-bit
/// vectors. Blank lines and `#` comments are skipped; repeats count once. The result
/// is sorted by bits.
///
/// ```
/// let s = aen_engine::sweep::parse_states("rot90,hflip\n# a comment\n000000000000,001000000000\n").unwrap();
/// assert_eq!(s.len(), 3);
/// assert!(aen_engine::sweep::parse_states("rot91").is_err());
/// ```
pub fn parse_states(text: &str) -> Result<Vec<GroupSet>> {
    let mut set = std::collections::BTreeSet::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let tokens: Vec<&str> = line.split(',').map(str::trim).collect();
        if tokens.len() > 1 && tokens.iter().any(|t| t.is_empty()) {
            bail!(
                "line {}: `{line}` has an empty item (a comma too many?)",
                i + 1
            );
        }
        // Names are comma-separated too, so a line is a list of vectors only when every
        // token is one.
        let is_vectors = tokens.len() > 1
            && tokens
                .iter()
                .all(|t| t.len() == 12 && t.chars().all(|c| c == '0' || c == '1'));
        let parsed: Vec<GroupSet> = if is_vectors {
            tokens
                .iter()
                .map(|t| GroupSet::parse(t))
                .collect::<Result<_, _>>()
        } else {
            GroupSet::parse(line).map(|g| vec![g])
        }
        .with_context(|| format!("line {}: `{line}`", i + 1))?;
        set.extend(parsed.into_iter().map(|g| g.bits()));
    }
    if set.is_empty() {
        bail!("no group sets in the list");
    }
    Ok(set.into_iter().map(GroupSet::from_bits).collect())
}

/// What a sweep covers.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Sorted by bits, no repeats.
    pub states: Vec<GroupSet>,
    pub seeds: u32,
    pub shard: Option<Shard>,
}

/// Progress of a sweep, for clients.
#[derive(Clone, Debug)]
pub enum SweepEvent {
    Started {
        /// Rows the table must hold (this shard's).
        total: usize,
        /// Rows already in the table from an earlier run.
        present: usize,
        workers: usize,
        /// Networks to train for the missing rows (one per class and seed).
        networks: usize,
        identity: Box<Identity>,
    },
    Warning(String),
    Row {
        row: Row,
        /// Rows trained in this run so far, and to train in all.
        done: usize,
        todo: usize,
    },
    Finished {
        rows: usize,
        out: PathBuf,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Every row is in the table, and it is sorted.
    Complete,
    /// Stopped by the flag: the table holds what finished, and a rerun continues.
    Interrupted,
}

/// Trains every (state, seed) of `plan` missing from the table at `out` with `jobs`
/// workers, appending each row as it finishes; at the end rewrites the table sorted.
///
/// An existing table must have the same header (settings, states, seeds, shard); a
/// last line cut short by a kill is dropped and trained again.
pub fn run(
    settings: &Settings,
    plan: &Plan,
    out: &Path,
    jobs: usize,
    stop: Arc<AtomicBool>,
    on_event: &mut dyn FnMut(SweepEvent),
) -> Result<Outcome> {
    settings.validate()?;
    if plan.states.is_empty() {
        bail!("no group sets to sweep");
    }
    if !(1..=table::MAX_SEEDS).contains(&plan.seeds) {
        bail!("--seeds must be 1 to {}", table::MAX_SEEDS);
    }
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    // One writer per table: a second sweep on it stops here, before any work.
    let _lock = crate::fsio::Lock::take(out)?;
    let (base, gd) = crate::session::prepare_data(settings)?;
    let mut header = Header {
        settings: identity(settings, base.kind.name(), base.source.kind.name(), &gd),
        seeds: plan.seeds,
        states: StateSet::new(&plan.states),
        shard: plan.shard,
        version: 2,
    };
    drop(base);
    // A v1 table (made before classes, so under `none`) is continued as v1.
    if let Ok(h) = table::read_header(out)
        && h.version == 1
        && header.settings.equivalence == "none"
    {
        header.version = 1;
    }
    let mut rows = open_table(out, &header, on_event)?;
    let present: HashSet<(u16, u32)> = rows.iter().map(Row::key).collect();
    let expected = header.expected();
    let todo: Vec<(GroupSet, u32)> = expected
        .iter()
        .copied()
        .filter(|(s, k)| !present.contains(&(s.bits(), *k)))
        .collect();
    let spec = ChildSpec::from_settings(settings);
    let work = Work::new(&header, &spec, &rows, &todo);
    let workers = jobs.max(1).min(work.train.len().max(1));
    on_event(SweepEvent::Started {
        total: expected.len(),
        present: rows.len(),
        workers,
        networks: work.train.len(),
        identity: Box::new(header.settings.clone()),
    });
    if !todo.is_empty() {
        let job = Job {
            out,
            version: header.version,
            todo: todo.len(),
        };
        let mut rec = Recorder::new(&job)?;
        // Rows whose class was trained before (by an earlier run) need no training.
        for (&(net, k), r) in &work.known {
            rec.record_class(&work, net, k, r, &mut rows, on_event)?;
        }
        let pool = Runner::new(workers, Arc::new(gd), spec);
        let finished = train_missing(&pool, &work, &mut rec, &mut rows, &stop, on_event)?;
        // Rows that finished as the stop arrived are kept, not retrained.
        for r in pool.shutdown() {
            if !finished {
                rec.record(&work, r, &mut rows, on_event)?;
            }
        }
        if !finished {
            return Ok(Outcome::Interrupted);
        }
    }
    crate::fsio::write_atomic(out, table::render(&header, &rows).as_bytes())?;
    on_event(SweepEvent::Finished {
        rows: rows.len(),
        out: out.to_path_buf(),
    });
    Ok(Outcome::Complete)
}

/// What is left of a sweep.
struct Job<'a> {
    out: &'a Path,
    version: u32,
    todo: usize,
}

/// The missing rows by network: each (network, seed) is trained once, or taken from a
/// row of its class already in the table, and gives the rows of all its states.
struct Work {
    /// (network, seed) -> the missing states it gives rows to, by bits.
    rows: BTreeMap<(GroupSet, u32), Vec<GroupSet>>,
    /// To train, in table order of their first missing state.
    train: Vec<(GroupSet, u32)>,
    /// A row of the class already in the table, for the others.
    known: BTreeMap<(GroupSet, u32), Row>,
    /// Which state's row holds each class's training.
    trained_for: std::collections::HashMap<GroupSet, GroupSet>,
}

impl Work {
    fn new(header: &Header, spec: &ChildSpec, rows: &[Row], todo: &[(GroupSet, u32)]) -> Work {
        let mut have: BTreeMap<(GroupSet, u32), Row> = BTreeMap::new();
        for r in rows {
            have.entry((spec.network(r.state), r.seed))
                .or_insert_with(|| r.clone());
        }
        let mut work = Work {
            rows: BTreeMap::new(),
            train: Vec::new(),
            known: BTreeMap::new(),
            trained_for: header.trained_for(),
        };
        for &(s, k) in todo {
            let key = (spec.network(s), k);
            let members = work.rows.entry(key).or_default();
            if members.is_empty() {
                match have.get(&key) {
                    Some(r) => {
                        work.known.insert(key, r.clone());
                    }
                    None => work.train.push(key),
                }
            }
            members.push(s);
        }
        work
    }
}

/// Appends finished rows to the table, one write per network, and reports each row.
struct Recorder<'a> {
    file: std::fs::File,
    out: &'a Path,
    version: u32,
    done: usize,
    todo: usize,
}

impl<'a> Recorder<'a> {
    fn new(job: &Job<'a>) -> Result<Recorder<'a>> {
        let file = std::fs::OpenOptions::new()
            .append(true)
            .open(job.out)
            .with_context(|| format!("opening {} to append", job.out.display()))?;
        Ok(Recorder {
            file,
            out: job.out,
            version: job.version,
            done: 0,
            todo: job.todo,
        })
    }

    fn record(
        &mut self,
        work: &Work,
        r: JobResult,
        rows: &mut Vec<Row>,
        on_event: &mut dyn FnMut(SweepEvent),
    ) -> Result<()> {
        let Some(row) = row_of(r)? else {
            return Ok(());
        };
        self.record_class(work, row.state, row.seed, &row, rows, on_event)
    }

    /// Writes the rows of every missing state of network `net` at seed `k`, from `from`
    /// (a row of that network): the class's training row with its seconds, the others
    /// with none.
    fn record_class(
        &mut self,
        work: &Work,
        net: GroupSet,
        k: u32,
        from: &Row,
        rows: &mut Vec<Row>,
        on_event: &mut dyn FnMut(SweepEvent),
    ) -> Result<()> {
        let members = work.rows.get(&(net, k)).map_or(&[][..], |m| &m[..]);
        let made: Vec<Row> = members
            .iter()
            .map(|&state| {
                let trained = work.trained_for.get(&state) == Some(&state);
                Row {
                    state,
                    class: net,
                    trained,
                    seconds: if trained { from.seconds } else { 0.0 },
                    ..from.clone()
                }
            })
            .collect();
        let text: String = made.iter().map(|r| r.to_line(self.version)).collect();
        // Straight to the file, a network's rows in one write: a kill loses only the
        // networks in flight.
        (self.file.write_all(text.as_bytes()))
            .and_then(|_| self.file.flush())
            .with_context(|| format!("appending to {}", self.out.display()))?;
        for row in made {
            self.done += 1;
            rows.push(row.clone());
            on_event(SweepEvent::Row {
                row,
                done: self.done,
                todo: self.todo,
            });
        }
        Ok(())
    }
}

/// Trains the networks of `work` on the pool, recording their rows as each finishes.
/// Returns false if stopped (the networks still in flight then are the caller's to
/// record).
fn train_missing(
    pool: &Runner,
    work: &Work,
    rec: &mut Recorder,
    rows: &mut Vec<Row>,
    stop: &AtomicBool,
    on_event: &mut dyn FnMut(SweepEvent),
) -> Result<bool> {
    for (id, (s, k)) in work.train.iter().enumerate() {
        pool.submit(id as u64, *s, *k);
    }
    let mut left = work.train.len();
    while left > 0 {
        if stop.load(Ordering::SeqCst) {
            return Ok(false);
        }
        match pool.reports().recv_timeout(Duration::from_millis(100)) {
            Ok(Report::Started { .. }) => {}
            Ok(Report::Finished(r)) => {
                left -= 1;
                rec.record(work, r, rows, on_event)?
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(e) => bail!("the trainers stopped: {e}"),
        }
    }
    Ok(true)
}

/// The table row of a finished job; None if it was cancelled.
fn row_of(r: JobResult) -> Result<Option<Row>> {
    let t = match r.outcome {
        Ok(t) => t,
        Err(JobError::Cancelled) => return Ok(None),
        Err(e @ JobError::Failed(_)) => bail!("{} seed {}: {e}", r.state, r.seed_index),
    };
    Ok(Some(Row {
        state: r.state,
        seed: r.seed_index,
        val_acc: t.val_acc,
        test_acc: t.test_acc,
        params: t.params,
        seconds: t.seconds,
        class: r.state,
        trained: true,
    }))
}

/// Creates the table at `out`, or checks the one there and returns its rows (cutting
/// off a truncated last line).
fn open_table(
    out: &Path,
    header: &Header,
    on_event: &mut dyn FnMut(SweepEvent),
) -> Result<Vec<Row>> {
    if !out.exists() {
        if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        crate::fsio::write_atomic(out, table::render(header, &[]).as_bytes())?;
        return Ok(Vec::new());
    }
    let read = table::read(out)?;
    if let Some(why) = read.table.header.mismatch(header) {
        bail!(
            "{} cannot be continued: {why}. Use another --out, or delete it to start over",
            out.display()
        );
    }
    if let Some((line, text)) = &read.truncated {
        on_event(SweepEvent::Warning(format!(
            "{}: line {line} was cut short (`{}`); dropping it, it will be trained again",
            out.display(),
            text.chars().take(40).collect::<String>()
        )));
        let f = std::fs::OpenOptions::new()
            .write(true)
            .open(out)
            .with_context(|| format!("opening {}", out.display()))?;
        f.set_len(read.complete_len)
            .with_context(|| format!("truncating {}", out.display()))?;
    }
    Ok(read.table.rows)
}
