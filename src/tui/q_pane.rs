//! The dashboard's Q-values pane: the DQN's value of each action from the current
//! state, drawn from zero, or for the other strategies the accuracy of each neighbour.

use super::app::DashState;
use super::theme::Theme;
use super::widgets::{block_line, first_fitting};
use crate::engine::settings::StrategyKind;
use aen_core::groups::{Group, GroupSet};
use ratatui::prelude::*;
use ratatui::widgets::Paragraph;

/// The Q-values pane's title: the state and how the action was chosen, or while the
/// Q-network waits for its first batch, why its values do not move yet. The longest
/// form that fits: the state's twelve bits are never cut.
fn q_title(d: &DashState, width: u16) -> String {
    let strategy = d.run.settings.search.strategy;
    let room = (width as usize).saturating_sub(4);
    let fit = |forms: Vec<String>| first_fitting(&forms, room);
    let Some(s) = &d.run.last_step else {
        return if strategy == StrategyKind::Dqn {
            "Q-values".into()
        } else {
            fit(vec![
                format!("Neighbour accuracy ({})", strategy.name()),
                "Neighbour accuracy".into(),
                "Neighbours".into(),
            ])
        };
    };
    let bits = short_set(s.state);
    if strategy != StrategyKind::Dqn {
        let how = if s.greedy { "move" } else { "restart / new" };
        return fit(vec![
            format!("{}: val % of neighbours of {bits} ({how})", strategy.name()),
            format!("val % of neighbours of {bits}"),
            format!("neighbours of {bits}"),
            bits,
        ]);
    }
    let how = if s.greedy { "greedy" } else { "random" };
    let Some((held, batch)) = d.q_warming_up() else {
        return fit(vec![
            format!("Q-values of {bits} ({how})"),
            format!("Q of {bits} ({how})"),
            format!("Q of {bits}"),
            bits,
        ]);
    };
    fit(vec![
        format!("Q-values warming up: replay memory {held}/{batch}"),
        format!("Q warming up {held}/{batch}"),
        format!("Q wait {held}/{batch}"),
    ])
}

pub fn render(f: &mut Frame, area: Rect, d: &DashState, t: &Theme, focused: bool) {
    let b = block_line(
        Line::styled(format!(" {} ", q_title(d, area.width)), t.title()),
        focused,
        t,
    );
    let Some(s) = &d.run.last_step else {
        f.render_widget(Paragraph::new("waiting for the first step…").block(b), area);
        return;
    };
    let inner = b.inner(area);
    f.render_widget(b, area);
    let dqn = d.run.settings.search.strategy == crate::engine::settings::StrategyKind::Dqn;
    let (lo, hi) = s
        .q_values
        .iter()
        .fold((f32::MAX, f32::MIN), |(l, h), &v| (l.min(v), h.max(v)));
    // Q-values are drawn from zero, so a sign shows as a side; accuracies of the other
    // strategies (all near each other) from the lowest, so differences show.
    let (lo, hi) = if dqn {
        (lo.min(0.0), hi.max(0.0))
    } else {
        (lo, hi)
    };
    let span = (hi - lo).max(1e-6);
    let bar_w = inner.width.saturating_sub(16) as f32;
    let zero = if dqn {
        ((-lo / span) * bar_w).round() as usize
    } else {
        0
    };
    let mut lines: Vec<Line> = Group::ALL
        .iter()
        .enumerate()
        .map(|(k, g)| {
            let v = s.q_values.get(k).copied().unwrap_or(0.0);
            // Other strategies score neighbours by accuracy; UNKNOWN marks untried ones.
            let unknown = v == crate::engine::search::UNKNOWN
                && d.run.settings.search.strategy != crate::engine::settings::StrategyKind::Dqn;
            let (pad, n) = match unknown {
                true => (0, 0),
                false => bar(v, dqn, (lo, span, bar_w), zero),
            };
            let chosen = k == s.action;
            let style = if chosen { t.accent() } else { t.series(0) };
            let mark = if chosen { "▶" } else { " " };
            Line::from(vec![
                Span::styled(
                    format!("{mark}{:<6}", g.name()),
                    if chosen { t.accent() } else { Style::default() },
                ),
                Span::raw(" ".repeat(pad)),
                // An untried neighbour has no bar: its value is unknown, not low.
                Span::styled("█".repeat(if unknown { 0 } else { n.max(1) }), style),
                Span::raw(" ".repeat((zero + 1).saturating_sub(pad + n.max(1)))),
                Span::raw(format!(
                    " {}",
                    if unknown {
                        "untried".to_string()
                    } else if v.abs() >= 1e4 {
                        format!("{v:.2e}")
                    } else if dqn {
                        format!("{v:.3}")
                    } else {
                        // An accuracy, as every other pane shows one.
                        format!("{v:.1}")
                    }
                )),
            ])
        })
        .collect();
    let rows = inner.height as usize;
    if lines.len() > rows && rows > 1 {
        // Keep the chosen action in view and say how many rows are hidden.
        let shown = rows - 1;
        let start = (s.action + 1)
            .saturating_sub(shown)
            .min(lines.len() - shown);
        let hidden = lines.len() - shown;
        lines = lines.drain(start..start + shown).collect();
        lines.push(Line::styled(
            format!(" +{hidden} more (Enter zooms)"),
            t.dim(),
        ));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

/// A bar for `v` as (columns before it, its length): from the zero column `zero` for
/// Q-values, from the lowest value otherwise; `scale` is (lowest, span, width).
fn bar(v: f32, from_zero: bool, (lo, span, width): (f32, f32, f32), zero: usize) -> (usize, usize) {
    if !from_zero {
        return (0, (((v - lo) / span) * width).round().max(0.0) as usize);
    }
    let n = (((v.abs() / span) * width).round() as usize).max(1);
    if v < 0.0 {
        (zero.saturating_sub(n), n)
    } else {
        (zero, n)
    }
}

fn short_set(g: GroupSet) -> String {
    if g.is_empty() {
        "plain".into()
    } else {
        g.bit_string()
    }
}
