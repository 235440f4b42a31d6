//! TUI state and its one `update` function. Rendering reads this state by reference
//! (see `setup_view`, `dashboard`, `overlay`); nothing here draws.

use super::form::{Form, LIVE_FIELDS, SETUP_FIELDS};
use super::keys::{self, Action, Mode};
use super::preview::{PreviewRequest, PreviewResult, PreviewService};
use super::theme::Theme;
use crate::config::Settings;
use crate::data::{self, DatasetKind, Source};
use crate::groups::{Group, GroupSet, NUM_GROUPS, PRESETS};
use crate::search::{
    self, Control, Event, FinishReason, History, RunInfo, SearchHandle, StepRecord,
};
use crate::snapshot::{self, Snapshot};
use crate::train::TrainProgress;
use crossterm::event::{KeyCode, KeyEvent};
use std::collections::VecDeque;
use std::path::PathBuf;
use std::time::{Duration, Instant};

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

pub const PANES: [Pane; 7] = [
    Pane::QValues,
    Pane::Accuracy,
    Pane::Rewards,
    Pane::State,
    Pane::Params,
    Pane::Best,
    Pane::Log,
];

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

pub struct Browser {
    pub entries: Vec<(PathBuf, Result<Snapshot, String>)>,
    pub selected: usize,
    pub dir: Option<PathBuf>,
}

pub enum Overlay {
    Help,
    Form(Box<Form>),
    Sessions(Browser),
    SaveName(String),
    ConfirmQuit,
    Error(String),
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

pub struct DashState {
    pub info: Option<RunInfo>,
    pub history: History,
    pub current_rewards: Vec<f64>,
    pub last_step: Option<StepRecord>,
    pub status: RunStatus,
    pub training: Option<(GroupSet, TrainProgress)>,
    pub log: VecDeque<String>,
    pub focus: Pane,
    pub zoom: bool,
    pub sort: SortKey,
    pub table_offset: usize,
    pub log_offset: usize,
    pub started: Instant,
    /// When the search ended, to stop the elapsed clock.
    pub ended: Option<Instant>,
    pub max_models: usize,
    pub snapshot_path: Option<PathBuf>,
    pub settings: Settings,
}

impl DashState {
    pub fn new(settings: &Settings) -> DashState {
        DashState {
            info: None,
            history: History::default(),
            current_rewards: Vec::new(),
            last_step: None,
            status: RunStatus::Starting,
            training: None,
            log: VecDeque::new(),
            focus: Pane::QValues,
            zoom: false,
            sort: SortKey::Val,
            table_offset: 0,
            log_offset: 0,
            started: Instant::now(),
            ended: None,
            max_models: settings.search.max_models,
            snapshot_path: None,
            settings: settings.clone(),
        }
    }

    pub fn push_log(&mut self, line: String) {
        super::logfile::write(&line);
        if self.log.len() == LOG_LINES {
            self.log.pop_front();
        }
        self.log.push_back(line);
    }

    /// Models sorted for the best-models table.
    pub fn sorted_models(&self) -> Vec<&search::ModelRecord> {
        let mut v: Vec<_> = self.history.models.iter().collect();
        match self.sort {
            SortKey::Val => v.sort_by(|a, b| b.val_acc.total_cmp(&a.val_acc)),
            SortKey::Test => v.sort_by(|a, b| b.test_acc.total_cmp(&a.test_acc)),
            SortKey::Params => v.sort_by_key(|m| m.params),
            SortKey::Recent => v.reverse(),
        }
        v
    }

    pub fn elapsed(&self) -> Duration {
        self.ended.unwrap_or_else(Instant::now) - self.started
    }

    /// Seconds left, from the mean time per model so far.
    pub fn eta(&self) -> Option<Duration> {
        let done = self.history.models.len();
        if done < 2 || !matches!(self.status, RunStatus::Running) {
            return None;
        }
        let per = self.history.models.iter().map(|m| m.seconds).sum::<f64>() / done as f64;
        Some(Duration::from_secs_f64(
            per * self.max_models.saturating_sub(done) as f64,
        ))
    }

