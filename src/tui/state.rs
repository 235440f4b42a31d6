//! The TUI's state: screens, panes, overlays, the set-up screen and the dashboard.
//! Rendering reads it by reference; `app` and `input` change it.

pub use super::browser::{Browser, Entry, MAX_COMPARE, Reader};
use super::form::Form;
use super::preview::PreviewResult;
use crate::engine::compare::GroundTruth;
use crate::engine::experiments::EvalRow;
use crate::engine::search::{FinishReason, ModelRecord, RunInfo, RunView};
use crate::engine::settings::Settings;
use crate::engine::snapshot::Snapshot;
use aen_core::data::{DatasetKind, Source};
use aen_core::groups::GroupSet;
use aen_core::train::TrainProgress;
use ratatui::layout::{Position, Rect};
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use super::truth_state::*;

pub const LOG_LINES: usize = 500;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    Setup,
    Dashboard,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetupFocus {
    Data,
    Groups,
    Settings,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    QValues,
    Accuracy,
    Rewards,
    State,
    Params,
    Best,
    Log,
}

/// Tab order: as laid out, the top row left to right, then the bottom row.
pub const PANES: [Pane; 7] = [
    Pane::QValues,
    Pane::Accuracy,
    Pane::Rewards,
    Pane::State,
    Pane::Best,
    Pane::Params,
    Pane::Log,
];

/// Models the ETA averages over: the first ones are slow (data loading, warm-up).
const ETA_WINDOW: usize = 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortKey {
    Val,
    Test,
    Params,
    Recent,
}

