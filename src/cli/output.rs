//! Output that survives a closed pipe, progress bars that hide when nobody watches,
//! and the interrupt flag set by SIGINT and SIGTERM.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Once};

/// stdout was closed by its reader (`aen ... | head -1`): not an error.
#[derive(Debug, thiserror::Error)]
#[error("stdout closed")]
pub struct PipeClosed;

/// The command line is wrong: a flag's value that is malformed or out of its range.
/// Exits 2, as clap's own usage errors do.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Usage(pub String);

/// A [`Usage`] error.
pub fn usage(e: impl std::fmt::Display) -> anyhow::Error {
    Usage(e.to_string()).into()
}

/// The user interrupted the command; the message says what was kept.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Interrupt(pub String);

/// Writes `text` to stdout; a closed pipe becomes [`PipeClosed`].
pub fn print(text: impl AsRef<str>) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let r = out
        .write_all(text.as_ref().as_bytes())
        .and_then(|_| out.flush());
    match r {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(PipeClosed.into()),
        other => Ok(other?),
    }
}

/// A progress bar on stderr, hidden when stderr is not a terminal or `hidden`.
pub fn bar(len: u64, template: &str, hidden: bool) -> ProgressBar {
    let bar = if hidden || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(len)
    };
    bar.set_style(ProgressStyle::with_template(template).expect("valid template"));
    bar
}

/// Prints a line above the bar, or to stderr when the bar is hidden, so warnings are
/// seen without a terminal too.
pub fn note(bar: &ProgressBar, line: impl AsRef<str>) {
    if bar.is_hidden() {
        eprintln!("{}", line.as_ref());
    } else {
        bar.println(line.as_ref());
    }
}

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
static TARGET: Mutex<Option<Arc<AtomicBool>>> = Mutex::new(None);
static HANDLER: Once = Once::new();

/// Sets `flag` (and the interrupted state) on SIGINT or SIGTERM.
pub fn on_interrupt(flag: Arc<AtomicBool>) {
    *TARGET.lock().unwrap_or_else(|e| e.into_inner()) = Some(flag);
    // ctrlc allows one handler per process: it forwards to the flag of the job now.
    HANDLER.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            INTERRUPTED.store(true, Ordering::SeqCst);
            if let Some(f) = TARGET.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
                f.store(true, Ordering::SeqCst);
            }
        });
    });
}

pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Follows `task` (named by `what`) to its end, Ctrl-C cancelling it, handing each event
/// to `on_event`. Work that Ctrl-C stopped is an [`Interrupt`] (exit 130) whose message
/// `stopped` makes from the work's own error.
pub fn follow<E: Send + 'static, T: Send + 'static>(
    task: crate::engine::start::Work<E, T>,
    what: &str,
    on_event: impl FnMut(E),
    stopped: impl FnOnce(&crate::engine::Error) -> String,
) -> anyhow::Result<T> {
    on_interrupt(task.cancel_flag());
    let done = crate::engine::task::follow(task, on_event)
        .ok_or_else(|| anyhow::anyhow!("{what} ended without a result"))?;
    match done {
        Err(e) if interrupted() => Err(Interrupt(stopped(&e)).into()),
        r => Ok(r?),
    }
}
