//! The dashboard: status bar and one render function per pane.

use super::app::{DashState, HitMap, Pane, RunStatus, Target};
use super::charts;
use super::theme::Theme;
use super::widgets::{block, block_line, fmt_dur, fmt_num, settings_brief};
use crate::engine::experiments::set_label;
use crate::engine::settings::StrategyKind;
use aen_core::groups::{Group, GroupSet};
use ratatui::prelude::*;
use ratatui::widgets::Paragraph;

pub fn render(f: &mut Frame, area: Rect, d: &DashState, theme: &Theme, hits: &HitMap) {
    let [status, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(4)]).areas(area);
    render_status(f, status, d, theme);
    if d.zoom {
        render_pane(f, body, d.focus, d, theme, true);
        hits.add(body, Target::Pane(d.focus));
        return;
    }
    let [top, bottom] =
        Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(body);
    let [q, acc, rew] = Layout::horizontal([
        Constraint::Percentage(30),
        Constraint::Percentage(40),
        Constraint::Percentage(30),
    ])
    .areas(top);
    let [left, params, right] = Layout::horizontal([
        Constraint::Percentage(30),
        Constraint::Percentage(30),
        Constraint::Percentage(40),
    ])
    .areas(bottom);
    // Taller where there is room: the trainers and the run's settings join the state.
    let state_h = match left.height {
        24.. => 10,
        16.. => 9,
        _ => 6,
    } + 2 * d.truth.is_some() as u16;
    // The models table keeps two rows under its header, however short the screen.
    let state_h = state_h.min(left.height.saturating_sub(5)).max(3);
    let [state, best] =
        Layout::vertical([Constraint::Length(state_h), Constraint::Min(3)]).areas(left);
    let [_, log] = Layout::vertical([Constraint::Length(0), Constraint::Min(3)]).areas(right);
    for (pane, r) in [
        (Pane::QValues, q),
        (Pane::Accuracy, acc),
        (Pane::Rewards, rew),
        (Pane::State, state),
        (Pane::Best, best),
        (Pane::Params, params),
        (Pane::Log, log),
    ] {
        render_pane(f, r, pane, d, theme, d.focus == pane);
        hits.add(r, Target::Pane(pane));
    }
}

/// The run's state, its progress and the device it runs on.
pub fn status_text(d: &DashState) -> (String, String, String) {
    let state = match &d.status {
        RunStatus::Starting => "starting".to_string(),
        RunStatus::Replaying(a, b) => format!("replaying {a}/{b}"),
        RunStatus::Running => "running".into(),
        RunStatus::Paused => "paused".into(),
        RunStatus::Finished(r) => format!("finished ({r:?})"),
        RunStatus::Failed => "failed".into(),
        RunStatus::ReadOnly => "read-only".into(),
    };
    let step = d.run.last_step.as_ref();
    // A change made now (while paused, say) applies at the next step: both show.
    let next = d.run.settings.epsilon(d.run.history.models.len());
    let eps = match step {
        Some(s) if (s.epsilon - next).abs() > 1e-12 && d.live() => {
            format!("{:.2} → {next:.2} next step", s.epsilon)
        }
        Some(s) => format!("{:.2}", s.epsilon),
        None => "-".into(),
    };
    let eta = d
        .eta()
        .map(|e| fmt_dur(e.as_secs_f64()))
        .unwrap_or_else(|| "-".into());
    let device = d
        .info
        .as_ref()
        .map(|i| i.device.clone())
        .unwrap_or_else(aen_core::nn::device_name);
    // Episodes and epsilon are the DQN's; the other strategies show what they read.
    let search = &d.run.settings.search;
    let walk = match search.strategy {
        StrategyKind::Dqn => format!(
            "episode {} step {} | eps {eps}",
            step.map_or(0, |s| s.episode),
            step.map_or(0, |s| s.step)
        ),
        StrategyKind::Evolution => format!(
            "step {} | population {} tournament {}",
            step.map_or(0, |s| s.step),
            search.population,
            search.tournament
        ),
        StrategyKind::Random | StrategyKind::Local => {
            format!("step {}", step.map_or(0, |s| s.step))
        }
    };
    let mut rest = format!(
        "models {}/{} | {walk} | elapsed {}",
        d.run.history.models.len(),
        d.max_models(),
        fmt_dur(d.elapsed().as_secs_f64()),
    );
    // Nothing is left to wait for once the search has ended.
    if d.live() {
        rest.push_str(&format!(" | ETA {eta}"));
    }
    (state, rest, device)
}

