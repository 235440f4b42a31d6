//! Drawing the ground-truth view: the map beside its text (the table's progress, the
//! cursor's cell, the true best beside the run's, the legend), fitted to the screen
//! without a cut word, and the strategies' regret curves.

use super::app::{App, CompareState, Screen, TruthView};
use super::charts::{axis_labels, bounds};
use super::theme::Theme;
use super::truth_map::{self, Grid, SHADES, heat, scale_for};
use super::truth_state::MAP_SIDE as SIDE;
use super::widgets::{block, ellipsize, fmt_dur, wrap_line};
use crate::engine::experiments::set_label;
use crate::engine::settings::Settings;
use crate::engine::sweep;
use crate::render::{count, thousands};
use aen_core::groups::GroupSet;
use ratatui::prelude::*;
use ratatui::widgets::{Axis, Chart, Clear, Dataset, GraphType, Paragraph};

pub fn render(f: &mut Frame, area: Rect, app: &App) {
    let Some(tv) = &app.truth else { return };
    let t = &app.theme;
    // The hint bar stays visible: it lists this view's keys.
    let r = Rect {
        height: area.height.saturating_sub(1),
        ..area
    };
    f.render_widget(Clear, r);
    let title = title(&tv.settings, r.width.saturating_sub(4) as usize);
    let outer = block(&title, true, t);
    let inner = outer.inner(r);
    f.render_widget(outer, r);
    let scale = scale_for(inner);
    let [map_area, info] = Layout::horizontal([
        Constraint::Length((SIDE / scale + 2) as u16),
        Constraint::Min(10),
    ])
    .areas(inner);
    let map_area = Rect {
        height: map_area.height.min((SIDE / scale / 2 + 2) as u16),
        ..map_area
    };
    let grid = Grid::new(tv);
    truth_map::draw(f, map_area, scale, tv, &grid, t, &app.hits);
    // A column of space between the map and the text.
    let width = info.width.saturating_sub(1) as usize;
    let lines: Vec<Line> = (info_lines(tv, &grid, scale, app, width).iter())
        .flat_map(|l| wrap_line(l, width))
        .collect();
    // The regret chart gets the rows the text leaves, if enough; on a tall screen a
    // third at least, the text scrolling the rest.
    let rows = lines.len() as u16;
    let left = info.height.saturating_sub(rows);
    let chart_h = match &tv.compare {
        Some(CompareState::Done(_)) if left >= 8 => left,
        Some(CompareState::Done(_)) if info.height >= 30 => info.height / 3,
        _ => 0,
    };
    let [text, chart] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(chart_h)]).areas(info);
    let text = Rect {
        x: text.x + 1,
        width: text.width.saturating_sub(1),
        ..text
    };
    render_text(f, text, tv, lines, t);
    if let Some(CompareState::Done(results)) = &tv.compare
        && chart_h > 0
    {
        render_regret(f, chart, results, t);
    }
}

/// The view's title in `room` characters, shortened by meaning: the training budget
/// goes first, then the words "Ground truth".
fn title(s: &Settings, room: usize) -> String {
    let data = format!(
        "{}, data {}",
        s.data.dataset.title(),
        set_label(s.data.groups)
    );
    let budget = format!(
        "{} on {} images",
        count(s.child.epochs, "epoch"),
        thousands(s.child.train_size)
    );
    [
        format!("Ground truth: {data}, {budget}"),
        format!("Ground truth: {data}"),
        data.clone(),
    ]
    .into_iter()
    .find(|t| t.chars().count() <= room)
    .unwrap_or_else(|| ellipsize(&data, room))
}

