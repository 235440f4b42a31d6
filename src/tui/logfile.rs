//! The TUI's log goes to a file in the user's data dir, never to the screen.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

static LOG: Mutex<Option<std::fs::File>> = Mutex::new(None);

/// Opens `<data dir>/aen.log` for appending; returns its path.
pub fn init() -> Option<PathBuf> {
    let path = aen_core::data::user_data_dir()?.join("aen.log");
    std::fs::create_dir_all(path.parent()?).ok()?;
    let f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .ok()?;
    *LOG.lock().ok()? = Some(f);
    Some(path)
}

pub fn write(line: &str) {
    if let Ok(mut g) = LOG.lock()
        && let Some(f) = g.as_mut()
    {
        let _ = writeln!(
            f,
            "{} {line}",
            chrono::Local::now().format("%Y-%m-%d %H:%M:%S")
        );
    }
}
