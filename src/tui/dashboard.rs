//! The dashboard: status bar and one render function per pane.

use super::app::{DashState, Pane, RunStatus};
use super::theme::Theme;
use super::widgets::{block, fmt_num};
use crate::engine::experiments::set_label;
use crate::engine::groups::{Group, GroupSet};
use crate::engine::report::rolling_mean;
use ratatui::prelude::*;
use ratatui::symbols::Marker;
use ratatui::widgets::{Axis, Cell, Chart, Dataset, GraphType, Paragraph, Row, Sparkline, Table};

pub fn render(f: &mut Frame, area: Rect, d: &DashState, theme: &Theme) {
    let [status, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(4)]).areas(area);
    render_status(f, status, d, theme);
    if d.zoom {
        render_pane(f, body, d.focus, d, theme, true);
        return;
    }
    let [top, bottom] =
        Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(body);
    let [q, acc, rew] = Layout::horizontal([
        Constraint::Percentage(30),
        Constraint::Percentage(40),
        Constraint::Percentage(30),
    ])
    .areas(top);
    let [left, params, right] = Layout::horizontal([
        Constraint::Percentage(30),
        Constraint::Percentage(30),
        Constraint::Percentage(40),
    ])
    .areas(bottom);
    let [state, best] = Layout::vertical([Constraint::Length(6), Constraint::Min(3)]).areas(left);
    let [_, log] = Layout::vertical([Constraint::Length(0), Constraint::Min(3)]).areas(right);
    for (pane, r) in [
        (Pane::QValues, q),
        (Pane::Accuracy, acc),
        (Pane::Rewards, rew),
        (Pane::State, state),
        (Pane::Best, best),
        (Pane::Params, params),
        (Pane::Log, log),
    ] {
        render_pane(f, r, pane, d, theme, d.focus == pane);
    }
}

fn fmt_dur(s: f64) -> String {
    let s = s.max(0.0) as u64;
    if s >= 3600 {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    } else {
        format!("{}m{:02}s", s / 60, s % 60)
    }
}

pub fn status_text(d: &DashState) -> (String, String) {
    let state = match &d.status {
        RunStatus::Starting => "starting".to_string(),
        RunStatus::Replaying(a, b) => format!("replaying {a}/{b}"),
        RunStatus::Running => "running".into(),
        RunStatus::Paused => "paused".into(),
        RunStatus::Finished(r) => format!("finished ({r:?})"),
        RunStatus::Failed => "failed".into(),
        RunStatus::ReadOnly => "read-only".into(),
    };
    let step = d.last_step.as_ref();
    let eps = step
        .map(|s| format!("{:.2}", s.epsilon))
        .unwrap_or_else(|| "-".into());
    let eta = d
        .eta()
        .map(|e| fmt_dur(e.as_secs_f64()))
        .unwrap_or_else(|| "-".into());
    let device = d
        .info
        .as_ref()
        .map(|i| i.device.clone())
        .unwrap_or_else(crate::engine::nn::device_name);
    let rest = format!(
        "models {}/{} | episode {} step {} | eps {eps} | elapsed {} | ETA {eta} | {device}",
        d.history.models.len(),
        d.max_models(),
        step.map_or(0, |s| s.episode),
        step.map_or(0, |s| s.step),
        fmt_dur(d.elapsed().as_secs_f64()),
    );
    (state, rest)
}

fn render_status(f: &mut Frame, area: Rect, d: &DashState, t: &Theme) {
    let (state, rest) = status_text(d);
    let st = match d.status {
        RunStatus::Running => t.on(),
        RunStatus::Failed => t.error(),
        _ => t.accent(),
    };
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(format!(" {state} "), st),
            Span::raw(format!(" {rest}")),
        ])),
        area,
    );
}

fn render_pane(f: &mut Frame, area: Rect, pane: Pane, d: &DashState, t: &Theme, focused: bool) {
    match pane {
        Pane::QValues => render_q(f, area, d, t, focused),
        Pane::Accuracy => render_accuracy(f, area, d, t, focused),
        Pane::Rewards => render_rewards(f, area, d, t, focused),
        Pane::State => render_state(f, area, d, t, focused),
        Pane::Params => render_params(f, area, d, t, focused),
        Pane::Best => render_best(f, area, d, t, focused),
        Pane::Log => render_log(f, area, d, t, focused),
    }
}

