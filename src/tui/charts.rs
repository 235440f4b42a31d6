//! The dashboard's charts: accuracy over the search, episode rewards, and accuracy
//! against parameters. Axis labels are kept distinct, so a flat series never reads
//! as one value printed three times.

use super::app::DashState;
use super::theme::Theme;
use super::widgets::{block, block_line, first_fitting, fmt_count, fmt_num};
use crate::engine::analysis::best_so_far;
use crate::engine::report::rolling_mean;
use ratatui::prelude::*;
use ratatui::symbols::Marker;
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Paragraph, Sparkline};

/// Padded bounds of `vals`. A flat series is padded by a share of its size, so the
/// labels of a large value (rewards reach 1e8) still differ.
pub fn bounds(vals: impl Iterator<Item = f64>) -> [f64; 2] {
    let (lo, hi) = vals.fold((f64::MAX, f64::MIN), |(l, h), v| (l.min(v), h.max(v)));
    if lo > hi {
        return [0.0, 1.0];
    }
    let size = lo.abs().max(hi.abs());
    let pad = ((hi - lo) * 0.05).max(size * 0.05).max(0.5);
    [lo - pad, hi + pad]
}

/// A value with `digits` decimals, or in scientific notation when large.
pub fn label(v: f64, digits: usize) -> String {
    if v.abs() >= 1e4 {
        format!("{v:.1e}")
    } else {
        format!("{v:.*}", digits)
    }
}

/// Low, middle and high labels; the middle one is left out when it reads the same as
/// an end (a range of one unit on a whole-number axis), or when the axis is too
/// short to print three labels whole (`width` columns; ratatui cuts what is longer).
pub fn axis_labels(b: [f64; 2], width: u16, fmt: impl Fn(f64) -> String) -> Vec<Span<'static>> {
    let (lo, mid, hi) = (fmt(b[0]), fmt((b[0] + b[1]) / 2.0), fmt(b[1]));
    let room = 2 * (lo.len() + mid.len() + hi.len());
    if mid == lo || mid == hi || room > width as usize {
        vec![Span::raw(lo), Span::raw(hi)]
    } else {
        vec![Span::raw(lo), Span::raw(mid), Span::raw(hi)]
    }
}

/// A title followed by the legend of its series: drawn inside the chart, a legend
/// hides the points under it.
/// A chart's title with its series' marks, as many as fit `width` whole (the first
/// ones: the others give way rather than be cut).
fn legend_title(
    titles: &[&str],
    series: &[(&'static str, Style, &'static str)],
    width: u16,
    t: &Theme,
) -> Line<'static> {
    // The longest form of the title (they shorten by meaning) that leaves room for the
    // first legend entry, or else the longest that fits at all: the legend never takes
    // the title down to its last, barest form.
    let entry = |k: usize| {
        series
            .get(k)
            .map_or(0, |(m, _, n)| m.chars().count() + n.chars().count() + 2)
    };
    let room = (width as usize).saturating_sub(4);
    let forms: Vec<String> = titles.iter().map(|s| s.to_string()).collect();
    let fuller = &forms[..forms.len().saturating_sub(1)];
    let title = match fuller.iter().find(|f| f.chars().count() + entry(0) <= room) {
        Some(f) => f.clone(),
        None => super::widgets::first_fitting(&forms, room),
    };
    let mut used = title.chars().count() + 4;
    let mut spans = vec![Span::styled(format!(" {title} "), t.title())];
    for &(mark, style, name) in series {
        used += mark.chars().count() + name.chars().count() + 2;
        if used > width as usize {
            break;
        }
        spans.push(Span::styled(mark, style));
        spans.push(Span::raw(format!(" {name} ")));
    }
    Line::from(spans)
}

