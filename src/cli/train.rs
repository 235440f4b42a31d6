//! `aen orbits`, `aen train` and `aen single-test`: single trainings and their table.

use super::flags::{CHILD, DATA, FINAL, SettingFlags};
use super::output::{self, print};
use crate::engine::ChildSpec;
use crate::engine::experiments;
use crate::engine::search::child_config;
use crate::engine::session;
use crate::engine::settings::{SettingValue, Settings};
use crate::engine::start::{self, Training};
use crate::engine::stats;
use aen_core::classes::Classes;
use aen_core::data::BaseData;
use aen_core::gdata::GData;
use aen_core::groups::{GroupSet, Shift, Translation};
use aen_core::orbits::{ChildOrbits, HIDDEN_SIDE, INPUT_SIDE, layer_orbits};
use aen_core::train::{self, Flow};
use anyhow::{Context, Result};
use clap::Args;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args, Debug)]
pub struct TrainArgs {
    #[command(flatten)]
    pub flags: SettingFlags<{ DATA + CHILD }>,
    /// Groups the network is equivariant to.
    #[arg(long, default_value = "none")]
    pub net_groups: GroupSet,
    /// Train this many replicates (seed index 0 is the single run), on every core, and
    /// report mean and standard deviation.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub seeds: u16,
    /// Print a JSON object instead of a line.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct SingleTestArgs {
    #[command(flatten)]
    pub flags: SettingFlags<{ DATA + FINAL }>,
    /// A small run: 1,000 / 500 / 500 images, 1 epoch (flags given still win).
    #[arg(long)]
    pub quick: bool,
    /// Where to write the CSV table.
    #[arg(long, default_value = "single-test.csv")]
    pub csv: PathBuf,
    /// Replicates per cell (seed index 0 is the single run): the table shows mean ±
    /// standard deviation and marks a row's winner only where Welch's t-test puts it
    /// above the runner-up at p < 0.05.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub seeds: u16,
}

/// How translations shift under `shift`, for headers.
fn steps_text(translation: Translation, step: usize, shift: Shift) -> Result<String> {
    Ok(match translation {
        Translation::Paper => format!("step {step}"),
        Translation::Compatible => format!(
            "compatible translation: step {} on {INPUT_SIDE}, {} on {HIDDEN_SIDE}",
            shift.step_on(INPUT_SIDE)?,
            shift.step_on(HIDDEN_SIDE)?
        ),
    })
}

