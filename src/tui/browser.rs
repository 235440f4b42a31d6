//! The session browser's state: the sessions read so far, the filter and the marks
//! over them, and which of the rows shown is selected. Keys are in `sessions`,
//! drawing in `sessions_view`.

use crate::engine::snapshot::Summary;
use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The most runs compared at once: more curves on one chart cannot be told apart.
pub const MAX_COMPARE: usize = 6;

/// One session: its file, and its summary or why it cannot be read.
pub type Entry = (PathBuf, Result<Summary, String>);

#[derive(Default)]
pub struct Browser {
    /// Each session's summary (its steps are not read), or why it cannot be read;
    /// newest first.
    pub entries: Vec<Entry>,
    /// The folder is still being read, off the UI thread.
    pub loading: bool,
    /// The session a search is writing now, shown as running.
    pub running: Option<PathBuf>,
    /// Sessions another aen is running, by file: the process holding each one's lock.
    pub in_use: std::collections::HashMap<PathBuf, u32>,
    /// Enter was pressed on another session while a search runs: the next Enter stops
    /// that search (it saves) and opens this one.
    pub confirm_open: bool,
    /// The selected row among those the filter shows (not an index of `entries`).
    pub selected: usize,
    pub dir: Option<PathBuf>,
    /// `d` was pressed once: the next `d` deletes the selected session.
    pub confirm_delete: bool,
    /// The sessions marked to compare, in the order marked; by file, so a mark stays
    /// on its session whatever the filter shows.
    pub marked: Vec<PathBuf>,
    /// Only sessions whose data set, strategy or tags hold this text (in any case)
    /// are shown.
    pub filter: Option<String>,
    /// The outcome of the last action, or the question being asked.
    pub note: Option<String>,
    /// The first row drawn, kept between draws: the list scrolls only as far as the
    /// selection needs.
    pub scroll: Cell<usize>,
    /// The read that fills `entries`.
    pub reader: Reader,
}

/// The thread reading the folder for one browser: its rows are told from those of a
/// browser opened before by `id`, and it stops once its browser is gone.
#[derive(Default)]
pub struct Reader {
    pub id: u64,
    /// The cancel flag of the listing's task, if one reads the folder.
    stop: Option<Arc<AtomicBool>>,
}

impl Reader {
    /// A reader numbered `id`, stopping the listing behind `stop` when dropped.
    pub fn new(id: u64, stop: Option<Arc<AtomicBool>>) -> Reader {
        Reader { id, stop }
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        if let Some(s) = &self.stop {
            s.store(true, Ordering::Relaxed);
        }
    }
}

/// Whether the session's data set, strategy or one of its tags holds `needle`, which
/// is in lower case. An unreadable session has none of them.
pub fn matches(s: &Result<Summary, String>, needle: &str) -> bool {
    let Ok(s) = s else { return false };
    let has = |text: &str| text.to_lowercase().contains(needle);
    has(&s.dataset) || has(s.settings.search.strategy.name()) || s.tags.iter().any(|t| has(t))
}

impl Browser {
    /// The indices in `entries` of the rows shown, in order.
    pub fn visible(&self) -> Vec<usize> {
        let needle = self.filter.as_ref().map(|f| f.to_lowercase());
        (self.entries.iter().enumerate())
            .filter(|(_, (_, s))| needle.as_deref().is_none_or(|n| matches(s, n)))
            .map(|(i, _)| i)
            .collect()
    }

    /// The index in `entries` of the selected row.
    pub fn pick(&self) -> Option<usize> {
        self.visible().get(self.selected).copied()
    }

    /// The selected session.
    pub fn current(&self) -> Option<&Entry> {
        self.pick().map(|i| &self.entries[i])
    }

    /// Rows read; `done`: the folder is read. A session another aen holds the lock of
    /// is noted as in use (its process), as the rows arrive.
    pub fn append(&mut self, rows: Vec<Entry>, done: bool) {
        for (p, _) in &rows {
            if let Some(pid) = aen_core::fsio::lock_holder(p) {
                self.in_use.insert(p.clone(), pid);
            }
        }
        self.entries.extend(rows);
        self.loading = !done;
    }

    pub fn is_marked(&self, p: &Path) -> bool {
        self.marked.iter().any(|m| m == p)
    }

    /// Marks the selected session to compare, or unmarks it.
    pub fn toggle_mark(&mut self) {
        let Some((p, _)) = self.current() else { return };
        let p = p.clone();
        if self.is_marked(&p) {
            self.marked.retain(|m| *m != p);
        } else {
            self.marked.push(p);
        }
        self.note = Some(match self.marked.len() {
            0 => "no session marked".into(),
            n => format!(
                "{n} marked: c compares {} with the selected one (at most {MAX_COMPARE})",
                if n == 1 { "it" } else { "them" }
            ),
        });
    }

    /// Shows only the sessions matching `filter` (None: all), keeping the selected
    /// session selected where it is still shown.
    pub fn set_filter(&mut self, filter: Option<String>) {
        let was = self.pick();
        self.filter = filter.filter(|f| !f.trim().is_empty());
        let shown = self.visible();
        self.selected = (was.and_then(|w| shown.iter().position(|&i| i == w))).unwrap_or(0);
        self.scroll.set(0);
    }

    /// Session `i` of `entries` was deleted.
    pub fn remove(&mut self, i: usize) {
        let (p, _) = self.entries.remove(i);
        self.marked.retain(|m| *m != p);
        self.selected = self.selected.min(self.visible().len().saturating_sub(1));
    }

    /// Session `i` of `entries` is now the file `to`.
    pub fn renamed(&mut self, i: usize, to: PathBuf) {
        let from = std::mem::replace(&mut self.entries[i].0, to.clone());
        for m in self.marked.iter_mut().filter(|m| **m == from) {
            *m = to.clone();
        }
    }
}
