//! The set-up screen: data set, group toggles, settings form and the live preview.

use super::app::{App, SetupFocus, Target};
use super::form_view::{FORM_W, form_lines, form_scroll};
use super::preview::PreviewResult;
use super::theme::Theme;
use super::widgets::{block, ellipsize, first_fitting, image_lines};
use aen_core::data::DatasetKind;
use aen_core::groups::{Group, NUM_GROUPS};
use ratatui::prelude::*;
use ratatui::widgets::{Paragraph, Wrap};

pub fn render(f: &mut Frame, area: Rect, app: &App) {
    let base = if area.width >= 120 { 44 } else { 36 }.min(area.width / 2);
    // A focused form takes the room its values and messages need from the preview.
    let left_w = if app.setup.focus == SetupFocus::Settings {
        (area.width * 3 / 5).clamp(base, FORM_W)
    } else {
        base
    };
    let [left, right] =
        Layout::horizontal([Constraint::Length(left_w), Constraint::Min(10)]).areas(area);
    let s = &app.setup;
    // One more line for your own files: their shape.
    let files = s.sources.iter().any(|(k, _)| *k == DatasetKind::Files);
    let data_h = (s.sources.len() + 3 + usize::from(files)) as u16;
    let groups_h = (NUM_GROUPS + 4) as u16;
    let both = left.height >= data_h + groups_h + 12;
    // Warnings take the room they need (up to 12 lines) from the form, which scrolls.
    let warnings: Vec<String> = (setup_warnings(&app.settings).into_iter())
        .map(|w| format!("warning: {w}"))
        .collect();
    let inner_w = left.width.saturating_sub(2).max(1) as usize;
    let warn_h = match warnings.len() {
        0 => 0,
        _ => {
            let lines: usize = (warnings.iter())
                .map(|w| w.chars().count().div_ceil(inner_w))
                .sum();
            (lines.min(12) + 2) as u16
        }
    };
    if both {
        let [d, g, w, st] = Layout::vertical([
            Constraint::Length(data_h),
            Constraint::Length(groups_h),
            Constraint::Length(warn_h),
            Constraint::Min(4),
        ])
        .areas(left);
        render_data(f, d, app);
        render_groups(f, g, app);
        render_warnings(f, w, warnings, app);
        render_form(f, st, app);
    } else {
        // Short screens: the warnings keep up to half of what the data pane leaves.
        let room = left.height.saturating_sub(data_h);
        let [d, w, rest] = Layout::vertical([
            Constraint::Length(data_h),
            Constraint::Length(warn_h.min(room / 2)),
            Constraint::Min(4),
        ])
        .areas(left);
        render_data(f, d, app);
        render_warnings(f, w, warnings, app);
        if s.focus == SetupFocus::Settings {
            render_form(f, rest, app);
        } else {
            render_groups(f, rest, app);
        }
    }
    render_preview(f, right, app);
}

/// The settings' warnings, above the form: the search starts anyway.
fn render_warnings(f: &mut Frame, area: Rect, warnings: Vec<String>, app: &App) {
    if warnings.is_empty() || area.height == 0 {
        return;
    }
    let t = &app.theme;
    let lines: Vec<Line> = (warnings.into_iter())
        .map(|w| Line::styled(w, t.error()))
        .collect();
    f.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: true }).block(block(
            "The search will start, but",
            false,
            t,
        )),
        area,
    );
}

fn render_data(f: &mut Frame, area: Rect, app: &App) {
    app.hits.add(area, Target::Setup(SetupFocus::Data));
    let s = &app.setup;
    let t = &app.theme;
    let mut lines: Vec<Line> = s
        .sources
        .iter()
        .enumerate()
        .map(|(i, (kind, list))| {
            let src = &list[s.source[i].min(list.len() - 1)];
            let mark = if i == s.dataset { "●" } else { "○" };
            let text = format!("{mark} {:<14} ‹{}›", kind.title(), src.kind.name());
            let style = if i == s.dataset && s.focus == SetupFocus::Data {
                t.selected()
            } else {
                Style::default()
            };
            Line::styled(text, style)
        })
        .collect();
    // The sizes of the data set on screen, once the preview has loaded it.
    let kind = s.sources.get(s.dataset).map(|(k, _)| *k);
    let counts = (s.preview.as_ref())
        .filter(|p| Some(p.kind) == kind)
        .and_then(|p| p.counts);
    lines.push(Line::styled(
        match counts {
            Some((train, Some(test))) => format!(
                "  train {} · test {} images",
                crate::render::thousands(train),
                crate::render::thousands(test)
            ),
            Some((pool, None)) => {
                let pool = crate::render::thousands(pool);
                let long = format!("  {pool} images, one pool (aen splits it)");
                match long.chars().count() <= area.width.saturating_sub(2) as usize {
                    true => long,
                    false => format!("  pool of {pool} images"),
                }
            }
            None => "  (sizes once loaded)".into(),
        },
        t.dim(),
    ));
    // Your own files: the shape the networks will take, once loaded.
    if let Some(p) =
        (s.preview.as_ref()).filter(|p| Some(p.kind) == kind && p.kind == DatasetKind::Files)
        && let Ok(Some(sample)) = p.samples.as_ref().map(|v| v.first())
    {
        let img = &sample.original;
        let colour = if img.len() == 3 * p.side * p.side {
            "colour"
        } else {
            "grey"
        };
        lines.push(Line::styled(
            format!("  {0}x{0} {colour} · {1} classes", p.side, p.classes.len()),
            t.dim(),
        ));
    }
    f.render_widget(
        Paragraph::new(lines).block(block(
            "Data set (←/→ source)",
            s.focus == SetupFocus::Data,
            t,
        )),
        area,
    );
}

