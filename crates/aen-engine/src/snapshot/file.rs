//! Search sessions saved to disk: versioned JSON, written atomically (temp file, fsync,
//! rename), so a crash mid-write leaves the previous snapshot intact.
//!
//! A snapshot holds the settings the run started with, the data identity, and the
//! history (trained models, steps, episodes, live setting changes). The Q-networks,
//! replay memory and RNG are rebuilt from it by replay (see `search`).

use crate::fsio;
use crate::search::records::{FinishReason, History, ModelRecord, RunInfo};
use crate::settings::Settings;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const FORMAT: &str = "aen-snapshot";
/// Version 2 records live changes by settings key; version 1 (one variant per setting)
/// still loads.
/// Version 3 records `search.equivalence`; versions 1 and 2 predate it and load as
/// `none`, so they resume with the seeds and counts they were made with.
pub const VERSION: u32 = 3;
pub(super) const READABLE: [u64; 3] = [1, 2, 3];
/// Larger files are refused before they are read (a full search is a few MB).
pub const MAX_BYTES: u64 = 512 << 20;

/// The longest time a run or a model may have taken, in seconds (a century): more is
/// an edited or broken record.
pub const MAX_SECONDS: f64 = 100.0 * 365.25 * 86_400.0;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Snapshot {
    pub format: String,
    pub version: u32,
    pub saved_at: String,
    pub settings: Settings,
    pub dataset: String,
    pub source: String,
    pub device: String,
    pub history: History,
    pub finished: Option<FinishReason>,
    /// Wall-clock seconds the run has taken so far, over all its sessions.
    #[serde(default)]
    pub seconds: f64,
    /// Saved under a name of its own while the run autosaved elsewhere (`w` in the
    /// TUI): resuming it continues in a new session file, so the checkpoint stays.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub checkpoint: bool,
    /// For a checkpoint: the file name of the session it copies, so the two are shown
    /// as one run's, not as unrelated sessions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy_of: Option<String>,
    /// Final evaluations run on this session, oldest first; one per settings (a new
    /// one under settings already evaluated replaces that one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evaluations: Vec<Evaluation>,
    /// The researcher's note on the run, one line of free text (see [`check_note`]).
    /// Neither it nor the tags play any part in a replay.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// Labels to find the run by (see [`parse_tags`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

pub use crate::evaluation::Evaluation;

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("{0}")]
    Io(String),
    #[error("{path}: not an aen snapshot ({msg})")]
    NotSnapshot { path: PathBuf, msg: String },
    #[error(
        "{path}: snapshot format version {found} is not supported (this aen reads versions 1 to 3)"
    )]
    Version { path: PathBuf, found: String },
    #[error("{path}: corrupt snapshot: {msg}")]
    Corrupt { path: PathBuf, msg: String },
    #[error("{0}")]
    Write(String),
}

impl Snapshot {
    pub fn new(
        settings: Settings,
        info: &RunInfo,
        history: History,
        finished: Option<FinishReason>,
        seconds: f64,
    ) -> Snapshot {
        Snapshot {
            format: FORMAT.into(),
            version: VERSION,
            saved_at: chrono::Local::now().to_rfc3339(),
            settings,
            dataset: info.dataset.clone(),
            source: info.source.clone(),
            device: info.device.clone(),
            history,
            finished,
            seconds,
            checkpoint: false,
            copy_of: None,
            evaluations: Vec::new(),
            note: String::new(),
            tags: Vec::new(),
        }
    }

    /// The evaluation of this session as it is now under `settings`, if one was run.
    pub fn evaluation(&self, settings: &crate::settings::FinalEvalSettings) -> Option<&Evaluation> {
        (self.evaluations.iter().rev())
            .find(|e| &e.settings == settings && e.models == self.history.models.len())
    }

    /// The newest evaluation of this session as it is now, under any settings.
    pub fn latest_evaluation(&self) -> Option<&Evaluation> {
        (self.evaluations.iter().rev()).find(|e| e.models == self.history.models.len())
    }

    /// Keeps `e`, replacing an earlier one of the same settings and models.
    pub fn add_evaluation(&mut self, e: Evaluation) {
        self.evaluations
            .retain(|x| !(x.settings == e.settings && x.models == e.models));
        self.evaluations.push(e);
    }

    /// The settings in force where the run ends: those it started with, and every live
    /// change it recorded (a change that no longer applies is skipped).
    pub fn current_settings(&self) -> Settings {
        let mut s = self.settings.clone();
        for (_, c) in &self.history.changes {
            let _ = c.apply(&mut s);
        }
        s
    }

    pub fn best_val(&self) -> Option<f64> {
        self.history
            .models
            .iter()
            .map(|m| m.val_acc)
            .max_by(f64::total_cmp)
    }

