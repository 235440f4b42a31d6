//! `aen reproduce`: the paper's experiments end to end (docs/method.md §7, "Reproduction"). For
//! each data set, the single-equivariance table over several seeds, then a search on
//! each preset with the final evaluation over the same seeds; then a report answering
//! the paper's question: does the best searched network beat the best single-group
//! network, by how much, with what interval, at how many parameters?
//!
//! Every part is written to the output folder as it finishes (a search autosaves after
//! every model), so a rerun skips what is done and resumes a search where it stopped.
//! The folder remembers its plan and settings; a rerun under others is refused.

use crate::child::SEED_SCHEME;
use crate::data::DatasetKind;
use crate::error::{Error, Result, ResultExt, bail};
use crate::experiments::{self, EvalRow, ExpProgress, SingleTable};
use crate::fsio;
use crate::groups::GroupSet;
use crate::search::{Event, FinishReason};
use crate::session;
use crate::settings::{Affects, Settings, TABLE};
use crate::snapshot::{self, Snapshot};
use crate::train::Flow;

mod plan;
mod summary;
pub use plan::{Outcome, Plan, SearchResult};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
pub use summary::report_markdown;
use summary::write_report;

/// The folder's record of what it holds.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Manifest {
    plan: Plan,
    settings: Settings,
    /// [`crate::child::SEED_SCHEME`]; folders made before it was recorded are scheme 1.
    #[serde(default = "first_seed_scheme")]
    seed_scheme: u32,
}

fn first_seed_scheme() -> u32 {
    1
}

/// One part of the work.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Part {
    Single(DatasetKind),
    Search(DatasetKind, usize),
}

impl Part {
    pub fn label(&self) -> String {
        match self {
            Part::Single(d) => format!("single-equivariance table, {}", d.title()),
            Part::Search(d, k) => format!("search on preset {k}, {}", d.title()),
        }
    }

    fn name(&self) -> String {
        match self {
            Part::Single(d) => format!("single-{}", d.name()),
            Part::Search(d, k) => format!("{}-p{k}", d.name()),
        }
    }
}

