//! `aen export-net` and `aen eval-net`: a found network out of aen, and back in to be
//! checked on real images (`engine::network`).

use super::flags::{DATA, FINAL, SettingFlags};
use super::output::{self, Interrupt, Usage, print};
use crate::engine::network;
use crate::engine::session;
use crate::engine::settings::Settings;
use crate::engine::snapshot;
use crate::engine::start;
use aen_core::groups::GroupSet;
use anyhow::{Context, Result};
use clap::Args;
use indicatif::ProgressBar;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ExportNetArgs {
    #[command(flatten)]
    pub flags: SettingFlags<{ DATA + FINAL }>,
    /// The network's groups (names, 12 bits, preset:N).
    #[arg(
        long,
        conflicts_with = "snapshot",
        required_unless_present = "snapshot"
    )]
    pub net_groups: Option<GroupSet>,
    /// Take the state from this search snapshot, with its settings (flags given still
    /// win): its best by validation accuracy, or the --rank-th best.
    #[arg(long)]
    pub snapshot: Option<PathBuf>,
    /// With --snapshot: which of its states, 1 being the best.
    #[arg(long, default_value_t = 1, requires = "snapshot", value_parser = clap::value_parser!(u32).range(1..))]
    pub rank: u32,
    /// The folder to write model.safetensors, tied.safetensors and model.json into.
    #[arg(long)]
    pub out: PathBuf,
    /// Print model.json instead of a line.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct EvalNetArgs {
    #[command(flatten)]
    pub flags: SettingFlags<{ DATA }>,
    /// A folder written by `aen export-net`.
    pub dir: PathBuf,
    /// Images to evaluate on: the first ones of the data set's test file, or of its only
    /// file where it has no test file (the embedded pool, some of which the network may
    /// have trained on).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
    pub count: u32,
    /// Also write each image's index, label and prediction to this CSV file.
    #[arg(long)]
    pub predictions: Option<PathBuf>,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    pub json: bool,
}

pub fn run_export(a: ExportNetArgs, settings: Settings) -> Result<()> {
    let (mut settings, groups) = match &a.snapshot {
        None => (settings, a.net_groups.expect("clap requires it")),
        Some(path) => {
            let snap = snapshot::load(path)?;
            let best = snap.history.best(a.rank as usize);
            let Some(m) = best.get(a.rank as usize - 1) else {
                return Err(Usage(format!(
                    "{}: the snapshot has {} trained states, fewer than --rank {}",
                    path.display(),
                    snap.history.models.len(),
                    a.rank
                ))
                .into());
            };
            (snap.settings.clone(), m.state)
        }
    };
    a.flags.apply(&mut settings)?;
    let bar = output::bar(0, "epoch {msg} [{bar:30}] {pos}/{len} batches", a.json);
    let meta = match export(settings, groups, a.out.clone(), &bar) {
        // An interruption says what it is itself (and sets the exit status).
        Err(e) if e.is::<Interrupt>() => return Err(e),
        r => r.with_context(|| format!("exporting the network of {groups}"))?,
    };
    if a.json {
        return print(format!("{}\n", serde_json::to_string(&meta)?));
    }
    print(format!(
        "wrote {} to {}: {} ({} parameters), trained {} epoch{} on {} {} images: validation {:.2}%, test {:.2}%\n",
        network::FILES.join(", "),
        a.out.display(),
        meta.groups,
        meta.params,
        meta.protocol.epochs,
        if meta.protocol.epochs == 1 { "" } else { "s" },
        meta.protocol.train_size,
        meta.dataset,
        meta.val_acc,
        meta.test_acc,
    ))
}

/// Trains the network of `groups` and writes it into `dir`, as an engine task followed
/// on `bar`. Ctrl-C stops it, and a folder it made is removed.
pub(super) fn export(
    settings: Settings,
    groups: GroupSet,
    dir: PathBuf,
    bar: &ProgressBar,
) -> Result<network::ModelJson> {
    let task = start::export(settings, groups, dir).context("cannot start the export's thread")?;
    let written = output::follow(
        task,
        "the export",
        |p| {
            bar.set_length(p.batches as u64);
            bar.set_position(p.batch as u64);
            bar.set_message(format!("{}/{}", p.epoch + 1, p.epochs));
        },
        |e| format!("interrupted: {e}"),
    );
    bar.finish_and_clear();
    written
}

pub fn run_eval(a: EvalNetArgs, mut settings: Settings) -> Result<()> {
    let net = network::load(&a.dir)?;
    if let Some(p) = &a.predictions {
        let files: Vec<PathBuf> = network::FILES.iter().map(|f| a.dir.join(f)).collect();
        let inputs: Vec<&std::path::Path> = files.iter().map(PathBuf::as_path).collect();
        aen_core::fsio::refuse_overlap(&inputs, std::slice::from_ref(p))
            .map_err(anyhow::Error::msg)?;
        session::check_out_file(p, "--predictions")?;
    }
    // The network's own data set unless the flags name another.
    match net.meta.dataset.parse() {
        Ok(kind) => settings.data.dataset = kind,
        Err(_) => eprintln!(
            "warning: model.json names the data set {}, which this aen does not know: evaluating on {}",
            net.meta.dataset,
            settings.data.dataset.name()
        ),
    }
    a.flags.apply(&mut settings)?;
    let base = session::open_base(&settings)?;
    let e = network::evaluate(&net, &base, a.count as usize)?;
    if let Some(path) = &a.predictions {
        let mut csv = String::from("index,label,predicted\n");
        for (i, (y, p)) in e.labels.iter().zip(&e.predictions).enumerate() {
            csv.push_str(&format!("{i},{y},{p}\n"));
        }
        aen_core::fsio::write_atomic(path, csv.as_bytes())?;
    }
    if a.json {
        return print(format!("{}\n", serde_json::to_string(&e)?));
    }
    let mut s = format!(
        "{} ({} parameters) on {} {} of {} ({}): accuracy {:.2}%\n",
        net.meta.groups,
        net.meta.params,
        e.images,
        if e.from_test {
            "test images"
        } else {
            "images of the pool (no test file: some may have been trained on)"
        },
        base.kind.name(),
        base.source.kind.name(),
        e.accuracy
    );
    if !e.groups.is_empty() {
        s.push_str(&format!(
            "{:<8} {:>9} {:>10} {:>13}  (the images transformed by each group)\n",
            "group", "accuracy", "unchanged", "hidden error"
        ));
    }
    for g in &e.groups {
        s.push_str(&format!(
            "{:<8} {:>8.2}% {:>9.2}% {:>13.1e}\n",
            g.group, g.accuracy, g.unchanged, g.hidden_error
        ));
    }
    if !e.groups.is_empty() {
        s.push_str(
            "unchanged: predictions the transform leaves as they were (the last layer is dense, so \
             the network is equivariant, not invariant); hidden error: max |h(g x) - g h(x)| / max |h(x)| \
             of the second tied layer, float rounding for a tied network\n",
        );
    }
    print(s)
}