    /// Every number a snapshot holds must be finite: JSON has no NaN, so a NaN written
    /// would come back as null and make the file unreadable.
    fn check_finite(&self) -> Result<(), String> {
        let h = &self.history;
        let bad = h
            .models
            .iter()
            .flat_map(|m| [m.val_acc, m.test_acc, m.seconds, m.epsilon])
            .chain(
                h.steps
                    .iter()
                    .flat_map(|s| [s.reward, s.val_acc, s.epsilon]),
            )
            .chain(
                h.episodes
                    .iter()
                    .flat_map(|e| [e.total_reward, e.mean_reward]),
            )
            .chain([self.seconds])
            .any(|v| !v.is_finite());
        let bad_acc = h
            .models
            .iter()
            .flat_map(|m| [m.val_acc, m.test_acc])
            .chain(h.steps.iter().map(|s| s.val_acc))
            .any(|a| !(0.0..=100.0).contains(&a));
        match (bad, bad_acc) {
            (true, _) => Err("a number in the history is not finite".into()),
            (_, true) => Err("an accuracy lies outside 0 to 100 %".into()),
            _ => Ok(()),
        }
    }

    /// What the records say twice must agree: a step that reached a trained state
    /// recorded that model's accuracy and size. Times are positive and below a century.
    fn check_records(&self) -> Result<(), String> {
        let h = &self.history;
        let seconds_ok = |s: f64| (0.0..=MAX_SECONDS).contains(&s);
        if !seconds_ok(self.seconds) {
            return Err(format!(
                "the run's time, {:e} s, is not 0 to {MAX_SECONDS:e} s (a century)",
                self.seconds
            ));
        }
        if let Some(m) = h.models.iter().find(|m| !seconds_ok(m.seconds)) {
            return Err(format!(
                "model {} ({}) took {:e} s, which is not 0 to {MAX_SECONDS:e} s (a century)",
                m.index,
                m.state.bit_string(),
                m.seconds
            ));
        }
        let by_state: std::collections::HashMap<u16, &ModelRecord> =
            h.models.iter().map(|m| (m.state.bits(), m)).collect();
        for st in &h.steps {
            if let Some(m) = by_state.get(&st.next_state.bits())
                && (m.val_acc != st.val_acc || m.params != st.params)
            {
                return Err(format!(
                    "the records contradict each other: model {} ({}) has {}% validation and {} parameters, step {} reached it with {}% and {}",
                    m.index,
                    m.state.bit_string(),
                    m.val_acc,
                    m.params,
                    st.step,
                    st.val_acc,
                    st.params
                ));
            }
        }
        Ok(())
    }
}

/// A copy of `snap` (saved at `from`) as a checkpoint: it keeps this state while the
/// run goes on elsewhere, and names the session it copies.
pub fn checkpoint_of(snap: &Snapshot, from: &Path) -> Snapshot {
    Snapshot {
        checkpoint: true,
        copy_of: from.file_name().map(|n| n.to_string_lossy().into_owned()),
        ..snap.clone()
    }
}

/// Writes `snap` to `path` atomically.
pub fn save(snap: &Snapshot, path: &Path) -> Result<(), SnapshotError> {
    snap.check_finite()
        .map_err(|m| SnapshotError::Write(format!("{}: not saved: {m}", path.display())))?;
    let bytes = serde_json::to_vec(snap).expect("snapshots always serialise");
    fsio::write_atomic(path, &bytes).map_err(|e| SnapshotError::Write(e.to_string()))
}

/// Writes `snap` to `path` only if nothing is there, atomically: of two runs started at
/// once on one path, exactly one gets it (the other an error saying it exists).
pub fn save_new(snap: &Snapshot, path: &Path) -> Result<(), SnapshotError> {
    snap.check_finite()
        .map_err(|m| SnapshotError::Write(format!("{}: not saved: {m}", path.display())))?;
    let bytes = serde_json::to_vec(snap).expect("snapshots always serialise");
    fsio::write_new(path, &bytes).map_err(|e| SnapshotError::Write(e.to_string()))
}

/// Reads a snapshot, checking format and version before anything else, then that its
/// settings and numbers are valid.
pub fn load(path: &Path) -> Result<Snapshot, SnapshotError> {
    let bytes = fsio::read_capped(path, MAX_BYTES, "snapshot")
        .map_err(|e| SnapshotError::Io(e.to_string()))?;
    from_bytes(path, &bytes)
}

/// The fields read first: format and version decide whether the rest is read at all,
/// and old settings get their old defaults. Everything else is skipped unparsed, so
/// memory stays a small multiple of the file (a `Value` of the whole file would take
/// some 18 times its size).
#[derive(serde::Deserialize)]
struct Probe {
    format: Option<serde_json::Value>,
    version: Option<serde_json::Value>,
    settings: Option<serde_json::Value>,
}