/// The wrapped text, scrolled (PgUp/PgDn); where it is longer than its room, the
/// last row says how much more there is, so a paragraph cut by the bottom edge
/// never passes for the whole of it.
fn render_text(f: &mut Frame, area: Rect, tv: &TruthView, lines: Vec<Line<'static>>, t: &Theme) {
    let rows = lines.len() as u16;
    let fits = rows <= area.height;
    let page = match fits {
        true => area.height,
        false => area.height.saturating_sub(1).max(1),
    };
    let max_scroll = rows.saturating_sub(page);
    let scroll = tv.scroll.min(max_scroll);
    let mut layout = tv.layout.get();
    (layout.page, layout.max_scroll) = (page, max_scroll);
    tv.layout.set(layout);
    let mut shown: Vec<Line> = (lines.into_iter())
        .skip(scroll as usize)
        .take(page as usize)
        .collect();
    if !fits {
        let below = rows - scroll - page;
        let more = match below {
            0 => format!("↑ PgUp: {} above", count(scroll as usize, "line")),
            n => format!("↓ PgDn: {}", count(n as usize, "more line")),
        };
        shown.push(Line::styled(ellipsize(&more, area.width as usize), t.dim()));
    }
    f.render_widget(Paragraph::new(shown), area);
}

/// "table" and the table's path, or where that is too long its file name.
fn table_line(path: &std::path::Path, width: usize) -> String {
    let full = format!("table {}", path.display());
    if full.chars().count() <= width {
        return full;
    }
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    ellipsize(&format!("table …/{name}"), width)
}

fn info_lines(
    tv: &TruthView,
    grid: &Grid,
    scale: usize,
    app: &App,
    width: usize,
) -> Vec<Line<'static>> {
    let t = &app.theme;
    let mut lines = vec![Line::raw(table_line(&tv.path, width))];
    lines.push(Line::raw(progress_line(tv)));
    if let Some(n) = &tv.note {
        lines.push(Line::styled(n.clone(), t.accent()));
    }
    // The comparison, once asked for, is what the user waits for: it comes first.
    if let Some(c) = &tv.compare {
        lines.push(Line::raw(""));
        lines.extend(compare_lines(c, t));
    }
    lines.push(Line::raw(""));
    lines.extend(truth_map::cursor_lines(tv, grid, scale, t));
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        if tv.truth.is_some() {
            "true best (mean test accuracy over the seeds):".to_string()
        } else if tv.states.len() < sweep::table::SPACE {
            format!(
                "best so far (the table holds {} of the 4,096 group sets):",
                thousands(tv.states.len())
            )
        } else {
            "best so far (the table is not complete):".to_string()
        },
        t.title(),
    ));
    // One line per network: the sets of a class share it (and its cell colour).
    let classes = tv.settings.classes();
    let mut shown: Vec<GroupSet> = Vec::new();
    for (s, acc) in ranked(tv) {
        let net = crate::engine::settings::network_of(classes.as_deref(), s);
        if shown.contains(&net) {
            continue;
        }
        shown.push(net);
        let size = classes.as_ref().map_or(1, |c| c.class_of(s).members.len());
        let sets = if size > 1 {
            format!(" ({size} sets)")
        } else {
            String::new()
        };
        let line = format!("{:>2}. {acc:5.2}% {}{sets}", shown.len(), set_label(s));
        lines.push(Line::raw(ellipsize(&line, width)));
        if shown.len() == 5 {
            break;
        }
    }
    // Where a state stands among those trained (all of them, once complete).
    let place = |what: &str, s: GroupSet| {
        let acc = tv.mean(s.bits() as usize)?;
        Some(Line::raw(format!(
            "{what} {}: {acc:.2}%, {}",
            set_label(s),
            grid.place(acc, tv.truth.is_some())
        )))
    };
    let mut places = vec![place("the data's groups", tv.settings.data.groups)];
    if app.screen == Screen::Dashboard
        && let Some(m) = app.dash.run.history.best(1).first()
    {
        places.push(place("this run's best", m.state));
    }
    let places: Vec<Line> = places.into_iter().flatten().collect();
    if !places.is_empty() {
        lines.push(Line::raw(""));
        lines.extend(places);
    }
    lines.push(Line::raw(""));
    lines.extend(legend_lines(grid, tv.truth.is_some(), t));
    lines
}

