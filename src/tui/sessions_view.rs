//! The session browser drawn: a row per saved session (marks and tags with it), the
//! filter in the title, and the selected session's note and settings under the table.

use super::app::{Browser, HitMap, Target};
use super::theme::Theme;
use super::widgets::{block, centered, ellipsize, ellipsize_middle, fmt_dur, settings_brief};
use crate::engine::experiments::set_label;
use crate::engine::search::FinishReason;
use crate::engine::settings::Settings;
use crate::engine::snapshot::Summary;
use ratatui::prelude::*;
use ratatui::widgets::{Cell, Clear, Paragraph, Row, Table, Wrap};

/// "finished" (it reached its max models or episodes) or "stopped" (by the user, a
/// signal or a crash, or running now: it can be resumed).
pub fn session_status(finished: Option<&FinishReason>) -> &'static str {
    match finished {
        Some(FinishReason::Stopped) | None => "stopped",
        Some(_) => "finished",
    }
}

/// Text from a session file as one line: a hand-edited note may hold line breaks or
/// escapes that would break the table.
pub fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The table's columns: header, width, and the rank in which they give way when the
/// screen is too narrow for all (0: always shown).
const COLUMNS: [(&str, Constraint, u8); 11] = [
    ("", Constraint::Length(1), 0),
    ("file", Constraint::Min(14), 0),
    ("tags", Constraint::Min(8), 1),
    ("status", Constraint::Length(10), 0),
    ("strategy", Constraint::Length(10), 3),
    ("reward", Constraint::Length(8), 5),
    ("data set", Constraint::Length(14), 2),
    ("groups", Constraint::Min(12), 4),
    ("models", Constraint::Length(7), 0),
    ("best", Constraint::Length(7), 0),
    ("saved", Constraint::Length(17), 6),
];

/// The columns (indices of [`COLUMNS`]) that fit `width` at their least, a column
/// apart: those of rank 0, then by rank while they fit.
fn columns_for(width: u16) -> Vec<usize> {
    let least = |c: &Constraint| match *c {
        Constraint::Length(n) | Constraint::Min(n) => n + 1,
        _ => 1,
    };
    let mut keep: Vec<usize> = (0..COLUMNS.len()).filter(|&i| COLUMNS[i].2 == 0).collect();
    let mut used: u16 = keep.iter().map(|&i| least(&COLUMNS[i].1)).sum();
    for rank in 1..=6 {
        for i in (0..COLUMNS.len()).filter(|&i| COLUMNS[i].2 == rank) {
            if used + least(&COLUMNS[i].1) <= width + 1 {
                used += least(&COLUMNS[i].1);
                keep.push(i);
            }
        }
    }
    keep.sort_unstable();
    keep
}

/// A row's cells, one per column of [`COLUMNS`]; the tags, data set and groups end in
/// an ellipsis where their column (`widths`, by the same index) is narrower, and the
/// name has one in its middle.
fn session_cells(
    name: String,
    s: &Result<Summary, String>,
    running: bool,
    widths: &[u16],
) -> Vec<String> {
    let fit = |k: usize, text: String| ellipsize(&text, widths[k] as usize);
    // Names that begin alike (two saved in one second) differ at their end.
    let fit_name = |text: String| ellipsize_middle(&text, widths[1] as usize);
    match s {
        Ok(s) => vec![
            String::new(),
            fit_name(name),
            fit(2, one_line(&s.tags.join(" "))),
            if running {
                "running".into()
            } else if s.checkpoint {
                "copy".into()
            } else {
                session_status(s.finished.as_ref()).into()
            },
            s.settings.search.strategy.name().to_string(),
            setting(&s.settings, "search.reward"),
            fit(6, s.dataset.clone()),
            fit(7, set_label(s.settings.data.groups)),
            s.models.to_string(),
            s.best_val.map(|v| format!("{v:.2}")).unwrap_or_default(),
            s.saved_at
                .chars()
                .take(16)
                .collect::<String>()
                .replace('T', " "),
        ],
        Err(e) => {
            let mut v = vec![
                String::new(),
                fit_name(name),
                String::new(),
                "unreadable".into(),
            ];
            v.resize(COLUMNS.len(), String::new());
            // Where the groups would be, or else in the tags' column.
            let at = if widths[7] > 0 { 7 } else { 2 };
            v[at] = fit(at, one_line(e));
            v
        }
    }
}

/// The browser's title: where the sessions are, and the filter and marks when on.
fn title(b: &Browser, shown: usize) -> String {
    let dir = (b.dir.as_ref())
        .map(|d| d.display().to_string())
        .unwrap_or_default();
    let marked = match b.marked.len() {
        0 => String::new(),
        n => format!(" · {n} marked"),
    };
    match &b.filter {
        Some(f) => format!(
            "Sessions holding \"{}\": {shown} of {} (Esc clears the filter){marked} · in {dir}",
            one_line(f),
            b.entries.len()
        ),
        None => format!(
            "Sessions in {dir}{marked} (Enter resume · v read-only · r rename · d delete · Esc)"
        ),
    }
}

