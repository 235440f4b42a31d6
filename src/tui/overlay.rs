//! Overlays drawn over either screen: help, settings form, sessions, prompts, errors.

use super::app::{
    App, Browser, EvalState, HitMap, ModelView, Overlay, Prompt, PromptState, Target,
};
use super::form::Form;
use super::keys;
use super::setup_view::{form_lines, form_scroll};
use super::theme::Theme;
use super::widgets::{block, centered, fmt_count, fmt_dur, settings_brief, wrap_words};
use crate::engine::experiments::set_label;
use crate::engine::search::FinishReason;
use crate::engine::snapshot::{Snapshot, Summary};
use ratatui::prelude::*;
use ratatui::widgets::{Cell, Clear, Paragraph, Row, Table, Wrap};

pub fn render(f: &mut Frame, area: Rect, app: &App) {
    let Some(o) = &app.overlay else { return };
    let t = &app.theme;
    match o {
        Overlay::Help(scroll) => render_help(f, area, app, *scroll),
        Overlay::Form(lf) => render_live_form(f, area, &lf.form, t),
        Overlay::Sessions(b) => render_sessions(f, area, b, t, &app.hits),
        Overlay::Model(m) => render_model(f, area, m, app),
        Overlay::Compare(runs) => render_compare(f, area, runs, t),
        Overlay::Prompt(p) => render_prompt(f, area, p, t),
        Overlay::Eval => render_eval(f, area, app),
        Overlay::Truth => super::truth_view::render(f, area, app),
        Overlay::ConfirmQuit => {
            let r = centered(area, 50, 4);
            f.render_widget(Clear, r);
            let text = if app.handle.is_some() {
                "Quit? The search is saved first. (y/n)"
            } else {
                "Quit? (y/n)"
            };
            f.render_widget(Paragraph::new(text).block(block("Quit", true, t)), r);
        }
        Overlay::Error(msg) => {
            let r = centered(area, 70, 8);
            f.render_widget(Clear, r);
            f.render_widget(
                Paragraph::new(vec![
                    Line::styled(msg.clone(), t.error()),
                    Line::raw(""),
                    Line::styled("any key closes", t.dim()),
                ])
                .wrap(Wrap { trim: true })
                .block(block("Error", true, t)),
                r,
            );
        }
    }
}

fn render_live_form(f: &mut Frame, area: Rect, form: &Form, t: &Theme) {
    let w = area.width.min(90);
    let mut fl = form_lines(form, t, true, w.saturating_sub(2));
    fl.lines.push(Line::raw(""));
    fl.lines.push(Line::styled(
        "Enter edit/confirm · a apply · Esc close",
        t.dim(),
    ));
    let r = centered(area, w, fl.lines.len() as u16 + 2);
    let scroll = form_scroll(&fl, r.height.saturating_sub(2) as usize);
    f.render_widget(Clear, r);
    let title = if form.live {
        "Live settings (applied at the next step)"
    } else {
        "Settings"
    };
    f.render_widget(
        Paragraph::new(fl.lines)
            .scroll((scroll, 0))
            .block(block(title, true, t)),
        r,
    );
}

fn render_prompt(f: &mut Frame, area: Rect, p: &PromptState, t: &Theme) {
    let (title, label, help) = match p.kind {
        Prompt::SaveName => (
            "Save snapshot",
            "name: ",
            "Enter save · Esc cancel (saved in the sessions folder)",
        ),
        Prompt::ExportDir => (
            "Export results",
            "folder: ",
            "Enter export models.csv, summary.json, plots · Esc cancel",
        ),
        Prompt::Extend => (
            "Extend the search",
            "max models: ",
            "Enter continue the search up to this many models · Esc cancel",
        ),
        Prompt::Rename => (
            "Rename session",
            "name: ",
            "Enter rename the file (in the sessions folder) · Esc cancel",
        ),
    };
    let r = centered(area, 70, 5);
    f.render_widget(Clear, r);
    // A marked suggestion is replaced by the first key typed, like a selected text.
    let value = if p.fresh {
        vec![
            Span::styled(p.text.clone(), t.selected()),
            Span::styled(" typing replaces", t.dim()),
        ]
    } else {
        vec![Span::styled(format!("{}▏", p.text), t.accent())]
    };
    let lines = vec![
        Line::from([vec![Span::raw(label)], value].concat()),
        Line::styled(help, t.dim()),
    ];
    f.render_widget(Paragraph::new(lines).block(block(title, true, t)), r);
}

