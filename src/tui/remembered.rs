//! The set-up screen's last choices (data set, source, groups), kept between launches
//! in the user's data folder. They fill in only what the config file and the flags left
//! at its default, so a choice made for this launch always wins.

use crate::engine::settings::Settings;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The keys remembered, with the settings table's names.
const KEYS: [&str; 3] = ["data.dataset", "data.source", "data.groups"];

#[derive(Default, Serialize, Deserialize)]
struct Choices {
    #[serde(default)]
    values: Vec<(String, String)>,
}

/// Where the choices are kept: `tui-choices.json` in the user's data folder.
pub fn default_path() -> Option<PathBuf> {
    aen_core::data::user_data_dir().map(|d| d.join("tui-choices.json"))
}

/// `settings` with the choices kept at `path` for every remembered key still at its
/// default. A missing, unreadable or outdated file changes nothing.
pub fn apply(mut settings: Settings, path: &Path) -> Settings {
    let Ok(bytes) = aen_core::fsio::read_capped(path, 64 << 10, "TUI choices") else {
        return settings;
    };
    let Ok(choices) = serde_json::from_slice::<Choices>(&bytes) else {
        return settings;
    };
    let defaults = Settings::default();
    for (key, value) in choices.values {
        let Some(spec) = crate::engine::settings::spec(&key) else {
            continue;
        };
        if KEYS.contains(&key.as_str()) && spec.get(&settings) == spec.get(&defaults) {
            let mut tried = settings.clone();
            if spec.set(&mut tried, &value).is_ok() && tried.validate().is_ok() {
                settings = tried;
            }
        }
    }
    settings
}

/// Keeps the choices of `settings` at `path` (atomically; a failure is only logged:
/// it must never stop a search from starting).
pub fn save(settings: &Settings, path: &Path) {
    let values = (KEYS.iter())
        .filter_map(|k| {
            Some((
                k.to_string(),
                crate::engine::settings::spec(k)?.get(settings),
            ))
        })
        .collect();
    let json = serde_json::to_vec_pretty(&Choices { values }).unwrap_or_default();
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    if let Err(e) = aen_core::fsio::write_atomic(path, &json) {
        super::logfile::write(&format!("cannot keep the set-up choices: {e}"));
    }
}