pub(super) fn render_sessions(f: &mut Frame, area: Rect, b: &Browser, t: &Theme, hits: &HitMap) {
    let r = centered(
        area,
        area.width.saturating_sub(4),
        area.height.saturating_sub(4),
    );
    f.render_widget(Clear, r);
    let visible = b.visible();
    let title = ellipsize(&title(b, visible.len()), r.width.saturating_sub(4) as usize);
    let outer = block(&title, true, t);
    let inner = outer.inner(r);
    f.render_widget(outer, r);
    let [table_area, detail_area] =
        Layout::vertical([Constraint::Min(2), Constraint::Length(5)]).areas(inner);
    f.render_widget(
        Paragraph::new(session_detail(b, t)).wrap(Wrap { trim: true }),
        detail_area,
    );
    if visible.is_empty() {
        let says = match (b.loading, &b.filter) {
            (true, _) => "reading the sessions...",
            (false, Some(_)) => "no session matches the filter (Esc clears it)",
            (false, None) => "no saved sessions yet",
        };
        f.render_widget(Paragraph::new(says), table_area);
        return;
    }
    // Rows under the header line, as many as show: the list scrolls to the selection.
    let height = table_area.height.saturating_sub(1).max(1) as usize;
    let mut top = b.scroll.get().min(b.selected);
    if b.selected >= top + height {
        top = b.selected + 1 - height;
    }
    b.scroll.set(top);
    let shown_cols = columns_for(table_area.width);
    let constraints: Vec<Constraint> = shown_cols.iter().map(|&i| COLUMNS[i].1).collect();
    let solved = Layout::horizontal(constraints.clone())
        .spacing(1)
        .split(table_area);
    // By index of COLUMNS; 0 for a column not shown.
    let mut widths = [0u16; COLUMNS.len()];
    for (k, &i) in shown_cols.iter().enumerate() {
        widths[i] = solved[k].width;
    }
    let rows: Vec<Row> = (visible.iter().enumerate().skip(top).take(height))
        .map(|(row, &i)| {
            let (p, s) = &b.entries[i];
            let name = (p.file_name())
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let running = b.running.as_deref() == Some(p.as_path()) || b.in_use.contains_key(p);
            let mut cells = session_cells(name, s, running, &widths);
            if b.is_marked(p) {
                cells[0] = "●".into();
            }
            let cells: Vec<Cell> = (shown_cols.iter())
                .map(|&c| Cell::from(std::mem::take(&mut cells[c])))
                .collect();
            let line = Row::new(cells);
            if row == b.selected {
                line.style(t.selected())
            } else {
                line
            }
        })
        .collect();
    let shown = rows.len();
    let header = shown_cols.iter().map(|&i| COLUMNS[i].0);
    let table = Table::new(rows, constraints).header(Row::new(header).style(t.title()));
    f.render_widget(table, table_area);
    for k in 0..shown {
        let y = table_area.y + 1 + k as u16;
        hits.add(
            Rect::new(table_area.x, y, table_area.width, 1),
            Target::Session(top + k),
        );
    }
}

/// Under the table: the last note, then the selected run's own note, extent and
/// settings.
fn session_detail<'a>(b: &Browser, t: &Theme) -> Vec<Line<'a>> {
    // The browser's note first: a question ("press d again") must not be wrapped out
    // of sight.
    let mut detail: Vec<Line> = (b.note.iter())
        .map(|n| Line::styled(n.clone(), t.accent()))
        .collect();
    if let Some((_, Err(e))) = b.current() {
        detail.push(Line::styled(one_line(e), t.error()));
    }
    if let Some(pid) = b.current().and_then(|(p, _)| b.in_use.get(p)) {
        detail.push(Line::styled(
            format!("running in another aen (process {pid}): open it read-only (v), or resume it once that one ends"),
            t.accent(),
        ));
    }
    if let Some((_, Ok(s))) = b.current() {
        if !s.note.is_empty() {
            detail.push(Line::from(vec![
                Span::styled("note: ", t.title()),
                Span::raw(one_line(&s.note)),
            ]));
        }
        let episodes = match s.settings.search.strategy {
            crate::engine::settings::StrategyKind::Dqn => format!(", {} episodes", s.episodes),
            _ => String::new(),
        };
        detail.push(Line::styled(
            format!(
                "{} steps{episodes}, {} of search",
                s.steps,
                fmt_dur(s.seconds)
            ),
            t.dim(),
        ));
        detail.push(Line::styled(settings_brief(&s.current_settings()), t.dim()));
        if let Some(of) = &s.copy_of {
            detail.push(Line::styled(
                format!("a copy of {of}, kept as saved: resuming it continues in a new session"),
                t.dim(),
            ));
        }
    }
    detail
}

/// A setting's value as the settings table shows it.
pub(super) fn setting(s: &Settings, key: &str) -> String {
    crate::engine::settings::spec(key).map_or(String::new(), |spec| spec.get(s))
}