/// What a reproduction reports while it runs; returning Cancel from an experiment's
/// progress stops it (a search stops through the stop flag).
pub enum Progress<'a> {
    Part {
        index: usize,
        total: usize,
        part: Part,
        /// Already in the folder: nothing to do.
        done: bool,
    },
    Exp(ExpProgress<'a>),
    Search(&'a Event),
}

pub fn parts(plan: &Plan) -> Vec<Part> {
    let mut v = Vec::new();
    for &d in &plan.datasets {
        v.push(Part::Single(d));
        v.extend(plan.presets.iter().map(|&k| Part::Search(d, k)));
    }
    v
}

/// The settings of a part: `base` on its data set (and preset), with the plan's seeds.
pub(crate) fn part_settings(base: &Settings, plan: &Plan, part: Part) -> Settings {
    let mut s = base.clone();
    s.final_eval.seeds = plan.seeds;
    match part {
        Part::Single(d) => s.data.dataset = d,
        Part::Search(d, k) => {
            s.data.dataset = d;
            s.data.groups = GroupSet::preset(k).unwrap_or_default();
        }
    }
    s
}

/// The settings a folder's parts depend on: `base` without what changes no result
/// (the settings that affect `Resources` only, such as the number of trainers) or what
/// the plan sets per part (data set, groups, seeds).
fn identity(base: &Settings) -> Settings {
    let mut s = base.clone();
    let d = Settings::default();
    for spec in TABLE.iter().filter(|x| x.affects == Affects::Resources) {
        // The default is a valid value of every setting.
        let _ = spec.set(&mut s, &spec.default_text());
    }
    s.data.dataset = d.data.dataset;
    s.data.groups = d.data.groups;
    s.final_eval.seeds = d.final_eval.seeds;
    s
}

/// "key: old → new" for each setting that differs.
fn differences(old: &Settings, new: &Settings) -> Vec<String> {
    (crate::settings::TABLE.iter())
        .filter(|s| s.get(old) != s.get(new))
        .map(|s| format!("{}: {} → {}", s.key, s.get(old), s.get(new)))
        .collect()
}

/// The plan's fields that differ, named by the flags that set them.
fn plan_differences(old: &Plan, new: &Plan) -> Vec<String> {
    let join = |v: &mut dyn Iterator<Item = String>| v.collect::<Vec<_>>().join(",");
    let sets = |p: &Plan| join(&mut p.datasets.iter().map(|d| d.name().to_string()));
    let presets = |p: &Plan| join(&mut p.presets.iter().map(usize::to_string));
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    [
        ("--datasets", sets(old), sets(new)),
        ("--presets", presets(old), presets(new)),
        ("--seeds", old.seeds.to_string(), new.seeds.to_string()),
        (
            "--quick",
            yes_no(old.quick).into(),
            yes_no(new.quick).into(),
        ),
    ]
    .into_iter()
    .filter(|(_, a, b)| a != b)
    .map(|(flag, a, b)| format!("{flag}: {a} → {b}"))
    .collect()
}

/// Checks the plan and the folder: a folder made under another plan or other settings
/// is refused (its parts would not belong together), and so is a folder another run
/// is using. Everything is checked before the folder is claimed.
pub fn prepare(base: &Settings, plan: &Plan, dir: &Path) -> Result<fsio::Lock> {
    if plan.datasets.is_empty() || plan.presets.is_empty() {
        bail!("nothing to reproduce: give at least one data set and one preset");
    }
    if let Some(k) = plan.presets.iter().find(|&&k| !(1..=5).contains(&k)) {
        bail!("preset {k} is not one of the paper's searches: presets 1 to 5");
    }
    if !(2..=100).contains(&plan.seeds) {
        bail!("--seeds must be 2 to 100: one seed cannot tell a win from noise");
    }
    base.validate()?;
    session::check_out_dir(dir)?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let lock = fsio::Lock::take(dir)?;
    if !check_manifest(base, plan, dir)? {
        let manifest = Manifest {
            plan: plan.clone(),
            settings: identity(base),
            seed_scheme: SEED_SCHEME,
        };
        let path = dir.join("reproduce.json");
        fsio::write_atomic(&path, serde_json::to_string_pretty(&manifest)?.as_bytes())?;
    }
    Ok(lock)
}

/// Whether `dir` holds a reproduction of `plan` under `base` (false: none yet); an
/// error if it holds one of another plan or other settings.
fn check_manifest(base: &Settings, plan: &Plan, dir: &Path) -> Result<bool> {
    let manifest = Manifest {
        plan: plan.clone(),
        settings: identity(base),
        seed_scheme: SEED_SCHEME,
    };
    let path = dir.join("reproduce.json");
    if !path.exists() {
        // Not a reproduction: whatever is there is the user's, and stays untouched.
        let foreign = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name())
            .find(|n| !session::is_bookkeeping(&n.to_string_lossy()));
        if let Some(name) = foreign {
            bail!(
                "{} holds {} and no reproduce.json: --out must be a new or empty folder, or one an earlier `aen reproduce` made",
                dir.display(),
                name.to_string_lossy()
            );
        }
        return Ok(false);
    }
    let bytes = fsio::read_capped(&path, 1 << 20, "reproduction manifest")?;
    let not_manifest = || format!("{} is not a reproduction manifest", path.display());
    let mut value: serde_json::Value = serde_json::from_slice(&bytes).with_context(not_manifest)?;
    // Folders made before classes trained every set as its own network: they read as
    // `none`, so continuing one under the new default is refused, naming the setting.
    if let Some(search) = value
        .pointer_mut("/settings/search")
        .and_then(|s| s.as_object_mut())
    {
        search.entry("equivalence").or_insert_with(|| "none".into());
    }
    let old: Manifest = serde_json::from_value(value).with_context(not_manifest)?;
    if old.seed_scheme > SEED_SCHEME {
        bail!(
            "{} holds a reproduction made by a newer aen (seed scheme {}; this aen trains under {}): continue it with that aen, or choose another --out",
            dir.display(),
            old.seed_scheme,
            SEED_SCHEME
        );
    }
    if old.seed_scheme != SEED_SCHEME {
        bail!(
            "{} holds a reproduction made by aen 0.2 or earlier, whose replicates after the first trained from other seeds than this aen's: its parts and new ones would not belong together. Choose another --out, or finish it with aen 0.2",
            dir.display()
        );
    }
    if old != manifest {
        let mut why = differences(&old.settings, &manifest.settings);
        why.splice(0..0, plan_differences(&old.plan, &manifest.plan));
        bail!(
            "{} holds a reproduction under another plan or other settings ({}): choose another --out, or rerun with its settings",
            dir.display(),
            why.join("; ")
        );
    }
    Ok(true)
}