    pub fn current_state(&self) -> GroupSet {
        self.last_step
            .as_ref()
            .map(|s| s.next_state)
            .unwrap_or_default()
    }
}

pub struct App {
    pub screen: Screen,
    pub overlay: Option<Overlay>,
    pub setup: SetupState,
    pub dash: DashState,
    pub theme: Theme,
    pub settings: Settings,
    pub handle: Option<SearchHandle>,
    pub preview: Option<PreviewService>,
    pub quit: bool,
    /// Waiting for the engine to save before quitting.
    pub quitting: Option<Instant>,
}

impl App {
    /// A new app on the set-up screen. `preview` is None in tests that render only.
    pub fn new(settings: Settings, theme: Theme, preview: Option<PreviewService>) -> App {
        let data_dir = settings.data.data_dir.clone();
        let want = settings.source_kind().ok().flatten();
        let sources: Vec<_> = DatasetKind::ALL
            .iter()
            .map(|&k| (k, data::available_sources(k, data_dir.as_deref())))
            .collect();
        let dataset = DatasetKind::ALL
            .iter()
            .position(|&k| k == settings.data.dataset)
            .unwrap_or(0);
        let source = sources
            .iter()
            .map(|(_, list)| {
                want.and_then(|w| list.iter().position(|s| s.kind == w))
                    .unwrap_or(0)
            })
            .collect();
        let mut app = App {
            screen: Screen::Setup,
            overlay: None,
            setup: SetupState {
                sources,
                dataset,
                source,
                focus: SetupFocus::Groups,
                group_cursor: 0,
                form: Form::new(SETUP_FIELDS, &settings, false),
                preview_seed: 1,
                preview_id: 0,
                preview: None,
            },
            dash: DashState::new(&settings),
            theme,
            settings,
            handle: None,
            preview,
            quit: false,
            quitting: None,
        };
        app.request_preview();
        app
    }

    pub fn mode(&self) -> Mode {
        match (&self.overlay, self.screen) {
            (Some(Overlay::Form(_)), _) => Mode::Form,
            (Some(Overlay::Sessions(_)), _) => Mode::Sessions,
            (_, Screen::Setup) => Mode::Setup,
            (_, Screen::Dashboard) => Mode::Dashboard,
        }
    }

    pub fn selected_source(&self) -> (DatasetKind, Source) {
        let (k, list) = &self.setup.sources[self.setup.dataset];
        (
            *k,
            list[self.setup.source[self.setup.dataset].min(list.len() - 1)].clone(),
        )
    }

    pub fn request_preview(&mut self) {
        self.setup.preview_id += 1;
        let (kind, source) = self.selected_source();
        let req = PreviewRequest {
            id: self.setup.preview_id,
            kind,
            source,
            groups: self.settings.data.groups,
            step: self.setup.form.settings.data.step,
            seed: self.setup.preview_seed,
            count: 6,
        };
        if let Some(p) = &self.preview {
            p.request(req);
        }
    }

    pub fn on_preview(&mut self, r: PreviewResult) {
        if r.id == self.setup.preview_id {
            self.setup.preview = Some(r);
        }
    }

    /// Drains the engine's and the preview's channels; never blocks.
    pub fn drain(&mut self) {
        let mut events = Vec::new();
        if let Some(h) = &self.handle {
            while let Ok(e) = h.events.try_recv() {
                events.push(e);
            }
        }
        for e in events {
            self.on_engine(e);
        }
        let mut previews = Vec::new();
        if let Some(p) = &self.preview {
            while let Ok(r) = p.results.try_recv() {
                previews.push(r);
            }
        }
        for r in previews {
            self.on_preview(r);
        }
        if let Some(t) = self.quitting {
            // Quit once the engine has saved, or after a grace period.
            if self.handle.is_none() || t.elapsed() > Duration::from_secs(60) {
                self.quit = true;
            }
        }
    }

