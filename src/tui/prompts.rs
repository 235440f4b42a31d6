//! Text prompts: what each answer does (filters, save and export names, extending a
//! finished search), and the questions that open them.

use super::app::*;
use super::sessions::file_name;
use crate::engine::search::{Control, FinishReason, SettingChange};
use crate::engine::snapshot;
use aen_core::groups::GroupSet;
use std::path::PathBuf;

impl App {
    pub(super) fn on_prompt(&mut self, kind: Prompt, text: String) {
        if matches!(
            kind,
            Prompt::Rename | Prompt::Note | Prompt::Tags | Prompt::SessionFilter
        ) {
            return self.on_browser_prompt(kind, text);
        }
        if text.is_empty() && !matches!(kind, Prompt::LogFilter | Prompt::ModelFilter) {
            return;
        }
        match kind {
            // Empty shows every line again.
            Prompt::LogFilter => {
                let d = &mut self.dash;
                d.log_filter = (!text.trim().is_empty()).then(|| text.trim().to_string());
                d.log_offset = 0;
            }
            // Empty lists every model again; group names as `--groups` takes them.
            Prompt::ModelFilter => {
                let d = &mut self.dash;
                let text = text.split_whitespace().collect::<Vec<_>>().join(",");
                match text.is_empty() {
                    true => d.model_filter = None,
                    false => match GroupSet::parse(&text) {
                        Ok(g) => d.model_filter = Some(g),
                        Err(e) => {
                            self.overlay = Some(Overlay::Error(format!("not filtered: {e}")));
                            return;
                        }
                    },
                }
                d.table_offset = 0;
            }
            Prompt::SaveName => {
                let name = match super::sessions::session_file_name(&text) {
                    Ok(n) => n,
                    Err(e) => {
                        self.overlay = Some(Overlay::Error(format!("not saved: {e}")));
                        return;
                    }
                };
                let dir = snapshot::sessions_dir().unwrap_or_else(|| PathBuf::from("."));
                let path = dir.join(name);
                if self.handle.is_some() {
                    self.dash.push_log(format!("saving {}", path.display()));
                    self.send(Control::Save(Some(path)));
                } else {
                    self.save_copy(&path);
                }
            }
            Prompt::ExportDir => self.export(PathBuf::from(text)),
            Prompt::Extend => {
                if let Err(e) = self.extend(&text) {
                    self.overlay = Some(Overlay::Error(e));
                }
            }
            // Answered in `on_browser_prompt`.
            Prompt::Rename | Prompt::Note | Prompt::Tags | Prompt::SessionFilter => {}
        }
    }

    /// `w` once the search has ended: a copy of its session under another name,
    /// never over an existing file.
    fn save_copy(&mut self, to: &std::path::Path) {
        let (Some(snap), Some(from)) = (&self.dash.snapshot, &self.dash.snapshot_path) else {
            self.dash
                .push_log("nothing to save: the search has no session yet".into());
            return;
        };
        let copy = snapshot::checkpoint_of(snap, from);
        match snapshot::save_new(&copy, to) {
            Ok(()) => self.dash.push_log(format!(
                "saved a copy of {} as {}",
                file_name(from),
                to.display()
            )),
            Err(e) => self.overlay = Some(Overlay::Error(format!("not saved: {e}"))),
        }
    }

    /// `/`: the models table filters by groups; anywhere else it filters the log.
    pub(super) fn ask_filter(&mut self) {
        let d = &mut self.dash;
        let (kind, current) = match d.focus {
            Pane::Best => (
                Prompt::ModelFilter,
                (d.model_filter).map_or(String::new(), crate::engine::experiments::set_label),
            ),
            _ => {
                d.focus = Pane::Log;
                (Prompt::LogFilter, d.log_filter.clone().unwrap_or_default())
            }
        };
        self.overlay = Some(Overlay::Prompt(PromptState::new(kind, current)));
    }

    pub(super) fn ask_export(&mut self) {
        let stem = (self.dash.snapshot_path.as_ref())
            .and_then(|p| p.file_stem())
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_else(|| "session".into());
        // Under the user's data folder, one folder per session, shown whole: never
        // relative to wherever the TUI was started (a repository, say).
        let dir = aen_core::data::user_data_dir()
            .map(|d| d.join("exports").join(&stem))
            .unwrap_or_else(|| std::env::temp_dir().join("aen-exports").join(&stem));
        self.overlay = Some(Overlay::Prompt(PromptState::new(
            Prompt::ExportDir,
            dir.display().to_string(),
        )));
    }

    /// Asks for the new max models of the ended search: twice the old, by default.
    pub(super) fn ask_extend(&mut self) {
        let d = &self.dash;
        let more = (d.run.settings.search.max_models * 2)
            .max(d.run.history.models.len() + 1)
            .min(4096);
        self.overlay = Some(Overlay::Prompt(PromptState::new(
            Prompt::Extend,
            more.to_string(),
        )));
    }

    /// Continues the ended search on the dashboard up to `max` models (and as many more
    /// episodes as that needs, if it ended on its episode limit).
    fn extend(&mut self, max: &str) -> Result<(), String> {
        let path = (self.dash.snapshot_path.clone()).ok_or("this run has no snapshot to extend")?;
        let snap = snapshot::load(&path).map_err(|e| e.to_string())?;
        let have = snap.history.models.len();
        let max: usize =
            (max.parse()).map_err(|_| format!("{max:?}: max models is a whole number"))?;
        if max <= have {
            return Err(format!(
                "the search has {have} models already: ask for more"
            ));
        }
        let mut changes = vec![SettingChange::new("search.max_models", max.to_string())];
        if snap.finished == Some(FinishReason::MaxEpisodes) {
            let s = &snap.settings.search;
            let episodes = s.max_episodes + (s.max_episodes * (max - have)).div_ceil(have.max(1));
            changes.push(SettingChange::new(
                "search.max_episodes",
                episodes.to_string(),
            ));
        }
        self.resume_with(snap, path, changes)
    }
}
