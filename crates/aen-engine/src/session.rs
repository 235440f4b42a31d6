//! The one API both clients drive: start or resume a search, run the final evaluation
//! of a finished one, and export its results. Everything that can be checked is
//! checked here, before any thread starts or any model trains.

use crate::data::{self, BaseData};
use crate::error::{Error, Result, ResultExt, bail};
use crate::experiments::{self, EvalRow, ExpProgress};
use crate::gdata::GData;
use crate::report;
use crate::search::children::Evaluator;
use crate::search::{self, RunInfo, SearchHandle, SettingChange};
use crate::settings::{FinalEvalSettings, Settings};
use crate::snapshot::{self, Snapshot};
use crate::train::Flow;
use std::path::{Path, PathBuf};

/// Loads the base data that `settings` name.
pub fn open_base(settings: &Settings) -> Result<BaseData> {
    settings.validate()?;
    Ok(data::open_prepared(
        settings.data.dataset,
        settings.data.data_dir.as_deref(),
        settings.source_kind(),
        settings.data.resize,
    )?)
}

/// Loads the base data and builds the search G-dataset for `settings`.
pub fn prepare_data(settings: &Settings) -> Result<(BaseData, GData)> {
    let base = open_base(settings)?;
    let gd = settings.gdata(&base, settings.data.groups, settings.child_sizes())?;
    Ok((base, gd))
}

/// Reserves a new snapshot file in the user's sessions folder: a timestamp, made
/// unique by a counter when another session (in this process or another) took that name
/// in the same second. The file is created empty, atomically, so no two runs share it.
pub(crate) fn new_snapshot_path() -> Result<PathBuf> {
    let dir = snapshot::sessions_dir().unwrap_or_else(|| PathBuf::from("."));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S").to_string();
    for k in 0..10_000 {
        let p = match k {
            0 => dir.join(format!("{stamp}.json")),
            k => dir.join(format!("{stamp}-{k}.json")),
        };
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&p)
        {
            Ok(_) => return Ok(p),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e).with_context(|| format!("cannot create {}", p.display())),
        }
    }
    bail!("no free session name in {}", dir.display())
}

fn run_info(settings: &Settings, base: &BaseData, path: &Path, prior_seconds: f64) -> RunInfo {
    RunInfo {
        dataset: base.describe(),
        source: base.source.to_string(),
        data_groups: settings.data.groups,
        device: crate::nn::device_name(),
        settings: settings.clone(),
        snapshot_path: path.to_path_buf(),
        prior_seconds,
    }
}

/// Starts a new search that autosaves to `path` (default: a new name in the sessions
/// folder). An existing file is never replaced unless `overwrite`; the empty session
/// is written at once, so an unwritable path fails here, not after the first model.
pub fn start(settings: Settings, path: Option<PathBuf>, overwrite: bool) -> Result<SearchHandle> {
    settings.validate()?;
    // Everything that can fail is checked before a session file is reserved.
    let (eval, mut info) = evaluator(&settings, Path::new(""), 0.0)?;
    let (path, reserved) = match path {
        Some(p) => (p, false),
        None => (new_snapshot_path()?, true),
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        bail!(
            "{}: cannot write the snapshot: its folder does not exist",
            path.display()
        );
    }
    // One run per snapshot: a second run on it (a new one or a resume, here or in the
    // TUI) stops at this lock, before anything is written.
    if let Some(table) = &settings.search.table {
        crate::fsio::refuse_overlap(&[table], std::slice::from_ref(&path)).map_err(Error::msg)?;
    }
    let lock = match crate::fsio::Lock::take(&path) {
        Err(e @ crate::fsio::LockError::Io { .. }) => {
            return Err(e).context("cannot autosave the session");
        }
        lock => lock?,
    };
    if path.exists() && !overwrite && !reserved {
        bail!(
            "{} already exists: resume it with --resume, or choose another --snapshot (or pass --overwrite to replace it)",
            path.display()
        );
    }
    info.snapshot_path = path.clone();
    let empty = Snapshot::new(settings.clone(), &info, Default::default(), None, 0.0);
    if overwrite || reserved {
        snapshot::save(&empty, &path).context("cannot autosave the session")?;
    } else if path.exists() {
        // A link to nothing, say: it is not replaced.
        bail!(
            "{} already exists: resume it with --resume, or choose another --snapshot",
            path.display()
        );
    } else {
        // Created only if still absent: of two runs started at once on one path,
        // one gets it and the other stops here, before any training.
        if let Err(e) = snapshot::save_new(&empty, &path) {
            if path.exists() {
                bail!(
                    "{} already exists (another run took it just now): resume it with --resume, or choose another --snapshot",
                    path.display()
                );
            }
            return Err(e).context("cannot autosave the session");
        }
    }
    Ok(search::spawn(
        settings,
        info,
        eval,
        None,
        Vec::new(),
        Some(lock),
    ))
}

