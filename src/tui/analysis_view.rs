//! The run so far, analysed (`f` on the dashboard): the best validation accuracy
//! against networks trained (and the regret against the true best where a complete
//! table of these settings exists), the Pareto front of accuracy against parameters,
//! and each group's effect.

use super::app::DashState;
use super::theme::Theme;
use super::widgets::{first_fitting, fmt_count, overlay_frame};
use crate::engine::analysis::{group_effects, pareto_front};
use crate::engine::experiments::set_label;
use ratatui::prelude::*;
use ratatui::symbols::Marker;
use ratatui::widgets::{Chart, Dataset, GraphType, Paragraph, Wrap};

pub fn render(f: &mut Frame, area: Rect, d: &DashState, t: &Theme) {
    let title = match d.live() {
        true => "The run so far (any key closes)",
        false => "The run (any key closes)",
    };
    let inner = overlay_frame(f, area, title, t);
    let models = &d.run.history.models;
    if models.is_empty() {
        f.render_widget(Paragraph::new("no model trained yet"), inner);
        return;
    }
    let [chart, lists] =
        Layout::vertical([Constraint::Percentage(40), Constraint::Min(6)]).areas(inner);
    if d.run.settings.search.strategy == crate::engine::settings::StrategyKind::Dqn {
        let [best, q] =
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                .areas(chart);
        super::charts::render_best(f, best, d, t, false);
        render_q_learning(f, q, d, t);
    } else {
        super::charts::render_best(f, chart, d, t, false);
    }
    // Side by side where the effects table fits beside the front, else one above the
    // other; a line too long for its column ends in an ellipsis, never in the other's.
    let halves = [Constraint::Percentage(50), Constraint::Percentage(50)];
    let [front, effects] = match lists.width >= 2 * EFFECTS_W {
        true => Layout::horizontal(halves).areas(lists),
        false => Layout::vertical(halves).areas(lists),
    };
    f.render_widget(
        Paragraph::new(fitted(front_lines(d, t), front.width)),
        front,
    );
    f.render_widget(
        Paragraph::new(fitted(effect_lines(d, t), effects.width)),
        effects,
    );
}

/// Columns the group-effects table takes.
const EFFECTS_W: u16 = 48;

