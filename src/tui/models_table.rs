//! The dashboard's models table: the networks trained, sorted and filtered, with as
//! many columns as the pane has room for.

use super::app::{DashState, SortKey};
use super::theme::Theme;
use super::widgets::{block, ellipsize, fmt_count, fmt_num};
use crate::engine::experiments::set_label;
use crate::engine::search::ModelRecord;
use crate::engine::settings::StrategyKind;
use ratatui::prelude::*;
use ratatui::widgets::{Cell, Row, Table, TableState};

/// Room the group names keep before the other accuracy is shown, and before any
/// further column: below it, two rows cut to the same "rot90,hflip…" would tell
/// nothing apart.
const GROUPS_MIN: (u16, u16) = (14, 24);

/// A column of the table: its header, its width and its text for one model.
struct Column {
    head: &'static str,
    width: u16,
    text: fn(&ModelRecord, &DashState) -> String,
}

/// An accuracy in at most four characters, so a narrow column cannot cut 100.0 to 100.
fn fmt_acc(v: f64) -> String {
    if v >= 99.95 {
        "100".into()
    } else {
        format!("{v:.1}")
    }
}

/// The step that first reached `m`'s network (None for the plain start network, which
/// is trained before any step).
fn first_step<'a>(
    m: &ModelRecord,
    d: &'a DashState,
) -> Option<&'a crate::engine::search::StepRecord> {
    (m.index > 1)
        .then(|| d.run.history.steps.get(m.first_step))
        .flatten()
}

const VAL: Column = Column {
    head: "val",
    width: 4,
    text: |m, _| fmt_acc(m.val_acc),
};
const TEST: Column = Column {
    head: "test",
    width: 4,
    text: |m, _| fmt_acc(m.test_acc),
};
const PARAMS: Column = Column {
    head: "params",
    width: 6,
    text: |m, _| fmt_count(m.params as f64),
};
const ORDER: Column = Column {
    head: "#",
    width: 4,
    text: |m, _| m.index.to_string(),
};
const EPSILON: Column = Column {
    head: "eps",
    width: 4,
    text: |m, _| format!("{:.2}", m.epsilon),
};
/// How the search came to the network: the DQN's greedy or random action, another
/// strategy's move from where it was or its jump (a restart, a new random member).
const HOW: Column = Column {
    head: "how",
    width: 6,
    text: |m, d| {
        let dqn = d.run.settings.search.strategy == StrategyKind::Dqn;
        match (first_step(m, d).map(|s| s.greedy), dqn) {
            (None, _) => "start",
            (Some(true), true) => "greedy",
            (Some(false), true) => "random",
            (Some(true), false) => "move",
            (Some(false), false) => "jump",
        }
        .into()
    },
};
const REWARD: Column = Column {
    head: "reward",
    width: 8,
    text: |m, d| first_step(m, d).map_or("-".into(), |s| fmt_num(s.reward)),
};
const SECONDS: Column = Column {
    head: "s",
    width: 5,
    text: |m, _| format!("{:.1}", m.seconds),
};

/// The columns that fit `width`, in the order of the table: the sorted accuracy and
/// the parameters always; then the other accuracy, the order, how it was reached, the
/// reward and epsilon (the DQN's) and the training seconds, as long as the group names
/// keep their room.
fn columns(width: u16, sort: SortKey, strategy: StrategyKind) -> Vec<Column> {
    let by_test = sort == SortKey::Test;
    let (first, other) = if by_test { (TEST, VAL) } else { (VAL, TEST) };
    let (least, most) = GROUPS_MIN;
    let mut extra = vec![(other, least), (ORDER, most), (HOW, most)];
    // The reward and epsilon are the DQN's: the others neither learn from one nor read
    // the other.
    if strategy == StrategyKind::Dqn {
        extra.push((REWARD, most));
        extra.push((EPSILON, most));
    }
    extra.push((SECONDS, most));
    let mut cols = vec![first, PARAMS];
    let used = |cols: &[Column]| cols.iter().map(|c| c.width + 1).sum::<u16>();
    for (c, groups) in extra {
        if used(&cols) + c.width + 1 + groups + 2 > width {
            break;
        }
        cols.push(c);
    }
    // In the table's order: accuracies, parameters, then the rest as added.
    let rank = |h: &str| match h {
        "#" => 0,
        "val" => 1,
        "test" => 2,
        "params" => 3,
        _ => 4,
    };
    cols.sort_by_key(|c| rank(c.head));
    cols
}

/// The title: what the table is sorted by, the group filter, and the keys.
fn title(d: &DashState, shown: usize, width: u16) -> String {
    let forms = match d.model_filter {
        Some(g) => vec![
            format!(
                "Models with {} by {}: {shown} of {} (/ filters, s sorts)",
                set_label(g),
                d.sort.name(),
                d.run.history.models.len()
            ),
            format!("Models with {}: {shown}", set_label(g)),
            format!("with {}", set_label(g)),
        ],
        None => vec![
            format!("Models by {} (s sorts, / filters)", d.sort.name()),
            format!("Models by {} (s sorts)", d.sort.name()),
            format!("Models by {}", d.sort.name()),
        ],
    };
    super::widgets::first_fitting(&forms, (width as usize).saturating_sub(4))
}

pub fn render(f: &mut Frame, area: Rect, d: &DashState, t: &Theme, focused: bool) {
    let strategy = d.run.settings.search.strategy;
    let cols = columns(area.width, d.sort, strategy);
    let models = d.sorted_models();
    // Whatever the other columns and the spaces between them leave is for the groups.
    let used: u16 = cols.iter().map(|c| c.width + 1).sum();
    let groups_w = area.width.saturating_sub(2 + used) as usize;
    let rows: Vec<Row> = (models.iter())
        .map(|m| {
            let mut cells = vec![Cell::from(ellipsize(&set_label(m.state), groups_w))];
            cells.extend(cols.iter().map(|c| Cell::from((c.text)(m, d))));
            Row::new(cells)
        })
        .collect();
    let widths = std::iter::once(Constraint::Min(groups_w as u16))
        .chain(cols.iter().map(|c| Constraint::Length(c.width)));
    let header = std::iter::once("groups").chain(cols.iter().map(|c| c.head));
    let title = title(d, models.len(), area.width);
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(t.title()))
        .block(block(&title, focused, t))
        // The selected row is the one `i` details: marked while the pane has the focus.
        .row_highlight_style(if focused {
            t.selected()
        } else {
            Style::default()
        });
    // The table scrolls only once the selection leaves the rows on screen, so the best
    // rows stay in view as long as they fit.
    let mut state = TableState::default()
        .with_selected(Some(d.table_offset.min(models.len().saturating_sub(1))));
    f.render_stateful_widget(table, area, &mut state);
}