/// The report of the parts already done in `dir` (report.md, summary.csv, gains.png),
/// training nothing; it needs no lock, so it can follow a run in progress.
pub fn report_done(base: &Settings, plan: &Plan, dir: &Path) -> Result<Outcome> {
    if !check_manifest(base, plan, dir)? {
        bail!(
            "{} holds no reproduction yet (no reproduce.json): run `aen reproduce --out {}` first",
            dir.display(),
            dir.display()
        );
    }
    let all = parts(plan);
    let mut out = Outcome::new(all.len());
    // Only done parts are added, and those load without training; were one to start
    // anyway, it would stop at once.
    let train_nothing = Arc::new(AtomicBool::new(true));
    for &part in all.iter().filter(|&&p| part_done(dir, p)) {
        let s = part_settings(base, plan, part);
        let mut quiet = |_: Progress| Flow::Continue;
        add_part(&mut out, &s, dir, part, plan, &train_nothing, &mut quiet)?;
    }
    write_report(dir, plan, base, &out)?;
    Ok(out)
}

/// Runs (or, done, loads) one part and adds it to `out`.
fn add_part(
    out: &mut Outcome,
    s: &Settings,
    dir: &Path,
    part: Part,
    plan: &Plan,
    stop: &Arc<AtomicBool>,
    progress: &mut dyn FnMut(Progress) -> Flow,
) -> Result<()> {
    match part {
        Part::Single(d) => out
            .singles
            .push((d, single(s, dir, part, plan, stop, progress)?)),
        Part::Search(d, k) => {
            let rows = search(s, dir, part, stop, progress)?;
            out.searches.push(SearchResult {
                dataset: d,
                preset: k,
                data_groups: s.data.groups,
                models: rows.1,
                verdict: experiments::verdict(&rows.0),
            });
        }
    }
    out.done += 1;
    Ok(())
}

/// Runs every part not yet in `dir` and writes the report. `stop` ends it early (a
/// search saves first); what is done stays for the next run.
pub fn run(
    base: &Settings,
    plan: &Plan,
    dir: &Path,
    stop: &Arc<AtomicBool>,
    progress: &mut dyn FnMut(Progress) -> Flow,
) -> Result<Outcome> {
    let _lock = prepare(base, plan, dir)?;
    let started = std::time::Instant::now();
    let all = parts(plan);
    let mut out = Outcome::new(all.len());
    for (index, &part) in all.iter().enumerate() {
        let s = part_settings(base, plan, part);
        let done = part_done(dir, part);
        progress(Progress::Part {
            index,
            total: all.len(),
            part,
            done,
        });
        add_part(&mut out, &s, dir, part, plan, stop, progress)?;
        if stop.load(Ordering::SeqCst) {
            bail!("stopped: what is done is kept in {}", dir.display());
        }
        // A report after every part: a long run can be read while it goes on.
        out.seconds = started.elapsed().as_secs_f64();
        write_report(dir, plan, base, &out)?;
    }
    Ok(out)
}

fn part_done(dir: &Path, part: Part) -> bool {
    match part {
        Part::Single(_) => dir.join(format!("{}.json", part.name())).exists(),
        Part::Search(..) => dir.join(part.name()).join("final.json").exists(),
    }
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let bytes = fsio::read_capped(path, 256 << 20, "reproduction part")?;
    serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is damaged: delete it to redo that part", path.display()))
}

