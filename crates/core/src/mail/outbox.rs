//! The durable outbox: queued → sending (under a lease) → sent, or back to queued with the
//! next attempt time on a temporary failure, or failed on a permanent one.
//!
//! Claiming happens in a `BEGIN IMMEDIATE` transaction, so two senders (the app's timer and
//! `certdesk-cli send`) never claim the same message; a sender that dies mid-send leaves its
//! lease to expire, after which what it had not recorded is claimed again with the same bytes
//! and the same Message-ID (the sender records each outcome as it happens, so that is only
//! the message it had in flight, plus those it had not tried). A 530/535 from the server pauses the whole queue with a reason kept in the
//! `setting` table until [`resume`] (or saving new SMTP settings).

use jiff::Timestamp;
use rusqlite::{params, Connection, Transaction};
use serde::{Deserialize, Serialize};

use crate::store::setting::{get_setting, set_setting};
use crate::time::secs;
use crate::Result;

const PAUSED: &str = "outbox.paused_reason";
const PAUSED_AT: &str = "outbox.paused_at";
const INSTANCE: &str = "outbox.instance";

/// A stable id of this store, part of every Message-ID so two stores never collide.
pub(crate) fn instance_id(tx: &Transaction, now: i64) -> Result<String> {
    if let Some(v) = get_setting(tx, INSTANCE)? {
        return Ok(v);
    }
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_i64(now);
    h.write_u32(std::process::id());
    let v = format!("{:016x}", h.finish());
    set_setting(tx, INSTANCE, &v)?;
    Ok(v)
}

/// The Message-ID header of a message, derived from its dedup key.
pub fn message_id(dedup_key: &str, instance: &str, domain: &str) -> String {
    format!("<{dedup_key}.{instance}@{domain}>")
}

/// Puts in the outbox, due at once under [`message_id`]'s header, every queued message with
/// an id above `since` that has none yet: the messages a queueing step has just written (in
/// its transaction, whose lock keeps other writers out), in one statement rather than one
/// `INSERT` each (a tenth of a large `run(now)`). Returns how many.
pub(crate) fn add_queued_since(
    tx: &Transaction,
    since: i64,
    (instance, domain): (&str, &str),
    now: i64,
) -> Result<usize> {
    Ok(tx
        .prepare_cached(
            "INSERT INTO outbox (message_id, message_id_hdr, raw, state, next_attempt_at)
             SELECT m.id, '<' || m.dedup_key || '.' || ?2 || '@' || ?3 || '>', X'', 'queued', ?4
             FROM message m
             WHERE m.id > ?1 AND m.state = 'queued'
               AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.message_id = m.id)",
        )?
        .execute(params![since, instance, domain, now])?)
}

/// Puts message `message_id` in the outbox, due at once. Its bytes are formatted when it is
/// first claimed (so the From address is the one configured when it leaves).
pub(crate) fn add(tx: &Transaction, message_id: i64, header: &str, now: i64) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO outbox (message_id, message_id_hdr, raw, state, next_attempt_at)
         VALUES (?1, ?2, X'', 'queued', ?3)",
    )?
    .execute(params![message_id, header, now])?;
    Ok(())
}

/// A message claimed for sending.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub message_id: i64,
    pub header: String,
    pub raw: Vec<u8>,
    pub to: String,
    pub subject: String,
    pub html: String,
    pub text: String,
    pub attempts: u32,
}

/// Claims up to `limit` messages due at `now` (queued and due, or sending with an expired
/// lease), leasing them for `lease_secs`. Claims nothing while the queue is paused.
pub fn claim(
    tx: &Transaction,
    now: Timestamp,
    limit: u32,
    lease_secs: u32,
) -> Result<Vec<Claimed>> {
    if get_setting(tx, PAUSED)?.is_some() {
        return Ok(Vec::new());
    }
    let now = secs(now);
    let mut st = tx.prepare_cached(
        "UPDATE outbox SET state = 'sending', lease_until = ?2
         WHERE message_id IN (
            SELECT message_id FROM outbox WHERE state = 'queued' AND next_attempt_at <= ?1
            UNION ALL
            SELECT message_id FROM outbox WHERE state = 'sending' AND lease_until < ?1
            ORDER BY 1 LIMIT ?3)
         RETURNING message_id, message_id_hdr, raw, attempts",
    )?;
    let rows = st
        .query_map(params![now, now + i64::from(lease_secs), limit], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Vec<u8>>(2)?,
                r.get::<_, u32>(3)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut msg = tx.prepare_cached(
        "UPDATE message SET state = 'sending' WHERE id = ?1
         RETURNING recipient_email, subject, body_html, body_text",
    )?;
    let mut out = Vec::with_capacity(rows.len());
    for (id, header, raw, attempts) in rows {
        let (to, subject, html, text) =
            msg.query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        out.push(Claimed {
            message_id: id,
            header,
            raw,
            to,
            subject,
            html,
            text,
            attempts,
        });
    }
    out.sort_by_key(|c| c.message_id);
    Ok(out)
}

/// Keeps the formatted bytes of a claimed message, so every retry sends the same ones.
pub fn store_raw(tx: &Transaction, message_id: i64, raw: &[u8]) -> Result<()> {
    tx.prepare_cached("UPDATE outbox SET raw = ?2 WHERE message_id = ?1")?
        .execute(params![message_id, raw])?;
    Ok(())
}

/// What became of one claimed message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// The server accepted it.
    Sent,
    /// A temporary failure: queued again after a backoff; failed once `max_attempts` is
    /// reached (`None`: never gives up, e.g. the server is down).
    Retry {
        error: String,
        max_attempts: Option<u32>,
    },
    /// A permanent failure: never retried.
    Failed(String),
    /// Not attempted (the pass stopped early): queued again, due at `not_before`.
    Release { not_before: Option<i64> },
}

