//! Drawing the ground-truth view: the map of the 4,096 group sets coloured by
//! accuracy (two states a character cell, halved again where the screen is small),
//! the true best beside the run's, and the strategies' regret curves.

use super::app::{App, CompareState, Screen, TruthView};
use super::charts::{axis_labels, bounds};
use super::theme::Theme;
use super::truth::map_xy;
use super::widgets::{block, ellipsize, fmt_dur};
use crate::engine::experiments::set_label;
use crate::engine::groups::GroupSet;
use crate::engine::sweep;
use crate::render::thousands;
use ratatui::prelude::*;
use ratatui::symbols::Marker;
use ratatui::widgets::{Axis, Chart, Clear, Dataset, GraphType, Paragraph, Wrap};

/// Shades for the map without colour, low to high.
const SHADES: [char; 4] = ['░', '▒', '▓', '█'];
/// The map is 64 states across and 64 down.
const SIDE: usize = 64;

pub fn render(f: &mut Frame, area: Rect, app: &App) {
    let Some(tv) = &app.truth else { return };
    let t = &app.theme;
    // The hint bar stays visible: it lists this view's keys.
    let r = Rect {
        height: area.height.saturating_sub(1),
        ..area
    };
    f.render_widget(Clear, r);
    let s = &tv.settings;
    let title = format!(
        "Ground truth: {}, data {}, {} on {} images",
        s.data.dataset.title(),
        set_label(s.data.groups),
        crate::render::count(s.child.epochs, "epoch"),
        thousands(s.child.train_size)
    );
    let outer = block(&title, true, t);
    let inner = outer.inner(r);
    f.render_widget(outer, r);
    // The largest map that leaves the text 30 columns: 1, 2, 4 or 8 states a cell.
    let scale = [1, 2, 4, 8]
        .into_iter()
        .find(|k| {
            (SIDE / k + 2) as u16 + 30 <= inner.width && (SIDE / k / 2 + 2) as u16 <= inner.height
        })
        .unwrap_or(8);
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
    let map_title = match scale {
        1 => "every state".to_string(),
        k => format!("{}x{k} states a cell", k),
    };
    f.render_widget(
        Paragraph::new(grid.lines(scale, t)).block(block(&map_title, false, t)),
        map_area,
    );
    let text_w = info.width.saturating_sub(1) as usize;
    let lines = info_lines(tv, &grid, app, text_w);
    // The text first, wrapped; the regret chart gets the rows left, if enough.
    let rows: usize = (lines.iter())
        .map(|l| l.width().div_ceil(text_w.max(1)).max(1))
        .sum();
    let left = info.height.saturating_sub(rows as u16);
    let chart_h = match &tv.compare {
        Some(CompareState::Done(_)) if left >= 8 => left,
        _ => 0,
    };
    let [text, chart] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(chart_h)]).areas(info);
    // Where the text is longer than its room, ↑/↓ scroll it.
    let scroll = tv.scroll.min((rows as u16).saturating_sub(text.height));
    let p = Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .scroll((scroll, 0));
    let text = Rect {
        x: text.x + 1,
        width: text.width.saturating_sub(1),
        ..text
    };
    f.render_widget(p, text);
    if let Some(CompareState::Done(results)) = &tv.compare
        && chart_h > 0
    {
        render_regret(f, chart, results, t);
    }
}

/// Mean test accuracy by map position, and every trained value sorted: colours go
/// by rank, since most states tie translations and sit at chance, and a linear
/// scale would paint all the others one colour.
struct Grid {
    cells: Vec<Option<f64>>,
    sorted: Vec<f64>,
}

impl Grid {
    fn new(tv: &TruthView) -> Grid {
        let mut cells = vec![None; SIDE * SIDE];
        let mut present = Vec::new();
        for bits in 0..cells.len() {
            if let Some(m) = tv.mean(bits) {
                let (x, y) = map_xy(GroupSet::from_bits(bits as u16));
                cells[y * SIDE + x] = Some(m);
                present.push(m);
            }
        }
        present.sort_by(f64::total_cmp);
        Grid {
            cells,
            sorted: present,
        }
    }

    /// 0 to 1 along the colour scale: the share of trained states below `v`.
    fn frac(&self, v: f64) -> f64 {
        let below = self.sorted.partition_point(|x| *x < v);
        below as f64 / (self.sorted.len().max(2) - 1) as f64
    }

