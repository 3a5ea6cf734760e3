//! The message log and the outbox: list, resend, queue status, pause and resume sending.

use jiff::Timestamp;
use rusqlite::Connection;

use crate::mail::{self, LogFilter, LogPage, QueueStatus};
use crate::report::message_log;
use crate::report::trail::{self, TrailExport, TrailFormat};
use crate::store::audit::{self, Entry};
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
    let who = w.actor();
    w.write(|tx| {
        let new_id = mail::resend(tx, id, now)?;
        let e = Entry::new("messages.resend", format!("message {id}"));
        audit::record(
            tx,
            &who,
            &e.after(serde_json::json!({ "new_message": new_id })),
        )?;
        Ok(new_id)
    })
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
    let who = w.actor();
    w.write(|tx| {
        mail::pause(tx, reason, now)?;
        let e =
            Entry::new("sending.pause", "sending").after(serde_json::json!({ "reason": reason }));
        audit::record(tx, &who, &e)?;
        Ok(())
    })
}

/// Lifts the pause; queued messages go out at the next send.
///
/// # Errors
/// Database errors.
pub fn resume(w: &mut Writer) -> Result<()> {
    let who = w.actor();
    w.write(|tx| {
        let before = mail::queue_status(tx)?.paused_reason;
        mail::resume(tx)?;
        let e =
            Entry::new("sending.resume", "sending").before(serde_json::json!({ "paused": before }));
        audit::record(tx, &who, &e)?;
        Ok(())
    })
}

/// Writes the message log of the UTC days `from` to `to` (both included, either open) to
/// the file `path` (a full path), whole or not at all: who was notified of what, when, and
/// the server's reply.
///
/// # Errors
/// [`crate::Error::Invalid`] for a relative path, a missing folder or a malformed date;
/// database and file errors.
pub fn export(
    conn: &Connection,
    from: Option<&str>,
    to: Option<&str>,
    format: TrailFormat,
    path: &str,
) -> Result<TrailExport> {
    trail::to_file(path, |out| message_log::export(conn, from, to, format, out))
}

/// As [`export`], to any writer (the CLI's standard output); returns how many messages.
///
/// # Errors
/// As [`export`].
pub fn export_to(
    conn: &Connection,
    from: Option<&str>,
    to: Option<&str>,
    format: TrailFormat,
    out: impl std::io::Write,
) -> Result<u32> {
    message_log::export(conn, from, to, format, out)
}
