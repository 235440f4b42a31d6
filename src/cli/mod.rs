//! The `aen` command line: arguments, exit codes, signals and closed pipes. Each
//! subcommand resolves settings (defaults < config file < flags) and calls the engine.

mod bench;
mod compare;
mod data;
pub mod flags;
mod network;
mod output;
mod reproduce;
mod search;
mod sweep;
mod train;

pub use output::{Interrupt, PipeClosed};

use crate::engine::settings::Settings;
use aen_core::groups::{GroupSet, Translation};
use clap::{Parser, Subcommand};
use flags::{CHILD, DATA, FINAL, SEARCH, SettingFlags};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(name = "aen", version, about = "Autoequivariant network search: find which image symmetries a network should respect", long_about = None)]
pub struct Cli {
    /// Config file (TOML); default: the user's config dir, aen/config.toml, if present.
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Open this snapshot in the TUI dashboard and resume it.
    #[arg(long, value_name = "PATH")]
    pub resume: Option<PathBuf>,
    /// For the TUI: a folder holding a data set (the four IDX files, or any format `aen data list` names), offered as a source.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Cmd>,
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Data sets: list, fetch, preview.
    #[command(subcommand)]
    Data(data::DataCmd),
    /// Print the weight and hidden-unit orbits of the child network's tied layers.
    Orbits {
        /// Groups: names (rot90,hflip), 12 bits, or preset:N.
        #[arg(long, default_value = "rot90")]
        groups: GroupSet,
        /// Translation step d.
        #[arg(long, default_value_t = 4)]
        step: usize,
        /// "paper" (step d on both grids) or "compatible" (7 on 28, 5 on 20; ignores
        /// --step).
        #[arg(long, default_value = "paper", value_parser = parse_translation)]
        translation: Translation,
        /// List the classes of equivalent group sets instead: the 4,096 sets make far
        /// fewer networks. Each class with its closure, size and parameters, largest
        /// first.
        #[arg(long)]
        classes: bool,
        /// With --classes: one JSON object instead of the table.
        #[arg(long, requires = "classes")]
        json: bool,
    },
    /// Train one child network on a G-dataset.
    Train(train::TrainArgs),
    /// The single-equivariance table: 13 data sets x 13 networks, under the
    /// final-evaluation protocol (the --final-* flags).
    SingleTest(train::SingleTestArgs),
    /// Run a search headless, with a progress bar and exported results.
    Search(search::SearchArgs),
    /// Train every group set (or a list) for several seeds into a resumable table;
    /// `merge` joins shard tables, `report` summarises one.
    Sweep(sweep::SweepArgs),
    /// Compare search strategies against a ground-truth table: regret curves with 95%
    /// intervals, models to reach the true top 1% and the true best.
    Compare(compare::CompareArgs),
    /// The paper's experiments end to end: single-equivariance tables and a search on
    /// presets 1 to 5 for each data set, with final evaluations over several seeds and a
    /// report (Markdown, CSV, PNG). Resumable; --quick finishes in minutes.
    Reproduce(reproduce::ReproduceArgs),
    /// Train a network under the final-evaluation protocol and write it for PyTorch and
    /// NumPy: model.safetensors (nn.Linear layout), tied.safetensors, model.json.
    ExportNet(network::ExportNetArgs),
    /// Check an exported network and evaluate it on a data set and on that data
    /// transformed by each of its groups.
    EvalNet(network::EvalNetArgs),
    /// How fast children and the DQN train on this machine, against the limit of its
    /// matrix multiplies measured in the same run.
    Bench(bench::BenchArgs),
    /// The config file: `aen config example` prints every setting with its default.
    #[command(subcommand)]
    Config(ConfigCmd),
}

#[derive(Subcommand, Debug)]
pub enum ConfigCmd {
    /// Print a config file with every setting, its help and its default.
    Example,
    /// Print the settings in force (defaults < config file < flags) as TOML.
    Show {
        #[command(flatten)]
        flags: SettingFlags<{ DATA + CHILD + SEARCH + FINAL }>,
    },
}

fn parse_translation(text: &str) -> Result<Translation, String> {
    <Translation as crate::engine::settings::SettingValue>::parse(text)
}

pub fn load_settings(cli: &Cli) -> anyhow::Result<Settings> {
    Ok(Settings::load(cli.config.as_deref())?)
}

/// Runs the command line and returns the process's exit code: 0 done, 1 error,
/// 130 interrupted (SIGINT or SIGTERM, or a search or sweep left unfinished by a closed
/// stdout); a closed stdout after the work is done ends quietly with 0.
pub fn main(cli: Cli) -> i32 {
    match run(cli) {
        Ok(()) => 0,
        Err(e) if e.is::<PipeClosed>() => 0,
        Err(e) if e.is::<Interrupt>() => {
            eprintln!("{e}");
            130
        }
        Err(e) if e.is::<output::Usage>() => {
            eprintln!("error: {e:#}");
            2
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            1
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = load_settings(&cli)?;
    match cli.command {
        None => {
            #[cfg(feature = "tui")]
            {
                let mut settings = settings;
                if let Some(d) = cli.data_dir {
                    aen_core::data::check_data_dir(&d)?;
                    settings.data.data_dir = Some(d);
                }
                crate::tui::run(settings, cli.resume)
            }
        }
        Some(Cmd::Data(cmd)) => data::run(cmd, settings),
        Some(Cmd::Orbits {
            step,
            translation,
            classes: true,
            json,
            ..
        }) => train::run_classes(step, translation, json),
        Some(Cmd::Orbits {
            groups,
            step,
            translation,
            ..
        }) => train::run_orbits(groups, step, translation),
        Some(Cmd::Train(a)) => train::run_train(a, settings),
        Some(Cmd::SingleTest(a)) => train::run_single_test(a, settings),
        Some(Cmd::Search(a)) => search::run(a, settings),
        Some(Cmd::Sweep(a)) => sweep::run(a, settings),
        Some(Cmd::Compare(a)) => compare::run(a, settings),
        Some(Cmd::Reproduce(a)) => reproduce::run(a, settings),
        Some(Cmd::Bench(a)) => bench::run(a),
        Some(Cmd::ExportNet(a)) => network::run_export(a, settings),
        Some(Cmd::EvalNet(a)) => network::run_eval(a, settings),
        Some(Cmd::Config(ConfigCmd::Example)) => {
            output::print(crate::engine::settings::example::example_toml())
        }
        Some(Cmd::Config(ConfigCmd::Show { flags })) => {
            let mut s = settings;
            flags.apply(&mut s)?;
            output::print(toml::to_string(&s)?)
        }
    }
}
