//! Small shared drawing helpers.

use super::keys::{self, Mode};
use super::theme::Theme;
use crate::engine::settings::{SettingValue, Settings};
use crate::render::halfblock_cells;
use ratatui::prelude::*;
use ratatui::widgets::{Block, BorderType, Paragraph};

pub fn block<'a>(title: &'a str, focused: bool, theme: &Theme) -> Block<'a> {
    block_line(
        Line::from(Span::styled(format!(" {title} "), theme.title())),
        focused,
        theme,
    )
}

/// A pane's frame with a title of several styles (a legend, a warning).
pub fn block_line<'a>(title: Line<'a>, focused: bool, theme: &Theme) -> Block<'a> {
    let b = Block::bordered().title(title);
    if focused {
        b.border_style(theme.focused_border())
            .border_type(BorderType::Thick)
    } else {
        b.border_style(theme.border())
    }
}

/// The hints that fit `width` columns, whole: where all do not, the navigation keys
/// (Tab, Enter) go first, then hints from the end; `?` (which lists every key) stays.
pub fn fitting_hints(
    mode: Mode,
    width_cols: usize,
) -> (Vec<(&'static str, &'static str)>, &'static str) {
    let mut hints = keys::hints(mode);
    let wide = |h: &[(&str, &str)], gap: usize| -> usize {
        h.iter()
            .map(|(k, w)| width(k) + width(w) + 1 + gap)
            .sum::<usize>()
    };
    if wide(&hints, 2) <= width_cols {
        return (hints, "  ");
    }
    while wide(&hints, 1) > width_cols && hints.len() > 1 {
        let drop = (hints.iter())
            .position(|(k, _)| ["Tab", "Enter", "S-Tab"].contains(k))
            .unwrap_or(hints.len() - 1);
        hints.remove(drop);
    }
    (hints, " ")
}

