//! Overlays drawn over either screen: help, settings form, sessions, prompts, errors.

use super::app::{App, Browser, EvalState, Overlay, Prompt};
use super::keys;
use super::setup_view::form_lines;
use super::theme::Theme;
use super::widgets::{block, centered};
use crate::engine::experiments::set_label;
use ratatui::prelude::*;
use ratatui::widgets::{Cell, Clear, Paragraph, Row, Table, Wrap};

pub fn render(f: &mut Frame, area: Rect, app: &App) {
    let Some(o) = &app.overlay else { return };
    let t = &app.theme;
    match o {
        Overlay::Help => render_help(f, area, app),
        Overlay::Form(lf) => {
            let form = &lf.form;
            let mut lines = form_lines(form, t, true);
            lines.push(Line::raw(""));
            lines.push(Line::styled(
                "Enter edit/confirm · a apply · Esc close",
                t.dim(),
            ));
            let r = centered(area, 90, lines.len() as u16 + 2);
            f.render_widget(Clear, r);
            let title = if form.live {
                "Live settings (applied at the next step)"
            } else {
                "Settings"
            };
            f.render_widget(Paragraph::new(lines).block(block(title, true, t)), r);
        }
        Overlay::Sessions(b) => render_sessions(f, area, b, t),
        Overlay::Prompt(kind, text) => {
            let (title, label, help) = match kind {
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
            };
            let r = centered(area, 70, 5);
            f.render_widget(Clear, r);
            let lines = vec![
                Line::from(vec![
                    Span::raw(label),
                    Span::styled(format!("{text}▏"), t.accent()),
                ]),
                Line::styled(help, t.dim()),
            ];
            f.render_widget(Paragraph::new(lines).block(block(title, true, t)), r);
        }
        Overlay::Eval => render_eval(f, area, app),
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
    let best = rows.iter().map(|r| r.test_acc).fold(f64::MIN, f64::max);
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
            if e.test_acc == best {
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

fn render_help(f: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let mode = if app.screen == super::app::Screen::Setup {
        keys::Mode::Setup
    } else {
        keys::Mode::Dashboard
    };
    let mut lines = vec![Line::styled("Keys (any key closes)", t.title())];
    for (k, h) in keys::help_rows(mode) {
        lines.push(Line::from(vec![
            Span::styled(format!("{k:>8}  "), t.key()),
            Span::raw(h),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("In forms", t.title()));
    for (k, h) in keys::help_rows(keys::Mode::Form) {
        lines.push(Line::from(vec![
            Span::styled(format!("{k:>8}  "), t.key()),
            Span::raw(h),
        ]));
    }
    lines.push(Line::from(vec![
        Span::styled(format!("{:>8}  ", "Ctrl-C"), t.key()),
        Span::raw("quit now (autosaves)"),
    ]));
    let r = centered(area, 74, lines.len() as u16 + 2);
    f.render_widget(Clear, r);
    f.render_widget(Paragraph::new(lines).block(block("Help", true, t)), r);
}

fn render_sessions(f: &mut Frame, area: Rect, b: &Browser, t: &Theme) {
    let rows: Vec<Row> = b
        .entries
        .iter()
        .enumerate()
        .map(|(i, (p, s))| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let cells = match s {
                Ok(s) => vec![
                    name,
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
                Err(e) => vec![
                    name,
                    "unreadable".into(),
                    e.clone(),
                    String::new(),
                    String::new(),
                    String::new(),
                ],
            };
            let row = Row::new(cells.into_iter().map(Cell::from));
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
    let title = format!("Sessions in {dir} (Enter resume · v read-only · Esc)");
    if rows.is_empty() {
        f.render_widget(
            Paragraph::new("no saved sessions yet").block(block(&title, true, t)),
            r,
        );
        return;
    }
    let table = Table::new(
        rows,
        [
            Constraint::Min(16),
            Constraint::Length(14),
            Constraint::Min(12),
            Constraint::Length(7),
            Constraint::Length(7),
            Constraint::Length(17),
        ],
    )
    .header(
        Row::new(vec![
            "file", "data set", "groups", "models", "best", "saved",
        ])
        .style(t.title()),
    )
    .block(block(&title, true, t));
    f.render_widget(table, r);
}
