//! What a list of sessions shows of one snapshot, read in one streaming pass that
//! parses neither its steps nor its models beyond their accuracy.

use super::file::{FORMAT, MAX_BYTES, READABLE, Snapshot, SnapshotError, with_old_defaults};
use crate::fsio;
use crate::search::change::SettingChange;
use crate::search::records::FinishReason;
use crate::settings::Settings;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A session as the session browser lists it: what the run is, how far it went, and
/// the researcher's note and tags; not its records, so that it stays a few kB however
/// long the run (an index of a folder holds one per session). Opening a session reads
/// the snapshot itself.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub version: u32,
    pub saved_at: String,
    /// The settings the run started with; `changes` are its live changes.
    pub settings: Settings,
    pub changes: Vec<(usize, SettingChange)>,
    pub dataset: String,
    pub source: String,
    pub device: String,
    pub finished: Option<FinishReason>,
    pub seconds: f64,
    pub checkpoint: bool,
    pub copy_of: Option<String>,
    pub note: String,
    pub tags: Vec<String>,
    /// Models trained, and the best validation accuracy among them.
    pub models: usize,
    pub best_val: Option<f64>,
    pub steps: usize,
    pub episodes: usize,
}

impl Summary {
    /// The summary of a snapshot read whole.
    pub fn of(s: &Snapshot) -> Summary {
        Summary {
            version: s.version,
            saved_at: s.saved_at.clone(),
            settings: s.settings.clone(),
            changes: s.history.changes.clone(),
            dataset: s.dataset.clone(),
            source: s.source.clone(),
            device: s.device.clone(),
            finished: s.finished.clone(),
            seconds: s.seconds,
            checkpoint: s.checkpoint,
            copy_of: s.copy_of.clone(),
            note: s.note.clone(),
            tags: s.tags.clone(),
            models: s.history.models.len(),
            best_val: s.best_val(),
            steps: s.history.steps.len(),
            episodes: s.history.episodes.len(),
        }
    }

    /// The settings in force where the run ends, as [`Snapshot::current_settings`].
    pub fn current_settings(&self) -> Settings {
        let mut s = self.settings.clone();
        for (_, c) in &self.changes {
            let _ = c.apply(&mut s);
        }
        s
    }
}

/// A JSON array's length, its items skipped unparsed.
#[derive(Default)]
struct Count(usize);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Count, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Count;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Count, A::Error> {
                let mut n = 0;
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {
                    n += 1;
                }
                Ok(Count(n))
            }
        }
        d.deserialize_seq(V)
    }
}

/// The models array: how many, and the best validation accuracy; the rest of each
/// record is skipped unparsed.
#[derive(Default)]
struct Models {
    n: usize,
    best: Option<f64>,
}

#[derive(Deserialize)]
struct ValAcc {
    val_acc: f64,
}

impl<'de> Deserialize<'de> for Models {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Models, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Models;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an array of model records")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Models, A::Error> {
                let mut m = Models::default();
                while let Some(ValAcc { val_acc }) = seq.next_element()? {
                    m.n += 1;
                    m.best = Some(m.best.map_or(val_acc, |b: f64| b.max(val_acc)));
                }
                Ok(m)
            }
        }
        d.deserialize_seq(V)
    }
}

#[derive(Deserialize)]
struct LeanHistory {
    #[serde(default)]
    steps: Count,
    #[serde(default)]
    models: Models,
    #[serde(default)]
    episodes: Count,
    #[serde(default)]
    changes: Vec<(usize, SettingChange)>,
}

/// The snapshot's fields a summary keeps; the others (the evaluations) are skipped.
#[derive(Deserialize)]
struct Lean {
    format: Option<serde_json::Value>,
    version: Option<serde_json::Value>,
    settings: Option<serde_json::Value>,
    #[serde(default)]
    saved_at: String,
    #[serde(default)]
    dataset: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    device: String,
    history: Option<LeanHistory>,
    #[serde(default)]
    finished: Option<FinishReason>,
    #[serde(default)]
    seconds: f64,
    #[serde(default)]
    checkpoint: bool,
    #[serde(default)]
    copy_of: Option<String>,
    #[serde(default)]
    note: String,
    #[serde(default)]
    tags: Vec<String>,
}

/// Reads the [`Summary`] of the snapshot at `path`. The file is read whole first (a
/// few MB; parsed from memory, it takes half the time), but none of its steps is
/// kept.
pub fn summary(path: &Path) -> Result<Summary, SnapshotError> {
    let p = || path.to_path_buf();
    let bytes = fsio::read_capped(path, MAX_BYTES, "snapshot")
        .map_err(|e| SnapshotError::Io(e.to_string()))?;
    let lean: Lean = serde_json::from_slice(&bytes).map_err(|e| match e.is_io() {
        true => SnapshotError::Io(format!("{}: cannot read: {e}", path.display())),
        false => SnapshotError::NotSnapshot {
            path: p(),
            msg: format!("not a readable snapshot: {e}"),
        },
    })?;
    if lean.format.as_ref().and_then(|v| v.as_str()) != Some(FORMAT) {
        return Err(SnapshotError::NotSnapshot {
            path: p(),
            msg: "no `format: aen-snapshot` field".into(),
        });
    }
    let version = lean.version.as_ref().and_then(|v| v.as_u64());
    let Some(version) = version.filter(|v| READABLE.contains(v)) else {
        return Err(SnapshotError::Version {
            path: p(),
            found: lean.version.map_or("(none)".into(), |v| v.to_string()),
        });
    };
    let corrupt = |msg: String| SnapshotError::Corrupt { path: p(), msg };
    let settings = with_old_defaults(version, lean.settings.unwrap_or_default());
    let settings: Settings =
        serde_json::from_value(settings).map_err(|e| corrupt(e.to_string()))?;
    settings
        .validate()
        .map_err(|e| corrupt(format!("invalid settings: {e}")))?;
    let h = lean.history.ok_or_else(|| corrupt("no history".into()))?;
    Ok(Summary {
        version: version as u32,
        saved_at: lean.saved_at,
        settings,
        changes: h.changes,
        dataset: lean.dataset,
        source: lean.source,
        device: lean.device,
        finished: lean.finished,
        seconds: lean.seconds,
        checkpoint: lean.checkpoint,
        copy_of: lean.copy_of,
        note: lean.note,
        tags: lean.tags,
        models: h.models.n,
        best_val: h.models.best,
        steps: h.steps.0,
        episodes: h.episodes.0,
    })
}