    pub fn on_engine(&mut self, e: Event) {
        let d = &mut self.dash;
        match e {
            Event::Started(info) => {
                d.push_log(format!(
                    "started on {} ({}), {}",
                    info.dataset, info.source, info.device
                ));
                d.snapshot_path = Some(info.snapshot_path.clone());
                d.max_models = info.settings.search.max_models;
                d.settings = info.settings.clone();
                d.info = Some(*info);
                d.status = RunStatus::Running;
            }
            Event::Replaying { done, total } => d.status = RunStatus::Replaying(done, total),
            Event::History(h) => {
                // The episode still running is the one after the last that ended.
                d.current_rewards = h
                    .steps
                    .iter()
                    .filter(|s| s.episode == h.episodes.len())
                    .map(|s| s.reward)
                    .collect();
                d.last_step = h.steps.last().cloned();
                d.history = *h;
                if matches!(d.status, RunStatus::Replaying(..) | RunStatus::Starting) {
                    d.status = RunStatus::Running;
                }
            }
            Event::Step(s) => {
                d.current_rewards.push(s.reward);
                d.history.steps.push((*s).clone());
                d.last_step = Some(*s);
                d.training = None;
            }
            Event::EpisodeEnd(ep) => {
                d.push_log(format!(
                    "episode {} ended: total reward {}",
                    ep.episode,
                    super::dashboard::fmt_num(ep.total_reward)
                ));
                d.history.episodes.push(ep);
                d.current_rewards.clear();
            }
            Event::ModelTrained(m) => {
                d.training = None;
                d.push_log(format!(
                    "model {}: {} -> val {:.2}% test {:.2}% ({} params, {:.1} s)",
                    m.index,
                    crate::experiments::set_label(m.state),
                    m.val_acc,
                    m.test_acc,
                    m.params,
                    m.seconds
                ));
                d.history.models.push(m);
            }
            Event::Training { state, progress } => d.training = Some((state, progress)),
            Event::SettingChanged { step, change } => {
                let _ = change.apply(&mut d.settings);
                if let search::SettingChange::MaxModels(m) = change {
                    d.max_models = m;
                }
                d.push_log(format!("step {step}: applied {}", change.describe()));
                d.history.changes.push((step, change));
            }
            Event::SettingRefused { change, reason } => {
                d.push_log(format!("refused {}: {reason}", change.describe()))
            }
            Event::Paused => {
                d.status = RunStatus::Paused;
                d.push_log("paused".into());
            }
            Event::Unpaused => {
                d.status = RunStatus::Running;
                d.push_log("resumed".into());
            }
            Event::Saved(p) => d.push_log(format!("saved {}", p.display())),
            Event::Log(m) => d.push_log(m),
            Event::Error(msg) => {
                d.status = RunStatus::Failed;
                d.push_log(format!("error: {msg}"));
                self.overlay = Some(Overlay::Error(msg));
                self.handle = None;
            }
            Event::Finished { reason, snapshot } => {
                d.training = None;
                d.push_log(format!(
                    "finished ({reason:?}); snapshot {}",
                    snapshot
                        .as_ref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_else(|| "not saved".into())
                ));
                d.status = RunStatus::Finished(reason);
                d.ended = Some(Instant::now());
                if let Some(h) = self.handle.take() {
                    h.join();
                }
            }
        }
    }

    fn send(&mut self, c: Control) {
        if let Some(h) = &self.handle {
            let _ = h.control.send(c);
        }
    }

    fn start_search(&mut self, settings: Settings, resume: Option<Snapshot>, path: PathBuf) {
        if let Some(h) = self.handle.take() {
            h.stop();
        }
        self.dash = DashState::new(&settings);
        self.dash.snapshot_path = Some(path.clone());
        self.dash
            .push_log(format!("autosaving to {}", path.display()));
        self.handle = Some(search::spawn(settings, resume, path));
        self.screen = Screen::Dashboard;
    }

