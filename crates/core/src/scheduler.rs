//! The one deterministic step, `run(now)`: advance every certification up to `now`, then
//! (notifications) queue every message that came due, all in one transaction.

use jiff::Timestamp;
use serde::Serialize;

use crate::engine::{advance, EngineSummary};
use crate::notify::{enqueue_due, EnqueueSummary};
use crate::{Result, Writer};

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