pub fn render_accuracy(f: &mut Frame, area: Rect, d: &DashState, t: &Theme, focused: bool) {
    let pts: Vec<(f64, f64)> = d
        .run
        .history
        .models
        .iter()
        .map(|m| (m.index as f64, m.val_acc))
        .collect();
    let roll: Vec<(f64, f64)> = rolling_mean(&d.run.history.models, 20)
        .into_iter()
        .map(|(i, v)| (i as f64, v))
        .collect();
    // Each epsilon's models, as a level at their mean: the bands of accuracy.png. Only
    // the DQN reads epsilon.
    let dqn = d.run.settings.search.strategy == crate::engine::settings::StrategyKind::Dqn;
    let bands: Vec<[(f64, f64); 2]> = match dqn {
        true => crate::engine::report::per_epsilon(&d.run.history.models),
        false => Vec::new(),
    }
    .into_iter()
    .map(|(first, last, _, mean)| [(first as f64, mean), (last as f64, mean)])
    .collect();
    let legend: &[(&'static str, Style, &'static str)] = &[
        ("•", t.dim(), "model"),
        ("⣿", t.series(0), "mean of 20"),
        ("⠤", t.series(2), "mean per ε"),
    ];
    let legend = &legend[..if dqn { 3 } else { 2 }];
    let x = [1.0, (pts.len() as f64).max(2.0)];
    let y = bounds(pts.iter().map(|p| p.1));
    let mut sets: Vec<Dataset> = (bands.iter())
        .map(|b| {
            Dataset::default()
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(t.series(2))
                .data(b)
        })
        .collect();
    sets.push(
        Dataset::default()
            .name("model")
            .marker(Marker::Dot)
            .graph_type(GraphType::Scatter)
            .style(t.dim())
            .data(&pts),
    );
    sets.push(
        Dataset::default()
            .name("mean of 20")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(t.series(0))
            .data(&roll),
    );
    let chart = Chart::new(sets).legend_position(None).block(block_line(
        legend_title(
            &[
                "Accuracy vs models trained (val %)",
                "Val % vs models trained",
                "Val % vs models",
                "Val %",
            ],
            legend,
            area.width,
            t,
        ),
        focused,
        t,
    ));
    f.render_widget(with_axes(chart, [x, y], area.width), area);
}

/// The running total of the episode in progress; none once the episode or the whole
/// search has ended (a sum of nothing is not a reward).
fn rewards_title(d: &DashState, width: u16) -> String {
    let state = if !d.live() {
        "search ended".to_string()
    } else if d.run.current_rewards.is_empty() {
        "episode ended".into()
    } else {
        let cur: f64 = d.run.current_rewards.iter().sum();
        format!("now {}", fmt_num(cur))
    };
    let forms = [
        format!("Episode rewards ({state})"),
        format!("Rewards ({state})"),
        "Episode rewards".into(),
        "Rewards".into(),
    ];
    super::widgets::first_fitting(&forms, (width as usize).saturating_sub(4))
}

pub fn render_rewards(f: &mut Frame, area: Rect, d: &DashState, t: &Theme, focused: bool) {
    // Only the DQN learns from rewards by episode: the others are judged by the best
    // network found so far, which this pane shows for them.
    if d.run.settings.search.strategy != crate::engine::settings::StrategyKind::Dqn {
        return render_best(f, area, d, t, focused);
    }
    let title = rewards_title(d, area.width);
    let b = block(&title, focused, t);
    let inner = b.inner(area);
    f.render_widget(b, area);
    let [top, spark] = Layout::vertical([Constraint::Min(3), Constraint::Length(3)]).areas(inner);
    use crate::engine::report::slog;
    let pts: Vec<(f64, f64)> = d
        .run
        .history
        .episodes
        .iter()
        .map(|e| (e.episode as f64, slog(e.total_reward)))
        .collect();
    if pts.is_empty() {
        f.render_widget(
            Paragraph::new(Line::styled("no episode finished yet", t.dim()))
                .wrap(ratatui::widgets::Wrap { trim: true }),
            top,
        );
    } else {
        render_reward_chart(f, top, &pts, area.width, t);
    }
    // Rewards of the current episode, shifted to be non-negative for the sparkline.
    let lo = d.run.current_rewards.iter().copied().fold(0.0f64, f64::min);
    let data: Vec<u64> = d
        .run
        .current_rewards
        .iter()
        .map(|r| ((r - lo) * 10.0) as u64)
        .collect();
    let start = data.len().saturating_sub(spark.width as usize);
    f.render_widget(
        Sparkline::default().data(&data[start..]).style(t.series(2)),
        spark,
    );
}

/// Total reward per episode on the signed log scale of the exported rewards.png.
fn render_reward_chart(f: &mut Frame, area: Rect, pts: &[(f64, f64)], width: u16, t: &Theme) {
    use crate::engine::report::slog_label;
    let x = [0.0, (pts.len() as f64).max(1.0)];
    let y = bounds(pts.iter().map(|p| p.1));
    let chart = Chart::new(vec![
        Dataset::default()
            .name("total per episode (signed log)")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(t.series(1))
            .data(pts),
    ]);
    f.render_widget(with_axes_as(chart, [x, y], width, |v| slog_label(&v)), area);
}

