//! The one handle of work the engine runs on a thread of its own (a search, a sweep, a
//! comparison, a final evaluation, a network export): its updates, cancel and join.
//! Front ends start such work through the engine's `start` functions and spawn no
//! engine threads; a front end with one event loop (the TUI) has the updates forwarded
//! into it instead of reading a second channel.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

/// What a task sends: events while it runs, then its result, last.
#[derive(Debug)]
pub enum Update<E, T> {
    Event(E),
    Done(T),
}

/// Where a forwarded task's updates go instead of its channel.
type Forward<U> = Option<Box<dyn FnMut(U) -> bool + Send>>;
type Outlet<U> = Arc<Mutex<Forward<U>>>;

fn lock<U>(outlet: &Outlet<U>) -> MutexGuard<'_, Forward<U>> {
    // A forward function that panicked leaves nothing inconsistent behind: its next
    // call decides again.
    outlet.lock().unwrap_or_else(|e| e.into_inner())
}

/// The worker's end of a task: where it sends updates, and whether it should stop.
pub struct Sink<U> {
    tx: Sender<U>,
    outlet: Outlet<U>,
    stop: Arc<AtomicBool>,
}

impl<U> Clone for Sink<U> {
    fn clone(&self) -> Sink<U> {
        Sink {
            tx: self.tx.clone(),
            outlet: self.outlet.clone(),
            stop: self.stop.clone(),
        }
    }
}

impl<U> Sink<U> {
    /// Sends `u` to the front end. When nobody listens any more (the front end has
    /// gone), the task is asked to stop.
    pub fn send(&self, u: U) {
        let mut forward = lock(&self.outlet);
        let delivered = match forward.as_mut() {
            Some(f) => f(u),
            None => self.tx.send(u).is_ok(),
        };
        if !delivered {
            self.stop.store(true, Ordering::SeqCst);
        }
    }

    /// Whether the task was cancelled (or its front end has gone).
    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// The cancel flag, for work that polls one.
    pub fn stop_flag(&self) -> &Arc<AtomicBool> {
        &self.stop
    }
}

/// The front end's end of a task. Dropping it leaves the work running to its end (a
/// sweep keeps its rows); `cancel` stops it.
pub struct Task<U> {
    updates: Receiver<U>,
    outlet: Outlet<U>,
    /// Cancel and join, written once: what stays of a task once it is a [`Background`].
    work: Background,
}

impl<U: Send + 'static> Task<U> {
    /// Runs `work` on a new thread named `name`. A panic in it is caught and sent as
    /// `on_panic(message)`, so the front end always hears how the work ended.
    pub(crate) fn spawn(
        name: &str,
        work: impl FnOnce(&Sink<U>) + Send + 'static,
        on_panic: impl FnOnce(String) -> U + Send + 'static,
    ) -> std::io::Result<Task<U>> {
        let (tx, updates) = mpsc::channel();
        let sink = Sink {
            tx,
            outlet: Arc::new(Mutex::new(None)),
            stop: Arc::new(AtomicBool::new(false)),
        };
        let (outlet, stop) = (sink.outlet.clone(), sink.stop.clone());
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&sink)));
                if let Err(panic) = r {
                    sink.send(on_panic(panic_message(panic.as_ref())));
                }
            })?;
        Ok(Task {
            updates,
            outlet,
            work: Background { stop, thread },
        })
    }

    /// Where updates arrive, unless they are forwarded.
    pub fn updates(&self) -> &Receiver<U> {
        &self.updates
    }

    /// Hands every update, from now on and those not yet read, to `f` on the task's
    /// thread instead; `f` returning false (its receiver gone) cancels the task.
    pub fn forward(&self, mut f: impl FnMut(U) -> bool + Send + 'static) {
        let mut forward = lock(&self.outlet);
        // Under the lock, so nothing overtakes what was already queued.
        let mut open = true;
        while let Ok(u) = self.updates.try_recv() {
            open &= f(u);
        }
        if !open {
            self.cancel();
        }
        *forward = Some(Box::new(f));
    }

    /// Asks the work to stop at its next check; it still sends how it ended.
    pub fn cancel(&self) {
        self.work.cancel();
    }

    /// The flag `cancel` sets, for signal handlers.
    pub fn cancel_flag(&self) -> Arc<AtomicBool> {
        self.work.stop.clone()
    }

    /// Whether the work's thread has ended.
    pub fn is_finished(&self) -> bool {
        self.work.is_finished()
    }

    /// The task as something to stop and wait for only: for after [`Task::forward`]
    /// (updates not forwarded are dropped from then on, which cancels the work).
    pub fn background(self) -> Background {
        self.work
    }

    /// Waits for the work's thread to end.
    pub fn join(self) {
        self.work.join();
    }
}

