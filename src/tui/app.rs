//! The TUI's application object: its state, the engine events it folds in, and the
//! engine calls it makes (start, resume, final evaluation, export) through the same
//! session API as the command line. Keys are handled in `input`.

pub use super::state::*;

use super::form::{Form, setup_specs};
use super::preview::{PreviewRequest, PreviewResult, PreviewService};
use super::theme::Theme;
use crate::engine::search::{Control, Event, SearchHandle, SettingChange};
use crate::engine::session;
use crate::engine::settings::Settings;
use crate::engine::snapshot::Snapshot;
use aen_core::data::{self, DatasetKind, Source};
use std::path::PathBuf;
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

/// Everything that wakes the UI loop, on one channel.
pub enum UiEvent {
    Key(crossterm::event::KeyEvent),
    Mouse(crossterm::event::MouseEvent),
    Resize,
    /// An engine event of the search started as number `.0`.
    Engine(u64, Event),
    Preview(PreviewResult),
    Eval(EvalState),
    /// Rows of the session browser whose read is number `.0`, read off the UI thread;
    /// `.2`: the folder is read.
    Sessions(u64, Vec<Entry>, bool),
    /// The session with the evaluation just run kept in it, or why it could not be.
    EvalKept(Result<Box<Snapshot>, String>),
    /// From the sweep or comparison of the ground-truth view number `.0`.
    Truth(u64, TruthEvent),
    /// A line for the log, from work done off the UI thread.
    Log(String),
}

pub struct App {
    pub screen: Screen,
    pub overlay: Option<Overlay>,
    pub setup: SetupState,
    pub dash: DashState,
    pub theme: Theme,
    /// The settings the set-up screen edits: the one copy the TUI keeps.
    pub settings: Settings,
    pub handle: Option<SearchHandle>,
    /// Counts searches started, so events of a replaced one are ignored.
    pub generation: u64,
    pub preview: Option<PreviewService>,
    /// The UI loop's channel; None when driven by tests, which call `on_engine`.
    pub ui: Option<Sender<UiEvent>>,
    pub quit: bool,
    /// Waiting for the engine to save before quitting.
    pub quitting: Option<Instant>,
    /// The help's furthest scroll at the size last drawn, so scrolling stops there.
    pub help_max_scroll: std::cell::Cell<u16>,
    /// The session file a prompt opened from the browser renames or annotates.
    pub editing: Option<PathBuf>,
    /// The session browser, kept while a prompt or a comparison opened from it is open.
    pub behind: Option<Browser>,
    /// Counts the reads of the sessions folder, so rows of an earlier one are ignored.
    pub reads: u64,
    /// What the last draw made clickable.
    pub hits: HitMap,
    /// The ground-truth view's state, kept while its overlay is closed (a sweep runs on).
    pub truth: Option<TruthView>,
    /// Where ground-truth tables are kept and looked for (None: nowhere, in tests).
    pub tables: Option<PathBuf>,
    /// The help was opened from the ground-truth view: it lists that view's keys, and
    /// closing it goes back there.
    pub help_from_truth: bool,
    /// Work started as engine tasks (sweeps, comparisons, evaluations, exports,
    /// listings), stopped and waited for when the TUI exits, so each cleans up.
    pub background: Vec<crate::engine::task::Background>,
}

