//! The ground-truth map: the 4,096 group sets on a 64x64 grid coloured by accuracy
//! (two states a character cell, blocks of them where the screen is small), the
//! cursor over it, and what the cell under the cursor holds.

use super::app::{HitMap, Target, TruthView};
use super::theme::Theme;
use super::truth::{map_state, map_xy};
use super::truth_state::MAP_SIDE as SIDE;
use super::widgets::block;
use crate::engine::experiments::set_label;
use crate::render::{count, thousands};
use aen_core::classes::Classes;
use aen_core::groups::{Group, GroupSet};
use ratatui::prelude::*;
use ratatui::widgets::Paragraph;

/// Shades for the map without colour, low to high.
pub(super) const SHADES: [char; 4] = ['░', '▒', '▓', '█'];
/// The cursor's half of its cell, in colour: white is on no step of the scale.
const CURSOR: Color = Color::Rgb(255, 255, 255);

/// Mean test accuracy by map position, and every trained value sorted: colours go
/// by rank, since most states tie translations and sit at chance, and a linear
/// scale would paint all the others one colour.
pub(super) struct Grid {
    cells: Vec<Option<f64>>,
    pub sorted: Vec<f64>,
}

impl Grid {
    pub fn new(tv: &TruthView) -> Grid {
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
    pub fn frac(&self, v: f64) -> f64 {
        let below = self.sorted.partition_point(|x| *x < v);
        below as f64 / (self.sorted.len().max(2) - 1) as f64
    }

    /// The value at quantile `q` (0 to 1) of the trained states.
    pub fn quantile(&self, q: f64) -> f64 {
        let n = self.sorted.len();
        (self
            .sorted
            .get(((n.max(1) - 1) as f64 * q).round() as usize))
        .copied()
        .unwrap_or(f64::NAN)
    }

    /// Where accuracy `acc` stands among the trained states (ties share the best
    /// place): "#3 of 4,096", or "of 120 trained" while the table fills in.
    pub fn place(&self, acc: f64, complete: bool) -> String {
        let above = self.sorted.len() - self.sorted.partition_point(|x| *x <= acc);
        let n = thousands(self.sorted.len());
        let of = if complete { n } else { format!("{n} trained") };
        format!("#{} of {of}", thousands(above + 1))
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
    /// there to find the good regions). The cursor's block is white, or without
    /// colour its character a half block on the cursor's side.
    fn lines(&self, k: usize, t: &Theme, cursor: (usize, usize)) -> Vec<Line<'static>> {
        let (cc, cr, upper) = (
            cursor.0 / k,
            cursor.1 / k / 2,
            (cursor.1 / k).is_multiple_of(2),
        );
        (0..SIDE / k / 2)
            .map(|row| {
                let spans: Vec<Span> = (0..SIDE / k)
                    .map(|col| {
                        let up = self.block_mean(col * k, 2 * row * k, k);
                        let down = self.block_mean(col * k, (2 * row + 1) * k, k);
                        let here = (col, row) == (cc, cr);
                        if t.color {
                            let (mut fg, mut bg) = (
                                heat(up.map(|v| self.frac(v))),
                                heat(down.map(|v| self.frac(v))),
                            );
                            match (here, upper) {
                                (true, true) => fg = CURSOR,
                                (true, false) => bg = CURSOR,
                                _ => {}
                            }
                            Span::styled("▀", Style::default().fg(fg).bg(bg))
                        } else if here {
                            let c = if upper { "▀" } else { "▄" };
                            Span::styled(c, Style::default().add_modifier(Modifier::BOLD))
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
pub(super) fn heat(frac: Option<f64>) -> Color {
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

/// The largest map that leaves the text 30 columns in `inner`: 1, 2, 4 or 8 states a
/// cell side.
pub(super) fn scale_for(inner: Rect) -> usize {
    [1, 2, 4, 8]
        .into_iter()
        .find(|k| {
            (SIDE / k + 2) as u16 + 30 <= inner.width && (SIDE / k / 2 + 2) as u16 <= inner.height
        })
        .unwrap_or(8)
}

/// Draws the map framed in `area`, `scale` states a cell side, with the cursor marked on
/// the frame too (▲ below its column, ▶ left of its row), so it is found at a glance
/// in colour or not; records where the cells went, for the keys and the mouse.
pub(super) fn draw(
    f: &mut Frame,
    area: Rect,
    scale: usize,
    tv: &TruthView,
    grid: &Grid,
    t: &Theme,
    hits: &HitMap,
) {
    let room = (area.width as usize).saturating_sub(4);
    let title = match scale {
        1 => "every state".to_string(),
        k => [format!("{k}x{k} states a cell"), format!("{k}x{k} a cell")]
            .into_iter()
            .find(|s| s.chars().count() <= room)
            .unwrap_or(format!("{k}x{k}")),
    };
    let frame = block(&title, false, t);
    let cells = frame.inner(area);
    let mut layout = tv.layout.get();
    (layout.map, layout.scale) = (cells, scale);
    tv.layout.set(layout);
    hits.add(cells, Target::TruthMap);
    let (x, y) = tv.cursor_shown();
    f.render_widget(
        Paragraph::new(grid.lines(scale, t, (x, y))).block(frame),
        area,
    );
    let mark = t.accent();
    let buf = f.buffer_mut();
    let (col, row) = (
        cells.x + (x / scale) as u16,
        cells.y + (y / scale / 2) as u16,
    );
    if let Some(c) = buf.cell_mut((col, area.bottom().saturating_sub(1))) {
        c.set_char('▲').set_style(mark);
    }
    if let Some(c) = buf.cell_mut((area.x, row)) {
        c.set_char('▶').set_style(mark);
    }
}

/// The cell under the cursor as `draw` left it, `k` states a side: its state, or
/// for a block how many states it holds and which trained best; then that state's
/// accuracy, rank and class.
pub(super) fn cursor_lines(tv: &TruthView, grid: &Grid, k: usize, t: &Theme) -> Vec<Line<'static>> {
    let (x, y) = tv.cursor_shown();
    let (x0, y0) = (x / k * k, y / k * k);
    let block: Vec<GroupSet> = (y0..y0 + k)
        .flat_map(|yy| (x0..x0 + k).map(move |xx| map_state(xx, yy)))
        .collect();
    let trained: Vec<(GroupSet, f64)> = (block.iter())
        .filter_map(|&s| tv.mean(s.bits() as usize).map(|m| (s, m)))
        .collect();
    let head = Span::styled("cursor (←↑↓→): ", t.title());
    let mut lines = Vec::new();
    let state = if k == 1 {
        lines.push(Line::from(vec![head, Span::raw(set_label(block[0]))]));
        block[0]
    } else {
        let n = match trained.len() {
            0 => "none trained yet".to_string(),
            n if n == block.len() => "all trained".to_string(),
            n => format!("{n} trained"),
        };
        let what = format!("{} states ({k}x{k}), {n}", block.len());
        lines.push(Line::from(vec![head, Span::raw(what)]));
        lines.push(Line::raw(block_sets(&block)));
        let best =
            (trained.iter()).max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.bits().cmp(&a.0.bits())));
        let Some(&(best, _)) = best else {
            return lines;
        };
        lines.push(Line::raw(format!("best of them: {}", set_label(best))));
        best
    };
    match tv.mean(state.bits() as usize) {
        Some(acc) => {
            let seeds = tv.cells[state.bits() as usize].len();
            lines.push(Line::raw(format!(
                "{acc:.2}% mean test accuracy ({seeds} of {})",
                count(tv.seeds as usize, "seed")
            )));
            lines.push(Line::raw(format!(
                "rank {}",
                grid.place(acc, tv.truth.is_some())
            )));
        }
        None if !tv.states.contains(&state) => lines.push(Line::raw(format!(
            "not in this table (made for {} group sets)",
            thousands(tv.states.len())
        ))),
        None => lines.push(Line::raw("not trained yet")),
    }
    let classes = tv
        .settings
        .classes()
        .or_else(|| Classes::peek(tv.settings.grid()));
    lines.push(Line::raw(match classes {
        Some(c) => match c.class_of(state).members.len() {
            1 => format!(
                "network {}, built by no other set",
                set_label(c.closure(state))
            ),
            n => format!("network {}, built by {n} sets", set_label(c.closure(state))),
        },
        None => "network: its class is still being worked out".to_string(),
    }));
    lines
}

/// The states of a block: those of its first, plus any subset of the groups whose
/// digits vary inside it (the last ones across and down).
fn block_sets(block: &[GroupSet]) -> String {
    let (first, all) = (
        block[0],
        block.iter().fold(GroupSet::EMPTY, |a, s| {
            GroupSet::from_bits(a.bits() | s.bits())
        }),
    );
    let free: Vec<&str> = (Group::ALL.iter())
        .filter(|g| all.contains(**g) && !first.contains(**g))
        .map(|g| g.name())
        .collect();
    match first.is_empty() {
        true => format!("any subset of {}", free.join(", ")),
        false => format!(
            "{} plus any subset of {}",
            set_label(first),
            free.join(", ")
        ),
    }
}
