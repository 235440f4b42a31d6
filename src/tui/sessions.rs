//! The session browser's keys: resume, open read-only, rename, delete, compare two.

use super::app::*;
use super::keys::Action;
use crate::engine::snapshot;
use std::path::{Path, PathBuf};

impl App {
    /// Keys in the session browser.
    pub(super) fn update_sessions(&mut self, action: Action) {
        let running = self.running_path().map(Path::to_path_buf);
        let Some(Overlay::Sessions(b)) = &mut self.overlay else {
            return;
        };
        let running = running.or_else(|| b.running.clone());
        match action {
            Action::Up => b.selected = b.selected.saturating_sub(1),
            Action::Down => b.selected = (b.selected + 1).min(b.entries.len().saturating_sub(1)),
            Action::Close => self.overlay = None,
            Action::Delete => {
                let Some((path, _)) = b.entries.get(b.selected) else {
                    return;
                };
                let path = path.clone();
                if self.handle.as_ref().is_some_and(|h| h.path == path) {
                    b.note = Some("this session is running: stop it before deleting it".into());
                } else if !std::mem::take(&mut b.confirm_delete) {
                    b.confirm_delete = true;
                    b.note = Some(format!(
                        "press d again to delete {} (any other key keeps it)",
                        file_name(&path)
                    ));
                } else {
                    let row = b.selected;
                    let note = match std::fs::remove_file(&path) {
                        Ok(()) => format!("deleted {}", file_name(&path)),
                        Err(e) => format!("cannot delete {}: {e}", path.display()),
                    };
                    self.open_sessions_at(row, Some(note));
                }
            }
            Action::Compare => self.sessions_compare(),
            Action::Rename => {
                let Some((path, _)) = b.entries.get(b.selected) else {
                    return;
                };
                let stem =
                    (path.file_stem()).map_or(String::new(), |s| s.to_string_lossy().to_string());
                self.renaming = Some((path.clone(), b.selected));
                self.overlay = Some(Overlay::Prompt(PromptState::new(Prompt::Rename, stem)));
            }
            Action::Apply | Action::ViewReadOnly => {
                let Some((path, snap)) = b.entries.get(b.selected) else {
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
            _ => {}
        }
    }

    /// `c` in the session browser: marks a run, or shows the marked one beside this.
    fn sessions_compare(&mut self) {
        let Some(Overlay::Sessions(b)) = &mut self.overlay else {
            return;
        };
        match b.marked {
            Some(m) if m != b.selected => {
                let pick = |i: usize| match b.entries.get(i) {
                    Some((p, Ok(s))) => Some((file_name(p), s.snapshot.clone())),
                    _ => None,
                };
                match (pick(m), pick(b.selected)) {
                    (Some(x), Some(y)) => self.overlay = Some(Overlay::Compare(Box::new([x, y]))),
                    _ => b.note = Some("an unreadable session cannot be compared".into()),
                }
            }
            _ => {
                b.marked = Some(b.selected);
                b.note =
                    Some("marked: select another session and press c to compare the two".into());
            }
        }
    }

    /// The snapshot the search in progress writes to, if one runs.
    pub(super) fn running_path(&self) -> Option<&Path> {
        self.handle.as_ref().map(|h| h.path.as_path())
    }
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
