//! The `aen` command line: argument parsing and the headless subcommands. Every
//! subcommand resolves settings (defaults < config file < flags) and calls the engine.

use crate::config::Settings;
use crate::data::{self, fetch, DatasetKind, SourceKind};
use crate::gdata;
use crate::groups::GroupSet;
use crate::render;
use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use is_terminal::IsTerminal;
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
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Data sets: list, fetch, preview.
    #[command(subcommand)]
    Data(DataCommand),
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
        None => bail!("the interactive TUI is not built into this binary yet; try `aen --help`"),
        Some(Command::Data(cmd)) => run_data(cmd, settings),
    }
}

fn open_base(s: &Settings) -> Result<data::BaseData> {
    s.validate()?;
    let want = s.source_kind()?;
    Ok(data::open(s.data.dataset, s.data.data_dir.as_deref(), want)?)
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
                let chosen = data::resolve_source(kind, settings.data.data_dir.as_deref(), want).ok();
                for src in sources {
                    let mark = if Some(&src) == chosen.as_ref() { "*" } else { " " };
                    let t = Instant::now();
                    match data::load(kind, &src) {
                        Ok(b) => {
                            let sizes = match &b.test {
                                Some(t) => format!("train {} / test {}", b.train.len(), t.len()),
                                None => format!("pool {} (split into train / validation / test)", b.train.len()),
                            };
                            println!(
                                "  {mark} {:<10} {sizes}, {}x{}, loaded in {:.0} ms  {}",
                                src.kind.name(),
                                b.train.images.rows,
                                b.train.images.cols,
                                t.elapsed().as_secs_f64() * 1e3,
                                src.dir.as_ref().map(|d| d.display().to_string()).unwrap_or_else(|| "(compiled into aen)".into())
                            );
                        }
                        Err(e) => println!("  {mark} {:<10} unusable: {e}", src.kind.name()),
                    }
                }
            }
            println!("(* = used by default; choose with --source or --data-dir)");
            Ok(())
        }
        DataCommand::Fetch { dataset, mirrors, dest } => {
            let mut manifest = fetch::Manifest::official(dataset);
            if !mirrors.is_empty() {
                manifest.mirrors = mirrors;
            }
            let dest = match dest {
                Some(d) => d,
                None => data::user_dataset_dir(dataset).context("cannot determine the user's data dir (is HOME set?)")?,
            };
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template("{msg:30} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}")
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
                fetch::FetchEvent::Done { file, .. } => bar.println(format!("  {file}: ok (checksum verified)")),
                fetch::FetchEvent::AlreadyPresent { file } => bar.println(format!("  {file}: already present")),
            };
            let result = fetch::fetch(&manifest, &dest, &mut on_event);
            bar.finish_and_clear();
            result?;
            let base = data::load(dataset, &data::Source { kind: SourceKind::Downloaded, dir: Some(dest.clone()) })?;
            println!(
                "{} ready in {}: {} training and {} test images",
                dataset.title(),
                dest.display(),
                base.train.len(),
                base.test.as_ref().map_or(0, |t| t.len())
            );
            Ok(())
        }
        DataCommand::Preview { data: args, groups, count, sample_seed, ascii } => {
            args.apply(&mut settings);
            if let Some(g) = groups {
                settings.data.groups = g;
            }
            let base = open_base(&settings)?;
            let samples =
                gdata::preview_samples(&base, settings.data.groups, settings.data.step, sample_seed, count)?;
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

fn terminal_width() -> usize {
    crossterm::terminal::size().map(|(w, _)| w as usize).unwrap_or(120)
}
