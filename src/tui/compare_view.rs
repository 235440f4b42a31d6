//! Saved runs compared, 2 to 6: their accuracy curves on one chart, one row of
//! figures per run, and every setting whose values are not the same in all of them.
//! Text that does not fit is wrapped at its separators or ends in an ellipsis, never
//! cut silently.

use super::sessions_view::session_status;
use super::theme::Theme;
use super::widgets::{ellipsize, fmt_dur, overlay_frame};
use crate::engine::experiments::set_label;
use crate::engine::settings::advice::differences;
use crate::engine::snapshot::Snapshot;
use ratatui::prelude::*;
use ratatui::symbols::Marker;
use ratatui::widgets::{Cell, Paragraph, Row, Table};

/// A run's curve mark: [`super::charts::series_marker`].
fn marker(k: usize, t: &Theme) -> (Marker, &'static str) {
    super::charts::series_marker(k, t)
}

/// A run's label: its mark and number, as the chart's legend and the tables show it.
fn label(k: usize, t: &Theme) -> String {
    format!("{}{}", marker(k, t).1, k + 1)
}

/// `running`: the file names of the runs a search is writing now (here or in another
/// aen), whose saved state is not their last.
pub(super) fn render(
    f: &mut Frame,
    area: Rect,
    runs: &[(String, Snapshot)],
    running: &[String],
    t: &Theme,
) {
    let title = format!("{} runs compared (any key closes)", runs.len());
    let inner = overlay_frame(f, area, &title, t);
    let table_h = runs.len() as u16 + 1;
    // The chart takes under half, at least 8 rows, and leaves the runs their rows.
    let chart_h = (inner.height * 45 / 100)
        .max(8)
        .min(inner.height.saturating_sub(table_h + 2));
    let [top, table, rest] = Layout::vertical([
        Constraint::Length(chart_h),
        Constraint::Length(table_h),
        Constraint::Min(0),
    ])
    .areas(inner);
    chart(f, top, runs, t);
    runs_table(f, table, runs, running, t);
    settings_table(f, rest, runs, t);
}

/// Each run's validation accuracy, mean of 20, against models trained.
fn chart(f: &mut Frame, area: Rect, runs: &[(String, Snapshot)], t: &Theme) {
    use crate::engine::report::rolling_mean;
    use ratatui::widgets::{Axis, Chart, Dataset, GraphType};
    let curves: Vec<Vec<(f64, f64)>> = (runs.iter())
        .map(|(_, s)| {
            (rolling_mean(&s.history.models, 20).into_iter())
                .map(|(i, v)| (i as f64, v))
                .collect()
        })
        .collect();
    let n = (runs.iter())
        .map(|(_, s)| s.history.models.len())
        .max()
        .unwrap_or(1);
    let x = [1.0, (n as f64).max(2.0)];
    let y = super::charts::bounds(curves.iter().flatten().map(|p| p.1));
    let sets: Vec<Dataset> = (curves.iter().enumerate())
        .map(|(k, c)| {
            Dataset::default()
                .marker(marker(k, t).0)
                .graph_type(GraphType::Line)
                .style(t.series(k))
                .data(c)
        })
        .collect();
    let head = " validation %, mean of 20, by models trained:";
    // Names in the legend where each has room for a few letters; the numbers always.
    let room = (area.width as usize).saturating_sub(head.chars().count() + 4) / runs.len();
    let mut legend = vec![Span::styled(head, t.title())];
    for (k, (name, _)) in runs.iter().enumerate() {
        let tag = label(k, t);
        let name_room = room.saturating_sub(tag.chars().count() + 2);
        legend.push(Span::styled(format!(" {tag}"), t.series(k)));
        if name_room >= 4 {
            legend.push(Span::raw(format!(
                " {}",
                super::widgets::ellipsize_middle(name, name_room)
            )));
        }
    }
    legend.push(Span::raw(" "));
    let chart =
        Chart::new(sets)
            .legend_position(None)
            .block(super::widgets::block_line(Line::from(legend), false, t))
            .x_axis(Axis::default().bounds(x).labels(super::charts::axis_labels(
                x,
                area.width,
                |v| super::charts::label(v, 0),
            )))
            .y_axis(Axis::default().bounds(y).labels(super::charts::axis_labels(
                y,
                u16::MAX,
                |v| super::charts::label(v, 1),
            )));
    f.render_widget(chart, area);
}

/// Widths `columns` take in `area`, one column apart, as a table lays them out.
fn widths(area: Rect, columns: &[Constraint]) -> Vec<usize> {
    (Layout::horizontal(columns.to_vec()).spacing(1))
        .split(area)
        .iter()
        .map(|c| c.width as usize)
        .collect()
}

