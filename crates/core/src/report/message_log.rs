//! The message log for a period, for auditors: who was notified of what and when, with the
//! state and the server's reply (the last delivery error; a sent message was accepted and
//! carries its Message-ID), as CSV or JSON Lines.

use std::io::Write;

use rusqlite::{params, Connection};
use serde_json::{json, Value};

use crate::report::trail::{Rows, TrailFormat};
use crate::time::utc_days;
use crate::Result;

/// The message-log export's columns, in order.
pub const COLUMNS: [&str; 16] = [
    "id",
    "created_at",
    "sent_at",
    "state",
    "trigger",
    "program",
    "learner_id_number",
    "learner_name",
    "recipient_kind",
    "recipient_email",
    "subject",
    "attempts",
    "server_reply",
    "skip_reason",
    "message_id_header",
    "resend_of",
];

fn rfc(s: Option<i64>) -> Value {
    s.and_then(|s| jiff::Timestamp::from_second(s).ok())
        .map_or(Value::Null, |t| json!(t.to_string()))
}

/// Writes the messages logged (created) in the UTC days `from` to `to` (both included,
/// either open), oldest first, to `out`; returns how many.
///
/// # Errors
/// [`crate::Error::Invalid`] for a malformed date; database and write errors.
pub fn export(
    conn: &Connection,
    from: Option<&str>,
    to: Option<&str>,
    format: TrailFormat,
    out: impl Write,
) -> Result<u32> {
    let (start, end) = utc_days(from, to)?;
    let mut st = conn.prepare(
        "SELECT m.id, m.created_at, m.sent_at, m.state, m.trigger, p.short_name, l.id_number,
                l.full_name, m.recipient_kind, m.recipient_email, m.subject,
                ifnull(o.attempts, 0), o.last_error, m.skip_reason, o.message_id_hdr,
                m.resend_of
         FROM message m
         LEFT JOIN outbox o ON o.message_id = m.id
         LEFT JOIN assignment a ON a.id = m.assignment_id
         LEFT JOIN program p ON p.id = a.program_id
         LEFT JOIN learner l ON l.id = a.learner_id
         WHERE (?1 IS NULL OR m.created_at >= ?1) AND (?2 IS NULL OR m.created_at < ?2)
         ORDER BY m.id",
    )?;
    let mut rows = Rows::new(out, format, &COLUMNS)?;
    let mut q = st.query(params![start, end])?;
    let mut n = 0_u32;
    while let Some(r) = q.next()? {
        let text = |i: usize| -> rusqlite::Result<Value> {
            Ok(r.get::<_, Option<String>>(i)?
                .map_or(Value::Null, Value::String))
        };
        let int = |i: usize| -> rusqlite::Result<Value> {
            Ok(r.get::<_, Option<i64>>(i)?
                .map_or(Value::Null, |v| json!(v)))
        };
        let values = [
            int(0)?,
            rfc(r.get(1)?),
            rfc(r.get(2)?),
            text(3)?,
            text(4)?,
            text(5)?,
            text(6)?,
            text(7)?,
            text(8)?,
            text(9)?,
            text(10)?,
            int(11)?,
            text(12)?,
            text(13)?,
            text(14)?,
            int(15)?,
        ];
        rows.row(&values)?;
        n += 1;
    }
    rows.finish()?;
    Ok(n)
}
