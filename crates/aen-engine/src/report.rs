//! Exported results of a search: models.csv, summary.json and PNG plots (plotters).

use crate::error::{Result, ResultExt};
use crate::experiments::{EvalRow, set_label};
use crate::search::records::{History, ModelRecord};
use crate::snapshot::Snapshot;
use plotters::prelude::*;
use plotters::style::FontStyle;
use std::path::Path;
use std::sync::Once;

static FONT: Once = Once::new();

pub(crate) fn register_font() {
    FONT.call_once(|| {
        // DejaVu Sans (free licence), embedded so plots render the same everywhere.
        let _ = plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../assets/DejaVuSans.ttf"
            )),
        );
    });
}

pub fn models_csv(models: &[ModelRecord]) -> String {
    let mut s = String::from(
        "index,state_bits,groups,val_acc,test_acc,params,train_seconds,first_step,epsilon\n",
    );
    for m in models {
        s.push_str(&format!(
            "{},{},\"{}\",{:.2},{:.2},{},{:.3},{},{}\n",
            m.index,
            m.state.bit_string(),
            set_label(m.state),
            m.val_acc,
            m.test_acc,
            m.params,
            m.seconds,
            m.first_step,
            m.epsilon
        ));
    }
    s
}

/// steps.csv: one row per search step, as the search took it: where it was, the
/// action and whether it was greedy, where it went, the reward and accuracy it got,
/// epsilon, whether the state was trained new, and the DQN's Q-network loss in the
/// update after it (empty where none was made).
pub(crate) fn steps_csv(steps: &[crate::search::StepRecord]) -> String {
    let mut s = String::from(
        "step,episode,state_bits,action,next_bits,next_groups,greedy,reward,val_acc,params,epsilon,new_model,q_loss\n",
    );
    for st in steps {
        let action = crate::groups::Group::ALL
            .get(st.action)
            .map_or("?", |g| g.name());
        s.push_str(&format!(
            "{},{},{},{action},{},\"{}\",{},{},{:.2},{},{},{},{}\n",
            st.step,
            st.episode,
            st.state.bit_string(),
            st.next_state.bit_string(),
            set_label(st.next_state),
            u8::from(st.greedy),
            st.reward,
            st.val_acc,
            st.params,
            st.epsilon,
            u8::from(st.new_model),
            st.q_loss.map_or(String::new(), |l| l.to_string())
        ));
    }
    s
}

/// Rolling mean of validation accuracy over the last `window` models trained.
pub fn rolling_mean(models: &[ModelRecord], window: usize) -> Vec<(usize, f64)> {
    let mut out = Vec::with_capacity(models.len());
    let mut sum = 0.0;
    for (i, m) in models.iter().enumerate() {
        sum += m.val_acc;
        if i >= window {
            sum -= models[i - window].val_acc;
        }
        out.push((i + 1, sum / (i + 1).min(window) as f64));
    }
    out
}

/// Average accuracy of the models trained at each epsilon level: (first model, last
/// model, epsilon, mean).
pub fn per_epsilon(models: &[ModelRecord]) -> Vec<(usize, usize, f64, f64)> {
    let mut out: Vec<(usize, usize, f64, f64)> = Vec::new();
    let mut count = 0usize;
    for (i, m) in models.iter().enumerate() {
        match out.last_mut() {
            Some(last) if last.2 == m.epsilon => {
                last.1 = i + 1;
                last.3 += m.val_acc;
                count += 1;
            }
            _ => {
                if let Some(last) = out.last_mut() {
                    last.3 /= count as f64;
                }
                out.push((i + 1, i + 1, m.epsilon, m.val_acc));
                count = 1;
            }
        }
    }
    if let Some(last) = out.last_mut() {
        last.3 /= count.max(1) as f64;
    }
    out
}

