//! Overlays drawn over either screen: help, settings form, sessions, prompts, errors.

use super::app::{App, EvalState, LiveForm, ModelView, Overlay, Prompt, PromptState};
use super::form_view::{form_lines, form_scroll};
use super::keys;
use super::theme::Theme;
use super::widgets::{block, centered, fmt_count, wrap_words};
use crate::engine::experiments::set_label;
use ratatui::prelude::*;
use ratatui::widgets::{Cell, Clear, Paragraph, Row, Table, Wrap};

pub fn render(f: &mut Frame, area: Rect, app: &App) {
    let Some(o) = &app.overlay else { return };
    let t = &app.theme;
    match o {
        Overlay::Help(scroll) => render_help(f, area, app, *scroll),
        Overlay::Form(lf) => render_live_form(f, area, lf, t),
        Overlay::Sessions(b) => super::sessions_view::render_sessions(f, area, b, t, &app.hits),
        Overlay::Model(m) => render_model(f, area, m, app),
        Overlay::Compare(runs) => {
            // The browser it was opened from knows which sessions a search writes now.
            let running: Vec<String> = (app.behind.iter())
                .flat_map(|b| b.running.iter().chain(b.in_use.keys()))
                .map(|p| super::sessions::file_name(p))
                .collect();
            super::compare_view::render(f, area, runs, &running, t)
        }
        Overlay::Prompt(p) => render_prompt(f, area, p, t),
        Overlay::Eval => render_eval(f, area, app),
        Overlay::Truth => super::truth_view::render(f, area, app),
        Overlay::Analysis => super::analysis_view::render(f, area, &app.dash, t),
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

fn render_live_form(f: &mut Frame, area: Rect, lf: &LiveForm, t: &Theme) {
    let form = &lf.form;
    let w = area.width.min(90);
    let mut fl = form_lines(form, t, true, w.saturating_sub(2), lf.draft.search.strategy);
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
        Prompt::LogFilter => (
            "Filter the log",
            "text: ",
            "Enter show only lines holding it (empty: every line) · Esc cancel",
        ),
        Prompt::ModelFilter => (
            "Filter the models",
            "groups: ",
            "Enter list only models with all these groups, e.g. rot90 hflip (empty: all) · Esc cancel",
        ),
        Prompt::SaveName => (
            "Save snapshot",
            "name: ",
            "Enter save · Esc cancel (saved in the sessions folder)",
        ),
        Prompt::ExportDir => (
            "Export results",
            "folder: ",
            "Enter export models.csv, summary.json, plots, the best network · Esc cancel",
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
        Prompt::Note => (
            "Session note",
            "note: ",
            "Enter save it in the session's file (empty: no note) · Esc cancel",
        ),
        Prompt::Tags => (
            "Session tags",
            "tags: ",
            "Enter save them in the session's file (commas or spaces between; empty: none) · Esc cancel",
        ),
        Prompt::SessionFilter => (
            "Filter the sessions",
            "text: ",
            "Enter show only sessions whose data set, strategy or tags hold it (empty: all) · Esc cancel",
        ),
    };
    // As wide as its text (a folder path can be long), and wrapped when the screen is
    // narrower, so that nothing is cut.
    let value_w = p.text.chars().count() + if p.fresh { 16 } else { 1 };
    let want = (label.len() + value_w).max(help.chars().count()).max(66) + 4;
    let w = (want as u16).min(area.width);
    let inner = w.saturating_sub(2).max(1) as usize;
    let rows = (label.len() + value_w).div_ceil(inner) + help.chars().count().div_ceil(inner);
    let r = centered(area, w, rows as u16 + 2);
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
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block(title, true, t)),
        r,
    );
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
    lines.push(Line::styled("In the session browser (o)", t.title()));
    for (k, h) in keys::help_rows(keys::Mode::Sessions) {
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
            "layer 1: {} weight orbits, {}; layer 2: {} weight orbits, {}",
            fmt_count(w1 as f64),
            super::widgets::plural(h1, "hidden unit"),
            fmt_count(w2 as f64),
            super::widgets::plural(h2, "hidden unit"),
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
            match app.dash.run.settings.search.strategy {
                crate::engine::settings::StrategyKind::Dqn => format!(
                    "number {} in the order trained, first reached at step {} under epsilon {:.2}; trained in {:.2} s",
                    r.index, r.first_step, r.epsilon, r.seconds
                ),
                _ => format!(
                    "number {} in the order trained, first reached at step {}; trained in {:.2} s",
                    r.index, r.first_step, r.seconds
                ),
            },
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
    let (label, bits) = (set_label(r.state), r.state.bit_string());
    let forms = [
        format!("Model {}: {label} [{bits}] (any key closes)", r.index),
        format!("Model {}: {label} [{bits}]", r.index),
        format!("Model {}: {label}", r.index),
    ];
    let title = super::widgets::first_fitting(&forms, w.saturating_sub(4) as usize);
    let outer = block(&title, true, t);
    let inner = outer.inner(rect);
    f.render_widget(outer, rect);
    let [text, pics] = Layout::vertical([Constraint::Length(6), Constraint::Min(0)]).areas(inner);
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), text);
    let preview = (app.setup.preview.as_ref()).filter(|p| p.id == m.preview_id);
    super::setup_view::render_samples(f, pics, preview, t);
}