impl SortKey {
    pub fn next(self) -> SortKey {
        match self {
            SortKey::Val => SortKey::Test,
            SortKey::Test => SortKey::Params,
            SortKey::Params => SortKey::Recent,
            SortKey::Recent => SortKey::Val,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            SortKey::Val => "validation",
            SortKey::Test => "test",
            SortKey::Params => "parameters",
            SortKey::Recent => "most recent",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum RunStatus {
    Starting,
    Replaying(usize, usize),
    Running,
    Paused,
    Finished(FinishReason),
    Failed,
    ReadOnly,
}

/// The live-settings form and the draft it validates against.
pub struct LiveForm {
    pub form: Form,
    pub draft: Settings,
}

/// What a text prompt is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prompt {
    /// The text the log pane shows lines of.
    LogFilter,
    /// The groups every model the models table lists must have.
    ModelFilter,
    SaveName,
    ExportDir,
    /// A new name for the session file selected in the browser.
    Rename,
    /// The note, or the tags, of the session selected in the browser.
    Note,
    Tags,
    /// The text the browser shows the sessions of (data set, strategy, tags).
    SessionFilter,
    /// The new max models of a finished search to continue.
    Extend,
}

/// A one-line text prompt with a suggested answer.
pub struct PromptState {
    pub kind: Prompt,
    pub text: String,
    /// The suggestion is still untouched: the first character typed replaces it.
    pub fresh: bool,
}

impl PromptState {
    pub fn new(kind: Prompt, suggestion: String) -> PromptState {
        PromptState {
            kind,
            text: suggestion,
            fresh: true,
        }
    }
}

pub enum Overlay {
    /// The key list, scrolled down by this many lines.
    Help(u16),
    Form(Box<LiveForm>),
    Sessions(Browser),
    Prompt(PromptState),
    ConfirmQuit,
    Error(String),
    /// The final evaluation's table.
    Eval,
    /// One model's details.
    Model(Box<ModelView>),
    /// Saved runs compared, 2 to [`MAX_COMPARE`]: (file name, run) each, read whole.
    Compare(Vec<(String, Snapshot)>),
    /// The ground truth (`App::truth`): map, true best, strategies compared.
    Truth,
    /// The run so far: best against networks trained, the Pareto front, group effects.
    Analysis,
}

/// What the details of one model show.
pub struct ModelView {
    pub record: ModelRecord,
    /// Weight and hidden-unit orbits of the two tied layers, or why they are unknown.
    pub orbits: Result<[usize; 4], String>,
    /// The run's data groups, shown with the preview of the G-data.
    pub data_groups: GroupSet,
    /// The preview request whose samples the view shows.
    pub preview_id: u64,
}

pub struct SetupState {
    pub sources: Vec<(DatasetKind, Vec<Source>)>,
    pub dataset: usize,
    pub source: Vec<usize>,
    pub focus: SetupFocus,
    pub group_cursor: usize,
    pub form: Form,
    pub preview_seed: u64,
    pub preview_id: u64,
    pub preview: Option<PreviewResult>,
}

/// The final evaluation of the run on the dashboard, running or done.
pub enum EvalState {
    Running {
        label: String,
        index: usize,
        total: usize,
    },
    Done(Vec<EvalRow>),
    Failed(String),
}

pub struct DashState {
    pub info: Option<RunInfo>,
    /// The run as its events tell it (history, settings in force, last step).
    pub run: RunView,
    pub status: RunStatus,
    pub training: Option<(GroupSet, TrainProgress)>,
    /// The child trainers, when the search trains ahead on several.
    pub trainers: Option<crate::engine::search::Trainers>,
    pub log: VecDeque<String>,
    pub focus: Pane,
    pub zoom: bool,
    pub sort: SortKey,
    /// The models table's selected row (the one `i` details), counted from its top.
    pub table_offset: usize,
    /// Only the models whose groups include these are listed (`/` on the table).
    pub model_filter: Option<GroupSet>,
    pub log_offset: usize,
    /// Only log lines holding this text are shown (`/`).
    pub log_filter: Option<String>,
    pub started: Instant,
    /// Seconds the run took in earlier sessions.
    pub prior_seconds: f64,
    /// When the search ended, to stop the elapsed clock.
    pub ended: Option<Instant>,
    pub snapshot_path: Option<PathBuf>,
    /// The run as last saved, once it has finished (for evaluation and export).
    pub snapshot: Option<Snapshot>,
    pub eval: Option<EvalState>,
    /// `e` was pressed on a session that holds an evaluation: the next `e` retrains.
    pub confirm_eval: bool,
    /// When the last models of this session arrived, for the ETA.
    pub model_arrivals: VecDeque<Instant>,
    /// Since when the search is paused, and the time it spent paused before: the pace
    /// and the ETA count only the time it ran.
    pub paused_since: Option<Instant>,
    pub paused_for: Duration,
    /// The complete ground-truth table of the run's settings, where one exists.
    pub truth: Option<Arc<GroundTruth>>,
}

impl DashState {
    pub fn new(settings: &Settings) -> DashState {
        DashState {
            info: None,
            run: RunView::new(settings.clone()),
            status: RunStatus::Starting,
            training: None,
            trainers: None,
            log: VecDeque::new(),
            focus: Pane::QValues,
            zoom: false,
            sort: SortKey::Val,
            table_offset: 0,
            model_filter: None,
            log_offset: 0,
            log_filter: None,
            started: Instant::now(),
            prior_seconds: 0.0,
            ended: None,
            snapshot_path: None,
            snapshot: None,
            eval: None,
            confirm_eval: false,
            model_arrivals: VecDeque::new(),
            paused_since: None,
            paused_for: Duration::ZERO,
            truth: None,
        }
    }

    pub fn push_log(&mut self, line: String) {
        super::logfile::write(&line);
        if self.log.len() == LOG_LINES {
            self.log.pop_front();
        }
        self.log.push_back(line);
    }

    /// Shows the newest final evaluation kept in `snap` (of the session as it is), if
    /// none is on the dashboard yet.
    pub fn show_kept_evaluation(&mut self, snap: &Snapshot) {
        if self.eval.is_some() {
            return;
        }
        if let Some(e) = snap.latest_evaluation() {
            self.push_log(format!(
                "final evaluation kept in the session (run {}, top {}, {} seeds): e shows it, e twice retrains",
                e.saved_at, e.settings.top_k, e.settings.seeds
            ));
            self.eval = Some(EvalState::Done(e.rows.clone()));
        }
    }

    pub fn max_models(&self) -> usize {
        self.run.settings.search.max_models
    }

    /// Models sorted for the models table, those the filter leaves out left out.
    pub fn sorted_models(&self) -> Vec<&ModelRecord> {
        let keep = |m: &&ModelRecord| {
            (self.model_filter).is_none_or(|g| m.state.bits() & g.bits() == g.bits())
        };
        let mut v: Vec<_> = self.run.history.models.iter().filter(keep).collect();
        match self.sort {
            SortKey::Val => v.sort_by(|a, b| b.val_acc.total_cmp(&a.val_acc)),
            SortKey::Test => v.sort_by(|a, b| b.test_acc.total_cmp(&a.test_acc)),
            SortKey::Params => v.sort_by_key(|m| m.params),
            SortKey::Recent => v.reverse(),
        }
        v
    }

    pub fn elapsed(&self) -> Duration {
        let now = self.ended.unwrap_or_else(Instant::now) - self.started;
        now + Duration::from_secs_f64(self.prior_seconds)
    }

    /// The time the search ran, pauses left out: what its pace is measured over.
    pub fn running_time(&self) -> Duration {
        let pausing = self.paused_since.map_or(Duration::ZERO, |p| p.elapsed());
        self.elapsed().saturating_sub(self.paused_for + pausing)
    }

    /// The search paused (`true`) or went on: a pause counts in no pace, and the gap it
    /// leaves between two models' arrivals is taken out of the ETA's.
    pub fn set_paused(&mut self, paused: bool, now: Instant) {
        match (paused, self.paused_since) {
            (true, None) => self.paused_since = Some(now),
            (false, Some(since)) => {
                let pause = now.saturating_duration_since(since);
                self.paused_for += pause;
                self.paused_since = None;
                for t in self.model_arrivals.iter_mut() {
                    *t += pause;
                }
            }
            _ => {}
        }
    }

    /// A model arrived now: remember when, for the ETA.
    pub fn note_model_arrival(&mut self, at: Instant) {
        if self.model_arrivals.len() > ETA_WINDOW {
            self.model_arrivals.pop_front();
        }
        self.model_arrivals.push_back(at);
    }

    /// Time left, from the recent models only: the wall time between the last arrivals
    /// (which includes evaluation and Q-learning, not only training), or before two
    /// have arrived in this session, the training seconds of the last models.
    pub fn eta(&self) -> Option<Duration> {
        let done = self.run.history.models.len();
        if done < 2 || !matches!(self.status, RunStatus::Running) {
            return None;
        }
        let per = match (self.model_arrivals.front(), self.model_arrivals.back()) {
            (Some(first), Some(last)) if self.model_arrivals.len() >= 3 => {
                (*last - *first).as_secs_f64() / (self.model_arrivals.len() - 1) as f64
            }
            _ => {
                let recent = &self.run.history.models[done.saturating_sub(ETA_WINDOW)..];
                recent.iter().map(|m| m.seconds).sum::<f64>() / recent.len() as f64
            }
        };
        Some(Duration::from_secs_f64(
            per * self.max_models().saturating_sub(done) as f64,
        ))
    }

    /// Transitions in the replay memory and the batch the Q-network waits for, while
    /// it has not trained yet (its values are still those of its random start).
    pub fn q_warming_up(&self) -> Option<(usize, usize)> {
        let s = &self.run.settings.search;
        let steps = self.run.last_step.as_ref().map_or(0, |st| st.step + 1);
        // The values shown were computed before this step's transition was learned from.
        let untrained = steps <= s.q_batch || s.replay_capacity < s.q_batch;
        untrained.then_some((steps.min(s.replay_capacity), s.q_batch))
    }

    pub fn current_state(&self) -> GroupSet {
        self.run
            .last_step
            .as_ref()
            .map(|s| s.next_state)
            .unwrap_or_default()
    }

    /// Whether a search is in progress (not finished, failed or read-only).
    pub fn live(&self) -> bool {
        matches!(
            self.status,
            RunStatus::Starting | RunStatus::Replaying(..) | RunStatus::Running | RunStatus::Paused
        )
    }
}

/// The log line of a trained model.
pub fn model_line(m: &ModelRecord) -> String {
    format!(
        "model {}: {} -> val {:.2}% test {:.2}% ({} params, {:.1} s)",
        m.index,
        crate::engine::experiments::set_label(m.state),
        m.val_acc,
        m.test_acc,
        m.params,
        m.seconds
    )
}

/// Something a click can reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Pane(Pane),
    Setup(SetupFocus),
    Group(usize),
    Session(usize),
    /// The ground-truth map: where on it, the view's layout says.
    TruthMap,
}

/// Where the last draw put the clickable things, in drawing order.
#[derive(Default)]
pub struct HitMap(std::cell::RefCell<Vec<(Rect, Target)>>);

impl HitMap {
    pub fn clear(&self) {
        self.0.borrow_mut().clear();
    }

    pub fn add(&self, area: Rect, t: Target) {
        self.0.borrow_mut().push((area, t));
    }

    /// The last drawn target under (column, row): what is drawn on top.
    pub fn at(&self, column: u16, row: u16) -> Option<Target> {
        let p = Position::new(column, row);
        let map = self.0.borrow();
        map.iter()
            .rev()
            .find(|(r, _)| r.contains(p))
            .map(|(_, t)| *t)
    }
}