    /// The value at quantile `q` (0 to 1) of the trained states.
    fn quantile(&self, q: f64) -> f64 {
        let n = self.sorted.len();
        (self
            .sorted
            .get(((n.max(1) - 1) as f64 * q).round() as usize))
        .copied()
        .unwrap_or(f64::NAN)
    }

    /// The mean over the trained states of the `k` x `k` block at (x, y).
    fn block_mean(&self, x: usize, y: usize, k: usize) -> Option<f64> {
        let v: Vec<f64> = (y..y + k)
            .flat_map(|yy| (x..x + k).map(move |xx| (xx, yy)))
            .filter_map(|(xx, yy)| self.cells[yy * SIDE + xx])
            .collect();
        (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
    }

    /// Each character: the block above in its foreground (▀), the one below in its
    /// background; without colour, a shade for the better of the two (the map is
    /// there to find the good regions).
    fn lines(&self, k: usize, t: &Theme) -> Vec<Line<'static>> {
        (0..SIDE / k / 2)
            .map(|row| {
                let spans: Vec<Span> = (0..SIDE / k)
                    .map(|col| {
                        let up = self.block_mean(col * k, 2 * row * k, k);
                        let down = self.block_mean(col * k, (2 * row + 1) * k, k);
                        if t.color {
                            let style = Style::default()
                                .fg(heat(up.map(|v| self.frac(v))))
                                .bg(heat(down.map(|v| self.frac(v))));
                            Span::styled("▀", style)
                        } else {
                            let c = match up.into_iter().chain(down).max_by(f64::total_cmp) {
                                None => '·',
                                Some(v) => SHADES[((self.frac(v) * 4.0) as usize).min(3)],
                            };
                            Span::raw(c.to_string())
                        }
                    })
                    .collect();
                Line::from(spans)
            })
            .collect()
    }
}

/// A colour from dark violet (low) through teal to yellow (high); grey for a state
/// not trained yet.
fn heat(frac: Option<f64>) -> Color {
    const STOPS: [(f64, f64, f64); 5] = [
        (68.0, 1.0, 84.0),
        (59.0, 82.0, 139.0),
        (33.0, 145.0, 140.0),
        (94.0, 201.0, 98.0),
        (253.0, 231.0, 37.0),
    ];
    let Some(f) = frac else {
        return Color::Rgb(48, 48, 48);
    };
    let pos = f * (STOPS.len() - 1) as f64;
    let i = (pos as usize).min(STOPS.len() - 2);
    let w = pos - i as f64;
    let mix = |a: f64, b: f64| (a + (b - a) * w).round() as u8;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    Color::Rgb(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

fn info_lines(tv: &TruthView, grid: &Grid, app: &App, width: usize) -> Vec<Line<'static>> {
    let t = &app.theme;
    let mut lines = vec![Line::raw(ellipsize(
        &format!("table {}", tv.path.display()),
        width,
    ))];
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
        let above = grid.sorted.len() - grid.sorted.partition_point(|x| *x <= acc);
        let of = if tv.truth.is_some() {
            thousands(grid.sorted.len())
        } else {
            format!("{} trained", thousands(grid.sorted.len()))
        };
        Some(Line::raw(format!(
            "{what} {}: {acc:.2}%, #{} of {of}",
            set_label(s),
            thousands(above + 1)
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
            "{} of {} rows ({:.0} %){part}, {}",
            thousands(tv.rows),
            thousands(total),
            100.0 * tv.rows as f64 / total.max(1) as f64,
            crate::render::count(tv.seeds as usize, "seed")
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
        Equivalence::Closure => crate::engine::classes::Classes::peek(s.shift()).map(|c| c.len()),
    };
    let networks = networks.map_or("every network".into(), |n| {
        format!("{} networks", thousands(n))
    });
    format!(
        "Enter sweeps one here: {networks} of {} on {} images each, {}",
        crate::render::count(s.child.epochs, "epoch"),
        thousands(s.child.train_size),
        crate::render::count(s.trainers(), "trainer")
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
    lines
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
                lines.push(Line::from(vec![
                    Span::styled("━━ ", t.series(k)),
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
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(t.series(k))
                .data(c)
        })
        .collect();
    let chart = Chart::new(sets)
        .block(block("Regret (points) by models trained", false, t))
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