pub fn hint_bar(f: &mut Frame, area: Rect, mode: Mode, theme: &Theme) {
    let (hints, gap) = fitting_hints(mode, area.width as usize);
    let mut spans = Vec::new();
    for (k, what) in hints {
        spans.push(Span::styled(k, theme.key()));
        spans.push(Span::raw(format!(" {what}{gap}")));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn width(s: &str) -> usize {
    s.chars().count()
}

/// `s` cut to `max` characters, an ellipsis marking the cut.
pub fn ellipsize(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    if max > 0 {
        out.push('…');
    }
    out
}

/// `s` cut to `max` characters in its middle, an ellipsis marking the cut: the end of a
/// file name ("…-1.json") tells apart names that begin alike.
pub fn ellipsize_middle(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if width(s) <= max || max < 3 {
        return ellipsize(s, max);
    }
    // Two thirds for the end, where names saved in one minute differ.
    let tail = (max - 1) * 2 / 3;
    let head = max - 1 - tail;
    let start: String = s.chars().take(head).collect();
    let end: String = s.chars().skip(n - tail).collect();
    format!("{start}…{end}")
}

/// The first of `forms` (longest first, each saying less) that fits in `room`
/// columns; the last, cut with an ellipsis, if none does. Titles shorten by meaning.
pub fn first_fitting(forms: &[String], room: usize) -> String {
    match forms.iter().find(|f| width(f) <= room) {
        Some(f) => f.clone(),
        None => ellipsize(forms.last().map_or("", |f| f.as_str()), room),
    }
}

/// A count in at most five characters (18.9k, 1.5M), so a cut-off column never
/// shows a smaller number than the real one.
pub fn fmt_count(n: f64) -> String {
    let a = n.abs();
    if a < 1e4 {
        format!("{n:.0}")
    } else if a < 99_950.0 {
        format!("{:.1}k", n / 1e3)
    } else if a < 999_500.0 {
        format!("{:.0}k", n / 1e3)
    } else if a < 99_950_000.0 {
        format!("{:.1}M", n / 1e6)
    } else {
        format!("{:.0}M", n / 1e6)
    }
}

/// An image as half-block lines (colour) or ASCII shades (NO_COLOR).
/// Colour images keep their colour where the terminal shows 24-bit colour.
pub fn image_lines(img: &[u8], side: usize, theme: &Theme) -> Vec<Line<'static>> {
    let rgb = |[r, g, b]: crate::render::Rgb| Color::Rgb(r, g, b);
    halfblock_cells(img, side, theme.color && crate::render::truecolor())
        .into_iter()
        .map(|row| {
            if theme.color {
                Line::from(
                    row.into_iter()
                        .map(|(t, b)| Span::styled("▀", Style::default().fg(rgb(t)).bg(rgb(b))))
                        .collect::<Vec<_>>(),
                )
            } else {
                Line::from(
                    row.into_iter()
                        .map(|(t, b)| crate::render::ascii_shade(t[0].max(b[0])))
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

/// `text` broken at spaces into rows of at most `width` characters (a longer word is
/// cut), for messages that must be read whole.
pub fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut rows = Vec::new();
    let mut row = String::new();
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        let used = row.chars().count();
        if used > 0 && used + 1 + word.len() <= width {
            row.push(' ');
            row.extend(word);
            continue;
        }
        if used > 0 {
            rows.push(std::mem::take(&mut row));
        }
        while word.len() > width {
            rows.push(word.drain(..width).collect());
        }
        row = word.into_iter().collect();
    }
    rows.push(row);
    rows
}

/// `line` broken at spaces into rows of at most `width` characters, its styles kept,
/// so a caller knows how many rows it takes. A list of groups may also break after
/// a comma before a letter (never inside 4,096); a piece longer than a row is cut at
/// the row's end. Leading spaces are an indent, kept on the first row.
pub fn wrap_line(line: &Line<'_>, width: usize) -> Vec<Line<'static>> {
    let width = width.max(1);
    let chars: Vec<(char, Style)> = (line.spans.iter())
        .flat_map(|s| s.content.chars().map(move |c| (c, s.style)))
        .collect();
    let indent = chars.iter().take_while(|c| c.0 == ' ').count();
    let mut rows = Vec::new();
    let mut row = chars[..indent].to_vec();
    // Each piece: the spaces before it, and where it starts and ends.
    let mut pieces = Vec::new();
    let (mut i, mut gap) = (indent, 0);
    while i < chars.len() {
        if chars[i].0 == ' ' {
            gap += 1;
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i].0 != ' ' {
            let breaks = chars[i].0 == ',' && chars.get(i + 1).is_some_and(|c| c.0.is_alphabetic());
            i += 1;
            if breaks {
                break;
            }
        }
        pieces.push((gap, start, i));
        gap = 0;
    }
    for (gap, start, end) in pieces {
        if row.len() + gap + end - start <= width {
            row.extend_from_slice(&chars[start - gap..end]);
            continue;
        }
        if row.iter().any(|c| c.0 != ' ') {
            rows.push(std::mem::take(&mut row));
        }
        row.clear();
        let mut piece = &chars[start..end];
        while piece.len() > width {
            rows.push(piece[..width].to_vec());
            piece = &piece[width..];
        }
        row.extend_from_slice(piece);
    }
    rows.push(row);
    (rows.into_iter())
        .map(|r| {
            let mut spans: Vec<Span<'static>> = Vec::new();
            for (c, style) in r {
                match spans.last_mut() {
                    Some(s) if s.style == style => s.content.to_mut().push(c),
                    _ => spans.push(Span::styled(c.to_string(), style)),
                }
            }
            Line::from(spans).style(line.style)
        })
        .collect()
}

pub fn fmt_dur(s: f64) -> String {
    let s = s.max(0.0) as u64;
    if s >= 3600 {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    } else {
        format!("{}m{:02}s", s / 60, s % 60)
    }
}

pub use crate::engine::report::plural;

/// A run's settings in one line: what a researcher checks before trusting a result.
pub fn settings_brief(s: &Settings) -> String {
    format!(
        "{} · reward {} · max {} · children {} on {} images · seed {} · normalize {} · {} G-data · translation {}",
        s.search.strategy.name(),
        s.search.reward.show(),
        plural(s.search.max_models, "model"),
        plural(s.child.epochs, "epoch"),
        s.child.train_size,
        s.data.seed,
        s.data.normalize.show(),
        s.data.resample.show(),
        s.data.translation.show(),
    )
}

/// A large overlay: `area` less a margin, cleared, framed with `title`; returns what
/// lies inside the frame.
pub fn overlay_frame(f: &mut Frame, area: Rect, title: &str, t: &Theme) -> Rect {
    let rect = centered(
        area,
        area.width.saturating_sub(4),
        area.height.saturating_sub(2),
    );
    f.render_widget(ratatui::widgets::Clear, rect);
    let outer = block(title, true, t);
    let inner = outer.inner(rect);
    f.render_widget(outer, rect);
    inner
}
