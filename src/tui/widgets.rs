//! Small shared drawing helpers.

use super::keys::{self, Mode};
use super::theme::Theme;
use crate::render::halfblock_cells;
use ratatui::prelude::*;
use ratatui::widgets::{Block, BorderType, Paragraph};

pub fn block<'a>(title: &'a str, focused: bool, theme: &Theme) -> Block<'a> {
    let b = Block::bordered().title(Span::styled(format!(" {title} "), theme.title()));
    if focused {
        b.border_style(theme.focused_border())
            .border_type(BorderType::Thick)
    } else {
        b.border_style(theme.border())
    }
}

pub fn hint_bar(f: &mut Frame, area: Rect, mode: Mode, theme: &Theme) {
    let mut spans = Vec::new();
    for (k, what) in keys::hints(mode) {
        spans.push(Span::styled(k, theme.key()));
        spans.push(Span::raw(format!(" {what}  ")));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// An image as half-block lines (colour) or ASCII shades (NO_COLOR).
pub fn image_lines(img: &[u8], side: usize, theme: &Theme) -> Vec<Line<'static>> {
    halfblock_cells(img, side)
        .into_iter()
        .map(|row| {
            if theme.color {
                Line::from(
                    row.into_iter()
                        .map(|(t, b)| {
                            Span::styled(
                                "▀",
                                Style::default()
                                    .fg(Color::Rgb(t, t, t))
                                    .bg(Color::Rgb(b, b, b)),
                            )
                        })
                        .collect::<Vec<_>>(),
                )
            } else {
                Line::from(
                    row.into_iter()
                        .map(|(t, b)| crate::render::ascii_shade(t.max(b)))
                        .collect::<String>(),
                )
            }
        })
        .collect()
}

pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// Rewards grow as exp(|acc - b|): print large ones in scientific notation.
pub fn fmt_num(v: f64) -> String {
    if v.abs() >= 1e4 {
        format!("{v:.2e}")
    } else {
        format!("{v:.2}")
    }
}
