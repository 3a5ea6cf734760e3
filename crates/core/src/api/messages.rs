//! The message log and the outbox: list, resend, queue status, pause and resume sending.

use jiff::Timestamp;
use rusqlite::Connection;

use crate::mail::{self, LogFilter, LogPage, QueueStatus};
use crate::{Result, Writer};

/// A page of the message log, newest first.
///
/// # Errors
/// [`crate::Error::Invalid`] for an unknown state or trigger (naming the valid ones).
pub fn list(conn: &Connection, filter: &LogFilter) -> Result<LogPage> {
    mail::list_messages(conn, filter)
}

/// Sends a message again as a new, queued message; returns its id.
///
/// # Errors
/// [`crate::Error::NotFound`] for an unknown message.
pub fn resend(w: &mut Writer, id: i64, now: Timestamp) -> Result<i64> {
    w.write(|tx| mail::resend(tx, id, now))
}

/// Messages by state, and the pause with its reason.
///
/// # Errors
/// Database errors.
pub fn queue_status(conn: &Connection) -> Result<QueueStatus> {
    mail::queue_status(conn)
}

/// Pauses all sending, with the reason the UI shows.
///
/// # Errors
/// Database errors.
pub fn pause(w: &mut Writer, reason: &str, now: Timestamp) -> Result<()> {
    w.write(|tx| mail::pause(tx, reason, now))
}

/// Lifts the pause; queued messages go out at the next send.
///
/// # Errors
/// Database errors.
pub fn resume(w: &mut Writer) -> Result<()> {
    w.write(mail::resume)
}
