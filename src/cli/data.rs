//! `aen data list | fetch | preview`.

use super::flags::{CHILD, DATA, SettingFlags};
use super::output::{self, print};
use crate::engine::settings::Settings;
use aen_core::data::{self, DatasetKind, SourceKind, fetch};
use aen_core::gdata;
use aen_core::groups::GroupSet;
use anyhow::{Context, Result};
use clap::Subcommand;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Subcommand, Debug)]
pub enum DataCmd {
    /// Show each data set, where it was found and its split sizes.
    List {
        #[command(flatten)]
        flags: SettingFlags<DATA>,
    },
    /// Download a data set into the user's data dir (checksummed, atomic).
    Fetch {
        /// mnist, fashion-mnist or cifar10 (CIFAR-10's binary batches, 170 MB, for
        /// `--dataset files --data-dir DIR`)
        dataset: String,
        /// Mirror base URL to try instead of the built-in list (repeatable, tried in order).
        #[arg(long = "mirror", value_name = "URL")]
        mirrors: Vec<String>,
        /// Folder to write to instead of the user's data dir.
        #[arg(long, value_name = "DIR")]
        dest: Option<PathBuf>,
    },
    /// Write the search's G-dataset (train, validation, test; raw pixels) as IDX files
    /// with manifest.json; read it back with --data-dir DIR.
    Export {
        #[command(flatten)]
        flags: SettingFlags<{ DATA + CHILD }>,
        /// Folder to write to.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Print original images beside their transformed versions.
    Preview {
        #[command(flatten)]
        flags: SettingFlags<DATA>,
        /// Groups to preview (default: data.groups): names (rot90,hflip), 12 bits, or
        /// preset:N.
        #[arg(long)]
        groups: Option<GroupSet>,
        /// How many images: 1 to what the data set holds (checked against the data, so
        /// a count out of that range is an error of the input, exit 1).
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

/// Whether to draw in colour: stdout is a terminal and NO_COLOR is unset.
pub fn use_color() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}

pub fn run(cmd: DataCmd, mut settings: Settings) -> Result<()> {
    match cmd {
        DataCmd::List { flags } => {
            flags.apply(&mut settings)?;
            list(&settings)
        }
        DataCmd::Fetch {
            dataset,
            mirrors,
            dest,
        } => match dataset.trim().to_ascii_lowercase().as_str() {
            "cifar10" | "cifar-10" => fetch_cifar(mirrors, dest),
            _ => run_fetch(DatasetKind::parse(&dataset)?, mirrors, dest),
        },
        DataCmd::Export { flags, out } => {
            flags.apply(&mut settings)?;
            export(&settings, &out)
        }
        DataCmd::Preview {
            flags,
            groups,
            count,
            sample_seed,
            ascii,
        } => {
            flags.apply(&mut settings)?;
            if let Some(g) = groups {
                settings.data.groups = g;
            }
            preview(&settings, count, sample_seed, ascii)
        }
    }
}

fn list(settings: &Settings) -> Result<()> {
    let dir = settings.data.data_dir.as_deref();
    if let Some(d) = dir {
        data::check_data_dir(d)?;
    }
    let want = settings.source_kind();
    for kind in DatasetKind::ALL {
        print(format!("{}\n", kind.title()))?;
        let chosen = data::resolve_source(kind, dir, want).ok();
        if kind == DatasetKind::Files && dir.is_none() {
            print(format!(
                "    (pass --data-dir DIR holding {})\n",
                data::custom::EXPECTED
            ))?;
        }
        for src in data::available_sources(kind, dir) {
            let mark = if Some(&src) == chosen.as_ref() {
                "*"
            } else {
                " "
            };
            let t = Instant::now();
            // As a run would take it: resized if asked, its shape checked.
            let resize = settings.data.resize;
            let line = match data::load_sized(kind, &src, resize).and_then(|b| b.prepared(resize)) {
                Ok(b) => {
                    let sizes = match &b.test {
                        Some(t) => format!("train {} / test {}", b.train.len(), t.len()),
                        None => format!(
                            "pool {} (split into train / validation / test)",
                            b.train.len()
                        ),
                    };
                    let format = (src.dir.as_deref())
                        .filter(|_| kind == DatasetKind::Files)
                        .and_then(data::custom::detect)
                        .map(|f| format!("{}, ", f.name()))
                        .unwrap_or_default();
                    let im = &b.train.images;
                    let resized = b
                        .resized_from
                        .map_or(String::new(), |(r, c)| format!(" (resized from {r}x{c})"));
                    format!(
                        "  {mark} {:<10} {format}{sizes}, {}x{}{resized}{}, {} classes, loaded in {:.0} ms  {}",
                        src.kind.name(),
                        im.rows,
                        im.cols,
                        if im.channels == 3 { " colour" } else { " grey" },
                        b.classes.len(),
                        t.elapsed().as_secs_f64() * 1e3,
                        src.dir
                            .as_ref()
                            .map(|d| d.display().to_string())
                            .unwrap_or_else(|| "(compiled into aen)".into())
                    )
                }
                Err(e) => format!("  {mark} {:<10} unusable: {e}", src.kind.name()),
            };
            print(format!("{line}\n"))?;
        }
    }
    print("(* = used by default; choose with --source or --data-dir)\n")
}

/// The progress bar of a download, and what it says as files arrive.
fn fetch_bar() -> (indicatif::ProgressBar, impl FnMut(fetch::FetchEvent)) {
    let bar = output::bar(
        0,
        "{msg:30} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
        false,
    );
    let b = bar.clone();
    let on_event = move |ev: fetch::FetchEvent| match ev {
        fetch::FetchEvent::Start { file, total, .. } => {
            b.reset();
            b.set_length(total.unwrap_or(0));
            b.set_message(file);
        }
        fetch::FetchEvent::Bytes { done } => b.set_position(done),
        fetch::FetchEvent::MirrorFailed { url, reason, .. } => {
            output::note(&b, format!("  {url}: {reason}; trying the next mirror"))
        }
        fetch::FetchEvent::Done { file, .. } => {
            output::note(&b, format!("  {file}: ok (checksum verified)"))
        }
        fetch::FetchEvent::AlreadyPresent { file } => {
            output::note(&b, format!("  {file}: already present"))
        }
    };
    (bar, on_event)
}

/// `aen data fetch cifar10`: the archive, checked, unpacked into the batches.
fn fetch_cifar(mirrors: Vec<String>, dest: Option<PathBuf>) -> Result<()> {
    let mut manifest = data::cifar::manifest();
    if !mirrors.is_empty() {
        manifest.mirrors = mirrors;
    }
    let dest = match dest {
        Some(d) => d,
        None => data::user_data_dir()
            .map(|d| d.join("datasets").join("cifar10"))
            .context("cannot determine the user's data dir (is HOME set?)")?,
    };
    let (bar, mut on_event) = fetch_bar();
    let result = data::cifar::fetch_into(&manifest, &dest, &mut on_event);
    bar.finish_and_clear();
    result?;
    let (train, test, _) = data::cifar::load(&dest)?;
    print(format!(
        "CIFAR-10 ready in {}: {} training and {} test images; search it with --dataset files --data-dir {}\n",
        dest.display(),
        train.len(),
        test.len(),
        crate::render::shell_quote(&dest)
    ))
}

fn run_fetch(dataset: DatasetKind, mirrors: Vec<String>, dest: Option<PathBuf>) -> Result<()> {
    let Some(mut manifest) = dataset.official_manifest() else {
        anyhow::bail!(
            "`{}` is the data set in --data-dir: there is nothing to fetch; put your files in a folder and pass --dataset files --data-dir DIR",
            dataset.name()
        );
    };
    if !mirrors.is_empty() {
        manifest.mirrors = mirrors;
    }
    let dest = match dest {
        Some(d) => d,
        None => data::user_dataset_dir(dataset)
            .context("cannot determine the user's data dir (is HOME set?)")?,
    };
    let (bar, mut on_event) = fetch_bar();
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
    print(format!(
        "{} ready in {}: {} training and {} test images\n",
        dataset.title(),
        dest.display(),
        base.train.len(),
        base.test.as_ref().map_or(0, |t| t.len())
    ))
}

fn export(settings: &Settings, out: &std::path::Path) -> Result<()> {
    crate::engine::gexport::check_out(out)?;
    let base = crate::engine::session::open_base(settings)?;
    let m = crate::engine::gexport::export(settings, &base, out)?;
    print(format!(
        "wrote {} ({}) G-data, groups {} [{}], seed {}: train-* {} + {} images (train, then validation), t10k-* {} images, manifest.json, to {}\n",
        m.dataset,
        m.source,
        m.groups,
        m.group_bits,
        m.seed,
        m.sizes.train,
        m.sizes.val,
        m.sizes.test,
        out.display()
    ))
}

fn preview(settings: &Settings, count: usize, sample_seed: u64, ascii: bool) -> Result<()> {
    let base = crate::engine::session::open_base(settings)?;
    let d = &settings.data;
    let samples = gdata::preview_samples(&base, d.groups, settings.shift(), sample_seed, count)?;
    let side = base.train.images.rows;
    let color = !ascii && use_color();
    let per_row = (terminal_width() / (4 * side + 8)).max(1);
    print(format!(
        "{} ({}), groups {} [{}], step {}\n",
        base.kind.title(),
        base.source.kind.name(),
        d.groups,
        d.groups.bit_string(),
        d.step
    ))?;
    print(crate::render::preview_grid(&samples, side, color, per_row))
}

fn terminal_width() -> usize {
    crossterm::terminal::size()
        .map(|(w, _)| w as usize)
        .unwrap_or(120)
}
