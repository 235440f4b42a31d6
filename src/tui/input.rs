//! Keys: text overlays first, then the keymap's action for the current mode, applied
//! in one `update`.

use super::app::*;
use super::form::{Form, live_specs};
use super::keys::{self, Action, Mode};
use crate::engine::search::Control;
use aen_core::groups::{Group, GroupSet, NUM_GROUPS, PRESETS};
use crossterm::event::{KeyCode, KeyEvent, MouseButton, MouseEvent, MouseEventKind};

impl App {
    pub fn on_key(&mut self, key: KeyEvent) {
        if keys::is_ctrl_c(&key) {
            self.begin_quit();
            return;
        }
        if self.on_text_key(&key) {
            return;
        }
        let action = keys::action_for(self.mode(), &key);
        // A pending delete waits for `d` only: any other key, bound or not, keeps the file.
        if action != Some(Action::Delete)
            && let Some(Overlay::Sessions(b)) = &mut self.overlay
            && std::mem::take(&mut b.confirm_delete)
        {
            b.note = Some("kept: nothing was deleted".into());
        }
        // Likewise a pending open waits for Enter or v: any other key keeps the search.
        if !matches!(action, Some(Action::Apply | Action::ViewReadOnly))
            && let Some(Overlay::Sessions(b)) = &mut self.overlay
            && std::mem::take(&mut b.confirm_open)
        {
            b.note = Some("the search goes on: nothing was opened".into());
        }
        if let Some(action) = action {
            self.update(action);
        }
    }

    /// Overlays and fields that take text or a yes/no; true if the key was theirs.
    fn on_text_key(&mut self, key: &KeyEvent) -> bool {
        match &mut self.overlay {
            Some(Overlay::ConfirmQuit) => {
                self.overlay = None;
                if matches!(key.code, KeyCode::Char('y' | 'Y') | KeyCode::Enter) {
                    self.begin_quit();
                }
            }
            Some(Overlay::Help(scroll)) => {
                let max = self.help_max_scroll.get();
                match key.code {
                    KeyCode::Up | KeyCode::Char('k') => *scroll = scroll.saturating_sub(1),
                    KeyCode::Down | KeyCode::Char('j') => *scroll = (*scroll + 1).min(max),
                    KeyCode::PageUp => *scroll = scroll.saturating_sub(10),
                    KeyCode::PageDown => *scroll = (*scroll + 10).min(max),
                    _ if std::mem::take(&mut self.help_from_truth) => {
                        self.overlay = Some(Overlay::Truth)
                    }
                    _ => self.overlay = None,
                }
            }
            Some(Overlay::Compare(_)) => self.overlay = self.behind.take().map(Overlay::Sessions),
            Some(Overlay::Error(_) | Overlay::Eval | Overlay::Model(_) | Overlay::Analysis) => {
                self.overlay = None
            }
            Some(Overlay::Prompt(p)) => match key.code {
                KeyCode::Esc => {
                    self.overlay = None;
                    self.back_to_browser(None);
                }
                KeyCode::Enter => {
                    let (kind, text) = (p.kind, p.text.trim().to_string());
                    self.overlay = None;
                    self.on_prompt(kind, text);
                }
                KeyCode::Backspace => {
                    p.fresh = false;
                    p.text.pop();
                }
                // Ctrl and Alt chords are not text: Ctrl-U must not type a "u".
                KeyCode::Char(c) if !c.is_control() && !keys::is_chord(key) => {
                    if std::mem::take(&mut p.fresh) {
                        p.text.clear();
                    }
                    p.text.push(c);
                }
                KeyCode::Left | KeyCode::Right | KeyCode::End => p.fresh = false,
                _ => {}
            },
            Some(Overlay::Form(lf)) if lf.form.editing.is_some() => {
                edit_key(&mut lf.form, &mut lf.draft, key)
            }
            None if self.screen == Screen::Setup
                && self.setup.focus == SetupFocus::Settings
                && self.setup.form.editing.is_some() =>
            {
                edit_key(&mut self.setup.form, &mut self.settings, key);
                if key.code == KeyCode::Enter {
                    self.request_preview();
                }
            }
            _ => return false,
        }
        true
    }