    pub fn open_read_only(&mut self, snap: Snapshot, path: PathBuf) {
        if let Some(h) = self.handle.take() {
            h.stop();
        }
        let mut d = DashState::new(&snap.settings);
        d.last_step = snap.history.steps.last().cloned();
        d.history = snap.history;
        d.status = RunStatus::ReadOnly;
        d.snapshot_path = Some(path.clone());
        d.push_log(format!(
            "opened {} read-only ({}, saved {})",
            path.display(),
            snap.dataset,
            snap.saved_at
        ));
        self.dash = d;
        self.screen = Screen::Dashboard;
    }

    /// Opens `path` and resumes it (`aen --resume PATH`, or the browser).
    pub fn resume(&mut self, path: PathBuf) -> Result<(), String> {
        let snap = snapshot::load(&path).map_err(|e| e.to_string())?;
        self.settings = snap.settings.clone();
        self.start_search(snap.settings.clone(), Some(snap), path);
        Ok(())
    }

    fn open_sessions(&mut self) {
        let dir = snapshot::sessions_dir();
        let entries = dir
            .as_deref()
            .map(snapshot::list)
            .unwrap_or_default()
            .into_iter()
            .map(|(p, r)| (p, r.map_err(|e| e.to_string())))
            .collect();
        self.overlay = Some(Overlay::Sessions(Browser {
            entries,
            selected: 0,
            dir,
        }));
    }

    /// Ask the engine to stop (it autosaves) and quit once it has.
    pub fn begin_quit(&mut self) {
        if let Some(h) = &self.handle {
            h.stop();
            self.quitting = Some(Instant::now());
            self.dash
                .push_log("stopping: saving the session before quitting".into());
        } else {
            self.quit = true;
        }
    }

    pub fn on_key(&mut self, key: KeyEvent) {
        if keys::is_ctrl_c(&key) {
            self.begin_quit();
            return;
        }
        // Overlays that take text or a yes/no come first.
        match &mut self.overlay {
            Some(Overlay::ConfirmQuit) => {
                match key.code {
                    KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => self.begin_quit(),
                    _ => {}
                }
                self.overlay = None;
                return;
            }
            Some(Overlay::Error(_)) | Some(Overlay::Help) => {
                self.overlay = None;
                return;
            }
            Some(Overlay::SaveName(name)) => {
                match key.code {
                    KeyCode::Esc => self.overlay = None,
                    KeyCode::Enter => {
                        let mut n = name.trim().to_string();
                        if !n.ends_with(".json") {
                            n.push_str(".json");
                        }
                        let dir = snapshot::sessions_dir().unwrap_or_else(|| PathBuf::from("."));
                        let path = if n.contains('/') {
                            PathBuf::from(n)
                        } else {
                            dir.join(n)
                        };
                        self.overlay = None;
                        self.dash.push_log(format!("saving {}", path.display()));
                        if self.handle.is_some() {
                            self.send(Control::Save(Some(path)));
                        } else {
                            self.dash.push_log("nothing running to save".into());
                        }
                    }
                    KeyCode::Backspace => {
                        name.pop();
                    }
                    KeyCode::Char(c) if !c.is_control() => name.push(c),
                    _ => {}
                }
                return;
            }
            Some(Overlay::Form(form)) if form.editing.is_some() => {
                match key.code {
                    KeyCode::Esc => {
                        form.cancel_edit();
                    }
                    KeyCode::Enter => form.enter(),
                    KeyCode::Backspace => form.backspace(),
                    KeyCode::Char(c) => form.type_char(c),
                    _ => {}
                }
                return;
            }
            _ => {}
        }
        if self.screen == Screen::Setup
            && self.overlay.is_none()
            && self.setup.focus == SetupFocus::Settings
            && let Some(_t) = &self.setup.form.editing
        {
            match key.code {
                KeyCode::Esc => {
                    self.setup.form.cancel_edit();
                }
                KeyCode::Enter => {
                    self.setup.form.enter();
                    self.settings = merge_setup(&self.settings, &self.setup.form.settings);
                    self.request_preview();
                }
                KeyCode::Backspace => self.setup.form.backspace(),
                KeyCode::Char(c) => self.setup.form.type_char(c),
                _ => {}
            }
            return;
        }
        let Some(action) = keys::action_for(self.mode(), &key) else {
            return;
        };
        self.update(action);
    }