/// Where a run's accuracies come from: the sweep table of `search.table` (seed
/// `data.seed` mod the table's seeds; no data is loaded), or training on the G-data.
/// A table must have been made under the same data and child settings.
fn evaluator(settings: &Settings, path: &Path, prior_seconds: f64) -> Result<(Evaluator, RunInfo)> {
    let Some(table) = &settings.search.table else {
        let (base, gd) = prepare_data(settings)?;
        let info = run_info(settings, &base, path, prior_seconds);
        let eval = Evaluator::Train(std::sync::Arc::new(gd));
        return Ok((eval, info));
    };
    let read = crate::sweep::table::read(table)?;
    read.table
        .header
        .settings
        .fits(settings)
        .with_context(|| format!("{} was made under other settings", table.display()))?;
    let truth = std::sync::Arc::new(crate::compare::GroundTruth::partial(&read.table));
    let id = &read.table.header.settings;
    let info = RunInfo {
        dataset: format!("{} (table {})", id.dataset, table.display()),
        source: id.source.clone(),
        data_groups: settings.data.groups,
        device: "table lookup".into(),
        settings: settings.clone(),
        snapshot_path: path.to_path_buf(),
        prior_seconds,
    };
    Ok((
        Evaluator::Table(truth.lookup(settings.data.seed as usize)),
        info,
    ))
}

/// Continues `snap` (loaded from `path`, where it keeps autosaving, unless it is a
/// checkpoint: then in a new session file, `SearchHandle::path`) under the settings it
/// started with; `changes` apply as live changes where the snapshot ends.
pub fn resume(snap: Snapshot, path: PathBuf, changes: Vec<SettingChange>) -> Result<SearchHandle> {
    let done = snap.history.models.len();
    if let Some(c) = changes.iter().find(|c| {
        c.key == "search.max_models" && c.value.trim().parse::<usize>().is_ok_and(|m| m < done)
    }) {
        bail!(
            "cannot resume with {}: the session has {done} models already; max models must be at least {done}",
            c.describe()
        );
    }
    let mut check = snap.settings.clone();
    for c in &changes {
        c.apply(&mut check)
            .with_context(|| format!("cannot resume with {}", c.describe()))?;
    }
    // A checkpoint stays as it was saved: the run goes on in a new session file,
    // which holds the run from the start (so it lists and resumes like any other).
    let (snap, path, lock) = if snap.checkpoint {
        let copy = Snapshot {
            checkpoint: false,
            copy_of: None,
            ..snap
        };
        let fresh = new_snapshot_path()?;
        let lock = crate::fsio::Lock::take(&fresh)?;
        snapshot::save(&copy, &fresh).context("cannot start the session file")?;
        (copy, fresh, lock)
    } else {
        let lock = crate::fsio::Lock::take(&path)?;
        // A run that held it may have saved more between our read and our lock:
        // continuing what was read would overwrite that.
        if let Ok(now) = snapshot::summary(&path)
            && (now.seconds != snap.seconds
                || now.models != snap.history.models.len()
                || now.steps != snap.history.steps.len())
        {
            bail!(
                "{} changed while it was being opened (another run saved it): open it again",
                path.display()
            );
        }
        (snap, path, lock)
    };
    fsio_check_writable(&path)?;
    let (eval, info) = evaluator(&snap.settings, &path, snap.seconds)?;
    Ok(search::spawn(
        snap.settings.clone(),
        info,
        eval,
        Some(snap),
        changes,
        Some(lock),
    ))
}

fn fsio_check_writable(path: &Path) -> Result<()> {
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().readonly()
    {
        bail!(
            "{}: the snapshot is read-only; copy it to resume",
            path.display()
        );
    }
    Ok(())
}

/// The live changes that turn settings `from` into `to` (settings that cannot change
/// live are ignored).
pub fn live_changes_between(from: &Settings, to: &Settings) -> Vec<SettingChange> {
    crate::settings::TABLE
        .iter()
        .filter(|s| s.live && s.get(from) != s.get(to))
        .map(|s| SettingChange::new(s.key, s.get(to)))
        .collect()
}

/// The final evaluation (docs/method.md §7): the best searched states and every
/// single-group network retrained under the single-equivariance protocol.
pub struct FinalEval {
    pub rows: Vec<EvalRow>,
    /// Set when the protocol's training split was shrunk to fit the data.
    pub note: Option<String>,
    /// The split sizes it trained on (the settings', unless shrunk).
    pub sizes: crate::gdata::SplitSizes,
}

/// Runs the final evaluation of `snap` under `eval` (the snapshot's own final-evaluation
/// settings, or others: they do not touch the search).
pub fn final_eval(
    snap: &Snapshot,
    eval: &FinalEvalSettings,
    progress: &mut dyn FnMut(ExpProgress) -> Flow,
) -> Result<FinalEval> {
    let mut settings = snap.settings.clone();
    settings.final_eval = eval.clone();
    let base = open_base(&settings)?;
    let top: Vec<_> = snap
        .history
        .best(eval.top_k)
        .iter()
        .map(|m| (m.state, m.val_acc))
        .collect();
    if top.is_empty() {
        bail!("the session has no trained models to evaluate");
    }
    let (rows, note, sizes) =
        experiments::final_eval(&settings, &base, &top, progress).map_err(Error::other)?;
    Ok(FinalEval { rows, note, sizes })
}