/// Parses a snapshot read from `path` (named in errors).
pub fn from_bytes(path: &Path, bytes: &[u8]) -> Result<Snapshot, SnapshotError> {
    let p = || path.to_path_buf();
    let probe: Probe = serde_json::from_slice(bytes).map_err(|e| SnapshotError::NotSnapshot {
        path: p(),
        msg: format!("not JSON: {e}"),
    })?;
    if probe.format.as_ref().and_then(|v| v.as_str()) != Some(FORMAT) {
        return Err(SnapshotError::NotSnapshot {
            path: p(),
            msg: "no `format: aen-snapshot` field".into(),
        });
    }
    let version = probe.version.as_ref();
    if !version
        .and_then(|v| v.as_u64())
        .is_some_and(|v| READABLE.contains(&v))
    {
        return Err(SnapshotError::Version {
            path: p(),
            found: version.map_or("(none)".into(), |v| v.to_string()),
        });
    }
    let corrupt = |e: serde_json::Error| SnapshotError::Corrupt {
        path: p(),
        msg: e.to_string(),
    };
    let settings = with_old_defaults(
        version.and_then(|v| v.as_u64()).unwrap_or(0),
        probe.settings.unwrap_or(serde_json::Value::Null),
    );
    let settings: Settings = serde_json::from_value(settings).map_err(corrupt)?;
    let mut snap: Snapshot = serde_json::from_slice(bytes).map_err(corrupt)?;
    snap.settings = settings;
    snap.settings
        .validate()
        .map_err(|e| SnapshotError::Corrupt {
            path: p(),
            msg: format!("invalid settings: {e}"),
        })?;
    snap.check_finite()
        .and_then(|_| snap.check_records())
        .map_err(|msg| SnapshotError::Corrupt { path: p(), msg })?;
    Ok(snap)
}

/// Snapshots saved before `data.normalize` existed trained on raw pixels, and those
/// before version 3 gave every group set its own network: they resume under "none" for
/// both, not under the newer defaults, so their new models match their old ones.
pub(super) fn with_old_defaults(
    version: u64,
    mut settings: serde_json::Value,
) -> serde_json::Value {
    if let Some(data) = settings
        .pointer_mut("/data")
        .and_then(|d| d.as_object_mut())
    {
        data.entry("normalize").or_insert_with(|| "none".into());
    }
    if version < 3
        && let Some(settings) = settings.as_object_mut()
    {
        let search = settings
            .entry("search")
            .or_insert_with(|| serde_json::json!({}));
        if let Some(search) = search.as_object_mut() {
            search.entry("equivalence").or_insert_with(|| "none".into());
        }
    }
    settings
}

/// The folder where sessions are saved by default.
pub fn sessions_dir() -> Option<PathBuf> {
    crate::data::user_data_dir().map(|d| d.join("sessions"))
}

/// The longest note, in characters: a note is a line to find a run by, not a report.
pub const MAX_NOTE: usize = 1000;
/// The most tags a session holds, and the longest tag, in characters.
pub const MAX_TAGS: usize = 32;
pub const MAX_TAG: usize = 40;

/// `text` as a session's note (trimmed; empty clears it), or why it cannot be one.
pub fn check_note(text: &str) -> Result<String, String> {
    let note = text.trim();
    if note.chars().any(char::is_control) {
        return Err("a note is one line of text: no control characters (tabs, line breaks)".into());
    }
    if note.chars().count() > MAX_NOTE {
        return Err(format!("a note is at most {MAX_NOTE} characters"));
    }
    Ok(note.to_string())
}

/// The tags in `text`, separated by commas or spaces: trimmed, each kept once (the
/// first spelling of tags that differ only in case, since the browser's filter does
/// not tell them apart), in the order given; empty clears them. Or why they cannot be
/// tags.
pub fn parse_tags(text: &str) -> Result<Vec<String>, String> {
    // Checked before splitting: a tab or line break is a control character to refuse,
    // not a separator to accept.
    if text.chars().any(char::is_control) {
        return Err("tags hold no control characters (tabs, line breaks): separate them with commas or spaces".into());
    }
    let mut tags: Vec<String> = Vec::new();
    for tag in text.split([',', ' ']) {
        let tag = tag.trim();
        if tag.is_empty() {
            continue;
        }
        if tag.chars().count() > MAX_TAG {
            return Err(format!("{tag:?}: a tag is at most {MAX_TAG} characters"));
        }
        if !tags.iter().any(|t| t.to_lowercase() == tag.to_lowercase()) {
            tags.push(tag.to_string());
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(format!("at most {MAX_TAGS} tags, not {}", tags.len()));
    }
    Ok(tags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_split_trimmed_and_kept_once_and_control_characters_refused() {
        assert_eq!(
            parse_tags(" ablation, mnist  Ablation,,p2 mnist ").unwrap(),
            ["ablation", "mnist", "p2"]
        );
        assert!(parse_tags("").unwrap().is_empty());
        let e = parse_tags("a\tb").unwrap_err();
        assert!(e.contains("no control characters"), "{e}");
        assert!(parse_tags(&"x".repeat(MAX_TAG + 1)).is_err());
        assert_eq!(check_note("  a run to keep ").unwrap(), "a run to keep");
        assert!(check_note("two\nlines").unwrap_err().contains("control"));
    }
}