fn render_q(f: &mut Frame, area: Rect, d: &DashState, t: &Theme, focused: bool) {
    let Some(s) = &d.last_step else {
        f.render_widget(
            Paragraph::new("waiting for the first step…").block(block("Q-values", focused, t)),
            area,
        );
        return;
    };
    let how = if s.greedy { "greedy" } else { "random" };
    let title = format!("Q-values of {} ({how})", short_set(s.state));
    let b = block(&title, focused, t);
    let inner = b.inner(area);
    f.render_widget(b, area);
    let (lo, hi) = s
        .q_values
        .iter()
        .fold((f32::MAX, f32::MIN), |(l, h), &v| (l.min(v), h.max(v)));
    let span = (hi - lo).max(1e-6);
    let bar_w = inner.width.saturating_sub(16) as f32;
    let lines: Vec<Line> = Group::ALL
        .iter()
        .enumerate()
        .map(|(k, g)| {
            let v = s.q_values.get(k).copied().unwrap_or(0.0);
            let n = (((v - lo) / span) * bar_w).round().max(0.0) as usize;
            let chosen = k == s.action;
            let style = if chosen { t.accent() } else { t.series(0) };
            let mark = if chosen { "▶" } else { " " };
            Line::from(vec![
                Span::styled(
                    format!("{mark}{:<6}", g.name()),
                    if chosen { t.accent() } else { Style::default() },
                ),
                Span::styled("█".repeat(n.max(1)), style),
                Span::raw(format!(
                    " {}",
                    if v.abs() >= 1e4 {
                        format!("{v:.2e}")
                    } else {
                        format!("{v:.3}")
                    }
                )),
            ])
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

fn short_set(g: GroupSet) -> String {
    if g.is_empty() {
        "plain".into()
    } else {
        g.bit_string()
    }
}

fn bounds(vals: impl Iterator<Item = f64>) -> [f64; 2] {
    let (lo, hi) = vals.fold((f64::MAX, f64::MIN), |(l, h), v| (l.min(v), h.max(v)));
    if lo > hi {
        return [0.0, 1.0];
    }
    let pad = ((hi - lo) * 0.05).max(0.5);
    [lo - pad, hi + pad]
}

fn axis_labels(b: [f64; 2], digits: usize) -> Vec<Span<'static>> {
    let f = |v: f64| {
        if v.abs() >= 1e4 {
            format!("{v:.1e}")
        } else {
            format!("{:.*}", digits, v)
        }
    };
    vec![
        Span::raw(f(b[0])),
        Span::raw(f((b[0] + b[1]) / 2.0)),
        Span::raw(f(b[1])),
    ]
}

fn render_accuracy(f: &mut Frame, area: Rect, d: &DashState, t: &Theme, focused: bool) {
    let pts: Vec<(f64, f64)> = d
        .history
        .models
        .iter()
        .map(|m| (m.index as f64, m.val_acc))
        .collect();
    let roll: Vec<(f64, f64)> = rolling_mean(&d.history.models, 20)
        .into_iter()
        .map(|(i, v)| (i as f64, v))
        .collect();
    let x = [1.0, (pts.len() as f64).max(2.0)];
    let y = bounds(pts.iter().map(|p| p.1));
    let chart = Chart::new(vec![
        Dataset::default()
            .name("model")
            .marker(Marker::Dot)
            .graph_type(GraphType::Scatter)
            .style(t.dim())
            .data(&pts),
        Dataset::default()
            .name("mean of 20")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(t.series(0))
            .data(&roll),
    ])
    .block(block("Accuracy vs models trained (val %)", focused, t))
    .x_axis(Axis::default().bounds(x).labels(axis_labels(x, 0)))
    .y_axis(Axis::default().bounds(y).labels(axis_labels(y, 1)));
    f.render_widget(chart, area);
}

fn render_rewards(f: &mut Frame, area: Rect, d: &DashState, t: &Theme, focused: bool) {
    let cur: f64 = d.current_rewards.iter().sum();
    let title = format!("Episode rewards (now {})", fmt_num(cur));
    let b = block(&title, focused, t);
    let inner = b.inner(area);
    f.render_widget(b, area);
    let [top, spark] = Layout::vertical([Constraint::Min(3), Constraint::Length(3)]).areas(inner);
    let pts: Vec<(f64, f64)> = d
        .history
        .episodes
        .iter()
        .map(|e| (e.episode as f64, e.total_reward))
        .collect();
    let x = [0.0, (pts.len() as f64).max(1.0)];
    let y = bounds(pts.iter().map(|p| p.1));
    let chart = Chart::new(vec![
        Dataset::default()
            .name("total per episode")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(t.series(1))
            .data(&pts),
    ])
    .x_axis(Axis::default().bounds(x).labels(axis_labels(x, 0)))
    .y_axis(Axis::default().bounds(y).labels(axis_labels(y, 0)));
    f.render_widget(chart, top);
    // Rewards of the current episode, shifted to be non-negative for the sparkline.
    let lo = d.current_rewards.iter().copied().fold(0.0f64, f64::min);
    let data: Vec<u64> = d
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

fn render_state(f: &mut Frame, area: Rect, d: &DashState, t: &Theme, focused: bool) {
    let g = d.current_state();
    let b = block("State", focused, t);
    let inner = b.inner(area);
    f.render_widget(b, area);
    // Six cells a row, each a space apart.
    let cell_w = ((inner.width + 1) / 6).max(4);
    let mut lines = Vec::new();
    for row in Group::ALL.chunks(6) {
        let spans: Vec<Span> = row
            .iter()
            .map(|grp| {
                let name: String = grp.name().chars().take(cell_w as usize - 1).collect();
                let text = format!("{name:^w$}", w = cell_w as usize - 1);
                Span::styled(text, if g.contains(*grp) { t.on() } else { t.off() })
            })
            .flat_map(|s| [s, Span::raw(" ")])
            .collect();
        lines.push(Line::from(spans));
    }
    let train = match &d.training {
        Some((s, p)) => format!(
            "training {}: epoch {}/{} batch {}/{}",
            set_label(*s),
            p.epoch + 1,
            p.epochs,
            p.batch,
            p.batches
        ),
        None => d
            .last_step
            .as_ref()
            .map(|s| format!("reward {}, val {:.2}%", fmt_num(s.reward), s.val_acc))
            .unwrap_or_default(),
    };
    lines.push(Line::styled(train, t.dim()));
    f.render_widget(Paragraph::new(lines), inner);
}

fn render_params(f: &mut Frame, area: Rect, d: &DashState, t: &Theme, focused: bool) {
    let pts: Vec<(f64, f64)> = d
        .history
        .models
        .iter()
        .filter(|m| !m.state.is_empty())
        .map(|m| ((m.params as f64).log10(), m.val_acc))
        .collect();
    let plain: Vec<(f64, f64)> = d
        .history
        .models
        .iter()
        .filter(|m| m.state.is_empty())
        .map(|m| ((m.params as f64).log10(), m.val_acc))
        .collect();
    let x = bounds(pts.iter().chain(&plain).map(|p| p.0));
    let y = bounds(pts.iter().chain(&plain).map(|p| p.1));
    let xl = vec![
        Span::raw(format!("{:.0}", 10f64.powf(x[0]))),
        Span::raw(format!("{:.0}", 10f64.powf((x[0] + x[1]) / 2.0))),
        Span::raw(format!("{:.0}", 10f64.powf(x[1]))),
    ];
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
    .block(block("Accuracy vs parameters (log)", focused, t))
    .x_axis(Axis::default().bounds(x).labels(xl))
    .y_axis(Axis::default().bounds(y).labels(axis_labels(y, 1)));
    f.render_widget(chart, area);
}

fn render_best(f: &mut Frame, area: Rect, d: &DashState, t: &Theme, focused: bool) {
    let title = format!("Models by {} (s sorts)", d.sort.name());
    let rows: Vec<Row> = d
        .sorted_models()
        .into_iter()
        .skip(d.table_offset)
        .map(|m| {
            Row::new(vec![
                Cell::from(set_label(m.state)),
                Cell::from(format!("{:.1}", m.val_acc)),
                Cell::from(format!("{:.1}", m.test_acc)),
                Cell::from(m.params.to_string()),
            ])
        })
        .collect();
    let table = Table::new(
        rows,
        [
            Constraint::Min(8),
            Constraint::Length(5),
            Constraint::Length(5),
            Constraint::Length(6),
        ],
    )
    .header(Row::new(vec!["groups", "val", "test", "params"]).style(t.title()))
    .block(block(&title, focused, t));
    f.render_widget(table, area);
}

fn render_log(f: &mut Frame, area: Rect, d: &DashState, t: &Theme, focused: bool) {
    let h = area.height.saturating_sub(2) as usize;
    let end = d.log.len().saturating_sub(d.log_offset);
    let start = end.saturating_sub(h);
    let lines: Vec<Line> = d
        .log
        .range(start..end)
        .map(|l| Line::raw(l.clone()))
        .collect();
    f.render_widget(Paragraph::new(lines).block(block("Log", focused, t)), area);
}
