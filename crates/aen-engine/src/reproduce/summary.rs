//! The report of a reproduction: how many rows of each single-equivariance table the
//! matching network wins beyond noise, rot90's gain, and per search the best searched
//! network against the best single-group one (report.md, summary.csv, gains.png).

use super::plan::{Outcome, Plan};
use crate::data::DatasetKind;
use crate::error::Result;
use crate::experiments::{SingleTable, set_label};
use crate::fsio;
use crate::groups::GroupSet;
use crate::settings::{SettingValue, Settings};
use crate::{report, stats};
use std::path::Path;

/// Rows whose matching network wins beyond noise, of the twelve group rows.
fn matching_wins(t: &SingleTable) -> usize {
    (0..t.data_sets.len())
        .filter(|&r| !t.data_sets[r].is_empty())
        .filter(|&r| {
            let c = t.nets.iter().position(|n| *n == t.data_sets[r]);
            c.is_some_and(|c| t.winners(r)[c])
        })
        .count()
}

/// The rot90 network's test-accuracy gain over the plain one on rot90 data: mean and
/// 95% half-width (Welch).
fn rot90_advantage(t: &SingleTable) -> Option<(f64, f64)> {
    let rot = GroupSet::parse("rot90").ok()?;
    let r = t.data_sets.iter().position(|d| *d == rot)?;
    let c = t.nets.iter().position(|n| *n == rot)?;
    let p = t.nets.iter().position(|n| n.is_empty())?;
    let tests = |c: usize| -> Vec<f64> { t.results[r][c].iter().map(|x| x.test_acc).collect() };
    stats::welch_ci(&tests(c), &tests(p))
}

fn summary_csv(out: &Outcome) -> String {
    let mut s = String::from(
        "dataset,preset,data_groups,models,best_searched,searched_params,best_single,single_params,gain,ci95,p\n",
    );
    for r in &out.searches {
        let Some(v) = &r.verdict else { continue };
        s.push_str(&format!(
            "{},{},\"{}\",{},\"{}\",{},\"{}\",{},{:.3},{},{}\n",
            r.dataset.name(),
            r.preset,
            set_label(r.data_groups),
            r.models,
            set_label(v.searched),
            v.searched_params,
            set_label(v.single),
            v.single_params,
            v.gain,
            v.interval.map_or(String::new(), |h| format!("{h:.3}")),
            v.p.map_or(String::new(), |p| format!("{p:.4}")),
        ));
    }
    s
}

/// The report's Markdown: the single tables' findings, then one row per search.
pub fn report_markdown(plan: &Plan, base: &Settings, out: &Outcome) -> String {
    let mut m = String::from("# aen reproduce\n\n");
    m.push_str(&format!(
        "{} protocol, {} seeds per cell and per final evaluation; normalization {}, G-data {}, translations {}{}.\n\n",
        if plan.quick { "Quick" } else { "Full" },
        plan.seeds,
        base.data.normalize.show(),
        base.data.resample.show(),
        base.data.translation.show(),
        if out.seconds > 0.0 {
            format!("; {:.0} s of work in this run", out.seconds)
        } else {
            String::new()
        }
    ));
    if out.done < out.total {
        m.push_str(&format!(
            "**{} of {} parts done**; the others are not in this report yet (rerun the same `aen reproduce` to continue).\n\n",
            out.done, out.total
        ));
    }
    m.push_str("## Single-equivariance tables\n\n");
    m.push_str("| data set | rows won by the matching network beyond noise (Welch, p < 0.05) | rot90 network's gain over plain on rot90 data |\n|---|---|---|\n");
    for (d, t) in &out.singles {
        let rot = rot90_advantage(t).map_or("-".into(), |(g, h)| {
            format!("{g:+.2} points (95% CI ±{h:.2})")
        });
        m.push_str(&format!(
            "| {} | {} of 12 | {rot} |\n",
            d.title(),
            matching_wins(t)
        ));
    }
    m.push_str("\nThe full tables are in single-*.csv (mean, standard deviation and every seed per cell).\n\n");
    m.push_str(
        "## Searches: does the best searched network beat the best single-group network?\n\n",
    );
    m.push_str("Both picked by validation accuracy; gain in test accuracy, with its 95% interval (Welch).\n\n");
    m.push_str("| data set | preset (data groups) | models | best searched (parameters) | best single (parameters) | gain, points | answer |\n|---|---|---|---|---|---|---|\n");
    for r in &out.searches {
        let Some(v) = &r.verdict else { continue };
        m.push_str(&format!(
            "| {} | {} ({}) | {} | {} ({}) | {} ({}) | {} | {} |\n",
            r.dataset.title(),
            r.preset,
            set_label(r.data_groups),
            r.models,
            set_label(v.searched),
            v.searched_params,
            set_label(v.single),
            v.single_params,
            v.gain_text(),
            v.answer()
        ));
    }
    m.push_str("\n![gains](gains.png)\n\nEach search's folder holds its snapshot, models.csv, summary.json (with the final evaluation) and plots.\n");
    m
}

pub(super) fn write_report(dir: &Path, plan: &Plan, base: &Settings, out: &Outcome) -> Result<()> {
    let mut set = fsio::Staged::new();
    set.bytes(&dir.join("summary.csv"), summary_csv(out).as_bytes())?;
    set.bytes(
        &dir.join("report.md"),
        report_markdown(plan, base, out).as_bytes(),
    )?;
    let gains: Vec<(String, f64, f64)> = (out.searches.iter())
        .filter_map(|r| {
            let v = r.verdict.as_ref()?;
            let label = format!("{} p{}", short(r.dataset), r.preset);
            Some((label, v.gain, v.interval.unwrap_or(0.0)))
        })
        .collect();
    set.file(&dir.join("gains.png"), |p| {
        report::plot_gains(&gains, p).map_err(|e| format!("drawing the plot: {e:#}"))
    })?;
    set.commit()?;
    Ok(())
}

fn short(d: DatasetKind) -> &'static str {
    match d {
        DatasetKind::Mnist => "MNIST",
        DatasetKind::FashionMnist => "Fashion",
        DatasetKind::Files => "files",
    }
}
