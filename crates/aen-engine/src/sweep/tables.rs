//! Where ground-truth tables are kept and how the one for a set of settings is found
//! (the TUI's ground-truth view, the dashboard's "true best").

use super::table::{self, Table, identity_of};
use crate::settings::Settings;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The folder where the TUI keeps ground-truth tables and looks for them.
pub fn tables_dir() -> Option<PathBuf> {
    crate::data::user_data_dir().map(|d| d.join("tables"))
}

/// The name a table for `settings` gets in the tables folder: the data set, the data
/// groups, and a hash of the table identity of those settings (every setting a
/// child's accuracy depends on; not the source, nor the data's fingerprint).
pub fn table_file_name(settings: &Settings) -> String {
    let d = &settings.data;
    let id = identity_of(settings, d.dataset.name(), "", String::new());
    let h = Sha256::digest(serde_json::to_vec(&id).expect("an identity serialises"));
    format!(
        "{}-{}-{:02x}{:02x}{:02x}{:02x}.csv",
        d.dataset.name(),
        d.groups.bit_string(),
        h[0],
        h[1],
        h[2],
        h[3]
    )
}

/// The table that holds the children of `settings` (loaded from `source`, when
/// known): `search.table` if it fits, else the fullest table in `dir` that fits.
/// Unreadable files and tables of other settings are passed over.
pub fn find_table(
    settings: &Settings,
    source: Option<&str>,
    dir: Option<&Path>,
) -> Option<(PathBuf, Table)> {
    let fits = |h: &table::Header| {
        h.settings.fits(settings).is_ok() && source.is_none_or(|s| s == h.settings.source)
    };
    let mut candidates: Vec<PathBuf> = settings.search.table.iter().cloned().collect();
    if let Some(entries) = dir.and_then(|d| std::fs::read_dir(d).ok()) {
        let mut files: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "csv"))
            .collect();
        files.sort();
        candidates.extend(files);
    }
    let mut best: Option<(PathBuf, Table)> = None;
    for p in candidates {
        // The header first: a table of other settings is passed over unread. The
        // whole read checks that the rows belong to that header.
        if !table::read_header(&p).is_ok_and(|h| fits(&h)) {
            continue;
        }
        let Ok(read) = table::read(&p) else { continue };
        if best
            .as_ref()
            .is_none_or(|(_, b)| read.table.rows.len() > b.rows.len())
        {
            best = Some((p, read.table));
        }
    }
    best
}
