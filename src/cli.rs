//! The `aen` command line: argument parsing and the headless subcommands. Every
//! subcommand resolves settings (defaults < config file < flags) and calls the engine.

use crate::config::Settings;
use crate::data::{self, DatasetKind, SourceKind, fetch};
use crate::gdata;
use crate::groups::GroupSet;
use crate::render;
use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Parser, Debug)]
#[command(name = "aen", version, about = "Autoequivariant network search: find which image symmetries a network should respect", long_about = None)]
pub struct Cli {
    /// Config file (TOML); default: the user's config dir, aen/config.toml, if present.
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Open this snapshot in the TUI dashboard and resume it.
    #[arg(long, value_name = "PATH")]
    pub resume: Option<PathBuf>,
    /// For the TUI: a folder holding the four standard IDX files, offered as a source.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Data sets: list, fetch, preview.
    #[command(subcommand)]
    Data(DataCommand),
    /// Print the weight and hidden-unit orbits of the child network's tied layers.
    Orbits {
        /// Groups: names (rot90,hflip), 12 bits, or preset:N.
        #[arg(long, default_value = "rot90")]
        groups: GroupSet,
        /// Translation step d.
        #[arg(long, default_value_t = 4)]
        step: usize,
    },
    /// Train one child network on a G-dataset.
    Train(TrainArgs),
    /// The single-equivariance table: 13 data sets x 13 networks.
    SingleTest(SingleTestArgs),
    /// Run a search headless, with a progress bar and exported results.
    Search(SearchArgs),
    /// Train every group set (or a list) for several seeds into a resumable table;
    /// `merge` joins shard tables, `report` summarises one.
    Sweep(crate::cli_sweep::SweepArgs),
}

#[derive(Args, Debug)]
pub struct ChildArgs {
    /// Training images.
    #[arg(long)]
    pub train_size: Option<usize>,
    /// Validation images.
    #[arg(long)]
    pub val_size: Option<usize>,
    /// Test images.
    #[arg(long)]
    pub test_size: Option<usize>,
    /// Epochs per child network.
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Mini-batch size.
    #[arg(long)]
    pub batch: Option<usize>,
    /// Adam learning rate of the child networks.
    #[arg(long)]
    pub lr: Option<f64>,
}

#[derive(Args, Debug)]
pub struct TrainArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Groups of the G-data.
    #[arg(long)]
    pub data_groups: Option<GroupSet>,
    /// Groups the network is equivariant to.
    #[arg(long, default_value = "none")]
    pub net_groups: GroupSet,
    #[command(flatten)]
    pub child: ChildArgs,
    /// Print a JSON object instead of a line.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct SingleTestArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub child: ChildArgs,
    /// A small run: 1,000 / 500 / 500 images, 1 epoch.
    #[arg(long)]
    pub quick: bool,
    /// Where to write the CSV table.
    #[arg(long, default_value = "single-test.csv")]
    pub csv: PathBuf,
}

#[derive(Args, Debug)]
pub struct SearchArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Groups of the G-data.
    #[arg(long)]
    pub data_groups: Option<GroupSet>,
    #[command(flatten)]
    pub child: ChildArgs,
    /// Stop after this many distinct models trained.
    #[arg(long)]
    pub max_models: Option<usize>,
    /// Stop after this many episodes.
    #[arg(long)]
    pub max_episodes: Option<usize>,
    /// Steps per episode.
    #[arg(long)]
    pub episode_len: Option<usize>,
    /// Fixed epsilon instead of the schedule.
    #[arg(long)]
    pub epsilon: Option<f64>,
    /// Output folder for models.csv, summary.json and the plots.
    #[arg(long, default_value = "aen-out")]
    pub out: PathBuf,
    /// Continue this snapshot.
    #[arg(long, value_name = "PATH")]
    pub resume: Option<PathBuf>,
    /// Where to autosave the session (default: the user's data dir, sessions/).
    #[arg(long, value_name = "PATH")]
    pub snapshot: Option<PathBuf>,
    /// Retrain the best states and single-group networks at the end (or, with
    /// --resume of a finished search, only that).
    #[arg(long)]
    pub final_eval: bool,
    /// Machine-readable progress: one JSON object per event on stdout.
    #[arg(long)]
    pub json: bool,
}