impl App {
    /// A new app on the set-up screen. `preview` is None in tests that render only.
    pub fn new(settings: Settings, theme: Theme, preview: Option<PreviewService>) -> App {
        let data_dir = settings.data.data_dir.clone();
        let want = settings.source_kind();
        // Your own files are offered when --data-dir holds a data set.
        let sources: Vec<_> = DatasetKind::ALL
            .iter()
            .map(|&k| (k, data::available_sources(k, data_dir.as_deref())))
            .filter(|(_, list)| !list.is_empty())
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
                form: Form::new(setup_specs(), &settings, false),
                preview_seed: 1,
                preview_id: 0,
                preview: None,
            },
            dash: DashState::new(&settings),
            theme,
            settings,
            handle: None,
            generation: 0,
            preview,
            ui: None,
            quit: false,
            quitting: None,
            help_max_scroll: std::cell::Cell::new(0),
            editing: None,
            behind: None,
            reads: 0,
            background: Vec::new(),
            hits: Default::default(),
            truth: None,
            tables: crate::engine::sweep::tables_dir(),
            help_from_truth: false,
        };
        app.request_preview();
        app
    }

    pub fn mode(&self) -> super::keys::Mode {
        use super::keys::Mode;
        match &self.overlay {
            Some(Overlay::Form(_)) => Mode::Form,
            Some(Overlay::Sessions(_)) => Mode::Sessions,
            Some(Overlay::Truth) => self.truth_mode(),
            _ => self.screen_mode(),
        }
    }

    /// The ground-truth view's mode: what Enter does depends on the table.
    pub fn truth_mode(&self) -> super::keys::Mode {
        use super::keys::Mode;
        match &self.truth {
            Some(t) if t.sweep.is_some() => Mode::TruthSweeping,
            Some(t) if t.truth.is_some() => Mode::TruthComplete,
            _ => Mode::Truth,
        }
    }

    /// The mode of the screen under any overlay.
    pub fn screen_mode(&self) -> super::keys::Mode {
        use super::keys::Mode;
        match self.screen {
            Screen::Setup => Mode::Setup,
            Screen::Dashboard if self.dash.live() => Mode::Dashboard,
            Screen::Dashboard => Mode::Finished,
        }
    }

    pub fn selected_source(&self) -> (DatasetKind, Source) {
        let (k, list) = &self.setup.sources[self.setup.dataset];
        (
            *k,
            list[self.setup.source[self.setup.dataset].min(list.len() - 1)].clone(),
        )
    }

    /// The source the set-up screen has chosen for data set `kind`.
    fn source_of(&self, kind: DatasetKind) -> Source {
        let i = (self.setup.sources.iter().position(|(k, _)| *k == kind)).unwrap_or(0);
        let (_, list) = &self.setup.sources[i];
        list[self.setup.source[i].min(list.len() - 1)].clone()
    }

    pub fn request_preview(&mut self) {
        self.setup.preview_id += 1;
        let (kind, source) = self.selected_source();
        let req = PreviewRequest {
            id: self.setup.preview_id,
            kind,
            source,
            groups: self.settings.data.groups,
            shift: self.settings.shift(),
            resize: self.settings.data.resize,
            seed: self.setup.preview_seed,
            count: 6,
        };
        if let Some(p) = &self.preview {
            p.request(req);
        }
    }

    /// Opens the details of the models table's selected model, and asks for a
    /// preview of the run's G-data to show with them.
    pub fn open_model_details(&mut self) {
        let d = &self.dash;
        let Some(m) = d.sorted_models().get(d.table_offset).map(|m| (*m).clone()) else {
            self.dash.push_log("no model trained yet".into());
            return;
        };
        let (side, channels) = d.run.settings.input_dims();
        let shape = aen_core::orbits::Shape {
            side,
            channels,
            ..aen_core::orbits::Shape::MNIST
        };
        let orbits =
            aen_core::orbits::ChildOrbits::for_shape(shape, m.state, d.run.settings.shift())
                .map(|o| [o.l1.n_weight, o.l1.n_hidden, o.l2.n_weight, o.l2.n_hidden])
                .map_err(|e| e.to_string());
        let (data_groups, shift) = (d.run.settings.data.groups, d.run.settings.shift());
        let kind = d.run.settings.data.dataset;
        self.setup.preview_id += 1;
        let source = self.source_of(kind);
        if let Some(p) = &self.preview {
            p.request(PreviewRequest {
                id: self.setup.preview_id,
                kind,
                source,
                groups: data_groups,
                shift,
                resize: d.run.settings.data.resize,
                seed: self.setup.preview_seed,
                count: 3,
            });
        }
        self.overlay = Some(Overlay::Model(Box::new(ModelView {
            record: m,
            orbits,
            data_groups,
            preview_id: self.setup.preview_id,
        })));
    }

    pub fn on_preview(&mut self, r: PreviewResult) {
        if r.id == self.setup.preview_id {
            self.setup.preview = Some(r);
        }
    }

    /// Folds one event from the UI channel into the state.
    pub fn on_event(&mut self, e: UiEvent) {
        match e {
            UiEvent::Key(k) => self.on_key(k),
            UiEvent::Mouse(m) => self.on_mouse(m),
            UiEvent::Resize => {}
            UiEvent::Engine(g, ev) if g == self.generation => self.on_engine(ev),
            UiEvent::Engine(..) => {}
            UiEvent::Preview(r) => self.on_preview(r),
            UiEvent::Eval(s) => self.on_eval(s),
            UiEvent::Sessions(id, rows, done) => {
                if let Some(b) = self.browser_mut()
                    && b.reader.id == id
                {
                    b.append(rows, done);
                }
            }
            UiEvent::EvalKept(Ok(snap)) => {
                if let Some(e) = snap.latest_evaluation() {
                    let z = e.sizes;
                    self.dash.push_log(format!(
                        "the final evaluation is kept in the session (trained on {} / {} / {} images)",
                        z.train, z.val, z.test
                    ));
                    if let Some(n) = &e.note {
                        self.dash.push_log(format!("note: {n}"));
                    }
                }
                self.dash.snapshot = Some(*snap);
            }
            UiEvent::EvalKept(Err(e)) => self.dash.push_log(format!(
                "warning: the final evaluation could not be kept in the session: {e}"
            )),
            UiEvent::Truth(id, ev) => self.on_truth(id, ev),
            UiEvent::Log(line) => self.dash.push_log(line),
        }
    }

    /// Called on every wake-up: quits once the engine has saved, or after a grace period.
    /// Keeps task `t` (its updates already forwarded) to stop when the TUI exits.
    pub(super) fn keep<U: Send + 'static>(&mut self, t: crate::engine::task::Task<U>) {
        self.background.retain(|b| !b.is_finished());
        self.background.push(t.background());
    }

    pub fn tick(&mut self) {
        if let Some(t) = self.quitting
            && (self.handle.is_none() || t.elapsed() > Duration::from_secs(60))
        {
            self.quit = true;
        }
    }

    pub fn send(&mut self, c: Control) {
        if let Some(h) = &self.handle {
            h.send(c);
        }
    }

    /// Shows a new run's dashboard and forwards its events to the UI channel.
    fn attach(&mut self, handle: SearchHandle, settings: &Settings, path: PathBuf) {
        if let Some(h) = self.handle.take() {
            h.stop();
        }
        self.generation += 1;
        self.dash = DashState::new(settings);
        self.dash.snapshot_path = Some(path.clone());
        self.dash
            .push_log(format!("autosaving to {}", path.display()));
        if let Some(ui) = self.ui.clone() {
            let g = self.generation;
            handle.forward(move |ev| ui.send(UiEvent::Engine(g, ev)).is_ok());
        }
        self.handle = Some(handle);
        self.screen = Screen::Dashboard;
        self.dash.truth = self.truth_for(settings);
    }

    /// Events still waiting in the handle (when no UI channel forwards them: tests).
    #[cfg(feature = "testing")]
    pub fn drain(&mut self) {
        let mut events = Vec::new();
        if let Some(h) = &self.handle {
            while let Ok(e) = h.events().try_recv() {
                events.push(e);
            }
        }
        for e in events {
            self.on_engine(e);
        }
        self.tick();
    }

    pub fn start_new(&mut self) {
        let mut settings = self.settings.clone();
        let (kind, source) = self.selected_source();
        settings.data.dataset = kind;
        settings.data.source = source.kind.name().to_string();
        match session::start(settings.clone(), None, false) {
            Ok(h) => {
                if let Some(p) = super::remembered::default_path() {
                    super::remembered::save(&settings, &p);
                }
                self.settings = settings.clone();
                let path = h.path().to_path_buf();
                self.attach(h, &settings, path);
            }
            Err(e) => self.overlay = Some(Overlay::Error(format!("{e:#}"))),
        }
    }

    /// Resumes `snap` from `path` (`aen --resume PATH`, or the browser).
    pub fn resume_snapshot(&mut self, snap: Snapshot, path: PathBuf) -> Result<(), String> {
        self.resume_with(snap, path, Vec::new())
    }

    /// Resumes `snap` with live `changes` applied where it ends.
    pub fn resume_with(
        &mut self,
        snap: Snapshot,
        path: PathBuf,
        changes: Vec<SettingChange>,
    ) -> Result<(), String> {
        let settings = snap.settings.clone();
        let h = session::resume(snap, path.clone(), changes).map_err(|e| format!("{e:#}"))?;
        self.settings = settings.clone();
        self.setup.form.refresh(&self.settings);
        let into = h.path().to_path_buf();
        self.attach(h, &settings, into.clone());
        if into != path {
            self.dash.push_log(format!(
                "{} is a checkpoint and stays as it is: the run continues in {}",
                path.display(),
                into.display()
            ));
        }
        Ok(())
    }

    /// Opens the session at `path` (the tests' way in; the program resumes through
    /// `resume_snapshot` or the browser).
    #[cfg(feature = "testing")]
    pub fn resume(&mut self, path: PathBuf) -> Result<(), String> {
        let snap = crate::engine::snapshot::load(&path).map_err(|e| e.to_string())?;
        self.resume_snapshot(snap, path)
    }

    pub fn open_read_only(&mut self, snap: Snapshot, path: PathBuf) {
        if let Some(h) = self.handle.take() {
            h.stop();
        }
        self.generation += 1;
        // The settings in force at its end (its live changes applied), and the device
        // it ran on, as the session recorded them.
        let settings = snap.current_settings();
        let mut d = DashState::new(&settings);
        d.info = Some(crate::engine::search::RunInfo {
            dataset: snap.dataset.clone(),
            source: snap.source.clone(),
            data_groups: settings.data.groups,
            device: snap.device.clone(),
            settings: settings.clone(),
            snapshot_path: path.clone(),
            prior_seconds: snap.seconds,
        });
        d.run.last_step = snap.history.steps.last().cloned();
        d.run.history = snap.history.clone();
        d.status = RunStatus::ReadOnly;
        d.snapshot_path = Some(path.clone());
        d.prior_seconds = snap.seconds;
        d.ended = Some(d.started);
        d.show_kept_evaluation(&snap);
        d.push_log(format!(
            "opened {} read-only ({}, saved {})",
            path.display(),
            snap.dataset,
            snap.saved_at
        ));
        // The run's story in order: each model when its step came, each live change.
        let mut changes = snap.history.changes.iter().peekable();
        for m in &snap.history.models {
            while let Some((step, c)) = changes.next_if(|(s, _)| *s <= m.first_step) {
                d.push_log(format!("step {step}: applied {}", c.describe()));
            }
            d.push_log(super::state::model_line(m));
        }
        for (step, c) in changes {
            d.push_log(format!("step {step}: applied {}", c.describe()));
        }
        d.truth = self.truth_for(&snap.settings);
        d.snapshot = Some(snap);
        self.dash = d;
        self.screen = Screen::Dashboard;
    }

    /// Ask the engine to stop (it autosaves) and quit once it has.
    pub fn begin_quit(&mut self) {
        self.stop_sweep();
        if let Some(h) = &self.handle {
            h.stop();
            self.quitting = Some(Instant::now());
            self.dash
                .push_log("stopping: saving the session before quitting".into());
        } else {
            self.quit = true;
        }
    }
}
