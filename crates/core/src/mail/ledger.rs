//! The sender's ledger: the one write connection of a send pass, through which every outcome
//! is committed as it happens.
//!
//! Exactly once hangs on two rules kept here:
//! - **One message in flight.** A lane takes the [`Pen`] before it sends a message's body and
//!   gives it back only once the outcome is committed, so across all connections at most one
//!   message is ever accepted by the server and not yet recorded: a crash can resend that one
//!   message (with the same bytes and Message-ID, when its lease runs out), never more. The
//!   envelope (MAIL, RCPT, DATA) of the other connections goes on meanwhile.
//! - **Outcomes are facts.** A commit that finds the store locked (another process writing
//!   for longer than the busy timeout: a long import, a sweep) is tried again after a short
//!   pause, until it succeeds: giving up would leave the message `sending` and send it again.
//!   The pause is asynchronous, so the other connections keep answering their server.

use std::cell::RefCell;
use std::time::Duration;

use tokio::sync::{Mutex, MutexGuard};

use super::outbox::{self, Delivery};
use crate::{Clock, Error, ErrorKind, Writer};

/// How long one attempt at the write lock may block the sender's thread; after that it waits
/// asynchronously and tries again.
pub(super) const BUSY_SLICE: Duration = Duration::from_millis(100);

/// The first pause after a failed attempt; doubled up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(10);
const MAX_PAUSE: Duration = Duration::from_millis(500);

/// The write connection of one batch, shared by its lanes.
pub(super) struct Ledger<'a> {
    w: Mutex<&'a mut Writer>,
    clock: &'a dyn Clock,
    backoff_base: u32,
    /// Set by the first commit that failed for a reason other than a lock wait (a full disk):
    /// no lane sends anything more, since its outcome could not be kept.
    broken: RefCell<Option<Error>>,
}

/// The right to send a message body and record what became of it.
pub(super) type Pen<'l, 'a> = MutexGuard<'l, &'a mut Writer>;

impl<'a> Ledger<'a> {
    pub(super) fn new(w: &'a mut Writer, clock: &'a dyn Clock, backoff_base: u32) -> Self {
        Self {
            w: Mutex::new(w),
            clock,
            backoff_base,
            broken: RefCell::new(None),
        }
    }

    pub(super) fn clock(&self) -> &dyn Clock {
        self.clock
    }

    pub(super) fn backoff_base(&self) -> u32 {
        self.backoff_base
    }

    /// Waits for the pen; hold it from before a message body is sent until its outcome is
    /// recorded.
    pub(super) async fn pen(&self) -> Pen<'_, 'a> {
        self.w.lock().await
    }

    /// Whether a commit failed for good: the pass must stop sending.
    pub(super) fn is_broken(&self) -> bool {
        self.broken.borrow().is_some()
    }

    /// The error that broke the ledger, if any.
    pub(super) fn into_error(self) -> Option<Error> {
        self.broken.into_inner()
    }

    /// Records `results` (and a pause of the queue) in one transaction, with the pen held,
    /// waiting out any lock for as long as it takes. Breaks the ledger when the store refuses
    /// for another reason.
    pub(super) async fn record(
        &self,
        pen: &mut Pen<'_, 'a>,
        results: &[(i64, Delivery)],
        pause: Option<&str>,
    ) {
        let mut wait = FIRST_PAUSE;
        loop {
            let now = self.clock.now();
            let done = pen.write(|tx| {
                outbox::record(tx, results, now, self.backoff_base)?;
                if let Some(r) = pause {
                    outbox::pause(tx, r, now)?;
                }
                Ok(())
            });
            match done {
                Ok(()) => return,
                Err(e) if is_busy(&e) => {
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(MAX_PAUSE);
                }
                Err(e) => {
                    self.broken.borrow_mut().get_or_insert(e);
                    return;
                }
            }
        }
    }

    /// [`Ledger::record`], taking the pen for it.
    pub(super) async fn settle(&self, results: &[(i64, Delivery)], pause: Option<&str>) {
        if results.is_empty() && pause.is_none() {
            return;
        }
        let mut pen = self.pen().await;
        self.record(&mut pen, results, pause).await;
    }
}

/// Whether `e` is another connection holding the write lock past our busy timeout.
pub(super) fn is_busy(e: &Error) -> bool {
    matches!(e.kind(), ErrorKind::Busy)
        || matches!(e, Error::Database(rusqlite::Error::SqliteFailure(f, _))
            if f.code == rusqlite::ErrorCode::DatabaseLocked)
}