pub fn render_params(f: &mut Frame, area: Rect, d: &DashState, t: &Theme, focused: bool) {
    let point = |m: &crate::engine::search::ModelRecord| ((m.params as f64).log10(), m.val_acc);
    let models = &d.run.history.models;
    let pts: Vec<(f64, f64)> = models
        .iter()
        .filter(|m| !m.state.is_empty())
        .map(point)
        .collect();
    let plain: Vec<(f64, f64)> = models
        .iter()
        .filter(|m| m.state.is_empty())
        .map(point)
        .collect();
    let x = bounds(pts.iter().chain(&plain).map(|p| p.0));
    let y = bounds(pts.iter().chain(&plain).map(|p| p.1));
    let b = block_line(
        legend_title(
            &[
                "Accuracy vs parameters (log)",
                "Val % vs params (log)",
                "Val % vs params",
                "Val %",
            ],
            &[("•", t.series(0), "G-CNN"), ("█", t.accent(), "plain")],
            area.width,
            t,
        ),
        focused,
        t,
    );
    let chart = Chart::new(vec![
        Dataset::default()
            .name("model")
            .marker(Marker::Dot)
            .graph_type(GraphType::Scatter)
            .style(t.series(0))
            .data(&pts),
        Dataset::default()
            .name("plain")
            .marker(Marker::Block)
            .graph_type(GraphType::Scatter)
            .style(t.accent())
            .data(&plain),
    ])
    .legend_position(None)
    .block(b)
    .x_axis(
        Axis::default()
            .bounds(x)
            .labels(axis_labels(x, area.width, |v| fmt_count(10f64.powf(v)))),
    )
    .y_axis(
        Axis::default()
            .bounds(y)
            .labels(axis_labels(y, u16::MAX, |v| label(v, 1))),
    );
    f.render_widget(chart, area);
}

/// Best validation so far against networks trained, with the regret against the true
/// best in the title where a table knows it (the longest form of the title that fits).
/// Also the dashboard's rewards pane for the strategies that have no episodes.
pub fn render_best(f: &mut Frame, area: Rect, d: &DashState, t: &Theme, focused: bool) {
    let best = best_so_far(&d.run.history.models);
    let pts: Vec<(f64, f64)> = (best.iter().enumerate())
        .map(|(i, &v)| ((i + 1) as f64, v))
        .collect();
    let Some(now) = best.last().copied() else {
        let b = super::widgets::block("Best so far", focused, t);
        f.render_widget(Paragraph::new("no model trained yet").block(b), area);
        return;
    };
    let head = format!("best validation {now:.2}% after {} networks", best.len());
    // With a complete table, every form that fits the regret comes first: it is the
    // figure a comparison of strategies is judged by.
    let mut forms = Vec::new();
    if let Some(truth) = &d.truth {
        let regret = crate::engine::compare::regret_curve(&d.run.history.models, truth, best.len());
        if let Some(r) = regret.last() {
            forms.push(format!(
                "{head} · regret {r:.2} points against the true best {:.2}% test",
                truth.best()
            ));
            forms.push(format!("{head} · regret {r:.2} points"));
            forms.push(format!("best val {now:.2}% · regret {r:.2}"));
        }
    }
    forms.push(head);
    forms.push(format!("best val {now:.2}%"));
    let title = format!(
        " {} ",
        first_fitting(&forms, (area.width as usize).saturating_sub(4))
    );
    let x = [1.0, (pts.len() as f64).max(2.0)];
    let y = bounds(pts.iter().map(|p| p.1));
    let chart = Chart::new(vec![
        Dataset::default()
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(t.series(0))
            .data(&pts),
    ])
    .block(super::widgets::block_line(
        Line::styled(title, t.title()),
        focused,
        t,
    ));
    f.render_widget(with_axes(chart, [x, y], area.width), area);
}

/// A chart's axes over `bounds`: models (whole numbers) across, accuracy (one
/// decimal) up.
fn with_axes<'a>(chart: Chart<'a>, bounds: [[f64; 2]; 2], width: u16) -> Chart<'a> {
    with_axes_as(chart, bounds, width, |v| label(v, 1))
}

/// A chart's axes over `bounds`: whole numbers across (models, steps, episodes), the
/// values up as `y_label` writes them.
pub fn with_axes_as<'a>(
    chart: Chart<'a>,
    [x, y]: [[f64; 2]; 2],
    width: u16,
    y_label: impl Fn(f64) -> String,
) -> Chart<'a> {
    chart
        .x_axis(
            Axis::default()
                .bounds(x)
                .labels(axis_labels(x, width, |v| label(v, 0))),
        )
        .y_axis(
            Axis::default()
                .bounds(y)
                .labels(axis_labels(y, u16::MAX, y_label)),
        )
}

/// Series told apart by colour and, without colour, by the mark their curve is drawn
/// with (repeating from the sixth; tables number every series).
pub fn series_marker(k: usize, t: &Theme) -> (Marker, &'static str) {
    const MARKS: [(Marker, &str); 5] = [
        (Marker::Braille, "⣿"),
        (Marker::Dot, "•"),
        (Marker::HalfBlock, "▀"),
        (Marker::Block, "█"),
        (Marker::Bar, "▄"),
    ];
    if t.color {
        MARKS[0]
    } else {
        MARKS[k % MARKS.len()]
    }
}
