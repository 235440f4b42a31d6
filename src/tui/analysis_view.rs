//! The run so far, analysed (`f` on the dashboard): the best validation accuracy
//! against networks trained (and the regret against the true best where a complete
//! table of these settings exists), the Pareto front of accuracy against parameters,
//! and each group's effect.

use super::app::DashState;
use super::theme::Theme;
use super::widgets::{fmt_count, overlay_frame};
use crate::engine::analysis::{best_so_far, group_effects, pareto_front};
use crate::engine::experiments::set_label;
use ratatui::prelude::*;
use ratatui::symbols::Marker;
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Paragraph, Wrap};

pub fn render(f: &mut Frame, area: Rect, d: &DashState, t: &Theme) {
    let inner = overlay_frame(f, area, "The run so far (any key closes)", t);
    let models = &d.run.history.models;
    if models.is_empty() {
        f.render_widget(Paragraph::new("no model trained yet"), inner);
        return;
    }
    let [chart, lists] =
        Layout::vertical([Constraint::Percentage(40), Constraint::Min(6)]).areas(inner);
    render_best(f, chart, d, t);
    let [front, effects] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(lists);
    f.render_widget(
        Paragraph::new(front_lines(d, t)).wrap(Wrap { trim: false }),
        front,
    );
    f.render_widget(
        Paragraph::new(effect_lines(d, t)).wrap(Wrap { trim: false }),
        effects,
    );
}

/// Best validation so far against networks trained, with the regret against the true
/// best in the title where a table knows it.
fn render_best(f: &mut Frame, area: Rect, d: &DashState, t: &Theme) {
    let best = best_so_far(&d.run.history.models);
    let pts: Vec<(f64, f64)> = (best.iter().enumerate())
        .map(|(i, &v)| ((i + 1) as f64, v))
        .collect();
    let now = best.last().copied().unwrap_or(0.0);
    let mut title = format!(" best validation {now:.2}% after {} networks", best.len());
    if let Some(truth) = &d.truth {
        let regret = crate::engine::compare::regret_curve(&d.run.history.models, truth, best.len());
        if let Some(r) = regret.last() {
            title.push_str(&format!(
                " · regret {r:.2} points against the true best {:.2}% test",
                truth.best()
            ));
        }
    }
    let x = [1.0, (pts.len() as f64).max(2.0)];
    let y = super::charts::bounds(pts.iter().map(|p| p.1));
    let chart = Chart::new(vec![
        Dataset::default()
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(t.series(0))
            .data(&pts),
    ])
    .block(super::widgets::block_line(
        Line::styled(title, t.title()),
        false,
        t,
    ))
    .x_axis(
        Axis::default()
            .bounds(x)
            .labels(super::charts::axis_labels(x, area.width, |v| {
                super::charts::label(v, 0)
            })),
    )
    .y_axis(
        Axis::default()
            .bounds(y)
            .labels(super::charts::axis_labels(y, u16::MAX, |v| {
                super::charts::label(v, 1)
            })),
    );
    f.render_widget(chart, area);
}

/// The Pareto front, fewest parameters first: no other network is both smaller and
/// better.
fn front_lines<'a>(d: &DashState, t: &Theme) -> Vec<Line<'a>> {
    let front = pareto_front(&d.run.history.models);
    let mut lines = vec![
        Line::styled(
            format!(
                "Pareto front: {} networks (val % against parameters)",
                front.len()
            ),
            t.title(),
        ),
        Line::styled(" params   val %  groups", t.dim()),
    ];
    for m in front {
        lines.push(Line::raw(format!(
            "{:>7}  {:>6.2}  {}",
            fmt_count(m.params as f64),
            m.val_acc,
            set_label(m.state)
        )));
    }
    lines
}

/// Mean validation with each group against without it, over the models so far.
fn effect_lines<'a>(d: &DashState, t: &Theme) -> Vec<Line<'a>> {
    let mut lines = vec![
        Line::styled("Each group: mean val % with it, without it", t.title()),
        Line::styled("group     with (n)      without (n)    effect", t.dim()),
    ];
    let show = |v: Option<f64>, n: usize| match v {
        Some(v) => format!("{v:>6.2} ({n:>3})"),
        None => format!("{:>6} ({n:>3})", "-"),
    };
    for e in group_effects(&d.run.history.models) {
        lines.push(Line::raw(format!(
            "{:<7} {}  {}  {}",
            e.group.name(),
            show(e.with, e.with_n),
            show(e.without, e.without_n),
            e.effect().map_or("     -".into(), |x| format!("{x:+6.2}"))
        )));
    }
    lines.push(Line::styled(
        "the search picks its models, so this describes the run; a sweep report estimates the effect",
        t.dim(),
    ));
    lines
}