/// A task kept only to stop and wait for, its updates forwarded elsewhere (see
/// [`Task::background`]).
pub struct Background {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

impl Background {
    /// Asks the work to stop at its next check.
    pub fn cancel(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }

    /// Whether the work's thread has ended.
    pub fn is_finished(&self) -> bool {
        self.thread.is_finished()
    }

    /// Waits for the work's thread to end.
    pub fn join(self) {
        let _ = self.thread.join();
    }
}

/// Cancels every task of `tasks` and waits for them to end, at most `limit` in all:
/// what a front end does before it exits, so that work stopped mid-way cleans up (an
/// export's half-made folder, a sweep's lock) instead of dying with the process.
pub fn stop_all(tasks: Vec<Background>, limit: std::time::Duration) {
    for t in &tasks {
        t.cancel();
    }
    let deadline = std::time::Instant::now() + limit;
    while tasks.iter().any(|t| !t.is_finished()) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    for t in tasks.into_iter().filter(Background::is_finished) {
        t.join();
    }
}

/// The text of a caught panic.
pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "unknown panic".into())
}

/// The updates of `task` until its result, handing each event to `on_event`: how a
/// front end without an event loop of its own (the CLI) follows a task to its end.
pub fn follow<E: Send + 'static, T: Send + 'static>(
    task: Task<Update<E, T>>,
    mut on_event: impl FnMut(E),
) -> Option<T> {
    let mut result = None;
    for u in task.updates() {
        match u {
            Update::Event(e) => on_event(e),
            Update::Done(t) => {
                result = Some(t);
                break;
            }
        }
    }
    task.join();
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::channel;
    use std::time::Duration;

    /// A task that sends 0..n, waiting for a go between the first and the rest.
    fn counting(n: u32, sent: Sender<()>, go: Receiver<()>) -> Task<Update<u32, u32>> {
        Task::spawn(
            "test",
            move |sink| {
                sink.send(Update::Event(0));
                let _ = sent.send(());
                let _ = go.recv();
                for i in 1..n {
                    if sink.stopped() {
                        sink.send(Update::Done(i));
                        return;
                    }
                    sink.send(Update::Event(i));
                }
                sink.send(Update::Done(n));
            },
            |_| Update::Done(u32::MAX),
        )
        .unwrap()
    }

    #[test]
    fn forwarding_keeps_the_order_of_what_was_queued_and_what_follows() {
        let ((go_tx, go), (sent_tx, sent)) = (channel(), channel());
        let task = counting(50, sent_tx, go);
        // The first event is queued on the task's channel before forwarding starts.
        sent.recv().unwrap();
        let (tx, rx) = channel();
        task.forward(move |u| tx.send(u).is_ok());
        go_tx.send(()).unwrap();
        let got: Vec<u32> = rx
            .iter()
            .map_while(|u| match u {
                Update::Event(i) => Some(i),
                Update::Done(_) => None,
            })
            .collect();
        assert_eq!(got, (0..50).collect::<Vec<_>>());
        task.join();
    }

    #[test]
    fn a_forward_that_fails_cancels_and_a_panic_is_the_result() {
        let ((go_tx, go), (sent_tx, _sent)) = (channel(), channel());
        let task = counting(1_000_000, sent_tx, go);
        let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = calls.clone();
        task.forward(move |_| {
            counted.fetch_add(1, Ordering::SeqCst);
            false
        });
        go_tx.send(()).unwrap();
        task.join();
        // Event 0, then the result of the cancelled work: not a million events.
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        let panicking: Task<Update<(), u32>> =
            Task::spawn("test", |_| panic!("boom"), |m| Update::Done(m.len() as u32)).unwrap();
        let last = panicking.updates().recv_timeout(Duration::from_secs(10));
        assert!(matches!(last, Ok(Update::Done(4))));
        assert!(
            panicking.updates().recv().is_err(),
            "nothing after the result"
        );
    }

    #[test]
    fn stopping_in_the_background_lets_the_work_finish_its_cleanup() {
        let cleaned = Arc::new(AtomicBool::new(false));
        let done = cleaned.clone();
        let task: Task<Update<(), ()>> = Task::spawn(
            "test",
            move |sink| {
                while !sink.stopped() {
                    std::thread::sleep(Duration::from_millis(1));
                }
                done.store(true, Ordering::SeqCst);
            },
            |_| Update::Done(()),
        )
        .unwrap();
        task.forward(|_| true);
        stop_all(vec![task.background()], Duration::from_secs(30));
        assert!(cleaned.load(Ordering::SeqCst));
    }
}