impl ChildArgs {
    pub fn apply(&self, s: &mut Settings) {
        let c = &mut s.child;
        if let Some(v) = self.train_size {
            c.train_size = v;
        }
        if let Some(v) = self.val_size {
            c.val_size = v;
        }
        if let Some(v) = self.test_size {
            c.test_size = v;
        }
        if let Some(v) = self.epochs {
            c.epochs = v;
        }
        if let Some(v) = self.batch {
            c.batch = v;
        }
        if let Some(v) = self.lr {
            c.lr = v;
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum DataCommand {
    /// Show each data set, where it was found and its split sizes.
    List(DataArgs),
    /// Download a data set into the user's data dir (checksummed, atomic).
    Fetch {
        /// mnist or fashion-mnist
        dataset: DatasetKind,
        /// Mirror base URL to try instead of the built-in list (repeatable, tried in order).
        #[arg(long = "mirror", value_name = "URL")]
        mirrors: Vec<String>,
        /// Folder to write to instead of the user's data dir.
        #[arg(long, value_name = "DIR")]
        dest: Option<PathBuf>,
    },
    /// Print original images beside their transformed versions.
    Preview {
        #[command(flatten)]
        data: DataArgs,
        /// Groups of the G-data: names (rot90,hflip), 12 bits, or preset:N.
        #[arg(long)]
        groups: Option<GroupSet>,
        /// How many images.
        #[arg(long, default_value_t = 8)]
        count: usize,
        /// Seed for which images are drawn and how they are transformed.
        #[arg(long, default_value_t = 1)]
        sample_seed: u64,
        /// Force plain ASCII output.
        #[arg(long)]
        ascii: bool,
    },
}

/// Which data set and where from; shared by every subcommand that loads data.
#[derive(Args, Debug, Clone, Default)]
pub struct DataArgs {
    /// mnist or fashion-mnist
    #[arg(long)]
    pub dataset: Option<DatasetKind>,
    /// auto, data-dir, downloaded, system or embedded
    #[arg(long)]
    pub source: Option<String>,
    /// Folder holding the four standard IDX files (raw or .gz).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Translation step d of htrans / vtrans.
    #[arg(long)]
    pub step: Option<usize>,
    /// Seed of the data splits and transformations.
    #[arg(long)]
    pub seed: Option<u64>,
}

impl DataArgs {
    pub fn apply(&self, s: &mut Settings) {
        if let Some(d) = self.dataset {
            s.data.dataset = d;
        }
        if let Some(src) = &self.source {
            s.data.source = src.clone();
        }
        if let Some(d) = &self.data_dir {
            s.data.data_dir = Some(d.clone());
        }
        if let Some(v) = self.step {
            s.data.step = v;
        }
        if let Some(v) = self.seed {
            s.data.seed = v;
        }
    }
}

pub fn load_settings(cli: &Cli) -> Result<Settings> {
    Ok(Settings::load(cli.config.as_deref())?)
}

/// Whether to draw in colour: stdout is a terminal and NO_COLOR is unset.
pub fn use_color() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}

pub fn run(cli: Cli) -> Result<()> {
    let settings = load_settings(&cli)?;
    match cli.command {
        None => {
            let mut settings = settings;
            if let Some(d) = cli.data_dir {
                if data::find_files(&d).is_none()
                    && DatasetKind::ALL
                        .iter()
                        .all(|k| data::find_files(&d.join(k.name())).is_none())
                {
                    anyhow::bail!(
                        "{}: no MNIST-format files here (expected {})",
                        d.display(),
                        fetch::FILE_NAMES.join(", ")
                    );
                }
                settings.data.data_dir = Some(d);
            }
            crate::tui::run(settings, cli.resume)
        }
        Some(Command::Data(cmd)) => run_data(cmd, settings),
        Some(Command::Orbits { groups, step }) => run_orbits(groups, step),
        Some(Command::Train(a)) => run_train(a, settings),
        Some(Command::SingleTest(a)) => run_single_test(a, settings),
        Some(Command::Search(a)) => crate::cli_search::run_search(a, settings),
        Some(Command::Sweep(a)) => crate::cli_sweep::run(a, settings),
    }
}

fn open_base(s: &Settings) -> Result<data::BaseData> {
    s.validate()?;
    let want = s.source_kind()?;
    Ok(data::open(
        s.data.dataset,
        s.data.data_dir.as_deref(),
        want,
    )?)
}

fn run_data(cmd: DataCommand, mut settings: Settings) -> Result<()> {
    match cmd {
        DataCommand::List(args) => {
            args.apply(&mut settings);
            settings.validate()?;
            let want = settings.source_kind()?;
            for kind in DatasetKind::ALL {
                println!("{}", kind.title());
                let sources = data::available_sources(kind, settings.data.data_dir.as_deref());
                let chosen =
                    data::resolve_source(kind, settings.data.data_dir.as_deref(), want).ok();
                for src in sources {
                    let mark = if Some(&src) == chosen.as_ref() {
                        "*"
                    } else {
                        " "
                    };
                    let t = Instant::now();
                    match data::load(kind, &src) {
                        Ok(b) => {
                            let sizes = match &b.test {
                                Some(t) => format!("train {} / test {}", b.train.len(), t.len()),
                                None => format!(
                                    "pool {} (split into train / validation / test)",
                                    b.train.len()
                                ),
                            };
                            println!(
                                "  {mark} {:<10} {sizes}, {}x{}, loaded in {:.0} ms  {}",
                                src.kind.name(),
                                b.train.images.rows,
                                b.train.images.cols,
                                t.elapsed().as_secs_f64() * 1e3,
                                src.dir
                                    .as_ref()
                                    .map(|d| d.display().to_string())
                                    .unwrap_or_else(|| "(compiled into aen)".into())
                            );
                        }
                        Err(e) => println!("  {mark} {:<10} unusable: {e}", src.kind.name()),
                    }
                }
            }
            println!("(* = used by default; choose with --source or --data-dir)");
            Ok(())
        }
        DataCommand::Fetch {
            dataset,
            mirrors,
            dest,
        } => {
            let mut manifest = fetch::Manifest::official(dataset);
            if !mirrors.is_empty() {
                manifest.mirrors = mirrors;
            }
            let dest = match dest {
                Some(d) => d,
                None => data::user_dataset_dir(dataset)
                    .context("cannot determine the user's data dir (is HOME set?)")?,
            };
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template(
                    "{msg:30} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
                )
                .expect("valid template")
                .progress_chars("=> "),
            );
            let mut on_event = |ev: fetch::FetchEvent| match ev {
                fetch::FetchEvent::Start { file, total, .. } => {
                    bar.reset();
                    bar.set_length(total.unwrap_or(0));
                    bar.set_message(file);
                }
                fetch::FetchEvent::Bytes { done } => bar.set_position(done),
                fetch::FetchEvent::MirrorFailed { url, reason, .. } => {
                    bar.println(format!("  {url}: {reason}; trying the next mirror"))
                }
                fetch::FetchEvent::Done { file, .. } => {
                    bar.println(format!("  {file}: ok (checksum verified)"))
                }
                fetch::FetchEvent::AlreadyPresent { file } => {
                    bar.println(format!("  {file}: already present"))
                }
            };
            let result = fetch::fetch(&manifest, &dest, &mut on_event);
            bar.finish_and_clear();
            result?;
            let base = data::load(
                dataset,
                &data::Source {
                    kind: SourceKind::Downloaded,
                    dir: Some(dest.clone()),
                },
            )?;
            println!(
                "{} ready in {}: {} training and {} test images",
                dataset.title(),
                dest.display(),
                base.train.len(),
                base.test.as_ref().map_or(0, |t| t.len())
            );
            Ok(())
        }
        DataCommand::Preview {
            data: args,
            groups,
            count,
            sample_seed,
            ascii,
        } => {
            args.apply(&mut settings);
            if let Some(g) = groups {
                settings.data.groups = g;
            }
            let base = open_base(&settings)?;
            let samples = gdata::preview_samples(
                &base,
                settings.data.groups,
                settings.data.step,
                sample_seed,
                count,
            )?;
            let side = base.train.images.rows;
            let color = !ascii && use_color();
            let per_row = (terminal_width() / (4 * side + 8)).max(1);
            println!(
                "{} ({}), groups {} [{}], step {}",
                base.kind.title(),
                base.source.kind.name(),
                settings.data.groups,
                settings.data.groups.bit_string(),
                settings.data.step
            );
            print!("{}", render::preview_grid(&samples, side, color, per_row));
            Ok(())
        }
    }
}

fn run_orbits(groups: GroupSet, step: usize) -> Result<()> {
    use crate::orbits::{HIDDEN_SIDE, INPUT_SIDE, layer_orbits};
    println!("groups {} [{}], step {step}", groups, groups.bit_string());
    let mut total = 0usize;
    let mut total_ms = 0.0;
    for (name, a, b) in [
        ("layer 1", INPUT_SIDE, HIDDEN_SIDE),
        ("layer 2", HIDDEN_SIDE, HIDDEN_SIDE),
    ] {
        let t = Instant::now();
        let o = layer_orbits(a, b, groups, step)?;
        let ms = t.elapsed().as_secs_f64() * 1e3;
        total_ms += ms;
        total += o.params();
        println!(
            "{name}: {a}x{a} -> {b}x{b}: {} weights in {} weight orbits, {} hidden units in {} orbits, {} free parameters, {ms:.2} ms",
            o.weight.len(),
            o.n_weight,
            o.hidden.len(),
            o.n_hidden,
            o.params()
        );
    }
    let last = HIDDEN_SIDE * HIDDEN_SIDE * 10 + 10;
    println!("dense last layer: {last} parameters");
    println!(
        "child network: {} parameters; orbits built in {total_ms:.2} ms",
        total + last
    );
    Ok(())
}

fn run_train(a: TrainArgs, mut settings: Settings) -> Result<()> {
    a.data.apply(&mut settings);
    a.child.apply(&mut settings);
    if let Some(g) = a.data_groups {
        settings.data.groups = g;
    }
    settings.validate()?;
    let (base, gd) = crate::search::prepare_data(&settings)?;
    let orbits = crate::orbits::ChildOrbits::new(a.net_groups, settings.data.step)?;
    let cfg = crate::train::TrainConfig {
        epochs: settings.child.epochs,
        batch: settings.child.batch,
        lr: settings.child.lr,
        seed: crate::search::child_seed(settings.data.seed, a.net_groups),
    };
    let bar = if a.json || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(0)
    };
    bar.set_style(
        ProgressStyle::with_template("epoch {msg} [{bar:30}] {pos}/{len} batches")
            .expect("valid template"),
    );
    let dev = crate::nn::Dev::default();
    let r = crate::train::train_child(&dev, &orbits, &gd, cfg, &mut |p| {
        bar.set_length(p.batches as u64);
        bar.set_position(p.batch as u64);
        bar.set_message(format!("{}/{}", p.epoch + 1, p.epochs));
        crate::train::Flow::Continue
    })?;
    bar.finish_and_clear();
    let images_per_s = (settings.child.train_size * settings.child.epochs) as f64 / r.seconds;
    if a.json {
        let v = serde_json::json!({
            "dataset": base.kind.name(), "source": base.source.kind.name(),
            "data_groups": settings.data.groups.to_string(), "net_groups": a.net_groups.to_string(),
            "epochs": settings.child.epochs, "train_size": settings.child.train_size,
            "val_acc": r.val_acc, "test_acc": r.test_acc, "params": r.params, "seconds": r.seconds,
            "val_curve": r.val_curve, "images_per_second": images_per_s, "device": crate::nn::device_name(),
        });
        println!("{v}");
    } else {
        println!(
            "{} data {} net {}: validation {:.2}%, test {:.2}%, {} parameters, {:.1} s ({:.0} images/s, {})",
            base.kind.name(),
            settings.data.groups,
            a.net_groups,
            r.val_acc,
            r.test_acc,
            r.params,
            r.seconds,
            images_per_s,
            crate::nn::device_name()
        );
    }
    Ok(())
}