/// Each line cut to `width` columns with an ellipsis where it is longer.
fn fitted(lines: Vec<Line<'static>>, width: u16) -> Vec<Line<'static>> {
    (lines.into_iter())
        .map(|l| {
            let text: String = l.spans.iter().map(|s| s.content.as_ref()).collect();
            let style = l.spans.first().map_or(l.style, |s| s.style);
            Line::styled(super::widgets::ellipsize(&text, width as usize), style)
        })
        .collect()
}

/// The DQN's own learning: the Q-network's loss after each step (log scale: it spans
/// orders of magnitude as the rewards do) and the replay memory's fill, which holds one transition a step up to
/// its capacity; the Q-network learns once it holds a batch.
fn render_q_learning(f: &mut Frame, area: Rect, d: &DashState, t: &Theme) {
    let s = &d.run.settings.search;
    let steps = &d.run.history.steps;
    let loss: Vec<(f64, f64)> = (steps.iter())
        .filter_map(|st| {
            st.q_loss
                .filter(|l| *l > 0.0)
                .map(|l| (st.step as f64, l.log10()))
        })
        .collect();
    let held = steps
        .last()
        .map_or(0, |st| (st.step + 1).min(s.replay_capacity));
    let [top, bottom] =
        Layout::vertical([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(area);
    // Three significant digits from 1e-2 to 1e4, powers of ten beyond.
    let fmt_loss = |l: f64| match l {
        0.01..1e4 => format!("{l:.3}"),
        _ => format!("{l:.2e}"),
    };
    let forms = match loss.last().map(|p| fmt_loss(10f64.powf(p.1))) {
        Some(l) => vec![
            format!("Q-network loss by step: {l} now (log scale)"),
            format!("Q-network loss {l} now (log)"),
            format!("Q loss {l}"),
        ],
        None => vec![
            format!(
                "Q-network loss: none yet, it learns once the memory holds {}",
                s.q_batch
            ),
            format!("Q loss: none until {} held", s.q_batch),
        ],
    };
    let title = format!(
        " {} ",
        first_fitting(&forms, (area.width as usize).saturating_sub(4))
    );
    let x = [0.0, steps.len().max(2) as f64];
    let y = super::charts::bounds(loss.iter().map(|p| p.1));
    if loss.is_empty() {
        let b = super::widgets::block_line(Line::styled(title, t.title()), false, t);
        let why = format!(
            "the replay memory holds {held} of the {} transitions a Q-learning batch takes",
            s.q_batch
        );
        f.render_widget(
            Paragraph::new(Line::styled(why, t.dim()))
                .wrap(Wrap { trim: true })
                .block(b),
            top,
        );
    } else {
        let chart = line_chart(&loss, [x, y], title, (1, true), area.width, t);
        f.render_widget(chart, top);
    }
    render_replay(f, bottom, d, t);
}

/// The replay memory's fill by step: one transition a step, up to its capacity.
fn render_replay(f: &mut Frame, area: Rect, d: &DashState, t: &Theme) {
    let s = &d.run.settings.search;
    let steps = &d.run.history.steps;
    let fill = |step: usize| (step + 1).min(s.replay_capacity);
    let held = steps.last().map_or(0, |st| fill(st.step));
    let memory: Vec<(f64, f64)> = match steps.last() {
        None => Vec::new(),
        Some(last) => {
            let full = s.replay_capacity.saturating_sub(1).min(last.step);
            let mut v = vec![(0.0, 1.0), (full as f64, fill(full) as f64)];
            v.push((last.step as f64, held as f64));
            v
        }
    };
    let cap = s.replay_capacity as f64;
    let (held_s, cap_s) = (fmt_count(held as f64), fmt_count(cap));
    let forms = [
        format!(
            "replay memory {held_s}/{cap_s} transitions (learns from {})",
            s.q_batch
        ),
        format!("replay memory {held_s}/{cap_s} transitions"),
        format!("replay {held_s}/{cap_s}"),
    ];
    // Up to the fill reached (or the batch it learns from), not the capacity: a memory
    // of 10,000 holding 200 would draw as a line along the axis. The title says both.
    let top = (held.max(s.q_batch) as f64 * 1.1).min(cap).max(2.0);
    let title = format!(
        " {} ",
        first_fitting(&forms, (area.width as usize).saturating_sub(4))
    );
    let x = [0.0, steps.len().max(2) as f64];
    let chart = line_chart(&memory, [x, [0.0, top]], title, (2, false), area.width, t);
    f.render_widget(chart, area);
}

/// One series over `bounds` (x, y), in colour `k`, its values labelled as powers of
/// ten (`log`: y is a log10) or as counts.
fn line_chart<'a>(
    data: &'a [(f64, f64)],
    [x, y]: [[f64; 2]; 2],
    title: String,
    (k, log): (usize, bool),
    width: u16,
    t: &Theme,
) -> Chart<'a> {
    let chart = Chart::new(vec![
        Dataset::default()
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(t.series(k))
            .data(data),
    ])
    .block(super::widgets::block_line(
        Line::styled(title, t.title()),
        false,
        t,
    ));
    super::charts::with_axes_as(chart, [x, y], width, move |v| match log {
        true => format!("{:.0e}", 10f64.powf(v)),
        false => fmt_count(v),
    })
}

/// The Pareto front, fewest parameters first: no other network is both smaller and
/// better.
fn front_lines(d: &DashState, t: &Theme) -> Vec<Line<'static>> {
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
fn effect_lines(d: &DashState, t: &Theme) -> Vec<Line<'static>> {
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
        "the search picks its models: this describes the run",
        t.dim(),
    ));
    lines.push(Line::styled(
        "(a sweep report estimates the effect)",
        t.dim(),
    ));
    lines
}