fn render_status(f: &mut Frame, area: Rect, d: &DashState, t: &Theme) {
    let (state, mut rest, device) = status_text(d);
    // The device goes first when the line is too long, then whole segments from the
    // end (ETA, elapsed), so no number is cut.
    let room = (area.width as usize).saturating_sub(state.len() + 3);
    if rest.len() + device.len() + 3 <= room {
        rest = format!("{rest} | {device}");
    } else if rest.len() > room {
        rest = rest.replacen("episode", "ep", 1);
    }
    while rest.chars().count() > room {
        match rest.rfind(" | ") {
            Some(i) => rest.truncate(i),
            None => break,
        }
    }
    let st = match d.status {
        RunStatus::Running => t.on(),
        RunStatus::Failed => t.error(),
        _ => t.accent(),
    };
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(format!(" {state} "), st),
            Span::raw(format!(" {rest}")),
        ])),
        area,
    );
}

fn render_pane(f: &mut Frame, area: Rect, pane: Pane, d: &DashState, t: &Theme, focused: bool) {
    match pane {
        Pane::QValues => super::q_pane::render(f, area, d, t, focused),
        Pane::Accuracy => charts::render_accuracy(f, area, d, t, focused),
        Pane::Rewards => charts::render_rewards(f, area, d, t, focused),
        Pane::State => render_state(f, area, d, t, focused),
        Pane::Params => charts::render_params(f, area, d, t, focused),
        Pane::Best => super::models_table::render(f, area, d, t, focused),
        Pane::Log => render_log(f, area, d, t, focused),
    }
}

/// A group's name in at most three characters, for narrow state panes.
fn short_name(g: Group) -> String {
    match g.name() {
        "rot90" => "r90".into(),
        name => name.chars().take(3).collect(),
    }
}

fn render_state(f: &mut Frame, area: Rect, d: &DashState, t: &Theme, focused: bool) {
    let g = d.current_state();
    // The legend rides in the title, where it costs no row of the small pane.
    let title = Line::from(vec![
        Span::styled(" State ", t.title()),
        Span::styled(" on ", t.on()),
        Span::raw(" "),
        Span::styled("off", t.off()),
        Span::raw(" "),
    ]);
    let b = block_line(title, focused, t);
    let inner = b.inner(area);
    f.render_widget(b, area);
    // Six cells a row, each a space apart, when the full names fit; otherwise three
    // letter names, as many a row as fit, so no name is cut into another's.
    let longest = Group::ALL.iter().map(|g| g.name().len()).max().unwrap_or(6);
    let six = ((inner.width as usize + 1) / 6).saturating_sub(1);
    let (cell, per_row, full) = if six >= longest {
        (six, 6, true)
    } else {
        (3, ((inner.width as usize + 1) / 4).max(1), false)
    };
    let mut lines = Vec::new();
    for row in Group::ALL.chunks(per_row) {
        let spans: Vec<Span> = row
            .iter()
            .map(|grp| {
                let name = if full {
                    grp.name().to_string()
                } else {
                    short_name(*grp)
                };
                let text = format!("{name:^cell$}");
                Span::styled(text, if g.contains(*grp) { t.on() } else { t.off() })
            })
            .flat_map(|s| [s, Span::raw(" ")])
            .collect();
        lines.push(Line::from(spans));
    }
    let train = match &d.training {
        Some((s, p)) => format!(
            "training {}: epoch {}/{} batch {}/{}",
            set_label(*s),
            p.epoch + 1,
            p.epochs,
            p.batch,
            p.batches
        ),
        None => d
            .run
            .last_step
            .as_ref()
            .map(|s| match d.run.settings.search.strategy {
                StrategyKind::Dqn => format!("reward {}, val {:.2}%", fmt_num(s.reward), s.val_acc),
                _ => format!("val {:.2}%", s.val_acc),
            })
            .unwrap_or_default(),
    };
    if let Some(c) = class_text(d, g) {
        lines.push(Line::styled(c, t.dim()));
    }
    lines.push(Line::styled(train, t.dim()));
    lines.push(Line::styled(trainers_text(d), t.dim()));
    lines.extend(answer_lines(d, t));
    // Last, wrapped at spaces: where the pane is short it loses whole words, never
    // the tail of a number.
    lines.push(Line::styled(settings_brief(&d.run.settings), t.dim()));
    f.render_widget(
        Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: false }),
        inner,
    );
}

