//! The ground truth in the TUI: the sweep table of every group set for the settings
//! on screen, found in the tables folder or swept here on worker threads (the rows
//! fill a 64x64 map as they finish), its true best beside the run's, and the search
//! strategies compared on it. The engine calls are those of `aen sweep` and
//! `aen compare`.

use super::app::{
    App, CompareState, Overlay, Screen, SweepProgress, TruthEvent, TruthView, UiEvent,
};
use super::keys::Action;
use super::widgets::fmt_dur;
use crate::engine::compare::GroundTruth;
use crate::engine::settings::{Settings, StrategyKind};
use crate::engine::start;
use crate::engine::sweep::{self, Outcome, Plan, SweepEvent, table::Table};
use crate::engine::task::Update;
use crate::render::thousands;
use aen_core::groups::GroupSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Runs per strategy, and at most this many models per run, in the TUI's comparison:
/// enough for an interval, few enough to wait for (`aen compare` does more).
pub const COMPARE_REPEATS: usize = 10;
pub const COMPARE_BUDGET: usize = 300;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl TruthView {
    /// The fullest table in `dir` (or `search.table`) made under `settings`, or an
    /// empty view whose sweep would write one into `dir`.
    pub fn find(settings: &Settings, dir: Option<&Path>) -> TruthView {
        let source = (settings.data.source != "auto").then_some(settings.data.source.as_str());
        let name = sweep::table_file_name(settings);
        let mut v = TruthView {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            settings: settings.clone(),
            path: dir.map_or_else(|| PathBuf::from(&name), |d| d.join(&name)),
            found: false,
            states: sweep::all_states(None),
            seeds: 1,
            cells: vec![Vec::new(); sweep::table::SPACE],
            rows: 0,
            truth: None,
            sweep: None,
            compare: None,
            note: None,
            scroll: 0,
            // The data's groups: the set a researcher asks about first.
            cursor: map_xy(settings.data.groups),
            layout: Default::default(),
        };
        if let Some((path, table)) = sweep::find_table(settings, source, dir) {
            v.path = path;
            v.load(&table);
        }
        v
    }

    fn load(&mut self, table: &Table) {
        self.found = true;
        self.states = table.header.states.states();
        self.seeds = table.header.seeds;
        self.cells = vec![Vec::new(); sweep::table::SPACE];
        for r in &table.rows {
            self.cells[r.state.bits() as usize].push(r.test_acc);
        }
        self.rows = table.rows.len();
        self.truth = GroundTruth::new(table).ok().map(Arc::new);
    }

    /// Whether this view holds the children `settings` would train.
    fn serves(&self, settings: &Settings) -> bool {
        sweep::table_file_name(&self.settings) == sweep::table_file_name(settings)
            && self.settings.data.source == settings.data.source
    }
}

impl App {
    /// The settings whose ground truth is wanted: the run's on the dashboard, the
    /// set-up screen's (with its data set and source) otherwise.
    fn truth_settings(&self) -> Settings {
        if self.screen == Screen::Dashboard {
            return self.dash.run.settings.clone();
        }
        let mut s = self.settings.clone();
        let (kind, source) = self.selected_source();
        s.data.dataset = kind;
        s.data.source = source.kind.name().to_string();
        s
    }

    /// Opens the ground-truth view for the settings on screen. A view with a sweep
    /// running stays, whatever the screen: its rows are still arriving.
    pub fn open_truth(&mut self) {
        let want = self.truth_settings();
        match &mut self.truth {
            Some(t) if t.serves(&want) => {}
            Some(t) if t.sweep.is_some() => {
                t.note = Some(
                    "a sweep of other settings than those on screen is running: this is its table (Enter stops it)"
                        .into(),
                )
            }
            _ => self.truth = Some(TruthView::find(&want, self.tables.as_deref())),
        }
        self.overlay = Some(Overlay::Truth);
    }

    /// The complete table of `settings`, for the dashboard's "true best".
    pub(super) fn truth_for(&self, settings: &Settings) -> Option<Arc<GroundTruth>> {
        if let Some(t) = &self.truth
            && t.serves(settings)
        {
            return t.truth.clone();
        }
        TruthView::find(settings, self.tables.as_deref()).truth
    }