fn render_groups(f: &mut Frame, area: Rect, app: &App) {
    app.hits.add(area, Target::Setup(SetupFocus::Groups));
    // One line per group inside the border: a click there toggles that group.
    for i in 0..NUM_GROUPS as u16 {
        if i + 2 < area.height {
            let line = Rect::new(area.x + 1, area.y + 1 + i, area.width.saturating_sub(2), 1);
            app.hits.add(line, Target::Group(i as usize));
        }
    }
    let s = &app.setup;
    let t = &app.theme;
    let g = app.settings.data.groups;
    // What the description may take of the line: cut with an ellipsis, never mid-word
    // unmarked, on a narrow screen.
    let room = (area.width as usize).saturating_sub(2 + 12);
    let mut lines: Vec<Line> = Group::ALL
        .iter()
        .enumerate()
        .map(|(i, grp)| {
            let on = g.contains(*grp);
            let cursor = i == s.group_cursor && s.focus == SetupFocus::Groups;
            let check = if on { "[x]" } else { "[ ]" };
            let mut spans = vec![
                Span::styled(
                    format!("{check} {:<7}", grp.name()),
                    if on { t.good() } else { Style::default() },
                ),
                Span::styled(format!(" {}", ellipsize(grp.describe(), room)), t.dim()),
            ];
            if cursor {
                spans = spans
                    .into_iter()
                    .map(|sp| sp.patch_style(t.selected()))
                    .collect();
            }
            Line::from(spans)
        })
        .collect();
    let preset = g
        .preset_index()
        .map(|k| format!("preset {k}"))
        .unwrap_or_else(|| "custom".into());
    lines.push(Line::from(vec![
        Span::raw("vector "),
        Span::styled(g.bit_string(), t.accent()),
        Span::raw(format!("  {preset}")),
    ]));
    lines.push(Line::styled(networks_text(&app.settings), t.dim()));
    f.render_widget(
        Paragraph::new(lines).block(block(
            "G-data groups (Space, p)",
            s.focus == SetupFocus::Groups,
            t,
        )),
        area,
    );
}

/// The settings' warnings, once the number of networks is known (never waited for
/// on the UI thread).
pub fn setup_warnings(s: &crate::engine::settings::Settings) -> Vec<String> {
    use crate::engine::settings::Equivalence;
    let networks = match s.search.equivalence {
        Equivalence::None => Some(4096),
        Equivalence::Closure => aen_core::classes::Classes::peek(s.shift()).map(|c| c.len()),
    };
    networks.map_or_else(Vec::new, |n| s.warnings_for(s.search.max_models.min(n)))
}

/// What the search space holds under the settings on screen: "4,096 sets, 216
/// networks".
fn networks_text(s: &crate::engine::settings::Settings) -> String {
    use crate::engine::settings::Equivalence;
    match s.search.equivalence {
        Equivalence::None => "4,096 sets, each its own network".into(),
        Equivalence::Closure => match aen_core::classes::Classes::peek(s.shift()) {
            Some(c) => format!("4,096 sets, {} networks", c.len()),
            None => "4,096 sets (counting networks…)".into(),
        },
    }
}

fn render_form(f: &mut Frame, area: Rect, app: &App) {
    app.hits.add(area, Target::Setup(SetupFocus::Settings));
    let s = &app.setup;
    let focused = s.focus == SetupFocus::Settings;
    let fl = form_lines(
        &s.form,
        &app.theme,
        focused,
        area.width.saturating_sub(2),
        app.settings.search.strategy,
    );
    let scroll = form_scroll(&fl, area.height.saturating_sub(2) as usize);
    let mut b = block("Search settings (Enter edits)", focused, &app.theme);
    // When the pane is too short to show the lines under a bad value: repeat it below.
    if let Some(e) = s
        .form
        .fields
        .get(s.form.selected)
        .and_then(|f| f.error.as_ref())
    {
        b = b.title_bottom(Line::styled(format!(" ✗ {e} "), app.theme.error()));
    }
    f.render_widget(Paragraph::new(fl.lines).scroll((scroll, 0)).block(b), area);
}

