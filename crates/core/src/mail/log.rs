//! The message log: every message with its rule, trigger, recipient, state, attempts, last
//! error and times, skipped ones with their reason; newest first, paged by key (never OFFSET).
//! And resending one message on request: a new, explicit message, logged as a resend of the
//! original.

use jiff::Timestamp;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

use crate::notify::Trigger;
use crate::time::secs;
use crate::{Error, Result};

/// Which messages to list.
#[derive(Debug, Clone, Default, Serialize, Deserialize, specta::Type)]
pub struct LogFilter {
    /// queued | sending | sent | failed | skipped.
    pub state: Option<String>,
    pub rule_id: Option<i64>,
    pub program_id: Option<i64>,
    /// A trigger name, e.g. `due_date`.
    pub trigger: Option<String>,
    /// Part of the recipient's address.
    pub recipient: Option<String>,
    /// Keyset paging: only messages with an id below this one.
    pub before_id: Option<i64>,
    /// Page size (default 100, at most 1000).
    pub limit: Option<u32>,
}

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct LogEntry {
    pub id: i64,
    pub rule_id: Option<i64>,
    pub trigger: Option<String>,
    pub program_id: Option<i64>,
    pub assignment_id: Option<i64>,
    pub cycle: i32,
    pub recipient_kind: String,
    pub recipient_email: String,
    pub subject: String,
    pub state: String,
    pub skip_reason: Option<String>,
    pub attempts: u32,
    pub last_error: Option<String>,
    /// RFC 3339 instants.
    pub created_at: String,
    pub sent_at: Option<String>,
    pub next_attempt_at: Option<String>,
    pub message_id_header: Option<String>,
    /// Set on a resend: the message it repeats.
    pub resend_of: Option<i64>,
}

/// A page of the log and the key of the next page.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct LogPage {
    pub entries: Vec<LogEntry>,
    /// Pass as `before_id` for the next page; `None` on the last page.
    pub next_before_id: Option<i64>,
}