    pub fn update(&mut self, action: Action) {
        match self.mode() {
            Mode::Form => self.update_form(action),
            Mode::Sessions => self.update_sessions(action),
            Mode::Setup => self.update_setup(action),
            Mode::Dashboard => self.update_dashboard(action),
        }
    }

    fn update_form(&mut self, action: Action) {
        let Some(Overlay::Form(form)) = &mut self.overlay else {
            return;
        };
        match action {
            Action::Up => form.up(),
            Action::Down => form.down(),
            Action::Edit => form.enter(),
            Action::Close => self.overlay = None,
            Action::Apply => {
                if form.has_errors() {
                    return;
                }
                let changes = form.changes();
                self.overlay = None;
                if changes.is_empty() {
                    self.dash.push_log("no settings changed".into());
                }
                for c in changes {
                    self.dash.push_log(format!("sent {}", c.describe()));
                    self.send(Control::Set(c));
                }
            }
            _ => {}
        }
    }

    fn update_sessions(&mut self, action: Action) {
        let Some(Overlay::Sessions(b)) = &mut self.overlay else {
            return;
        };
        match action {
            Action::Up => b.selected = b.selected.saturating_sub(1),
            Action::Down => b.selected = (b.selected + 1).min(b.entries.len().saturating_sub(1)),
            Action::Close => self.overlay = None,
            Action::Apply | Action::ViewReadOnly => {
                let Some((path, snap)) = b.entries.get(b.selected) else {
                    return;
                };
                let path = path.clone();
                match snap {
                    Err(e) => self.overlay = Some(Overlay::Error(e.clone())),
                    Ok(s) => {
                        let s = s.clone();
                        self.overlay = None;
                        if action == Action::ViewReadOnly {
                            self.open_read_only(s, path);
                        } else {
                            self.settings = s.settings.clone();
                            self.start_search(s.settings.clone(), Some(s), path);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn update_setup(&mut self, action: Action) {
        let s = &mut self.setup;
        match action {
            Action::Help => self.overlay = Some(Overlay::Help),
            Action::Quit => self.overlay = Some(Overlay::ConfirmQuit),
            Action::FocusNext | Action::FocusPrev => {
                let order = [SetupFocus::Data, SetupFocus::Groups, SetupFocus::Settings];
                let i = order.iter().position(|f| *f == s.focus).unwrap_or(0);
                let n = if action == Action::FocusNext {
                    (i + 1) % 3
                } else {
                    (i + 2) % 3
                };
                s.focus = order[n];
            }
            Action::Up => match s.focus {
                SetupFocus::Data => {
                    s.dataset = s.dataset.saturating_sub(1);
                    self.on_source_change();
                }
                SetupFocus::Groups => s.group_cursor = s.group_cursor.saturating_sub(1),
                SetupFocus::Settings => s.form.up(),
            },
            Action::Down => match s.focus {
                SetupFocus::Data => {
                    s.dataset = (s.dataset + 1).min(s.sources.len() - 1);
                    self.on_source_change();
                }
                SetupFocus::Groups => s.group_cursor = (s.group_cursor + 1).min(NUM_GROUPS - 1),
                SetupFocus::Settings => s.form.down(),
            },
            Action::Left | Action::Right => {
                let n = s.sources[s.dataset].1.len();
                let cur = &mut s.source[s.dataset];
                *cur = if action == Action::Right {
                    (*cur + 1) % n
                } else {
                    (*cur + n - 1) % n
                };
                self.on_source_change();
            }
            Action::Toggle => {
                if s.focus == SetupFocus::Groups {
                    let g = Group::ALL[s.group_cursor];
                    self.settings.data.groups = self.settings.data.groups.toggle(g);
                    self.request_preview();
                } else if s.focus == SetupFocus::Data {
                    self.on_source_change();
                }
            }
            Action::NextPreset => {
                let next = self
                    .settings
                    .data
                    .groups
                    .preset_index()
                    .map_or(0, |k| (k + 1) % PRESETS.len());
                self.settings.data.groups = GroupSet::preset(next).unwrap_or_default();
                self.request_preview();
            }
            Action::Resample => {
                s.preview_seed = s.preview_seed.wrapping_add(1);
                self.request_preview();
            }
            Action::Edit if s.focus == SetupFocus::Settings => s.form.enter(),
            Action::OpenSessions => self.open_sessions(),
            Action::Start => {
                if self.setup.form.has_errors() {
                    self.overlay = Some(Overlay::Error(
                        "fix the settings marked in red before starting".into(),
                    ));
                    return;
                }
                let mut settings = merge_setup(&self.settings, &self.setup.form.settings);
                let (kind, source) = self.selected_source();
                settings.data.dataset = kind;
                settings.data.source = source.kind.name().to_string();
                if let Err(e) = settings.validate() {
                    self.overlay = Some(Overlay::Error(e.to_string()));
                    return;
                }
                self.settings = settings.clone();
                self.start_search(settings, None, search::default_snapshot_path());
            }
            _ => {}
        }
    }

    fn on_source_change(&mut self) {
        let (kind, source) = self.selected_source();
        self.settings.data.dataset = kind;
        self.settings.data.source = source.kind.name().to_string();
        self.request_preview();
    }

    fn update_dashboard(&mut self, action: Action) {
        let d = &mut self.dash;
        match action {
            Action::Help => self.overlay = Some(Overlay::Help),
            Action::Quit => self.overlay = Some(Overlay::ConfirmQuit),
            Action::FocusNext | Action::FocusPrev => {
                let i = PANES.iter().position(|p| *p == d.focus).unwrap_or(0);
                let n = if action == Action::FocusNext {
                    (i + 1) % PANES.len()
                } else {
                    (i + PANES.len() - 1) % PANES.len()
                };
                d.focus = PANES[n];
            }
            Action::Zoom => d.zoom = !d.zoom,
            Action::Up => match d.focus {
                Pane::Log => d.log_offset = (d.log_offset + 1).min(d.log.len().saturating_sub(1)),
                _ => d.table_offset = d.table_offset.saturating_sub(1),
            },
            Action::Down => match d.focus {
                Pane::Log => d.log_offset = d.log_offset.saturating_sub(1),
                _ => {
                    d.table_offset =
                        (d.table_offset + 1).min(d.history.models.len().saturating_sub(1))
                }
            },
            Action::Sort => {
                d.sort = d.sort.next();
                d.table_offset = 0;
            }
            Action::PauseResume => match d.status {
                RunStatus::Paused => self.send(Control::Resume),
                RunStatus::Running => self.send(Control::Pause),
                _ => {}
            },
            Action::Tweaks => {
                if self.handle.is_some() {
                    self.overlay = Some(Overlay::Form(Box::new(Form::new(
                        LIVE_FIELDS,
                        &self.dash.settings,
                        true,
                    ))));
                } else {
                    self.dash
                        .push_log("no search is running; nothing to tweak".into());
                }
            }
            Action::Save => {
                let default = chrono::Local::now()
                    .format("session-%Y%m%d-%H%M%S")
                    .to_string();
                self.overlay = Some(Overlay::SaveName(default));
            }
            Action::OpenSessions => self.open_sessions(),
            Action::NewSearch if self.handle.is_none() => {
                self.screen = Screen::Setup;
                self.request_preview();
            }
            _ => {}
        }
    }
}

/// The set-up form edits search and child settings; data set and groups come from the
/// other set-up panes.
fn merge_setup(current: &Settings, form: &Settings) -> Settings {
    let mut s = form.clone();
    s.data.dataset = current.data.dataset;
    s.data.source = current.data.source.clone();
    s.data.data_dir = current.data.data_dir.clone();
    s.data.groups = current.data.groups;
    s
}