/// The question of the search: does it find the groups that made the data? And,
/// where a ground-truth table of these settings exists, the right answer.
fn answer_lines(d: &DashState, t: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let best = d
        .run
        .history
        .best(1)
        .first()
        .map(|m| format!("best val {:.1}% {}", m.val_acc, set_label(m.state)));
    if let Some(best) = best {
        lines.push(Line::styled(
            format!("{best} · data {}", set_label(d.run.settings.data.groups)),
            t.dim(),
        ));
    }
    if let Some(truth) = &d.truth
        && let Some((s, acc, _)) = truth.ranked().first()
    {
        lines.push(Line::styled(
            format!("true best test {acc:.1}% {}", set_label(*s)),
            t.dim(),
        ));
        if let Some(r) = (d.run.history.best(1).first()).and_then(|m| truth.rank(m.state)) {
            let (r, n) = (
                crate::render::thousands(r),
                crate::render::thousands(truth.len()),
            );
            lines.push(Line::styled(
                format!("the run's best is #{r} of {n}"),
                t.dim(),
            ));
        }
    }
    lines
}

/// The network the state on screen trains, and how many networks the run has trained
/// of all there are, under `search.equivalence = closure`.
fn class_text(d: &DashState, g: GroupSet) -> Option<String> {
    if d.run.settings.search.equivalence == crate::engine::settings::Equivalence::None {
        return None;
    }
    let classes = aen_core::classes::Classes::peek(d.run.settings.shift())?;
    let (closure, size) = (classes.closure(g), classes.class_of(g).members.len());
    let same = if closure == g {
        format!("its own closure, class of {size} sets")
    } else {
        format!("same network as {} ({size} sets)", set_label(closure))
    };
    Some(format!(
        "{same} · {} of {} networks trained",
        d.run.history.models.len(),
        classes.len()
    ))
}

/// The pace and the child trainers: "95 models/min · trainers 2/2 busy, 92% predicted"
/// (the share of the states the search needed that were trained ahead). The pace goes
/// first: where the line wraps, a number keeps its unit. Pauses count in neither.
pub fn trainers_text(d: &DashState) -> String {
    let minutes = d.running_time().as_secs_f64() / 60.0;
    // A pace over the first seconds says more about start-up than about the search.
    let pace = if minutes >= 1.0 / 6.0 && !d.run.history.models.is_empty() {
        format!(
            "{:.0} models/min",
            d.run.history.models.len() as f64 / minutes
        )
    } else {
        "- models/min".into()
    };
    let lookup = d.info.as_ref().is_some_and(|i| i.device == "table lookup");
    match &d.trainers {
        _ if lookup => pace,
        // They finish the child in hand and start nothing new: not "busy".
        _ if d.status == RunStatus::Paused => format!("{pace} · trainers paused"),
        Some(t) => match t.hit_rate() {
            Some(r) => format!(
                "{pace} · trainers {}/{} busy, {:.0}% predicted",
                t.busy,
                t.workers,
                100.0 * r
            ),
            None => format!("{pace} · trainers {}/{} busy", t.busy, t.workers),
        },
        // Nothing reported (yet): no machine-dependent count, so screens compare.
        None if d.run.settings.child.jobs == 1 => format!("{pace} · 1 trainer"),
        None => format!("{pace} · trainers idle"),
    }
}

/// The log, newest line last. Long lines wrap, so a line's point is never cut off. At
/// offset 0 it follows new lines; scrolled back, its title says so and how to follow.
fn render_log(f: &mut Frame, area: Rect, d: &DashState, t: &Theme, focused: bool) {
    let h = area.height.saturating_sub(2) as usize;
    let w = area.width.saturating_sub(2) as usize;
    let shown: Vec<&String> = match &d.log_filter {
        Some(text) => d.log.iter().filter(|l| l.contains(text.as_str())).collect(),
        None => d.log.iter().collect(),
    };
    let offset = d.log_offset.min(shown.len().saturating_sub(1));
    let end = shown.len().saturating_sub(offset);
    let mut rows: Vec<Line> = Vec::new();
    for l in shown[..end].iter().rev() {
        if rows.len() >= h {
            break;
        }
        rows.extend(
            super::widgets::wrap_words(l, w)
                .into_iter()
                .rev()
                .map(Line::raw),
        );
    }
    // A line that did not fit whole loses its first rows, not the newest line.
    rows.truncate(h);
    rows.reverse();
    let filter = d.log_filter.as_ref().map_or(String::new(), |f| {
        format!(" · lines with \"{f}\" (/ changes)")
    });
    let title = match offset {
        0 => format!("Log (following{filter})"),
        n => format!("Log ({n} newer below · End follows{filter})"),
    };
    f.render_widget(Paragraph::new(rows).block(block(&title, focused, t)), area);
}