/// `aen orbits --classes`: the classes of equivalent group sets, largest first.
pub fn run_classes(step: usize, translation: Translation, json: bool) -> Result<()> {
    let shift = Shift::new(translation, step);
    let steps = steps_text(translation, step, shift)?;
    let t = Instant::now();
    let classes = Classes::of(shift)?;
    let seconds = t.elapsed().as_secs_f64();
    let found = match classes.seconds() {
        Some(s) => format!("classes computed in {s:.2} s, then kept in the cache"),
        None => format!("classes read from the cache in {seconds:.2} s"),
    };
    let params = (classes.all().iter())
        .map(|c| classes.params(c))
        .collect::<Result<Vec<usize>, _>>()?;
    if json {
        let v = serde_json::json!({
            "translation": translation.show(), "step": step,
            "steps": steps, "states": aen_core::classes::SPACE,
            "networks": classes.len(), "seconds": seconds, "cached": classes.seconds().is_none(),
            "classes": classes.all().iter().zip(&params).map(|(c, p)| serde_json::json!({
                "closure": c.closure.to_string(), "bits": c.closure.bit_string(),
                "size": c.members.len(), "params": p,
                "members": c.members.iter().map(|m| m.bit_string()).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        });
        return print(format!("{v}\n"));
    }
    let mut out = format!(
        "{} group sets, {} distinct networks ({steps}; {found})\n\
         {:>5} {:>6} {:>8}  closure (every set of a class ties its weights as its closure does)\n",
        crate::render::thousands(aen_core::classes::SPACE),
        classes.len(),
        "class",
        "sets",
        "params",
    );
    for (i, (c, p)) in classes.all().iter().zip(&params).enumerate() {
        out.push_str(&format!(
            "{:>5} {:>6} {:>8}  {} [{}]\n",
            i + 1,
            c.members.len(),
            p,
            c.closure,
            c.closure.bit_string()
        ));
    }
    print(out)
}

pub fn run_orbits(groups: GroupSet, step: usize, translation: Translation) -> Result<()> {
    let shift = Shift::new(translation, step);
    let steps = steps_text(translation, step, shift)?;
    print(format!(
        "groups {} [{}], {steps}\n",
        groups,
        groups.bit_string()
    ))?;
    let mut total = 0usize;
    let mut total_ms = 0.0;
    for (name, a, b) in [
        ("layer 1", INPUT_SIDE, HIDDEN_SIDE),
        ("layer 2", HIDDEN_SIDE, HIDDEN_SIDE),
    ] {
        let t = Instant::now();
        let o = layer_orbits(a, b, groups, shift)?;
        let ms = t.elapsed().as_secs_f64() * 1e3;
        total_ms += ms;
        total += o.params();
        print(format!(
            "{name}: {a}x{a} -> {b}x{b}: {} weights in {} weight orbits, {} hidden units in {} orbits, {} free parameters, {ms:.2} ms\n",
            o.weight.len(),
            o.n_weight,
            o.hidden.len(),
            o.n_hidden,
            o.params()
        ))?;
    }
    let last = HIDDEN_SIDE * HIDDEN_SIDE * 10 + 10;
    print(format!(
        "dense last layer: {last} parameters\nchild network: {} parameters; orbits built in {total_ms:.2} ms\n",
        total + last
    ))
}

pub fn run_train(a: TrainArgs, mut settings: Settings) -> Result<()> {
    a.flags.apply(&mut settings)?;
    let (base, gd) = session::prepare_data(&settings)?;
    if a.seeds > 1 {
        return run_replicates(&a, &settings, &base, gd);
    }
    let orbits = ChildOrbits::new(a.net_groups, settings.shift())?;
    let cfg = child_config(&settings, a.net_groups);
    let bar = output::bar(0, "epoch {msg} [{bar:30}] {pos}/{len} batches", a.json);
    let dev = aen_core::nn::Dev::default();
    let r = train::train_child(&dev, &orbits, &gd, cfg, &mut |p| {
        bar.set_length(p.batches as u64);
        bar.set_position(p.batch as u64);
        bar.set_message(format!("{}/{}", p.epoch + 1, p.epochs));
        Flow::Continue
    })?;
    bar.finish_and_clear();
    let c = &settings.child;
    let images_per_s = (c.train_size * c.epochs) as f64 / r.seconds;
    let device = aen_core::nn::device_name();
    if a.json {
        let v = serde_json::json!({
            "dataset": base.kind.name(), "source": base.source.kind.name(),
            "data_groups": settings.data.groups.to_string(), "net_groups": a.net_groups.to_string(),
            "epochs": c.epochs, "train_size": c.train_size,
            "val_acc": r.val_acc, "test_acc": r.test_acc, "params": r.params, "seconds": r.seconds,
            "val_curve": r.val_curve, "images_per_second": images_per_s, "device": device,
        });
        print(format!("{v}\n"))
    } else {
        print(format!(
            "{} data {} net {}: validation {:.2}%, test {:.2}%, {} parameters, {:.1} s ({:.0} images/s, {device})\n",
            base.kind.name(),
            settings.data.groups,
            a.net_groups,
            r.val_acc,
            r.test_acc,
            r.params,
            r.seconds,
            images_per_s,
        ))
    }
}

/// What an interruption of `what` says: nothing was written.
fn nothing_written(what: &str) -> String {
    format!("interrupted: {what} stopped unfinished; nothing was written")
}

/// `aen train --seeds N` with N > 1: the replicates, their mean and standard deviation.
fn run_replicates(a: &TrainArgs, settings: &Settings, base: &BaseData, gd: GData) -> Result<()> {
    let n = a.seeds as usize;
    let bar = output::bar(n as u64, "{bar:30} {pos}/{len} replicates", a.json);
    let began = Instant::now();
    let task = start::replicates(settings.clone(), gd, a.net_groups, n)
        .context("cannot start the replicates' thread")?;
    let runs = output::follow(
        task,
        "the replicates",
        |ev| {
            if let Training::Done = ev {
                bar.inc(1);
            }
        },
        |_| nothing_written("the replicates"),
    )?;
    bar.finish_and_clear();
    let (val, test): (Vec<f64>, Vec<f64>) = runs.iter().map(|r| (r.val_acc, r.test_acc)).unzip();
    let spec = ChildSpec::from_settings(settings);
    let seeds: Vec<u64> = (0..n as u32).map(|k| spec.seed(a.net_groups, k)).collect();
    let seconds = began.elapsed().as_secs_f64();
    if a.json {
        let v = serde_json::json!({
            "dataset": base.kind.name(), "source": base.source.kind.name(),
            "data_groups": settings.data.groups.to_string(), "net_groups": a.net_groups.to_string(),
            "epochs": settings.child.epochs, "train_size": settings.child.train_size,
            "seeds": n, "val_acc": stats::mean(&val), "val_sd": stats::std_dev(&val),
            "test_acc": stats::mean(&test), "test_sd": stats::std_dev(&test),
            "params": runs[0].params, "seconds": seconds,
            "per_seed": runs.iter().zip(&seeds).enumerate().map(|(k, (r, s))| serde_json::json!({
                "index": k, "child_seed": s, "val_acc": r.val_acc, "test_acc": r.test_acc,
                "seconds": r.seconds,
            })).collect::<Vec<_>>(),
        });
        return print(format!("{v}\n"));
    }
    let list = |v: &[f64]| {
        v.iter()
            .map(|x| format!("{x:.2}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    print(format!(
        "{} data {} net {}, {n} seeds: validation {:.2} ± {:.2}%, test {:.2} ± {:.2}% (mean ± sd), {} parameters, {seconds:.1} s on {}\n  validation per seed: {}\n  test per seed:       {}\n",
        base.kind.name(),
        settings.data.groups,
        a.net_groups,
        stats::mean(&val),
        stats::std_dev(&val),
        stats::mean(&test),
        stats::std_dev(&test),
        runs[0].params,
        crate::render::count(settings.trainers().min(n).max(1), "thread"),
        list(&val),
        list(&test),
    ))
}

pub fn run_single_test(a: SingleTestArgs, mut settings: Settings) -> Result<()> {
    if a.quick {
        let f = &mut settings.final_eval;
        (f.train_size, f.val_size, f.test_size, f.epochs) = (1000, 500, 500, 1);
    }
    a.flags.apply(&mut settings)?;
    // The table is written after hours of training: its place is checked first.
    session::check_out_file(&a.csv, "--csv")?;
    let base = session::open_base(&settings)?;
    let (sizes, note) = experiments::fit_sizes(&base, settings.final_sizes());
    if let Some(n) = note {
        eprintln!("note: {n}");
    }
    let epochs = settings.final_eval.epochs;
    let seeds = a.seeds as usize;
    eprintln!(
        "single-equivariance test on {} ({}): {} / {} / {} images, {epochs} epoch{}, {} trainings",
        base.kind.title(),
        base.source.kind.name(),
        sizes.train,
        sizes.val,
        sizes.test,
        if epochs == 1 { "" } else { "s" },
        169 * seeds
    );
    let bar = output::bar(
        169 * seeds as u64,
        "{bar:30} {pos}/{len} {msg} ETA {eta}",
        false,
    );
    let task = start::single_test(settings.clone(), base, sizes, epochs, seeds)
        .context("cannot start the table's thread")?;
    // Trainings run in parallel and begin out of order: count those done.
    let table = output::follow(
        task,
        "the table",
        |ev| match ev {
            Training::Begun { label, .. } => bar.set_message(label),
            Training::Done => bar.inc(1),
        },
        |_| nothing_written("the table"),
    )?;
    bar.finish_and_clear();
    aen_core::fsio::write_atomic(&a.csv, table.to_csv().as_bytes())
        .with_context(|| format!("writing {}", a.csv.display()))?;
    let legend = if seeds > 1 {
        format!(
            "mean ± sd over {seeds} seeds; * = best of row, above the runner-up by Welch's t-test at p < 0.05"
        )
    } else {
        "* = best of row".to_string()
    };
    print(format!(
        "test accuracy (%), rows: G-data, columns: network equivariant to; {legend}\n{}wrote {}\n",
        table.to_text(),
        a.csv.display()
    ))
}
