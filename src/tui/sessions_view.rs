//! The session browser and the comparison of runs: what each saved session is, and
//! what differs between two of them.

use super::app::{Browser, HitMap, Target};
use super::theme::Theme;
use super::widgets::{block, centered, fmt_count, fmt_dur, settings_brief};
use crate::engine::experiments::set_label;
use crate::engine::search::FinishReason;
use crate::engine::settings::Settings;
use crate::engine::snapshot::{Snapshot, Summary};
use ratatui::prelude::*;
use ratatui::widgets::{Cell, Clear, Paragraph, Row, Table, Wrap};

/// "finished" (it reached its max models or episodes) or "stopped" (by the user, a
/// signal or a crash, or running now: it can be resumed).
pub fn session_status(s: &Snapshot) -> &'static str {
    match s.finished {
        Some(FinishReason::Stopped) | None => "stopped",
        Some(_) => "finished",
    }
}

fn session_cells(name: String, s: &Result<Summary, String>, running: bool) -> Vec<String> {
    match s {
        Ok(Summary { snapshot: s, .. }) => vec![
            name,
            if running {
                "running".into()
            } else if s.checkpoint {
                "copy".into()
            } else {
                session_status(s).into()
            },
            s.settings.search.strategy.name().to_string(),
            setting(&s.settings, "search.reward"),
            s.dataset.clone(),
            set_label(s.settings.data.groups),
            s.history.models.len().to_string(),
            s.best_val().map(|v| format!("{v:.2}")).unwrap_or_default(),
            s.saved_at
                .chars()
                .take(16)
                .collect::<String>()
                .replace('T', " "),
        ],
        Err(e) => {
            let mut v = vec![
                name,
                "unreadable".into(),
                String::new(),
                String::new(),
                String::new(),
                e.clone(),
            ];
            v.resize(9, String::new());
            v
        }
    }
}

pub(super) fn render_sessions(f: &mut Frame, area: Rect, b: &Browser, t: &Theme, hits: &HitMap) {
    let rows: Vec<Row> = b
        .entries
        .iter()
        .enumerate()
        .map(|(i, (p, s))| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let running = b.running.as_deref() == Some(p.as_path());
            let row = Row::new(session_cells(name, s, running).into_iter().map(Cell::from));
            if i == b.selected {
                row.style(t.selected())
            } else {
                row
            }
        })
        .collect();
    let r = centered(
        area,
        area.width.saturating_sub(4),
        area.height.saturating_sub(4),
    );
    f.render_widget(Clear, r);
    let dir = b
        .dir
        .as_ref()
        .map(|d| d.display().to_string())
        .unwrap_or_default();
    let title =
        format!("Sessions in {dir} (Enter resume · v read-only · r rename · d delete · Esc)");
    let outer = block(&title, true, t);
    let inner = outer.inner(r);
    f.render_widget(outer, r);
    let [table_area, detail_area] =
        Layout::vertical([Constraint::Min(2), Constraint::Length(4)]).areas(inner);
    f.render_widget(
        Paragraph::new(session_detail(b, t)).wrap(Wrap { trim: true }),
        detail_area,
    );
    if rows.is_empty() {
        let says = if b.loading {
            "reading the sessions..."
        } else {
            "no saved sessions yet"
        };
        f.render_widget(Paragraph::new(says), table_area);
        return;
    }
    let table = Table::new(
        rows,
        [
            Constraint::Min(16),
            Constraint::Length(10),
            Constraint::Length(10),
            Constraint::Length(8),
            Constraint::Length(14),
            Constraint::Min(12),
            Constraint::Length(7),
            Constraint::Length(7),
            Constraint::Length(17),
        ],
    )
    .header(
        Row::new(vec![
            "file", "status", "strategy", "reward", "data set", "groups", "models", "best", "saved",
        ])
        .style(t.title()),
    );
    f.render_widget(table, table_area);
    // Rows under the header line, as many as show.
    for i in 0..b.entries.len() {
        let y = table_area.y + 1 + i as u16;
        if y >= table_area.bottom() {
            break;
        }
        hits.add(
            Rect::new(table_area.x, y, table_area.width, 1),
            Target::Session(i),
        );
    }
}