/// The final evaluation: progress while it runs, then its table.
fn render_eval(f: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let title = "Final evaluation (single-equivariance protocol; any key closes)";
    let r = centered(area, area.width.saturating_sub(4).min(100), 22);
    f.render_widget(Clear, r);
    let rows = match &app.dash.eval {
        None => return,
        Some(EvalState::Running {
            label,
            index,
            total,
        }) => {
            let text = format!("training {} of {total}: {label}", index + 1);
            f.render_widget(Paragraph::new(text).block(block(title, true, t)), r);
            return;
        }
        Some(EvalState::Failed(e)) => {
            let p = Paragraph::new(Line::styled(e.clone(), t.error()));
            f.render_widget(p.wrap(Wrap { trim: true }).block(block(title, true, t)), r);
            return;
        }
        Some(EvalState::Done(rows)) => rows,
    };
    // The rows the verdict compares, chosen by validation (never by test accuracy).
    let verdict = crate::engine::experiments::verdict(rows);
    let body: Vec<Row> = rows
        .iter()
        .map(|e| {
            let row = Row::new(vec![
                Cell::from(e.kind.clone()),
                Cell::from(set_label(e.groups)),
                Cell::from(format!("{:.2}", e.val_acc)),
                Cell::from(format!("{:.2}", e.test_acc)),
                Cell::from(e.params.to_string()),
            ]);
            if verdict.as_ref().is_some_and(|v| v.picks(e)) {
                row.style(t.selected())
            } else {
                row
            }
        })
        .collect();
    let table = Table::new(
        body,
        [
            Constraint::Length(12),
            Constraint::Min(20),
            Constraint::Length(7),
            Constraint::Length(7),
            Constraint::Length(9),
        ],
    )
    .header(Row::new(vec!["network", "groups", "val %", "test %", "params"]).style(t.title()))
    .block(block(title, true, t));
    f.render_widget(table, r);
}

/// The key list, each help text wrapped to `width` columns under its key.
fn help_lines(app: &App, width: u16) -> Vec<Line<'static>> {
    let t = &app.theme;
    let text_w = (width as usize).saturating_sub(12);
    let row = |lines: &mut Vec<Line<'static>>, k: &str, h: &str| {
        for (i, part) in wrap_words(h, text_w).into_iter().enumerate() {
            let k = if i == 0 { k } else { "" };
            lines.push(Line::from(vec![
                Span::styled(format!("{k:>8}  "), t.key()),
                Span::raw(part),
            ]));
        }
    };
    let mut lines = vec![];
    if app.help_from_truth {
        lines.push(Line::styled("In the ground-truth view", t.title()));
        for (k, h) in keys::help_rows(app.truth_mode()) {
            row(&mut lines, k, h);
        }
        lines.push(Line::raw(""));
    }
    lines.push(Line::styled("Keys", t.title()));
    for (k, h) in keys::help_rows(app.screen_mode()) {
        row(&mut lines, k, h);
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("In forms", t.title()));
    for (k, h) in keys::help_rows(keys::Mode::Form) {
        row(&mut lines, k, h);
    }
    row(&mut lines, "Ctrl-C", "quit now (autosaves)");
    lines
}

fn render_help(f: &mut Frame, area: Rect, app: &App, scroll: u16) {
    let t = &app.theme;
    let w = area.width.min(80);
    let lines = help_lines(app, w);
    let r = centered(area, w, lines.len() as u16 + 2);
    let inner_h = r.height.saturating_sub(2);
    let max = (lines.len() as u16).saturating_sub(inner_h);
    app.help_max_scroll.set(max);
    let scroll = scroll.min(max);
    let title = if max == 0 {
        "Help (any key closes)".to_string()
    } else {
        format!(
            "Help {}/{} (↑/↓ scroll, other keys close)",
            scroll + inner_h,
            lines.len()
        )
    };
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(lines)
            .scroll((scroll, 0))
            .block(block(&title, true, t)),
        r,
    );
}

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
            } else {
                session_status(s).into()
            },
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
            let mut v = vec![name, "unreadable".into(), String::new(), e.clone()];
            v.resize(7, String::new());
            v
        }
    }
}