/// The wait before attempt `attempts + 1`: `base` doubled per attempt, at most 6 hours.
pub fn backoff(base_secs: u32, attempts: u32) -> i64 {
    let exp = attempts.saturating_sub(1).min(20);
    (i64::from(base_secs) << exp).min(6 * 3600)
}

/// Writes outcomes, in the caller's transaction (the sender calls it once per message).
pub fn record(
    tx: &Transaction,
    results: &[(i64, Delivery)],
    now: Timestamp,
    backoff_base: u32,
) -> Result<()> {
    let now = secs(now);
    let mut sent_o = tx.prepare_cached(
        "UPDATE outbox SET state = 'sent', attempts = attempts + 1, lease_until = NULL,
            last_error = NULL, raw = X'' WHERE message_id = ?1",
    )?;
    let mut retry_o = tx.prepare_cached(
        "UPDATE outbox SET attempts = attempts + 1, lease_until = NULL, last_error = ?2,
            state = CASE WHEN ?3 IS NOT NULL AND attempts + 1 >= ?3 THEN 'failed' ELSE 'queued' END,
            next_attempt_at = ?4
         WHERE message_id = ?1 RETURNING state, attempts",
    )?;
    let mut fail_o = tx.prepare_cached(
        "UPDATE outbox SET state = 'failed', attempts = attempts + 1, lease_until = NULL,
            last_error = ?2 WHERE message_id = ?1",
    )?;
    let mut release_o = tx.prepare_cached(
        "UPDATE outbox SET state = 'queued', lease_until = NULL,
            next_attempt_at = max(next_attempt_at, ifnull(?2, 0)) WHERE message_id = ?1",
    )?;
    let mut msg = tx.prepare_cached(
        "UPDATE message SET state = ?2, sent_at = CASE WHEN ?2 = 'sent' THEN ?3 ELSE sent_at END
         WHERE id = ?1",
    )?;
    for (id, d) in results {
        let state = match d {
            Delivery::Sent => {
                sent_o.execute([id])?;
                "sent".to_string()
            }
            Delivery::Retry {
                error,
                max_attempts,
            } => {
                let attempts: u32 = tx.query_row(
                    "SELECT attempts FROM outbox WHERE message_id = ?1",
                    [id],
                    |r| r.get(0),
                )?;
                let next = now + backoff(backoff_base, attempts + 1);
                retry_o.query_row(params![id, error, max_attempts, next], |r| {
                    r.get::<_, String>(0)
                })?
            }
            Delivery::Failed(error) => {
                fail_o.execute(params![id, error])?;
                "failed".to_string()
            }
            Delivery::Release { not_before } => {
                release_o.execute(params![id, not_before])?;
                "queued".to_string()
            }
        };
        msg.execute(params![id, state, now])?;
    }
    Ok(())
}

/// Pauses the whole queue with a reason the UI shows (an SMTP authentication failure).
pub fn pause(tx: &Transaction, reason: &str, now: Timestamp) -> Result<()> {
    set_setting(tx, PAUSED, reason)?;
    set_setting(tx, PAUSED_AT, &now.to_string())
}

/// Why the queue is paused, if it is.
pub fn paused_reason(conn: &Connection) -> Result<Option<String>> {
    get_setting(conn, PAUSED)
}

/// Lifts a pause; queued messages go out at the next send.
pub fn resume(tx: &Transaction) -> Result<()> {
    tx.execute(
        "DELETE FROM setting WHERE key IN (?1, ?2)",
        params![PAUSED, PAUSED_AT],
    )?;
    Ok(())
}

/// How the outbox stands, for the status bar and `certdesk-cli send --status`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct QueueStatus {
    pub queued: u32,
    pub sending: u32,
    pub sent: u32,
    pub failed: u32,
    pub skipped: u32,
    /// Why the queue is paused; `None` while it runs.
    pub paused_reason: Option<String>,
    /// When it was paused (RFC 3339).
    pub paused_at: Option<String>,
    /// The next retry instant of a queued message (RFC 3339), if any.
    pub next_attempt_at: Option<String>,
}

/// Counts messages by state, and the pause.
pub fn queue_status(conn: &Connection) -> Result<QueueStatus> {
    let mut s = QueueStatus {
        paused_reason: get_setting(conn, PAUSED)?,
        paused_at: get_setting(conn, PAUSED_AT)?,
        ..QueueStatus::default()
    };
    let mut st = conn.prepare_cached("SELECT state, count(*) FROM message GROUP BY state")?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let n = u32::try_from(r.get::<_, i64>(1)?).unwrap_or(u32::MAX);
        match r.get::<_, String>(0)?.as_str() {
            "queued" => s.queued = n,
            "sending" => s.sending = n,
            "sent" => s.sent = n,
            "failed" => s.failed = n,
            _ => s.skipped = n,
        }
    }
    let next: Option<i64> = conn.query_row(
        "SELECT min(next_attempt_at) FROM outbox WHERE state = 'queued'",
        [],
        |r| r.get(0),
    )?;
    s.next_attempt_at = next
        .and_then(|t| Timestamp::from_second(t).ok())
        .map(|t| t.to_string());
    Ok(s)
}
