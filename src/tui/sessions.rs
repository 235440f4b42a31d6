//! The session browser's keys: resume, open read-only, rename, delete, note and tag,
//! filter, mark and compare; and the read of the folder that fills it.

use super::app::*;
use super::keys::Action;
use crate::engine::task::Update;
use crate::engine::{session, snapshot, start};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long the folder's reader gathers rows before it sends them: rows from the index
/// arrive together, rows read from their files as they come, without a redraw each.
const BATCH: Duration = Duration::from_millis(50);

impl App {
    /// Keys in the session browser.
    pub(super) fn update_sessions(&mut self, action: Action) {
        let running = self.running_path().map(Path::to_path_buf);
        let Some(Overlay::Sessions(b)) = &mut self.overlay else {
            return;
        };
        let running = running.or_else(|| b.running.clone());
        let selected = b.current().map(|(p, _)| p.clone());
        match action {
            Action::Up => b.selected = b.selected.saturating_sub(1),
            Action::Down => b.selected = (b.selected + 1).min(b.visible().len().saturating_sub(1)),
            Action::Close if b.filter.is_some() => {
                b.set_filter(None);
                b.note = Some("filter cleared: every session is shown".into());
            }
            Action::Close => self.overlay = None,
            Action::Toggle => b.toggle_mark(),
            Action::Compare => self.sessions_compare(),
            Action::Filter => {
                let text = b.filter.clone().unwrap_or_default();
                self.ask(Prompt::SessionFilter, text, None);
            }
            Action::Note | Action::Tags => self.sessions_annotate(action, running),
            Action::Delete => {
                let (Some(path), Some(i)) = (selected, b.pick()) else {
                    return;
                };
                if running.as_deref() == Some(path.as_path()) {
                    b.note = Some("this session is running: stop it before deleting it".into());
                } else if !std::mem::take(&mut b.confirm_delete) {
                    b.confirm_delete = true;
                    b.note = Some(format!(
                        "press d again to delete {} (any other key keeps it)",
                        file_name(&path)
                    ));
                } else {
                    b.note = Some(match std::fs::remove_file(&path) {
                        Ok(()) => {
                            b.remove(i);
                            format!("deleted {}", file_name(&path))
                        }
                        Err(e) => format!("cannot delete {}: {e}", path.display()),
                    });
                }
            }
            Action::Rename => {
                let Some(path) = selected else { return };
                let stem =
                    (path.file_stem()).map_or(String::new(), |s| s.to_string_lossy().to_string());
                self.ask(Prompt::Rename, stem, Some(path));
            }
            Action::Apply | Action::ViewReadOnly => self.sessions_open(action, running),
            _ => {}
        }
    }

    /// `n` or `t`: asks for the selected session's note or tags, unless a search is
    /// writing it or it cannot be read.
    fn sessions_annotate(&mut self, action: Action, running: Option<PathBuf>) {
        let Some(Overlay::Sessions(b)) = &mut self.overlay else {
            return;
        };
        let Some((path, s)) = b.current().map(|(p, s)| (p.clone(), s.clone())) else {
            return;
        };
        match s {
            _ if running.as_deref() == Some(path.as_path()) => b.note = Some(
                "a search is writing this session now, and would overwrite a note: add it once the search has ended (q stops and saves it)".into(),
            ),
            Err(e) => b.note = Some(format!("cannot annotate an unreadable session: {e}")),
            Ok(s) if action == Action::Note => self.ask(Prompt::Note, s.note, Some(path)),
            Ok(s) => self.ask(Prompt::Tags, s.tags.join(", "), Some(path)),
        }
    }

    /// Enter or `v`: the selected session resumed or opened read-only, read whole;
    /// while another search runs, asked first (opening stops it).
    fn sessions_open(&mut self, action: Action, running: Option<PathBuf>) {
        let Some(Overlay::Sessions(b)) = &mut self.overlay else {
            return;
        };
        let Some((path, snap)) = b.current() else {
            return;
        };
        let path = path.clone();
        // The list holds summaries: the session itself is read now, whole.
        let snap = match snap {
            Ok(_) => snapshot::load(&path).map_err(|e| e.to_string()),
            Err(e) => Err(e.clone()),
        };
        match snap {
            Err(e) => self.overlay = Some(Overlay::Error(e)),
            Ok(_) if running.as_deref() == Some(path.as_path()) => {
                b.note = Some("this session is running now: Esc returns to it".into());
            }
            // Opening another stops the search in progress: asked first.
            Ok(_) if running.is_some() && !std::mem::take(&mut b.confirm_open) => {
                b.confirm_open = true;
                b.note = Some(format!(
                    "a search is running in {}: press Enter (or v) again to stop it (it saves) and open {}",
                    running.as_deref().map(file_name).unwrap_or_default(),
                    file_name(&path)
                ));
            }
            Ok(s) if action == Action::ViewReadOnly => {
                self.overlay = None;
                self.open_read_only(s, path);
            }
            Ok(s) => {
                self.overlay = None;
                if let Err(e) = self.resume_snapshot(s, path) {
                    self.overlay = Some(Overlay::Error(e));
                }
            }
        }
    }