/// Under the table: the selected run's settings and extent, and the last note.
fn session_detail<'a>(b: &Browser, t: &Theme) -> Vec<Line<'a>> {
    // The note first: a question ("press d again") must not be wrapped out of sight.
    let mut detail: Vec<Line> = (b.note.iter())
        .map(|n| Line::styled(n.clone(), t.accent()))
        .collect();
    if let Some((_, Ok(s))) = b.entries.get(b.selected) {
        detail.push(Line::styled(
            format!(
                "{} steps, {} episodes, {} of search",
                s.steps,
                s.episodes,
                fmt_dur(s.snapshot.seconds)
            ),
            t.dim(),
        ));
        detail.push(Line::styled(
            settings_brief(&s.snapshot.current_settings()),
            t.dim(),
        ));
        if let Some(of) = &s.snapshot.copy_of {
            detail.push(Line::styled(
                format!("a copy of {of}, kept as saved: resuming it continues in a new session"),
                t.dim(),
            ));
        }
    }
    detail
}

/// Two runs side by side: their accuracy curves (mean of 20) on one chart, then each
/// run's settings and best states.
pub(super) fn render_compare(f: &mut Frame, area: Rect, runs: &[(String, Snapshot); 2], t: &Theme) {
    use crate::engine::report::rolling_mean;
    use ratatui::symbols::Marker;
    use ratatui::widgets::{Axis, Chart, Dataset, GraphType};
    let inner = super::widgets::overlay_frame(f, area, "Two runs side by side (any key closes)", t);
    let [top, bottom] =
        Layout::vertical([Constraint::Percentage(55), Constraint::Min(5)]).areas(inner);
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
    let marks = ["⣿", "⣿"];
    let sets: Vec<Dataset> = (curves.iter().enumerate())
        .map(|(k, c)| {
            Dataset::default()
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(t.series(k))
                .data(c)
        })
        .collect();
    let mut legend = vec![Span::styled(
        " validation %, mean of 20, by models trained: ",
        t.title(),
    )];
    for (k, (name, _)) in runs.iter().enumerate() {
        legend.push(Span::styled(marks[k], t.series(k)));
        legend.push(Span::raw(format!(" {name} ")));
    }
    let chart =
        Chart::new(sets)
            .legend_position(None)
            .block(super::widgets::block_line(Line::from(legend), false, t))
            .x_axis(Axis::default().bounds(x).labels(super::charts::axis_labels(
                x,
                top.width,
                |v| super::charts::label(v, 0),
            )))
            .y_axis(Axis::default().bounds(y).labels(super::charts::axis_labels(
                y,
                u16::MAX,
                |v| super::charts::label(v, 1),
            )));
    f.render_widget(chart, top);
    let cols = Layout::horizontal([Constraint::Percentage(50); 2]).split(bottom);
    let diff = crate::engine::settings::advice::differences(
        &runs[0].1.current_settings(),
        &runs[1].1.current_settings(),
    );
    for (k, (name, s)) in runs.iter().enumerate() {
        f.render_widget(
            Paragraph::new(compare_column(k, name, s, &diff, t)).wrap(Wrap { trim: false }),
            cols[k],
        );
    }
}

/// A setting's value as the settings table shows it.
fn setting(s: &Settings, key: &str) -> String {
    crate::engine::settings::spec(key).map_or(String::new(), |spec| spec.get(s))
}

/// One run's column under the comparison chart: what it is, how it ran, its best
/// states, and its value of every setting that differs between the runs (`diff`: key
/// and each run's value).
fn compare_column<'a>(
    k: usize,
    name: &str,
    s: &Snapshot,
    diff: &[(&str, String, String)],
    t: &Theme,
) -> Vec<Line<'a>> {
    let mut lines = vec![
        Line::styled(
            format!(
                "{name}: {} · data {}",
                s.dataset,
                set_label(s.settings.data.groups)
            ),
            t.series(k),
        ),
        Line::styled(settings_brief(&s.current_settings()), t.dim()),
        Line::styled(
            format!(
                "{} models, {} of search, {}",
                s.history.models.len(),
                fmt_dur(s.seconds),
                session_status(s)
            ),
            t.dim(),
        ),
        Line::styled("  val  test  params  best states", t.title()),
    ];
    for m in s.history.best(5) {
        lines.push(Line::raw(format!(
            "{:>5.1} {:>5.1} {:>7}  {}",
            m.val_acc,
            m.test_acc,
            fmt_count(m.params as f64),
            set_label(m.state)
        )));
    }
    if !diff.is_empty() {
        lines.push(Line::styled("  settings that differ", t.title()));
    }
    for (key, a, b) in diff {
        let v = if k == 0 { a } else { b };
        lines.push(Line::raw(format!("  {key} = {v}")));
    }
    lines
}
