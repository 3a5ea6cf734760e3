//! Who is waiting for the write lock. A chunked run (`scheduler/`) leaves the lock free for
//! a moment after each of its short transactions so that another writer gets in; that pause
//! is time the run itself waits (a third of a large run's wall time when it paused after
//! every chunk). So a writer that finds the lock taken says so: while it waits, it holds a
//! shared lock on the store's `-wait` file (an empty file beside the store), taken in the
//! busy handler and let go once its `BEGIN IMMEDIATE` returns, and the run pauses only while
//! someone holds it ([`Waiters::any`]). The lock is the operating system's (released when
//! the process dies), so a killed writer leaves no stale mark.
//!
//! A connection that waits outside [`Writer::write`](super::Writer::write) (a migration, a
//! restore) cannot say so; the run still pauses at least every [`Waiters::QUIET_MAX`], so it
//! gets in within that.

use std::cell::RefCell;
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

thread_local! {
    /// The `-wait` file of the store whose `BEGIN IMMEDIATE` this thread is running, if any.
    static BEGINNING: RefCell<Option<PathBuf>> = const { RefCell::new(None) };
    /// Held (locked shared) while this thread waits in that `BEGIN IMMEDIATE`.
    static WAITING: RefCell<Option<File>> = const { RefCell::new(None) };
}

/// The `-wait` file beside the store at `store` (its SQLite path).
fn wait_file(store: &str) -> PathBuf {
    PathBuf::from(format!("{store}-wait"))
}

fn open(path: &Path) -> Option<File> {
    let mut o = OpenOptions::new();
    o.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path).ok()
}

/// Runs `begin` (a `BEGIN IMMEDIATE` on a connection to the store at `store`) with this
/// thread marked as waiting whenever the busy handler is called meanwhile ([`on_busy`]);
/// the mark goes when `begin` returns, the lock taken or not.
pub(super) fn beginning<T>(store: Option<&str>, begin: impl FnOnce() -> T) -> T {
    BEGINNING.with(|b| *b.borrow_mut() = store.filter(|s| !s.is_empty()).map(wait_file));
    let out = begin();
    BEGINNING.with(|b| b.borrow_mut().take());
    WAITING.with(|w| w.borrow_mut().take()); // closing the file lets its lock go
    out
}

/// Called by the busy handler: marks this thread as waiting for the store it is beginning a
/// write on, once per wait. A file that cannot be opened or locked only loses the mark.
pub(super) fn on_busy() {
    let Some(path) = BEGINNING.with(|b| b.borrow().clone()) else {
        return;
    };
    WAITING.with(|w| {
        let mut w = w.borrow_mut();
        if w.is_none() {
            *w = open(&path).filter(|f| f.try_lock_shared().is_ok());
        }
    });
}

/// A run's view of the store's waiting writers.
#[derive(Debug)]
pub struct Waiters {
    file: Option<File>,
    last_pause: Instant,
}

impl Waiters {
    /// The longest a run goes without pausing, waiting writers or not (for a writer that
    /// cannot say it waits).
    pub const QUIET_MAX: Duration = Duration::from_millis(500);
    /// The longest a run waits for a waiting writer to take the lock (one stopped in the
    /// debugger, say, must not stop the run).
    pub const HANDOFF_MAX: Duration = Duration::from_millis(50);

    /// For the store at `store` (a connection's path; `None` or empty for an in-memory
    /// database, whose run then pauses briefly after every transaction, as before).
    pub fn new(store: Option<&str>) -> Self {
        Waiters {
            file: store
                .filter(|s| !s.is_empty())
                .and_then(|s| open(&wait_file(s))),
            last_pause: Instant::now(),
        }
    }

    /// Pauses a run between two transactions, the last of which held the lock for `held`:
    /// while a writer waits, until it has the lock (so it cannot miss a short gap while the
    /// machine is busy), at most [`Self::HANDOFF_MAX`]; else, once every
    /// [`Self::QUIET_MAX`] (after every transaction when it cannot tell), for `held` (at most
    /// `max`) for a writer that cannot say it waits.
    pub fn pause(&mut self, held: Duration, max: Duration) {
        match self.waiting() {
            Some(true) => {
                let t = Instant::now();
                while t.elapsed() < Self::HANDOFF_MAX {
                    std::thread::sleep(Duration::from_millis(1));
                    if self.waiting() != Some(true) {
                        break;
                    }
                }
            }
            Some(false) if self.last_pause.elapsed() < Self::QUIET_MAX => return,
            _ => std::thread::sleep(held.min(max)),
        }
        self.last_pause = Instant::now();
    }

    /// Whether a transaction begun at `since` may take another step: it has held the lock
    /// for less than `hold`, and no writer waits (false when it cannot tell).
    pub fn may_hold(&self, since: Instant, hold: Duration) -> bool {
        since.elapsed() < hold && self.waiting() == Some(false)
    }

    /// Whether some writer holds the `-wait` file's shared lock (true when it cannot tell).
    pub fn any(&self) -> bool {
        self.waiting() != Some(false)
    }

    /// Whether some writer holds the `-wait` file's shared lock; `None` when it cannot tell
    /// (no file, or the lock fails).
    fn waiting(&self) -> Option<bool> {
        let f = self.file.as_ref()?;
        match f.try_lock() {
            Ok(()) => {
                let _ = f.unlock();
                Some(false)
            }
            Err(TryLockError::WouldBlock) => Some(true),
            Err(TryLockError::Error(_)) => None,
        }
    }
}
