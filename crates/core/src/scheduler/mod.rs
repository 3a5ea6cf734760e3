//! The head of the data path: `run(now)` advances every certification up to `now`, then
//! queues every message that came due into the outbox, all in one transaction; [`tick`] is
//! the app's timer step, `run(now)` then a send pass (store → run(now) → outbox → SMTP).

use jiff::Timestamp;
use serde::Serialize;

use crate::mail::{send_due, SendOptions, SendSummary};
use crate::membership::engine::{advance, EngineSummary};
use crate::notify::{enqueue_due, EnqueueSummary};
use crate::{Clock, Db, Error, Result, Writer};

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, specta::Type)]
pub struct RunSummary {
    /// Certification states advanced (windows opened, expiries, renewals that then counted).
    pub engine: EngineSummary,
    /// Messages that came due: queued in the outbox, skipped (with a reason) or failed.
    pub notifications: EnqueueSummary,
}

/// Runs the scheduler step at `now` in one `BEGIN IMMEDIATE` transaction. Idempotent: a
/// second run at the same `now` changes nothing.
///
/// # Errors
/// Database errors; nothing is written then.
pub fn run(db: &mut Writer, now: Timestamp) -> Result<RunSummary> {
    db.write(|tx| {
        let engine = advance(tx, now)?;
        let notifications = enqueue_due(tx, now)?;
        Ok(RunSummary {
            engine,
            notifications,
        })
    })
}

/// What one [`tick`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, specta::Type)]
pub struct Tick {
    /// The scheduler step: certifications advanced and messages queued.
    pub run: RunSummary,
    /// The send pass; `None` while no SMTP server is configured (messages wait queued).
    pub send: Option<SendSummary>,
}

/// The app's timer step (every minute, at start-up and after the machine wakes):
/// `run(now)` then a send pass. Blocking: call it from a plain thread or `spawn_blocking`.
/// Safe while `certdesk-cli run` / `send` run too: nothing is queued or sent twice.
///
/// # Errors
/// Database errors. Delivery failures are recorded per message, not returned.
pub fn tick(db: &Db, clock: &dyn Clock, opts: &SendOptions) -> Result<Tick> {
    let run = run(&mut db.writer()?, clock.now())?;
    let send = match send_due(db, clock, opts) {
        Ok(s) => Some(s),
        Err(Error::SmtpNotConfigured(_)) => None,
        Err(e) => return Err(e),
    };
    Ok(Tick { run, send })
}