fn single(
    s: &Settings,
    dir: &Path,
    part: Part,
    plan: &Plan,
    stop: &AtomicBool,
    progress: &mut dyn FnMut(Progress) -> Flow,
) -> Result<SingleTable> {
    let json = dir.join(format!("{}.json", part.name()));
    if json.exists() {
        return read_json(&json);
    }
    let base = session::open_base(s)?;
    let (sizes, _) = experiments::fit_sizes(&base, s.final_sizes());
    let table =
        experiments::single_test(s, &base, sizes, s.final_eval.epochs, plan.seeds, &mut |p| {
            if stop.load(Ordering::SeqCst) {
                return Flow::Cancel;
            }
            progress(Progress::Exp(p))
        })
        .map_err(|e| match e {
            experiments::ExpError::Cancelled => {
                Error::msg("stopped: the table is redone on the next run")
            }
            e => Error::other(e),
        })?;
    fsio::write_atomic(
        &dir.join(format!("{}.csv", part.name())),
        table.to_csv().as_bytes(),
    )?;
    fsio::write_atomic(&json, serde_json::to_string(&table)?.as_bytes())?;
    Ok(table)
}

/// The search of a part (started, resumed or already finished), then its final
/// evaluation and exports. Returns the evaluation's rows and the models trained.
fn search(
    s: &Settings,
    dir: &Path,
    part: Part,
    stop: &Arc<AtomicBool>,
    progress: &mut dyn FnMut(Progress) -> Flow,
) -> Result<(Vec<EvalRow>, usize)> {
    let folder = dir.join(part.name());
    let final_json = folder.join("final.json");
    let snap_path = folder.join("snapshot.json");
    if final_json.exists() {
        let rows: Vec<EvalRow> = read_json(&final_json)?;
        let snap = snapshot::load(&snap_path)?;
        return Ok((rows, snap.history.models.len()));
    }
    std::fs::create_dir_all(&folder)
        .with_context(|| format!("cannot create {}", folder.display()))?;
    let prior = snap_path
        .exists()
        .then(|| snapshot::load(&snap_path))
        .transpose()?;
    let snap = match prior {
        Some(snap) if snap.finished.is_some() => snap,
        Some(snap) => drive(
            session::resume(snap, snap_path.clone(), Vec::new())?,
            stop,
            progress,
        )?,
        None => drive(
            session::start(s.clone(), Some(snap_path.clone()), true)?,
            stop,
            progress,
        )?,
    };
    let eval = session::final_eval(&snap, &snap.settings.final_eval, &mut |p| {
        if stop.load(Ordering::SeqCst) {
            return Flow::Cancel;
        }
        progress(Progress::Exp(p))
    })?;
    session::export(&folder, &snap, Some(&eval.rows))?;
    fsio::write_atomic(
        &final_json,
        serde_json::to_string_pretty(&eval.rows)?.as_bytes(),
    )?;
    Ok((eval.rows, snap.history.models.len()))
}

/// Follows a search to its end; a stop or an error is an error (the snapshot is kept).
fn drive(
    h: crate::search::SearchHandle,
    stop: &Arc<AtomicBool>,
    progress: &mut dyn FnMut(Progress) -> Flow,
) -> Result<Snapshot> {
    let mut error = None;
    loop {
        if stop.load(Ordering::SeqCst) {
            h.stop();
        }
        let ev = match h
            .events()
            .recv_timeout(std::time::Duration::from_millis(200))
        {
            Ok(ev) => ev,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => continue,
            Err(_) => bail!("the search ended without a word"),
        };
        progress(Progress::Search(&ev));
        match ev {
            Event::Error(e) => error = Some(e),
            Event::Finished {
                reason, snapshot, ..
            } => {
                h.join();
                if let Some(e) = error {
                    bail!("the search failed: {e}");
                }
                if reason == FinishReason::Stopped {
                    bail!("stopped: the search is saved and resumes on the next run");
                }
                return Ok(*snapshot);
            }
            _ => {}
        }
    }
}

/// The folder a part writes to (for messages).
pub fn part_path(dir: &Path, part: Part) -> PathBuf {
    match part {
        Part::Single(_) => dir.join(format!("{}.csv", part.name())),
        Part::Search(..) => dir.join(part.name()),
    }
}