/// One row per run: what it is, how far it went and its best state.
fn runs_table(
    f: &mut Frame,
    area: Rect,
    runs: &[(String, Snapshot)],
    running: &[String],
    t: &Theme,
) {
    let columns = [
        Constraint::Length(3),
        Constraint::Min(10),
        Constraint::Min(10),
        Constraint::Length(6),
        Constraint::Length(6),
        Constraint::Min(8),
        Constraint::Length(7),
        Constraint::Length(8),
    ];
    let w = widths(area, &columns);
    let header = [
        "",
        "run",
        "data",
        "models",
        "best",
        "best state",
        "time",
        "status",
    ];
    let rows = runs.iter().enumerate().map(|(k, (name, s))| {
        let best = s.history.best(1);
        let best = best.first();
        let cells = [
            label(k, t),
            super::widgets::ellipsize_middle(name, w[1]),
            ellipsize(
                &format!("{} · {}", s.dataset, set_label(s.settings.data.groups)),
                w[2],
            ),
            s.history.models.len().to_string(),
            best.map(|m| format!("{:.2}", m.val_acc))
                .unwrap_or_default(),
            best.map(|m| ellipsize(&set_label(m.state), w[5]))
                .unwrap_or_default(),
            fmt_dur(s.seconds),
            match running.contains(name) {
                true => "running".to_string(),
                false => session_status(s.finished.as_ref()).to_string(),
            },
        ];
        let mut cells: Vec<Cell> = cells.into_iter().map(Cell::from).collect();
        cells[0] = std::mem::take(&mut cells[0]).style(t.series(k));
        Row::new(cells)
    });
    let table = Table::new(rows, columns).header(Row::new(header).style(t.title()));
    f.render_widget(table, area);
}

/// Every setting not the same in all runs, with each run's value; as many as fit,
/// then how many more there are.
fn settings_table(f: &mut Frame, area: Rect, runs: &[(String, Snapshot)], t: &Theme) {
    let settings: Vec<_> = runs.iter().map(|(_, s)| s.current_settings()).collect();
    let diff = differences(&settings.iter().collect::<Vec<_>>());
    if diff.is_empty() {
        let says = "every setting is the same in these runs";
        f.render_widget(Paragraph::new(Line::styled(says, t.dim())), area);
        return;
    }
    let head = "settings that differ";
    let longest = (diff.iter().map(|(k, _)| k.chars().count()))
        .chain([head.chars().count()])
        .max()
        .unwrap_or(0);
    let key_w = longest.min(area.width as usize / 3) as u16;
    let mut columns = vec![Constraint::Length(key_w)];
    columns.extend(runs.iter().map(|_| Constraint::Fill(1)));
    let w = widths(area, &columns);
    let mut header = vec![Cell::from(ellipsize(head, w[0])).style(t.title())];
    for (k, (name, _)) in runs.iter().enumerate() {
        let text = format!("{} {name}", label(k, t));
        // Session names often begin alike (a date): cut them in the middle.
        header
            .push(Cell::from(super::widgets::ellipsize_middle(&text, w[k + 1])).style(t.series(k)));
    }
    // The header's line and a line to say what did not fit.
    let mut room = area.height.saturating_sub(2) as usize;
    let mut rows = Vec::new();
    for (i, (key, values)) in diff.iter().enumerate() {
        let mut cells = vec![wrap_at(key, w[0], &['.', '_'])];
        cells.extend((values.iter().enumerate()).map(|(k, v)| wrap_at(v, w[k + 1], &[',', ' '])));
        let h = cells.iter().map(Vec::len).max().unwrap_or(1);
        let last = i + 1 == diff.len();
        if h > room + usize::from(last) {
            let more = diff.len() - i;
            rows.push(Row::new(vec![Cell::from(Line::styled(
                super::widgets::first_fitting(
                    &[
                        format!("… and {more} more (a taller terminal shows them)"),
                        format!("… and {more} more"),
                    ],
                    w[0],
                ),
                t.dim(),
            ))]));
            break;
        }
        room = room.saturating_sub(h);
        rows.push(
            Row::new(
                cells
                    .into_iter()
                    .map(|c| Cell::from(Text::from(c.join("\n")))),
            )
            .height(h as u16),
        );
    }
    let table = Table::new(rows, columns).header(Row::new(header));
    f.render_widget(table, area);
}

/// `text` in lines of at most `width` characters, broken after any of `seps` (the
/// separator stays at the end of its line); a piece longer than a line ends in an
/// ellipsis.
fn wrap_at(text: &str, width: usize, seps: &[char]) -> Vec<String> {
    let width = width.max(1);
    let mut pieces = Vec::new();
    let mut piece = String::new();
    for c in text.chars() {
        piece.push(c);
        if seps.contains(&c) {
            pieces.push(std::mem::take(&mut piece));
        }
    }
    if !piece.is_empty() || pieces.is_empty() {
        pieces.push(piece);
    }
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for p in pieces {
        if !line.is_empty() && line.chars().count() + p.chars().count() > width {
            lines.push(std::mem::take(&mut line).trim_end().to_string());
        }
        let p = if line.is_empty() {
            p.trim_start().to_string()
        } else {
            p
        };
        line.push_str(&p);
        if line.chars().count() > width {
            lines.push(ellipsize(&line, width));
            line.clear();
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line.trim_end().to_string());
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::wrap_at;

    #[test]
    fn text_wraps_after_its_separators_and_a_piece_too_long_ends_in_an_ellipsis() {
        assert_eq!(
            wrap_at("search.epsilon_schedule", 12, &['.', '_']),
            ["search.", "epsilon_", "schedule"]
        );
        assert_eq!(
            wrap_at("0x1.0,500x0.9", 8, &[',', ' ']),
            ["0x1.0,", "500x0.9"]
        );
        assert_eq!(wrap_at("paper", 10, &[',']), ["paper"]);
        assert_eq!(wrap_at("abcdefghij", 4, &[',']), ["abc…"]);
        assert_eq!(wrap_at("", 4, &[',']), [""]);
    }
}