fn render_preview(f: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let (kind, source) = app.selected_source();
    let (name, groups) = (kind.title(), app.settings.data.groups);
    // The groups are on the left already: a narrow title drops them first.
    let forms = [
        format!(
            "Preview: {name} ({}), groups {groups} (r: new samples)",
            source.kind.name()
        ),
        format!("Preview: {name}, groups {groups} (r: new samples)"),
        format!("Preview: {name} (r: new samples)"),
        format!("Preview: {name}"),
    ];
    let title = first_fitting(&forms, (area.width as usize).saturating_sub(4));
    let b = block(&title, false, t);
    let inner = b.inner(area);
    f.render_widget(b, area);
    render_samples(f, inner, app.setup.preview.as_ref(), t);
}

/// Preview pairs (original → transformed) in a grid filling `inner`, halved when a
/// full-size pair does not fit.
pub fn render_samples(f: &mut Frame, inner: Rect, p: Option<&PreviewResult>, t: &Theme) {
    let Some(p) = p else {
        f.render_widget(Paragraph::new("loading preview…"), inner);
        return;
    };
    let samples = match &p.samples {
        Ok(s) => s,
        Err(e) => {
            f.render_widget(
                Paragraph::new(format!("cannot preview: {e}"))
                    .style(t.error())
                    .wrap(Wrap { trim: true }),
                inner,
            );
            return;
        }
    };
    // Halve the images (2x2 means) when a full-size pair does not fit.
    let shrink = inner.width < 2 * p.side as u16 + 3 || inner.height < p.side as u16 / 2 + 1;
    let scaled: Vec<aen_core::gdata::Sample>;
    let (samples, img_side) = if shrink {
        scaled = (samples.iter())
            .map(|s| aen_core::gdata::Sample {
                original: halve(&s.original, p.side),
                transformed: halve(&s.transformed, p.side),
                ..s.clone()
            })
            .collect();
        (&scaled, p.side / 2)
    } else {
        (samples, p.side)
    };
    let side = img_side as u16;
    let pair_w = (2 * side + 3).max(26);
    let pair_h = side / 2 + 1;
    let cols = (inner.width / pair_w).max(1);
    let rows = (inner.height / pair_h).max(1);
    // The room the pairs leave is shared between them, so the grid fills the pane.
    let pitch = (inner.width / cols).max(pair_w);
    for (k, sample) in samples.iter().enumerate().take((cols * rows) as usize) {
        let (orig, trans, label) = (&sample.original, &sample.transformed, sample.label);
        let (cx, cy) = (k as u16 % cols, k as u16 / cols);
        let x = inner.x + cx * pitch;
        let y = inner.y + cy * pair_h;
        if y + 1 >= inner.y + inner.height {
            break;
        }
        let h = pair_h.min(inner.y + inner.height - y);
        let name =
            (p.classes.get(label as usize).cloned()).unwrap_or_else(|| p.kind.class_name(label));
        let caption = caption(&name, &sample.transform, pitch.saturating_sub(1));
        let mut lines = vec![Line::styled(caption, t.dim())];
        let (a, b) = (
            image_lines(orig, img_side, t),
            image_lines(trans, img_side, t),
        );
        for (la, lb) in a.into_iter().zip(b) {
            let mut spans = la.spans;
            spans.push(Span::raw(" "));
            spans.extend(lb.spans);
            lines.push(Line::from(spans));
        }
        let w = pitch.min(inner.x + inner.width - x);
        f.render_widget(
            Paragraph::new(lines),
            Rect {
                x,
                y,
                width: w,
                height: h,
            },
        );
    }
}

/// A sample's caption in `width` columns: the class and the transformation drawn for
/// it matter more than the reminder of which image is which.
fn caption(name: &str, transform: &str, width: u16) -> String {
    let forms = [
        format!("{name}: original → {transform}"),
        format!("{name}: {transform}"),
        name.to_string(),
    ];
    super::widgets::first_fitting(&forms, width as usize)
}

/// Averages 2x2 blocks: a side x side image becomes side/2 x side/2.
fn halve(img: &[u8], side: usize) -> Vec<u8> {
    let h = side / 2;
    let mut out = Vec::with_capacity(img.len() / 4);
    for plane in img.chunks(side * side) {
        for r in 0..h {
            for c in 0..h {
                let sum: u32 = [(0, 0), (0, 1), (1, 0), (1, 1)]
                    .iter()
                    .map(|(dr, dc)| plane[(2 * r + dr) * side + 2 * c + dc] as u32)
                    .sum();
                out.push((sum / 4) as u8);
            }
        }
    }
    out
}