/// How much of the table there is, and the sweep's pace.
fn progress_line(tv: &TruthView) -> String {
    let total = tv.total_rows();
    let part = if tv.states.len() < sweep::table::SPACE {
        format!(" of a table of {} group sets", thousands(tv.states.len()))
    } else {
        String::new()
    };
    let mut progress = if tv.found {
        format!(
            "{} of {} rows ({:.0}%){part}, {}",
            thousands(tv.rows),
            thousands(total),
            100.0 * tv.rows as f64 / total.max(1) as f64,
            count(tv.seeds as usize, "seed")
        )
    } else {
        format!(
            "no table for these settings yet: {}",
            sweep_cost(&tv.settings)
        )
    };
    if let Some(s) = &tv.sweep {
        let secs = s.started.elapsed().as_secs_f64();
        let rate = s.done as f64 / secs.max(1e-9);
        progress.push_str(&format!(" · sweeping, {:.0} rows/min", 60.0 * rate));
        if s.done > 0 {
            progress.push_str(&format!(
                ", ETA {}",
                fmt_dur(s.todo.saturating_sub(s.done) as f64 / rate)
            ));
        }
    }
    progress
}

/// What Enter would cost, said before it starts: the networks to train (one per class
/// under `closure`), each for so many epochs on so many images, on so many trainers.
pub fn sweep_cost(s: &crate::engine::settings::Settings) -> String {
    use crate::engine::settings::Equivalence;
    let networks = match s.search.equivalence {
        Equivalence::None => Some(sweep::table::SPACE),
        Equivalence::Closure => aen_core::classes::Classes::peek(s.shift()).map(|c| c.len()),
    };
    let networks = networks.map_or("every network".into(), |n| {
        format!("{} networks", thousands(n))
    });
    format!(
        "Enter sweeps one here: {networks} of {} on {} images each, {}",
        count(s.child.epochs, "epoch"),
        thousands(s.child.train_size),
        count(s.trainers(), "trainer")
    )
}

/// The colour scale, and how the map is laid out.
fn legend_lines(grid: &Grid, complete: bool, t: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    if grid.sorted.is_empty() {
        lines.push(Line::styled(
            "nothing trained yet: the map fills in as rows finish",
            t.dim(),
        ));
        lines.push(Line::styled(AXES, t.dim()));
        lines.push(Line::styled(cursor_key(t), t.dim()));
        return lines;
    }
    let swatch = |from: usize, to: usize| -> Vec<Span<'static>> {
        (from..to)
            .map(|k| {
                let f = k as f64 / 7.0;
                if t.color {
                    Span::styled(" ", Style::default().bg(heat(Some(f))))
                } else {
                    Span::raw(SHADES[((f * 4.0) as usize).min(3)].to_string())
                }
            })
            .collect()
    };
    let mut legend = vec![Span::raw(format!("{:.1}% ", grid.quantile(0.0)))];
    legend.extend(swatch(0, 4));
    legend.push(Span::raw(format!(" {:.1}% ", grid.quantile(0.5))));
    legend.extend(swatch(4, 8));
    legend.push(Span::raw(format!(" {:.1}%", grid.quantile(1.0))));
    if !complete {
        legend.push(Span::styled(
            if t.color {
                " · grey: not trained"
            } else {
                " · ·: not trained"
            },
            t.dim(),
        ));
    }
    lines.push(Line::from(legend));
    lines.push(Line::styled(
        if complete {
            "colour by rank: worst, median, best"
        } else {
            "colour by rank: worst, median, best trained so far"
        },
        t.dim(),
    ));
    lines.push(Line::styled(AXES, t.dim()));
    lines.push(Line::styled(cursor_key(t), t.dim()));
    lines
}

/// How the cursor looks: marks on the frame, and its half of a character.
fn cursor_key(t: &Theme) -> &'static str {
    match t.color {
        true => "the cursor: ▶ ▲ on the frame, white on the map",
        false => "the cursor: ▶ ▲ on the frame, ▀ or ▄ (its half) on the map",
    }
}