fn render_sessions(f: &mut Frame, area: Rect, b: &Browser, t: &Theme, hits: &HitMap) {
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
            Constraint::Length(14),
            Constraint::Min(12),
            Constraint::Length(7),
            Constraint::Length(7),
            Constraint::Length(17),
        ],
    )
    .header(
        Row::new(vec![
            "file", "status", "data set", "groups", "models", "best", "saved",
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
    }
    detail
}

/// One model: where and how it was trained, its validation curve, its orbits, and the
/// G-data it learned from.
fn render_model(f: &mut Frame, area: Rect, m: &ModelView, app: &App) {
    let t = &app.theme;
    let r = &m.record;
    let curve = if r.val_curve.is_empty() {
        "not recorded (looked up, or an older snapshot)".to_string()
    } else {
        let v: Vec<String> = r.val_curve.iter().map(|a| format!("{a:.1}")).collect();
        v.join(" → ")
    };
    let orbits = match m.orbits {
        Ok([w1, h1, w2, h2]) => format!(
            "layer 1: {} weight orbits, {} hidden units; layer 2: {} weight orbits, {} hidden units",
            fmt_count(w1 as f64),
            h1,
            fmt_count(w2 as f64),
            h2
        ),
        Err(ref e) => format!("cannot compute: {e}"),
    };
    let lines = vec![
        Line::from(vec![
            Span::styled("validation ", t.dim()),
            Span::raw(format!("{:.2}%", r.val_acc)),
            Span::styled("  test ", t.dim()),
            Span::raw(format!("{:.2}%", r.test_acc)),
            Span::styled("  parameters ", t.dim()),
            Span::raw(r.params.to_string()),
        ]),
        Line::styled(
            format!(
                "number {} in the order trained, first reached at step {} under epsilon {:.2}; trained in {:.2} s",
                r.index, r.first_step, r.epsilon, r.seconds
            ),
            t.dim(),
        ),
        Line::from(vec![
            Span::styled("validation by epoch: ", t.dim()),
            Span::raw(curve),
        ]),
        Line::styled(orbits, t.dim()),
        Line::styled(
            format!(
                "G-data ({}), original → transformed:",
                set_label(m.data_groups)
            ),
            t.title(),
        ),
    ];
    let w = area.width.saturating_sub(4).min(110);
    let h = area.height.saturating_sub(2).min(28);
    let rect = centered(area, w, h);
    f.render_widget(Clear, rect);
    let title = format!(
        "Model {}: {} [{}] (any key closes)",
        r.index,
        set_label(r.state),
        r.state.bit_string()
    );
    let outer = block(&title, true, t);
    let inner = outer.inner(rect);
    f.render_widget(outer, rect);
    let [text, pics] = Layout::vertical([Constraint::Length(6), Constraint::Min(0)]).areas(inner);
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), text);
    let preview = (app.setup.preview.as_ref()).filter(|p| p.id == m.preview_id);
    super::setup_view::render_samples(f, pics, preview, t);
}

/// Two runs side by side: their accuracy curves (mean of 20) on one chart, then each
/// run's settings and best states.
fn render_compare(f: &mut Frame, area: Rect, runs: &[(String, Snapshot); 2], t: &Theme) {
    use crate::engine::report::rolling_mean;
    use ratatui::symbols::Marker;
    use ratatui::widgets::{Axis, Chart, Dataset, GraphType};
    let rect = centered(
        area,
        area.width.saturating_sub(4),
        area.height.saturating_sub(2),
    );
    f.render_widget(Clear, rect);
    let outer = block("Two runs side by side (any key closes)", true, t);
    let inner = outer.inner(rect);
    f.render_widget(outer, rect);
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
    for (k, (name, s)) in runs.iter().enumerate() {
        f.render_widget(
            Paragraph::new(compare_column(k, name, s, t)).wrap(Wrap { trim: false }),
            cols[k],
        );
    }
}

/// One run's column under the comparison chart: what it is, how it ran, its best states.
fn compare_column<'a>(k: usize, name: &str, s: &Snapshot, t: &Theme) -> Vec<Line<'a>> {
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
    lines
}