    pub fn update(&mut self, action: Action) {
        if self.overlay.is_none()
            && self.dash.status == RunStatus::ReadOnly
            && matches!(self.mode(), Mode::Dashboard | Mode::Finished)
            && matches!(
                action,
                Action::Extend | Action::FinalEval | Action::Save | Action::Export
            )
        {
            self.dash.push_log(
                "read-only: nothing here writes (o, then Enter, opens the session to continue it)"
                    .into(),
            );
            return;
        }
        match self.mode() {
            Mode::Form => self.update_form(action),
            Mode::Sessions => self.update_sessions(action),
            Mode::Truth | Mode::TruthSweeping | Mode::TruthComplete => self.update_truth(action),
            Mode::Setup => self.update_setup(action),
            Mode::Dashboard | Mode::Finished => self.update_dashboard(action),
        }
    }

    fn update_form(&mut self, action: Action) {
        let Some(Overlay::Form(lf)) = &mut self.overlay else {
            return;
        };
        match action {
            Action::Up => lf.form.up(),
            Action::Down => lf.form.down(),
            Action::Left | Action::Right => {
                lf.form.cycle(action == Action::Right, &mut lf.draft);
            }
            Action::Reset => lf.form.reset(&mut lf.draft),
            Action::Edit => lf.form.enter(&mut lf.draft),
            Action::Close => self.overlay = None,
            Action::Apply if !lf.form.has_errors() => {
                let changes = lf.form.changes();
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

    fn update_setup(&mut self, action: Action) {
        let s = &mut self.setup;
        match action {
            Action::Help => self.overlay = Some(Overlay::Help(0)),
            Action::Quit => self.overlay = Some(Overlay::ConfirmQuit),
            Action::FocusNext | Action::FocusPrev => {
                let order = [SetupFocus::Data, SetupFocus::Groups, SetupFocus::Settings];
                let i = order.iter().position(|f| *f == s.focus).unwrap_or(0);
                let n = if action == Action::FocusNext {
                    i + 1
                } else {
                    i + 2
                };
                s.focus = order[n % 3];
            }
            Action::Up | Action::Down => self.move_setup(action == Action::Up),
            Action::Left | Action::Right if s.focus == SetupFocus::Settings => {
                s.form.cycle(action == Action::Right, &mut self.settings);
                self.request_preview();
            }
            Action::Reset if s.focus == SetupFocus::Settings => {
                s.form.reset(&mut self.settings);
                self.request_preview();
            }
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
            Action::Toggle if s.focus == SetupFocus::Groups => {
                let g = Group::ALL[s.group_cursor];
                self.settings.data.groups = self.settings.data.groups.toggle(g);
                self.request_preview();
            }
            Action::Toggle if s.focus == SetupFocus::Data => self.on_source_change(),
            Action::NextPreset => {
                let g = &mut self.settings.data.groups;
                let next = g.preset_index().map_or(0, |k| (k + 1) % PRESETS.len());
                *g = GroupSet::preset(next).unwrap_or_default();
                self.request_preview();
            }
            Action::Resample => {
                s.preview_seed = s.preview_seed.wrapping_add(1);
                self.request_preview();
            }
            Action::Edit if s.focus == SetupFocus::Settings => s.form.enter(&mut self.settings),
            Action::OpenSessions => self.open_sessions(),
            Action::GroundTruth => self.open_truth(),
            Action::Start if self.setup.form.has_errors() => self.refuse_start(),
            Action::Start => self.start_new(),
            _ => {}
        }
    }

    /// Names every bad setting (its pane may be hidden on small screens) and shows
    /// the first one in the form.
    fn refuse_start(&mut self) {
        let s = &mut self.setup;
        let bad: Vec<(usize, String)> = s
            .form
            .fields
            .iter()
            .enumerate()
            .filter_map(|(i, f)| f.error.clone().map(|e| (i, e)))
            .collect();
        if let Some((first, _)) = bad.first() {
            s.form.selected = *first;
            s.focus = SetupFocus::Settings;
        }
        let list: Vec<String> = bad.into_iter().map(|(_, e)| e).collect();
        self.overlay = Some(Overlay::Error(format!(
            "cannot start: {}. Fix it in Search settings (Enter edits).",
            list.join("; ")
        )));
    }

    fn move_setup(&mut self, up: bool) {
        let s = &mut self.setup;
        let step = |v: usize, max: usize| {
            if up {
                v.saturating_sub(1)
            } else {
                (v + 1).min(max)
            }
        };
        match s.focus {
            SetupFocus::Data => {
                s.dataset = step(s.dataset, s.sources.len() - 1);
                self.on_source_change();
            }
            SetupFocus::Groups => s.group_cursor = step(s.group_cursor, NUM_GROUPS - 1),
            SetupFocus::Settings if up => s.form.up(),
            SetupFocus::Settings => s.form.down(),
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
            Action::Help => self.overlay = Some(Overlay::Help(0)),
            Action::Quit => self.overlay = Some(Overlay::ConfirmQuit),
            Action::FocusNext | Action::FocusPrev => {
                let i = PANES.iter().position(|p| *p == d.focus).unwrap_or(0);
                let n = if action == Action::FocusNext {
                    i + 1
                } else {
                    i + PANES.len() - 1
                };
                d.focus = PANES[n % PANES.len()];
            }
            Action::Zoom => d.zoom = !d.zoom,
            Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Oldest
            | Action::Newest => scroll(d, action),
            Action::Filter => self.ask_filter(),
            Action::Sort => {
                d.sort = d.sort.next();
                d.table_offset = 0;
            }
            Action::PauseResume => match d.status {
                RunStatus::Paused => self.send(Control::Resume),
                RunStatus::Running => {
                    d.push_log("pausing after the model in training...".into());
                    self.send(Control::Pause)
                }
                RunStatus::ReadOnly => {
                    d.push_log("read-only: nothing runs here (o, then Enter, resumes it)".into())
                }
                RunStatus::Finished(_) | RunStatus::Failed => {
                    d.push_log("search ended: e evaluates, x exports, n new search".into())
                }
                _ => d.push_log("the search is starting; nothing to pause yet".into()),
            },
            Action::Tweaks if self.handle.is_some() => {
                let draft = d.run.settings.clone();
                self.overlay = Some(Overlay::Form(Box::new(LiveForm {
                    form: Form::new(live_specs(draft.search.strategy), &draft, true),
                    draft,
                })));
            }
            Action::Tweaks => d.push_log("no search is running; nothing to tweak".into()),
            Action::Save => {
                let default = chrono::Local::now()
                    .format("session-%Y%m%d-%H%M%S")
                    .to_string();
                self.overlay = Some(Overlay::Prompt(PromptState::new(Prompt::SaveName, default)));
            }
            Action::FinalEval => self.start_eval(),
            Action::Export => self.ask_export(),
            Action::Details => self.open_model_details(),
            Action::Analysis => self.overlay = Some(Overlay::Analysis),
            Action::OpenSessions => self.open_sessions(),
            Action::GroundTruth => self.open_truth(),
            Action::Extend if self.handle.is_none() && d.snapshot_path.is_some() => {
                self.ask_extend()
            }
            Action::NewSearch if self.handle.is_none() => {
                self.screen = Screen::Setup;
                self.request_preview();
            }
            _ => {}
        }
    }
}

/// A key while a form field is being edited.
fn edit_key(form: &mut Form, settings: &mut crate::engine::settings::Settings, key: &KeyEvent) {
    match key.code {
        KeyCode::Esc => {
            form.cancel_edit();
        }
        KeyCode::Enter => form.enter(settings),
        KeyCode::Backspace => form.backspace(),
        KeyCode::Delete => form.delete(),
        KeyCode::Left => form.move_cursor(-1),
        KeyCode::Right => form.move_cursor(1),
        KeyCode::Home => form.move_cursor(isize::MIN),
        KeyCode::End => form.move_cursor(isize::MAX),
        KeyCode::Char(_) if keys::is_chord(key) => {}
        KeyCode::Char(c) => form.type_char(c),
        _ => {}
    }
}

/// The mouse: a click focuses the pane under it, toggles a group, selects a saved
/// session or puts the ground-truth map's cursor on a cell; the wheel scrolls what
/// the keys would, or the ground-truth view's text (its arrows move the cursor).
/// Each draw records where its clickable things are ([`HitMap`]), so a click always
/// means what is on screen.
impl App {
    pub fn on_mouse(&mut self, m: MouseEvent) {
        match m.kind {
            // The ground-truth view's arrows move its cursor: the wheel scrolls its text.
            MouseEventKind::ScrollUp | MouseEventKind::ScrollDown
                if matches!(self.overlay, Some(Overlay::Truth)) =>
            {
                if let Some(t) = &mut self.truth {
                    t.scroll_text(match m.kind {
                        MouseEventKind::ScrollUp => -3,
                        _ => 3,
                    });
                }
            }
            MouseEventKind::ScrollUp => self.update(Action::Up),
            MouseEventKind::ScrollDown => self.update(Action::Down),
            MouseEventKind::Down(MouseButton::Left) => match self.hits.at(m.column, m.row) {
                Some(Target::TruthMap) => {
                    if let (Some(Overlay::Truth), Some(t)) = (&self.overlay, &mut self.truth) {
                        t.click_map(m.column, m.row);
                    }
                }
                Some(t) => self.click(t),
                None => {}
            },
            _ => {}
        }
    }

    fn click(&mut self, t: Target) {
        match (&mut self.overlay, t) {
            (Some(Overlay::Sessions(b)), Target::Session(i)) => {
                b.selected = i.min(b.visible().len().saturating_sub(1));
                b.confirm_delete = false;
            }
            // Anything else under an open overlay is covered by it.
            (Some(_), _) => {}
            (None, Target::Pane(p)) => self.dash.focus = p,
            (None, Target::Setup(f)) => self.setup.focus = f,
            (None, Target::Group(i)) => {
                self.setup.focus = SetupFocus::Groups;
                self.setup.group_cursor = i;
                self.update(Action::Toggle);
            }
            (None, Target::Session(_) | Target::TruthMap) => {}
        }
    }
}

/// ↑/↓ (a line), PgUp/PgDn (a page), Home/End on the dashboard: the log's offset
/// counts lines back from the newest (0 follows new lines), the models table's rows
/// down from its top.
fn scroll(d: &mut DashState, action: Action) {
    let page = match action {
        Action::Up | Action::Down => 1,
        _ => 10,
    };
    let action = match action {
        Action::Up => Action::PageUp,
        Action::Down => Action::PageDown,
        a => a,
    };
    let log = d.focus == Pane::Log;
    let rows = d.sorted_models().len();
    let (offset, len) = match log {
        true => (&mut d.log_offset, d.log.len()),
        false => (&mut d.table_offset, rows),
    };
    let last = len.saturating_sub(1);
    *offset = match (action, log) {
        (Action::PageUp, true) | (Action::PageDown, false) => (*offset + page).min(last),
        (Action::PageDown, true) | (Action::PageUp, false) => offset.saturating_sub(page),
        (Action::Oldest, true) | (Action::Newest, false) => last,
        _ => 0,
    };
}