/// Keeps `done`, the final evaluation of the session saved at `path` under `eval`, in
/// that session (taking its lock: no search may be writing it), and returns the
/// session as saved. An evaluation exists only in an export no more.
pub(crate) fn keep_evaluation(
    path: &Path,
    eval: &FinalEvalSettings,
    done: &FinalEval,
) -> Result<Snapshot> {
    let _lock = crate::fsio::Lock::take(path)?;
    let mut snap = snapshot::load(path)?;
    snap.add_evaluation(snapshot::Evaluation {
        settings: eval.clone(),
        models: snap.history.models.len(),
        saved_at: chrono::Local::now().to_rfc3339(),
        note: done.note.clone(),
        sizes: done.sizes,
        rows: done.rows.clone(),
    });
    snapshot::save(&snap, path).context("cannot keep the final evaluation in the session")?;
    Ok(snap)
}

/// Sets the note and tags of the session saved at `path` (None: as they are), taking
/// its lock (no search may be writing it), and returns the session as saved. The file
/// is replaced whole or not at all, keeping its modification time: the browser lists
/// sessions by when their runs last saved, not by when they were annotated.
pub fn annotate(path: &Path, note: Option<String>, tags: Option<Vec<String>>) -> Result<Snapshot> {
    let _lock = crate::fsio::Lock::take(path)?;
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    if meta.permissions().readonly() {
        bail!(
            "{} is read-only: nothing was changed (make it writable to annotate it)",
            path.display()
        );
    }
    let mut snap = snapshot::load(path)?;
    if let Some(note) = note {
        snap.note = note;
    }
    if let Some(tags) = tags {
        snap.tags = tags;
    }
    snapshot::save(&snap, path).context("cannot save the note and tags in the session")?;
    // Only where the index tells the new file from the old by more than its time and
    // length (its inode and change time, see `snapshot::Listing`).
    #[cfg(unix)]
    if let Ok(mtime) = meta.modified()
        && let Ok(f) = std::fs::File::options().write(true).open(path)
    {
        let _ = f.set_modified(mtime);
    }
    Ok(snap)
}

/// How many trainings the final evaluation of `snap` under `eval` runs.
pub fn final_eval_trainings(snap: &Snapshot, eval: &FinalEvalSettings) -> usize {
    (eval.top_k.min(snap.history.models.len()) + 13) * eval.seeds.max(1)
}

/// The files [`export`] writes.
pub const EXPORTS: [&str; 5] = [
    "models.csv",
    "steps.csv",
    "summary.json",
    "accuracy.png",
    "rewards.png",
];

/// Whether a file in an output folder is aen's own bookkeeping (a lock, a temporary
/// file, a write probe) rather than something a user or a command made.
pub(crate) fn is_bookkeeping(name: &str) -> bool {
    name == ".lock" || name.starts_with(".aen-")
}

/// Checks, before any work, that a search's outputs (the exports in `dir` and its
/// snapshot) cannot overwrite what it reads: its snapshot (an export over it) and its
/// ground-truth table (`search.table`, under an export or the snapshot).
pub fn check_export(dir: &Path, snapshot: Option<&Path>, table: Option<&Path>) -> Result<()> {
    let exports = EXPORTS.map(|n| dir.join(n));
    let fail = Error::msg;
    if let Some(s) = snapshot {
        crate::fsio::refuse_overlap(&[s], &exports).map_err(fail)?;
    }
    if let Some(t) = table {
        let mut outputs = exports.to_vec();
        outputs.extend(snapshot.map(Path::to_path_buf));
        crate::fsio::refuse_overlap(&[t], &outputs).map_err(fail)?;
    }
    Ok(())
}

/// Checks that `dir` can take the exports before any long work starts.
pub fn check_out_dir(dir: &Path) -> Result<()> {
    if dir.exists() && !dir.is_dir() {
        bail!(
            "{}: --out must be a folder, and this is a file",
            dir.display()
        );
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    probe_write(dir).with_context(|| format!("cannot write in {}", dir.display()))
}

/// Writes and removes an empty file in `dir`. Its name is this process's own, so two
/// runs checking one folder at once never see (or remove) each other's probe.
fn probe_write(dir: &Path) -> std::io::Result<()> {
    let probe = dir.join(format!(".aen-write-test-{}", std::process::id()));
    std::fs::write(&probe, b"")?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

/// Checks, before any work, that a file can be written at `path`: not a folder, and
/// its folder exists (or can be made) and takes a new file.
pub fn check_out_file(path: &Path, flag: &str) -> Result<()> {
    if path.is_dir() {
        bail!(
            "{}: {flag} must be a file, and this is a folder",
            path.display()
        );
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)
        .with_context(|| format!("{flag} {}: cannot create its folder", path.display()))?;
    probe_write(dir)
        .with_context(|| format!("{flag} {}: cannot write in its folder", path.display()))
}

/// Writes models.csv, summary.json (with the final evaluation, if any) and the plots.
pub fn export(dir: &Path, snap: &Snapshot, eval: Option<&[EvalRow]>) -> Result<()> {
    check_out_dir(dir)?;
    report::write_outputs(dir, snap, eval)
}