    /// Starts a sweep of the rows the table lacks, or stops the one running (the rows
    /// trained so far stay in the table, and the next sweep continues it).
    pub fn toggle_sweep(&mut self) {
        let busy = self.handle.is_some() && self.dash.live();
        let Some(t) = &mut self.truth else { return };
        if let Some(s) = &t.sweep {
            s.stop.store(true, Ordering::SeqCst);
            t.note = Some("stopping: the rows trained so far stay in the table".into());
            return;
        }
        if t.truth.is_some() {
            t.note = Some("the table is complete".into());
            return;
        }
        if busy {
            t.note = Some(
                "a search is running on these cores: sweep once it has ended (or quit it)".into(),
            );
            return;
        }
        let Some(ui) = self.ui.clone() else { return };
        let plan = Plan {
            states: t.states.clone(),
            seeds: t.seeds,
            shard: None,
        };
        let (settings, id) = (t.settings.clone(), t.id);
        let workers = settings.trainers();
        let task = match start::sweep(settings, plan, t.path.clone(), workers) {
            Ok(task) => task,
            Err(e) => {
                t.note = Some(format!("cannot start the sweep: {e}"));
                return;
            }
        };
        t.sweep = Some(SweepProgress {
            stop: task.cancel_flag(),
            done: 0,
            todo: t.total_rows() - t.rows,
            started: Instant::now(),
        });
        t.note = Some("starting the sweep".into());
        task.forward(move |u| {
            let ev = match u {
                Update::Event(e) => TruthEvent::Sweep(e),
                Update::Done(r) => TruthEvent::SweepEnded(r.map_err(|e| format!("{e:#}"))),
            };
            ui.send(UiEvent::Truth(id, ev)).is_ok()
        });
        self.keep(task);
    }

    /// Compares the search strategies on the complete table, on worker threads.
    pub fn start_compare(&mut self) {
        let Some(t) = &mut self.truth else { return };
        let Some(truth) = t.truth.clone() else {
            t.note = Some(if t.states.len() < sweep::table::SPACE {
                format!(
                    "the comparison needs a table of all 4,096 group sets; this one was made for {} (move it out of the tables folder, and Enter sweeps them all)",
                    thousands(t.states.len())
                )
            } else {
                format!(
                    "the comparison needs every group set with every seed ({} of {} rows): Enter sweeps the rest",
                    thousands(t.rows),
                    thousands(t.total_rows())
                )
            });
            return;
        };
        if matches!(t.compare, Some(CompareState::Running { .. })) {
            return;
        }
        let Some(ui) = self.ui.clone() else { return };
        let (settings, id) = (t.settings.clone(), t.id);
        let runs = start::CompareRuns {
            strategies: StrategyKind::ALL.to_vec(),
            repeats: COMPARE_REPEATS,
            budget: settings.search.max_models.clamp(1, COMPARE_BUDGET),
            jobs: settings.trainers(),
        };
        let total = COMPARE_REPEATS * StrategyKind::ALL.len();
        match start::compare(settings, truth, runs) {
            Ok(task) => {
                t.compare = Some(CompareState::Running { done: 0, total });
                task.forward(move |u| {
                    let ev = match u {
                        Update::Event((done, total)) => TruthEvent::CompareProgress(done, total),
                        Update::Done(r) => TruthEvent::Compared(r.map_err(|e| format!("{e:#}"))),
                    };
                    ui.send(UiEvent::Truth(id, ev)).is_ok()
                });
                self.keep(task);
            }
            Err(e) => t.compare = Some(CompareState::Failed(format!("cannot start: {e}"))),
        }
    }