fn run_single_test(a: SingleTestArgs, mut settings: Settings) -> Result<()> {
    use crate::experiments::{self, ExpProgress};
    a.data.apply(&mut settings);
    let mut sizes = settings.final_sizes();
    let mut epochs = settings.final_eval.epochs;
    if a.quick {
        sizes = gdata::SplitSizes {
            train: 1000,
            val: 500,
            test: 500,
        };
        epochs = 1;
    }
    sizes.train = a.child.train_size.unwrap_or(sizes.train);
    sizes.val = a.child.val_size.unwrap_or(sizes.val);
    sizes.test = a.child.test_size.unwrap_or(sizes.test);
    epochs = a.child.epochs.unwrap_or(epochs);
    if let Some(b) = a.child.batch {
        settings.child.batch = b;
    }
    if let Some(lr) = a.child.lr {
        settings.child.lr = lr;
    }
    let base = open_base(&settings)?;
    let (sizes, note) = experiments::fit_sizes(&base, sizes);
    if let Some(n) = note {
        eprintln!("note: {n}");
    }
    eprintln!(
        "single-equivariance test on {} ({}): {} / {} / {} images, {epochs} epochs, 169 trainings",
        base.kind.title(),
        base.source.kind.name(),
        sizes.train,
        sizes.val,
        sizes.test
    );
    let bar = if std::io::stderr().is_terminal() {
        ProgressBar::new(169)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {msg} ETA {eta}")
            .expect("valid template"),
    );
    let table = experiments::single_test(&settings, &base, sizes, epochs, &mut |p| {
        match p {
            ExpProgress::Begin { label, index, .. } => {
                bar.set_position(index as u64);
                bar.set_message(label.to_string());
            }
            ExpProgress::Done { .. } | ExpProgress::Batch(_) => {}
        }
        crate::train::Flow::Continue
    })
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    bar.finish_and_clear();
    println!("test accuracy (%), rows: G-data, columns: network equivariant to; * = best of row");
    print!("{}", table.to_text());
    std::fs::write(&a.csv, table.to_csv())
        .with_context(|| format!("writing {}", a.csv.display()))?;
    println!("wrote {}", a.csv.display());
    Ok(())
}

fn terminal_width() -> usize {
    crossterm::terminal::size()
        .map(|(w, _)| w as usize)
        .unwrap_or(120)
}