fn rfc(s: i64) -> String {
    Timestamp::from_second(s)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// Every state a message can be in, in the order of its life.
pub const STATES: &[&str] = &["queued", "sending", "sent", "failed", "skipped"];

impl LogFilter {
    /// Refuses a state or trigger no message can have (a typo would list nothing).
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the valid values.
    pub fn validate(&self) -> Result<()> {
        if let Some(s) = self.state.as_deref().filter(|s| !STATES.contains(s)) {
            return Err(Error::invalid(
                "state",
                format!("unknown state '{s}' (valid: {})", STATES.join(", ")),
            ));
        }
        if let Some(t) = &self.trigger {
            // `digest`: a manager digest (notify/digest.rs), which has no rule of its own;
            // `hr_file`: a rejected HR file's alert (enrolment/drop_folder/alert.rs).
            if Trigger::parse(t).is_err() && t != "digest" && t != "hr_file" {
                let mut all: Vec<&str> = Trigger::ALL.iter().map(|t| t.as_str()).collect();
                all.extend(["digest", "hr_file"]);
                return Err(Error::invalid(
                    "trigger",
                    format!("unknown trigger '{t}' (valid: {})", all.join(", ")),
                ));
            }
        }
        Ok(())
    }
}

/// Lists messages matching `f`, newest first.
///
/// # Errors
/// As [`LogFilter::validate`]; database errors.
pub fn list_messages(conn: &Connection, f: &LogFilter) -> Result<LogPage> {
    f.validate()?;
    let limit = f.limit.unwrap_or(100).clamp(1, 1000);
    let mut st = conn.prepare_cached(
        "SELECT m.id, m.rule_id, m.trigger, a.program_id, m.assignment_id, m.cycle,
                m.recipient_kind, m.recipient_email, m.subject, m.state, m.skip_reason,
                ifnull(o.attempts, 0), o.last_error, m.created_at, m.sent_at,
                CASE WHEN o.state = 'queued' THEN o.next_attempt_at END, o.message_id_hdr,
                m.resend_of
         FROM message m
         LEFT JOIN outbox o ON o.message_id = m.id
         LEFT JOIN assignment a ON a.id = m.assignment_id
         WHERE m.id < ifnull(?1, 9223372036854775807)
           AND (?2 IS NULL OR m.state = ?2)
           AND (?3 IS NULL OR m.rule_id = ?3)
           AND (?4 IS NULL OR a.program_id = ?4)
           AND (?5 IS NULL OR m.trigger = ?5)
           AND (?6 IS NULL OR instr(lower(m.recipient_email), lower(?6)) > 0)
         ORDER BY m.id DESC LIMIT ?7",
    )?;
    let entries = st
        .query_map(
            params![
                f.before_id,
                f.state,
                f.rule_id,
                f.program_id,
                f.trigger,
                f.recipient,
                limit + 1
            ],
            |r| {
                Ok(LogEntry {
                    id: r.get(0)?,
                    rule_id: r.get(1)?,
                    trigger: r.get(2)?,
                    program_id: r.get(3)?,
                    assignment_id: r.get(4)?,
                    cycle: r.get(5)?,
                    recipient_kind: r.get(6)?,
                    recipient_email: r.get(7)?,
                    subject: r.get(8)?,
                    state: r.get(9)?,
                    skip_reason: r.get(10)?,
                    attempts: r.get(11)?,
                    last_error: r.get(12)?,
                    created_at: rfc(r.get(13)?),
                    sent_at: r.get::<_, Option<i64>>(14)?.map(rfc),
                    next_attempt_at: r.get::<_, Option<i64>>(15)?.map(rfc),
                    message_id_header: r.get(16)?,
                    resend_of: r.get(17)?,
                })
            },
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut entries = entries;
    let next_before_id = if entries.len() > limit as usize {
        entries.truncate(limit as usize);
        entries.last().map(|e| e.id)
    } else {
        None
    };
    Ok(LogPage {
        entries,
        next_before_id,
    })
}

/// Sends message `id` again, as a new message (its own dedup key, Message-ID and log line,
/// `resend_of` pointing at the original), queued at once. Returns the new message's id.
///
/// # Errors
/// [`Error::NotFound`] for an unknown message; [`Error::Invalid`] for a message that has no
/// recipient address.
pub fn resend(tx: &Transaction, id: i64, now: Timestamp) -> Result<i64> {
    let email: String = tx
        .query_row(
            "SELECT recipient_email FROM message WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| Error::NotFound {
            what: "message",
            key: id.to_string(),
        })?;
    if email.trim().is_empty() {
        return Err(Error::invalid("message", "it has no recipient address"));
    }
    let n: i64 = tx.query_row(
        "SELECT count(*) FROM message WHERE resend_of = ?1",
        [id],
        |r| r.get(0),
    )?;
    let key = format!("resend.{id}.{}", n + 1);
    tx.execute(
        "INSERT INTO message (dedup_key, rule_id, assignment_id, cycle, course_set_id,
            recipient_kind, recipient_email, subject, body_html, body_text, state, resend_of,
            created_at, trigger)
         SELECT ?2, rule_id, assignment_id, cycle, course_set_id, recipient_kind,
            recipient_email, subject, body_html, body_text, 'queued', id, ?3, trigger
         FROM message WHERE id = ?1",
        params![id, key, secs(now)],
    )?;
    let new_id = tx.last_insert_rowid();
    let domain = super::smtp_settings::load_settings(tx)?.map_or_else(
        || "certdesk.localhost".to_string(),
        |s| s.domain().to_string(),
    );
    let instance = super::outbox::instance_id(tx, secs(now))?;
    super::outbox::add(
        tx,
        new_id,
        &super::outbox::message_id(&key, &instance, &domain),
        secs(now),
    )?;
    Ok(new_id)
}