    pub(super) fn on_truth(&mut self, id: u64, ev: TruthEvent) {
        let Some(t) = self.truth.as_mut().filter(|t| t.id == id) else {
            return;
        };
        match ev {
            TruthEvent::Sweep(SweepEvent::Started {
                total,
                present,
                workers,
                ..
            }) => {
                t.found = true;
                if let Some(s) = &mut t.sweep {
                    s.todo = total - present;
                }
                t.note = Some(format!(
                    "sweeping {} rows on {}",
                    thousands(total - present),
                    crate::render::count(workers, "trainer")
                ));
            }
            TruthEvent::Sweep(SweepEvent::Row { row, done, todo }) => {
                t.cells[row.state.bits() as usize].push(row.test_acc);
                t.rows += 1;
                if let Some(s) = &mut t.sweep {
                    (s.done, s.todo) = (done, todo);
                }
            }
            TruthEvent::Sweep(SweepEvent::Warning(w)) => t.note = Some(w),
            TruthEvent::Sweep(SweepEvent::Finished { .. }) => {}
            TruthEvent::SweepEnded(r) => {
                let secs = t
                    .sweep
                    .take()
                    .map_or(0.0, |s| s.started.elapsed().as_secs_f64());
                let note = match r {
                    Ok(Outcome::Complete) => match sweep::table::read(&t.path) {
                        Ok(read) => {
                            t.load(&read.table);
                            format!(
                                "the table is complete: {} rows ({})",
                                thousands(t.rows),
                                fmt_dur(secs)
                            )
                        }
                        Err(e) => format!("the sweep ended, but its table cannot be read: {e:#}"),
                    },
                    Ok(Outcome::Interrupted) => format!(
                        "stopped with {} of {} rows in the table: Enter continues",
                        thousands(t.rows),
                        thousands(t.total_rows())
                    ),
                    Err(e) => format!("the sweep failed: {e}"),
                };
                t.note = Some(note.clone());
                self.dash.push_log(format!("ground truth: {note}"));
                if self.dash.truth.is_none() && t.serves(&self.dash.run.settings) {
                    self.dash.truth = t.truth.clone();
                }
            }
            TruthEvent::CompareProgress(done, total) => {
                t.compare = Some(CompareState::Running { done, total })
            }
            TruthEvent::Compared(Ok(r)) => t.compare = Some(CompareState::Done(r)),
            TruthEvent::Compared(Err(e)) => t.compare = Some(CompareState::Failed(e)),
        }
    }

    pub(super) fn update_truth(&mut self, action: Action) {
        match action {
            Action::Sweep => self.toggle_sweep(),
            Action::Compare => self.start_compare(),
            Action::Close => self.overlay = None,
            Action::Help => {
                self.help_from_truth = true;
                self.overlay = Some(Overlay::Help(0));
            }
            Action::Quit => self.overlay = Some(Overlay::ConfirmQuit),
            _ => {
                let Some(t) = &mut self.truth else { return };
                let page = t.layout.get().page.saturating_sub(1).max(1) as i32;
                match action {
                    Action::Up => t.move_cursor(0, -1),
                    Action::Down => t.move_cursor(0, 1),
                    Action::Left => t.move_cursor(-1, 0),
                    Action::Right => t.move_cursor(1, 0),
                    Action::PageUp => t.scroll_text(-page),
                    Action::PageDown => t.scroll_text(page),
                    Action::Oldest => t.scroll = 0,
                    Action::Newest => t.scroll_text(i32::from(u16::MAX)),
                    _ => {}
                }
            }
        }
    }

    /// Stops a sweep in flight (its table keeps the rows that finished).
    pub(super) fn stop_sweep(&self) {
        if let Some(s) = self.truth.as_ref().and_then(|t| t.sweep.as_ref()) {
            s.stop.store(true, Ordering::SeqCst);
        }
    }
}

/// Where state `s` sits on the map: across, the first six groups (rot90 .. sc1) read
/// as a binary number, rot90 the highest digit; down, the last six (sc2 .. sc7).
pub fn map_xy(s: GroupSet) -> (usize, usize) {
    let digits = |range: std::ops::Range<usize>| {
        aen_core::groups::Group::ALL[range]
            .iter()
            .fold(0, |acc, g| (acc << 1) | s.contains(*g) as usize)
    };
    (digits(0..6), digits(6..12))
}

/// The state at (across, down) on the map: `map_xy` the other way.
pub fn map_state(x: usize, y: usize) -> GroupSet {
    let bit = |digits: usize, at: usize| digits >> (5 - at) & 1 == 1;
    (aen_core::groups::Group::ALL.iter().enumerate())
        .filter(|&(i, _)| if i < 6 { bit(x, i) } else { bit(y, i - 6) })
        .map(|(_, g)| *g)
        .collect()
}