pub(crate) fn plot_accuracy(history: &History, path: &Path) -> Result<()> {
    register_font();
    let models = &history.models;
    let root = BitMapBackend::new(path, (960, 630)).into_drawing_area();
    root.fill(&WHITE)?;
    // The legend has a strip of its own under the chart, where it covers no point.
    let (area, strip) = root.split_vertically(590);
    let n = models.len().max(2);
    let lo = models
        .iter()
        .map(|m| m.val_acc)
        .fold(100.0f64, f64::min)
        .min(90.0)
        .floor();
    let mut chart = ChartBuilder::on(&area)
        .caption(
            "Accuracy of trained models (rolling mean of 20, mean per epsilon level)",
            ("sans-serif", 22),
        )
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d(1usize..n, lo..100.0f64)?;
    chart
        .configure_mesh()
        .x_desc("models trained")
        .y_desc("validation accuracy (%)")
        .draw()?;
    chart.draw_series(
        models
            .iter()
            .map(|m| Circle::new((m.index, m.val_acc), 2, RGBColor(150, 150, 150).filled())),
    )?;
    chart.draw_series(LineSeries::new(
        rolling_mean(models, 20),
        BLUE.stroke_width(2),
    ))?;
    for (a, b, eps, mean) in per_epsilon(models) {
        chart.draw_series(LineSeries::new(
            vec![(a, mean), (b.max(a + 1), mean)],
            RED.stroke_width(3),
        ))?;
        chart.draw_series(std::iter::once(Text::new(
            format!("eps {eps}"),
            (a, mean + 0.8),
            ("sans-serif", 13).into_font(),
        )))?;
    }
    accuracy_legend(&strip)?;
    root.present()?;
    Ok(())
}

/// The accuracy chart's legend, in a row: each model's point, the rolling mean, the
/// mean per epsilon level.
fn accuracy_legend<DB: DrawingBackend>(
    strip: &DrawingArea<DB, plotters::coord::Shift>,
) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let grey = RGBColor(150, 150, 150);
    let font = ("sans-serif", 15).into_font();
    let y = 18;
    strip.draw(&Circle::new((90, y), 3, grey.filled()))?;
    strip.draw(&Text::new("each model", (102, y - 8), font.clone()))?;
    strip.draw(&PathElement::new(
        vec![(300, y), (330, y)],
        BLUE.stroke_width(2),
    ))?;
    strip.draw(&Text::new("rolling mean (20)", (340, y - 8), font.clone()))?;
    strip.draw(&PathElement::new(
        vec![(560, y), (590, y)],
        RED.stroke_width(3),
    ))?;
    strip.draw(&Text::new("mean per epsilon level", (600, y - 8), font))?;
    Ok(())
}

/// Signed log scale: rewards grow as exp(|acc - b|) and span many orders of magnitude.
/// The signed log scale of rewards (one episode of -2e26 beside others near 0 would
/// flatten a linear axis): sign(v) log10(1 + |v|). The TUI and the PNG share it.
pub fn slog(v: f64) -> f64 {
    v.signum() * v.abs().ln_1p() / std::f64::consts::LN_10
}

/// The reward at `y` on the [`slog`] scale, as an axis label.
pub fn slog_label(y: &f64) -> String {
    let m = 10f64.powf(y.abs()) - 1.0;
    let v = y.signum() * m;
    if m >= 1e4 {
        format!("{v:.0e}")
    } else {
        format!("{v:.0}")
    }
}

pub(crate) fn plot_rewards(history: &History, path: &Path) -> Result<()> {
    register_font();
    let eps = &history.episodes;
    let root = BitMapBackend::new(path, (960, 600)).into_drawing_area();
    root.fill(&WHITE)?;
    let pts: Vec<(usize, f64)> = eps
        .iter()
        .map(|e| (e.episode, slog(e.total_reward)))
        .collect();
    let (lo, hi) = pts
        .iter()
        .fold((0.0f64, 1.0f64), |(l, h), p| (l.min(p.1), h.max(p.1)));
    let pad = (hi - lo).max(1.0) * 0.05;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Total reward per episode (signed log scale)",
            ("sans-serif", 22),
        )
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(80)
        .build_cartesian_2d(0usize..eps.len().max(2), (lo - pad)..(hi + pad))?;
    chart
        .configure_mesh()
        .x_desc("episode")
        .y_desc("total reward")
        .y_label_formatter(&slog_label)
        .draw()?;
    chart.draw_series(LineSeries::new(pts.iter().copied(), BLUE.stroke_width(2)))?;
    chart.draw_series(pts.iter().map(|&p| Circle::new(p, 3, BLUE.filled())))?;
    root.present()?;
    Ok(())
}