    /// `c` in the session browser: with nothing else marked, marks the selected run;
    /// otherwise compares every marked run and the selected one, each read whole.
    fn sessions_compare(&mut self) {
        let Some(Overlay::Sessions(b)) = &mut self.overlay else {
            return;
        };
        let Some((selected, _)) = b.current() else {
            return;
        };
        let selected = selected.clone();
        if b.marked.iter().all(|m| *m == selected) {
            b.marked = vec![selected];
            b.note = Some(
                "marked: select another session and press c to compare the two (Space marks more)"
                    .into(),
            );
            return;
        }
        let mut runs = b.marked.clone();
        if !runs.contains(&selected) {
            runs.push(selected);
        }
        if runs.len() > MAX_COMPARE {
            b.note = Some(format!(
                "{} sessions marked and selected: at most {MAX_COMPARE} compare at once (Space on a marked one unmarks it)",
                runs.len()
            ));
            return;
        }
        let mut loaded = Vec::with_capacity(runs.len());
        for p in &runs {
            match snapshot::load(p) {
                Ok(s) => loaded.push((file_name(p), s)),
                Err(e) => {
                    b.note = Some(format!("cannot compare {}: {e}", file_name(p)));
                    return;
                }
            }
        }
        // The browser waits behind the comparison, marks and filter as they were.
        if let Some(Overlay::Sessions(b)) = self.overlay.take() {
            self.behind = Some(b);
        }
        self.overlay = Some(Overlay::Compare(loaded));
    }

    /// The session browser, opened at its first row. The folder is read on a thread
    /// (summaries only, from the index where it holds them), its rows shown as they
    /// come, so a folder of large sessions never freezes the screen.
    pub fn open_sessions(&mut self) {
        let dir = snapshot::sessions_dir();
        self.reads += 1;
        let id = self.reads;
        let task = match (&self.ui, &dir) {
            (Some(_), Some(dir)) => start::list_sessions(dir.clone(), BATCH).ok(),
            _ => None,
        };
        let mut browser = Browser {
            loading: true,
            running: self.running_path().map(PathBuf::from),
            dir: dir.clone(),
            reader: Reader::new(id, task.as_ref().map(|t| t.cancel_flag())),
            ..Browser::default()
        };
        match (self.ui.clone(), task, dir) {
            (Some(ui), Some(task), _) => {
                task.forward(move |u| {
                    let (rows, done) = match u {
                        Update::Event(rows) => (rows, false),
                        Update::Done(rows) => (rows, true),
                    };
                    ui.send(UiEvent::Sessions(id, rows, done)).is_ok()
                });
                self.keep(task);
            }
            (_, _, Some(dir)) => browser.append(snapshot::list(&dir), true),
            (_, _, None) => browser.append(Vec::new(), true),
        }
        self.overlay = Some(Overlay::Sessions(browser));
    }

    /// The browser, open or kept behind a prompt.
    pub(super) fn browser_mut(&mut self) -> Option<&mut Browser> {
        match &mut self.overlay {
            Some(Overlay::Sessions(b)) => Some(b),
            _ => self.behind.as_mut(),
        }
    }

    /// Opens a prompt over the browser, which is kept to come back to; `path` is the
    /// session it edits.
    fn ask(&mut self, kind: Prompt, suggestion: String, path: Option<PathBuf>) {
        if let Some(Overlay::Sessions(b)) = self.overlay.take() {
            self.behind = Some(b);
        }
        self.editing = path;
        self.overlay = Some(Overlay::Prompt(PromptState::new(kind, suggestion)));
    }

