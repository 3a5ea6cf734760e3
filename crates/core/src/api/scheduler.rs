//! The scheduler: `run(now)` for the OS scheduler and the CLI, and the app's timer step
//! (`run(now)` then a send pass).

use jiff::Timestamp;

use crate::mail::SendOptions;
use crate::scheduler::{self, RunSummary, Tick};
use crate::{Clock, Db, Result, Writer};

/// Advances every certification and queues the messages that came due, as of `now`, in short
/// transactions (chunks). Idempotent at the same `now`.
///
/// # Errors
/// Database errors; the chunks committed before stay whole and the next run finishes.
pub fn run(w: &mut Writer, now: Timestamp) -> Result<RunSummary> {
    scheduler::run(w, now)
}

/// The timer's step, also "Run now": `run(now)` then a send pass (none while SMTP is not
/// configured). Blocking.
///
/// # Errors
/// Database errors; delivery failures are recorded per message.
pub fn run_now(db: &Db, clock: &dyn Clock) -> Result<Tick> {
    scheduler::tick(db, clock, &SendOptions::default())
}