/// Writes models.csv, steps.csv, summary.json, accuracy.png and rewards.png into `dir`,
/// as one set:
/// a failure (a full disk) leaves the previous set whole.
pub fn write_outputs(dir: &Path, snap: &Snapshot, final_rows: Option<&[EvalRow]>) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let h = &snap.history;
    let mut set = crate::fsio::Staged::new();
    set.bytes(&dir.join("models.csv"), models_csv(&h.models).as_bytes())?;
    set.bytes(&dir.join("steps.csv"), steps_csv(&h.steps).as_bytes())?;
    let best: Vec<serde_json::Value> = h
        .best(10)
        .iter()
        .map(|m| {
            serde_json::json!({
                "groups": set_label(m.state), "bits": m.state.bit_string(),
                "val_acc": m.val_acc, "test_acc": m.test_acc, "params": m.params,
            })
        })
        .collect();
    let summary = serde_json::json!({
        "dataset": snap.dataset,
        "source": snap.source,
        "data_groups": snap.settings.data.groups.to_string(),
        "device": snap.device,
        "models_trained": h.models.len(),
        "steps": h.steps.len(),
        "episodes": h.episodes.len(),
        "finished": snap.finished,
        "base_accuracy": h.models.first().map(|m| m.val_acc),
        "best": best,
        "total_train_seconds": h.models.iter().map(|m| m.seconds).sum::<f64>(),
        "settings": snap.settings,
        "setting_changes": h.changes,
        "final_eval": final_rows,
        // The sizes the evaluation trained on (fewer than asked where the data is small).
        "final_eval_sizes": snap.latest_evaluation().filter(|_| final_rows.is_some()).map(|e| e.sizes),
        "verdict": final_rows.and_then(crate::experiments::verdict),
    });
    set.bytes(
        &dir.join("summary.json"),
        serde_json::to_string_pretty(&summary)?.as_bytes(),
    )?;
    let draw = |r: Result<()>| r.map_err(|e| format!("drawing the plot: {e:#}"));
    set.file(&dir.join("accuracy.png"), |p| draw(plot_accuracy(h, p)))?;
    set.file(&dir.join("rewards.png"), |p| draw(plot_rewards(h, p)))?;
    set.commit()?;
    Ok(())
}

/// `aen reproduce`'s plot: each search's gain of the best searched network over the best
/// single one, in test-accuracy points, with its 95% interval.
pub(crate) fn plot_gains(gains: &[(String, f64, f64)], path: &Path) -> Result<()> {
    register_font();
    let root = BitMapBackend::new(path, (960, 600)).into_drawing_area();
    root.fill(&WHITE)?;
    let (lo, hi) = (gains.iter()).fold((-1.0f64, 1.0f64), |(l, h), (_, g, e)| {
        (l.min(g - e), h.max(g + e))
    });
    let pad = (hi - lo) * 0.08;
    let n = gains.len().max(1);
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Best searched minus best single-group network (test %, 95% interval)",
            ("sans-serif", 22),
        )
        .margin(15)
        .x_label_area_size(60)
        .y_label_area_size(70)
        .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), (lo - pad)..(hi + pad))?;
    let label = |x: &f64| {
        let k = x.round();
        match gains.get(k as usize) {
            Some((l, ..)) if (x - k).abs() < 1e-6 && k >= 0.0 => l.clone(),
            _ => String::new(),
        }
    };
    chart
        .configure_mesh()
        .x_labels(n)
        .x_label_formatter(&label)
        .disable_x_mesh()
        .y_desc("gain, points")
        .draw()?;
    chart.draw_series(LineSeries::new(
        [(-0.5, 0.0), (n as f64 - 0.5, 0.0)],
        BLACK.stroke_width(1),
    ))?;
    for (k, (_, g, e)) in gains.iter().enumerate() {
        let x = k as f64;
        // The interval as a vertical bar with caps.
        let bar = [
            vec![(x, g - e), (x, g + e)],
            vec![(x - 0.08, g - e), (x + 0.08, g - e)],
            vec![(x - 0.08, g + e), (x + 0.08, g + e)],
        ];
        chart.draw_series(
            bar.into_iter()
                .map(|p| PathElement::new(p, BLUE.stroke_width(2))),
        )?;
        chart.draw_series(std::iter::once(Circle::new((x, *g), 5, BLUE.filled())))?;
    }
    root.present()?;
    Ok(())
}

/// `n` and the word, in the plural unless `n` is one: "1 epoch", "4 epochs".
pub fn plural(n: usize, word: &str) -> String {
    match n {
        1 => format!("1 {word}"),
        n => format!("{n} {word}s"),
    }
}