const AXES: &str = "across: rot90 hflip vflip htrans vtrans sc1, down: sc2 .. sc7, as binary digits (no group at top left)";

/// States by mean test accuracy so far, best first (ties by bits).
fn ranked(tv: &TruthView) -> Vec<(GroupSet, f64)> {
    let mut v: Vec<(GroupSet, f64)> = (0..tv.cells.len())
        .filter_map(|b| tv.mean(b).map(|m| (GroupSet::from_bits(b as u16), m)))
        .collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.bits().cmp(&b.0.bits())));
    v
}

fn compare_lines(c: &CompareState, t: &Theme) -> Vec<Line<'static>> {
    match c {
        CompareState::Running { done, total } => vec![Line::raw(format!(
            "comparing the strategies: {done} of {total} runs"
        ))],
        CompareState::Failed(e) => vec![Line::styled(format!("comparison failed: {e}"), t.error())],
        CompareState::Done(results) => {
            let budget = results
                .first()
                .and_then(|r| r.curves.first())
                .map_or(0, Vec::len);
            let mut lines = vec![Line::styled(
                format!(
                    "regret after {budget} models (true best minus the test accuracy of the state held best), mean and 95% interval over {} runs:",
                    results.first().map_or(0, |r| r.curves.len())
                ),
                t.title(),
            )];
            for (k, r) in results.iter().enumerate() {
                let (m, lo, hi) = r.regret_at(budget.max(1));
                // Without colour, the mark the curve is drawn with tells them apart.
                let mark = match t.color {
                    true => "━━".to_string(),
                    false => super::charts::series_marker(k, t).1.repeat(2),
                };
                lines.push(Line::from(vec![
                    Span::styled(format!("{mark} "), t.series(k)),
                    Span::raw(format!(
                        "{:<9} {m:5.2} ({lo:.2} to {hi:.2}) points",
                        r.strategy.name()
                    )),
                ]));
            }
            lines
        }
    }
}

/// Mean regret against models trained, one line per strategy.
fn render_regret(
    f: &mut Frame,
    area: Rect,
    results: &[crate::engine::compare::StrategyResult],
    t: &Theme,
) {
    let curves: Vec<Vec<(f64, f64)>> = results
        .iter()
        .map(|r| {
            let n = r.curves.first().map_or(0, Vec::len);
            (1..=n)
                .map(|i| {
                    let m = r.curves.iter().map(|c| c[i - 1]).sum::<f64>() / r.curves.len() as f64;
                    (i as f64, m)
                })
                .collect()
        })
        .collect();
    let n = curves.iter().map(Vec::len).max().unwrap_or(1);
    let x = [1.0, (n as f64).max(2.0)];
    let y = bounds(curves.iter().flatten().map(|p| p.1));
    let y = [y[0].max(0.0), y[1]];
    let sets: Vec<Dataset> = curves
        .iter()
        .enumerate()
        .map(|(k, c)| {
            Dataset::default()
                .name(results[k].strategy.name())
                .marker(super::charts::series_marker(k, t).0)
                .graph_type(GraphType::Line)
                .style(t.series(k))
                .data(c)
        })
        .collect();
    let title = chart_title(area.width);
    let chart = Chart::new(sets)
        .block(block(&title, false, t))
        .legend_position(None)
        .x_axis(
            Axis::default()
                .bounds(x)
                .labels(axis_labels(x, area.width, |v| format!("{v:.0}"))),
        )
        .y_axis(
            Axis::default()
                .bounds(y)
                .labels(axis_labels(y, area.height, |v| format!("{v:.1}"))),
        );
    f.render_widget(chart, area);
}

/// The chart's title, shortened to its frame.
fn chart_title(width: u16) -> String {
    let room = width.saturating_sub(4) as usize;
    ["Regret (points) by models trained", "Regret (points)"]
        .into_iter()
        .find(|t| t.chars().count() <= room)
        .map_or_else(|| ellipsize("Regret", room), str::to_string)
}
