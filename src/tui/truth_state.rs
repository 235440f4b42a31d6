//! The ground-truth view's state: the table as it fills in, the sweep and comparison
//! in flight, and the cursor over the map with the geometry of the last draw that
//! moving it depends on.

use crate::engine::compare::{GroundTruth, StrategyResult};
use crate::engine::settings::Settings;
use aen_core::groups::GroupSet;
use ratatui::layout::{Position, Rect};
use std::cell::Cell;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

/// The map is 64 states across and 64 down.
pub const MAP_SIDE: usize = 64;

/// The ground truth of one set of settings: the sweep table found for them, or the
/// one a sweep started here is filling in.
pub struct TruthView {
    /// Tells its events from those of a view it replaced.
    pub id: u64,
    /// The settings whose children the table holds.
    pub settings: Settings,
    /// Where the table is, or where a sweep started here writes it.
    pub path: PathBuf,
    /// Whether `path` holds a table yet.
    pub found: bool,
    /// The table's group sets (all 4,096 for a table made here) and seeds per set.
    pub states: Vec<GroupSet>,
    pub seeds: u32,
    /// Test accuracies of the seeds trained so far, by state bits.
    pub cells: Vec<Vec<f64>>,
    pub rows: usize,
    /// Set once every state has every seed: ranks and comparisons need all of them.
    pub truth: Option<Arc<GroundTruth>>,
    pub sweep: Option<SweepProgress>,
    pub compare: Option<CompareState>,
    /// What the last action did, or why it could not.
    pub note: Option<String>,
    /// Lines the text beside the map is scrolled down by (PgUp/PgDn).
    pub scroll: u16,
    /// The map state (across, down) under the cursor, kept to the state even where a
    /// cell shows several: a rescaled map puts the cursor on the block holding it.
    pub cursor: (usize, usize),
    /// What the last draw showed; a draw only reads the state, hence the cell.
    pub layout: Cell<TruthLayout>,
}

/// Where the last draw put the map, and how much of the text beside it fitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TruthLayout {
    /// The map's cells on screen, inside its frame.
    pub map: Rect,
    /// States a cell side: 1, 2, 4 or 8 (a character cell holds two of them, one
    /// above the other).
    pub scale: usize,
    /// Rows of text on screen, and the furthest the text scrolls.
    pub page: u16,
    pub max_scroll: u16,
}

/// Until the first draw: the whole map a state a cell, the text unclamped.
impl Default for TruthLayout {
    fn default() -> TruthLayout {
        TruthLayout {
            map: Rect::new(0, 0, MAP_SIDE as u16, MAP_SIDE as u16 / 2),
            scale: 1,
            page: 1,
            max_scroll: u16::MAX,
        }
    }
}

impl TruthView {
    /// Mean test accuracy of the seeds of state `bits` trained so far.
    pub fn mean(&self, bits: usize) -> Option<f64> {
        let c = &self.cells[bits];
        (!c.is_empty()).then(|| c.iter().sum::<f64>() / c.len() as f64)
    }

    pub fn total_rows(&self) -> usize {
        self.states.len() * self.seeds as usize
    }

    /// States across and down on screen: all 64 unless the terminal cuts the map.
    fn extent(&self) -> (usize, usize) {
        let l = self.layout.get();
        let across = (l.map.width as usize * l.scale).min(MAP_SIDE);
        let down = (l.map.height as usize * 2 * l.scale).min(MAP_SIDE);
        (across.max(1), down.max(1))
    }

    /// The cursor as drawn: on the part of the map the screen shows.
    pub fn cursor_shown(&self) -> (usize, usize) {
        let (across, down) = self.extent();
        (self.cursor.0.min(across - 1), self.cursor.1.min(down - 1))
    }

    /// One drawn cell left, right, up or down; at an edge it stays.
    pub fn move_cursor(&mut self, dx: isize, dy: isize) {
        let k = self.layout.get().scale as isize;
        let (across, down) = self.extent();
        let (x, y) = self.cursor_shown();
        let step = |v: usize, d: isize, n: usize| {
            let to = v as isize + d * k;
            if (0..n as isize).contains(&to) {
                to as usize
            } else {
                v
            }
        };
        self.cursor = (step(x, dx, across), step(y, dy, down));
    }

    /// A click on the map: the cursor goes to the upper of the two blocks that
    /// character holds, or to the lower one where it is on the upper already.
    pub fn click_map(&mut self, column: u16, row: u16) {
        let l = self.layout.get();
        if !l.map.contains(Position::new(column, row)) {
            return;
        }
        let k = l.scale;
        let x = (column - l.map.x) as usize * k;
        let upper = (row - l.map.y) as usize * 2 * k;
        let (cx, cy) = self.cursor_shown();
        let y = match cx / k == x / k && cy / k == upper / k {
            true => upper + k,
            false => upper,
        };
        self.cursor = (x, y);
    }

    /// The text scrolled by `lines` (negative: up), within what the last draw had.
    pub fn scroll_text(&mut self, lines: i32) {
        let max = self.layout.get().max_scroll;
        let to = (self.scroll.min(max) as i32 + lines).clamp(0, max as i32);
        self.scroll = to as u16;
    }
}

/// What the ground-truth view's sweep and comparison threads send the UI.
pub enum TruthEvent {
    Sweep(crate::engine::sweep::SweepEvent),
    SweepEnded(Result<crate::engine::sweep::Outcome, String>),
    CompareProgress(usize, usize),
    Compared(Result<Vec<StrategyResult>, String>),
}

/// A sweep running on worker threads for the ground-truth view.
pub struct SweepProgress {
    pub stop: Arc<AtomicBool>,
    pub done: usize,
    pub todo: usize,
    pub started: Instant,
}

pub enum CompareState {
    Running { done: usize, total: usize },
    Done(Vec<StrategyResult>),
    Failed(String),
}