    /// Back to the browser a prompt was opened from, if one was, with `note` under it.
    pub(super) fn back_to_browser(&mut self, note: Option<String>) {
        self.editing = None;
        if let Some(mut b) = self.behind.take() {
            if note.is_some() {
                b.note = note;
            }
            self.overlay = Some(Overlay::Sessions(b));
        }
    }

    /// A prompt opened from the browser was answered with `text` (trimmed).
    pub(super) fn on_browser_prompt(&mut self, kind: Prompt, text: String) {
        let path = self.editing.clone();
        let running = self.running_path().map(Path::to_path_buf);
        let Some(b) = self.behind.as_mut() else {
            return;
        };
        let row = path
            .as_ref()
            .and_then(|p| b.entries.iter().position(|(q, _)| q == p));
        let note = match (kind, path, row) {
            (Prompt::SessionFilter, ..) => {
                b.set_filter(Some(text));
                b.filter
                    .is_none()
                    .then(|| "every session is shown".to_string())
            }
            (Prompt::Rename, ..) if text.is_empty() => {
                Some("not renamed: a session needs a name".into())
            }
            (Prompt::Rename, Some(from), Some(row)) => {
                Some(match rename_session(&from, &text, running.as_deref()) {
                    Ok(to) => {
                        b.renamed(row, to.clone());
                        format!("renamed to {}", file_name(&to))
                    }
                    Err(e) => e,
                })
            }
            (Prompt::Note | Prompt::Tags, Some(path), Some(row)) => {
                let what = if kind == Prompt::Note { "note" } else { "tags" };
                Some(match annotate(kind, &path, &text, running.as_deref()) {
                    Ok(snap) => {
                        b.entries[row].1 = Ok(snapshot::Summary::of(&snap));
                        format!("{what} saved in {}", file_name(&path))
                    }
                    Err(e) => format!("{what} not saved: {e}"),
                })
            }
            _ => None,
        };
        self.back_to_browser(note);
    }

    /// The snapshot the search in progress writes to, if one runs.
    pub(super) fn running_path(&self) -> Option<&Path> {
        self.handle.as_ref().map(|h| h.path())
    }
}

/// Saves `text` as the note (or the tags) of the session at `path`, or says why not.
fn annotate(
    kind: Prompt,
    path: &Path,
    text: &str,
    running: Option<&Path>,
) -> Result<snapshot::Snapshot, String> {
    if running == Some(path) {
        return Err("a search is writing this session now".into());
    }
    let (note, tags) = match kind {
        Prompt::Note => (Some(snapshot::check_note(text)?), None),
        _ => (None, Some(snapshot::parse_tags(text)?)),
    };
    session::annotate(path, note, tags).map_err(|e| format!("{e:#}"))
}

pub(super) fn file_name(p: &Path) -> String {
    p.file_name().map_or_else(
        || p.display().to_string(),
        |n| n.to_string_lossy().to_string(),
    )
}

/// The file name a session called `name` is saved under (".json" added), or why no
/// file can be called that: a name is not a path, is not hidden, and fits the file
/// system's limit with room for the lock and temporary files beside it.
pub(super) fn session_file_name(name: &str) -> Result<String, String> {
    let why = if name.trim().is_empty() {
        Some("a session needs a name")
    } else if name.contains(['/', '\\']) {
        Some("a session name is a file name, not a path: no / or \\")
    } else if name.starts_with('.') {
        Some("a session name may not start with . (hidden files are not listed)")
    } else if name.chars().any(char::is_control) {
        Some("a session name holds no control characters")
    } else if name.len() > 200 {
        Some("a session name is at most 200 bytes")
    } else {
        None
    };
    if let Some(why) = why {
        return Err(format!("{name:?}: {why}"));
    }
    Ok(if name.ends_with(".json") {
        name.to_string()
    } else {
        format!("{name}.json")
    })
}

/// Renames session file `from` to `name` (".json" added) in the same folder: not over
/// another file, not to a path elsewhere, not the session running now.
pub(super) fn rename_session(
    from: &Path,
    name: &str,
    running: Option<&Path>,
) -> Result<PathBuf, String> {
    if running == Some(from) {
        return Err("this session is running: stop it before renaming it".into());
    }
    let to = from.with_file_name(session_file_name(name)?);
    if to == from {
        return Ok(to);
    }
    if to.exists() {
        return Err(format!(
            "{} exists already: choose another name",
            file_name(&to)
        ));
    }
    std::fs::rename(from, &to).map_err(|e| format!("cannot rename {}: {e}", from.display()))?;
    Ok(to)
}
