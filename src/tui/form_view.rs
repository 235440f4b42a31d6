//! A settings form drawn as lines: each key, its value (marked where it differs from
//! the default, scrolled while edited), its error and, when selected, its help.

use super::widgets::{ellipsize, wrap_words};
use ratatui::prelude::*;

/// The lines of a form at `width` columns, and the first and last line of the
/// selected field (its value, then its error and help under it).
pub struct FormLines<'a> {
    pub lines: Vec<Line<'a>>,
    pub selected: (usize, usize),
}

/// Columns of the key before a value.
const KEY_W: usize = 24;

/// The widest the focused settings pane grows: a key and 60 columns of value.
pub const FORM_W: u16 = KEY_W as u16 + 1 + 60 + 2;

/// The value being edited, scrolled so the cursor stays in `avail` columns; an
/// ellipsis marks each side with more text.
fn edit_window(text: &str, cursor: usize, avail: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    let n = chars.len();
    if n < avail {
        let (a, b) = chars.split_at(cursor.min(n));
        return format!("{}▏{}", String::from_iter(a), String::from_iter(b));
    }
    // Room for the cursor and the two markers.
    let room = avail.saturating_sub(3).max(1);
    let start = (cursor + 1)
        .saturating_sub(room)
        .min(n.saturating_sub(room));
    let end = (start + room).min(n);
    let left = if start > 0 { "…" } else { "" };
    let right = if end < n { "…" } else { "" };
    let before: String = chars[start..cursor.clamp(start, end)].iter().collect();
    let after: String = chars[cursor.clamp(start, end)..end].iter().collect();
    format!("{left}{before}▏{after}{right}")
}

fn value_spans<'a>(
    form: &super::form::Form,
    fld: &super::form::Field,
    sel: bool,
    avail: usize,
    theme: &super::theme::Theme,
) -> Vec<Span<'a>> {
    let style = if fld.error.is_some() {
        theme.error()
    } else {
        theme.accent()
    };
    match (&form.editing, sel) {
        // The whole old value is marked: the first key typed replaces it.
        (Some(text), true) if form.fresh => vec![
            Span::styled(ellipsize(text, avail), theme.selected()),
            Span::styled(" typing replaces · ←/→ edit", theme.dim()),
        ],
        (Some(text), true) => vec![Span::styled(edit_window(text, form.cursor, avail), style)],
        _ => vec![Span::styled(ellipsize(&fld.text, avail), style)],
    }
}

/// The form's lines; the settings another strategy than `strategy` reads alone are
/// dimmed and say so (the set-up screen shows them all, as the strategy may change).
pub fn form_lines<'a>(
    form: &'a super::form::Form,
    theme: &super::theme::Theme,
    focused: bool,
    width: u16,
    strategy: crate::engine::settings::StrategyKind,
) -> FormLines<'a> {
    let width = width as usize;
    let avail = width.saturating_sub(KEY_W + 1).max(8);
    let mut lines = Vec::new();
    let mut selected = (0, 0);
    for (i, fld) in form.fields.iter().enumerate() {
        let sel = focused && i == form.selected;
        let first = lines.len();
        let idle = !fld.spec.applies_to(strategy);
        let key_style = match (sel, idle) {
            (true, _) => theme.selected(),
            (false, true) => theme.dim(),
            (false, false) => Style::default(),
        };
        // A value other than the default is marked, so a changed setting stands out.
        let mark = if form.differs_from_default(fld) {
            "•"
        } else {
            " "
        };
        let mut spans = vec![
            Span::styled(format!("{:<KEY_W$}", fld.spec.key), key_style),
            Span::styled(mark, theme.accent()),
        ];
        spans.extend(value_spans(form, fld, sel, avail, theme));
        lines.push(Line::from(spans));
        // Under the field, so the message is read whole at any width.
        if let Some(e) = &fld.error {
            for row in wrap_words(&format!("✗ {e}"), width.saturating_sub(2)) {
                lines.push(Line::styled(format!("  {row}"), theme.error()));
            }
        }
        if sel {
            let default = match fld.spec.default_text() {
                d if d.is_empty() => "unset".to_string(),
                d => d,
            };
            let cycle = match fld.spec.choices.len() {
                0 => String::new(),
                _ => format!(" (←/→: {})", fld.spec.choices.join(", ")),
            };
            let only = match fld.spec.strategy() {
                Some(k) if idle => format!("read by {} only · ", k.name()),
                _ => String::new(),
            };
            let help = format!(
                "{only}default {default}{cycle} · d resets · {}",
                fld.spec.help.trim()
            );
            for row in wrap_words(&help, width.saturating_sub(2)) {
                lines.push(Line::styled(format!("  {row}"), theme.dim()));
            }
            selected = (first, lines.len() - 1);
        }
    }
    FormLines { lines, selected }
}

/// The first line to show so the selected field and its notes are all in view.
pub fn form_scroll(fl: &FormLines, height: usize) -> u16 {
    let (first, last) = fl.selected;
    (last + 1).saturating_sub(height).min(first) as u16
}
