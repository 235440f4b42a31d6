//! What a comparison reports: the summary text, regret.csv, runs.csv and regret.png.

use super::runner::StrategyResult;
use super::truth::GroundTruth;
use crate::error::Result;
use crate::stats::mean;

/// Models counts at which the comparison is summarised.
pub(crate) fn checkpoints(budget: usize) -> Vec<usize> {
    let mut v: Vec<usize> = [10, 30, 100, 300, 1000, 3000]
        .into_iter()
        .filter(|&n| n < budget)
        .collect();
    v.push(budget);
    v
}

fn fmt_models(v: &[Option<usize>]) -> String {
    let hit: Vec<f64> = v.iter().flatten().map(|&n| n as f64).collect();
    if hit.is_empty() {
        return format!("never (0/{})", v.len());
    }
    let mut s = hit.clone();
    s.sort_by(f64::total_cmp);
    format!(
        "median {:.0} ({}/{} runs)",
        s[s.len() / 2],
        hit.len(),
        v.len()
    )
}

/// The summary as text: regret (mean and 95 % interval) at the checkpoints, the
/// models needed to reach the true top 1 % and the true best, seconds per run.
pub fn summary_text(results: &[StrategyResult], truth: &GroundTruth, budget: usize) -> String {
    let mut s = format!(
        "true best mean test accuracy {:.2}%; the top 1 % starts at {:.2}%\nregret (points of true test accuracy below the best), mean [95% interval]\n",
        truth.best, truth.top1
    );
    s.push_str(&format!("{:<10}", "strategy"));
    for n in checkpoints(budget) {
        s.push_str(&format!("{:>22}", format!("{n} models")));
    }
    s.push('\n');
    for r in results {
        s.push_str(&format!("{:<10}", r.strategy.name()));
        for n in checkpoints(budget) {
            let (m, lo, hi) = r.regret_at(n);
            s.push_str(&format!("{:>22}", format!("{m:.2} [{lo:.2}, {hi:.2}]")));
        }
        s.push('\n');
    }
    s.push_str("\nmodels to reach the true top 1 % / the true best; seconds per run\n");
    for r in results {
        s.push_str(&format!(
            "{:<10} {:<28} {:<28} {:.3} s\n",
            r.strategy.name(),
            fmt_models(&r.to_top1),
            fmt_models(&r.to_best),
            mean(&r.seconds)
        ));
    }
    s
}

/// The files [`write_outputs`] writes.
pub const OUTPUTS: [&str; 4] = ["regret.csv", "runs.csv", "regret.png", "summary.txt"];

/// Writes [`OUTPUTS`] into `dir` as one set (a failure leaves the previous set whole):
/// regret.csv (strategy, models, mean regret and its 95 % interval), runs.csv (per
/// run), regret.png and `summary`.
pub fn write_outputs(
    results: &[StrategyResult],
    summary: &str,
    dir: &std::path::Path,
) -> Result<()> {
    let mut set = crate::fsio::Staged::new();
    let budget = results
        .first()
        .map_or(0, |r| r.curves.first().map_or(0, Vec::len));
    let mut s = String::from("strategy,models,mean_regret,ci_low,ci_high\n");
    for r in results {
        for n in 1..=budget {
            let (m, lo, hi) = r.regret_at(n);
            s.push_str(&format!(
                "{},{n},{m:.4},{lo:.4},{hi:.4}\n",
                r.strategy.name()
            ));
        }
    }
    set.bytes(&dir.join("regret.csv"), s.as_bytes())?;
    let mut s = String::from("strategy,run,models_to_top1,models_to_best,final_regret,seconds\n");
    for r in results {
        for (i, c) in r.curves.iter().enumerate() {
            let f = |v: Option<usize>| v.map_or(String::new(), |n| n.to_string());
            s.push_str(&format!(
                "{},{i},{},{},{:.4},{:.4}\n",
                r.strategy.name(),
                f(r.to_top1[i]),
                f(r.to_best[i]),
                c.last().copied().unwrap_or(f64::NAN),
                r.seconds[i]
            ));
        }
    }
    set.bytes(&dir.join("runs.csv"), s.as_bytes())?;
    set.file(&dir.join("regret.png"), |p| {
        plot(results, p).map_err(|e| format!("drawing the plot: {e:#}"))
    })?;
    set.bytes(&dir.join("summary.txt"), summary.as_bytes())?;
    set.commit()?;
    Ok(())
}

/// regret.png: mean regret curves with their 95 % bands, log-scaled models axis.
fn plot(results: &[StrategyResult], path: &std::path::Path) -> Result<()> {
    use plotters::prelude::*;
    crate::report::register_font();
    let budget = results
        .first()
        .map_or(1, |r| r.curves.first().map_or(1, Vec::len));
    let top = results
        .iter()
        .flat_map(|r| (1..=budget).map(move |n| r.regret_at(n).2))
        .filter(|v| v.is_finite())
        .fold(0.1f64, f64::max);
    let root = BitMapBackend::new(path, (960, 600)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Regret against models evaluated (mean, 95% band)",
            ("sans-serif", 22),
        )
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d((1usize..budget).log_scale(), 0.0..top * 1.05)?;
    chart
        .configure_mesh()
        .x_desc("models evaluated")
        .y_desc("regret (points of test accuracy)")
        .draw()?;
    for (i, r) in results.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        let band: Vec<(usize, f64)> = (1..=budget)
            .map(|n| (n, r.regret_at(n).1))
            .chain((1..=budget).rev().map(|n| (n, r.regret_at(n).2)))
            .filter(|p| p.1.is_finite())
            .collect();
        chart.draw_series(std::iter::once(Polygon::new(band, color.mix(0.15))))?;
        chart
            .draw_series(LineSeries::new(
                (1..=budget).map(|n| (n, r.regret_at(n).0)),
                color.stroke_width(2),
            ))?
            .label(r.strategy.name())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}
