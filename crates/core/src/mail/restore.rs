//! What a restore does to sending. Before: [`hold`] pauses the live queue, refusing while a
//! sender holds a live lease. On the restored copy, before it replaces the live store:
//! [`carry_over`] marks sent every message the live store has already sent (adding the ones
//! the backup never knew, so they are not queued again), sets aside every queued message a
//! rule produces and has the caller render them again from the restored rules and data
//! (`notify::restored`: a message the restored rules no longer produce, or a forged row, is
//! logged as skipped, never sent), discards the formatted bytes of the other queued messages
//! (exception alerts and resends: formatted again from the logged subject and bodies, with
//! the restored SMTP settings, when claimed, so a restored file cannot smuggle its own
//! headers out) and leaves sending paused, naming the restored SMTP server, until the
//! administrator resumes it. A message the live store has left `sending` (a sender killed
//! mid-send: its outcome is unknown) is carried over as it stands there, lease, bytes and
//! Message-ID included ([`carry_sending`]): it is claimed again once its lease runs out,
//! exactly as without a restore, never sent afresh from the backup's older copy.

use std::path::Path;

use jiff::Timestamp;
use rusqlite::{Connection, Transaction, TransactionBehavior};
use serde::Serialize;

use super::outbox::{pause, queue_status};
use super::smtp_settings::load_settings;
use crate::time::secs;
use crate::{Error, Result};

/// What a restore did to the outbox.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, specta::Type)]
pub struct RestoreReport {
    /// Messages queued (or sending) in the backup that the store had already sent: marked sent.
    pub carried_sent: u32,
    /// Messages sent after the backup was taken, unknown to it: added to its log as sent.
    pub added_sent: u32,
    /// Queued messages of the backup's rules rendered again from the restored rules and data.
    pub rendered_again: u32,
    /// Queued messages of the backup that its rules no longer produce (changed since, older
    /// than the catch-up horizon, or forged): logged as skipped, not sent.
    pub dropped: u32,
    /// Other queued messages (exception alerts, resends) kept, to be formatted again from
    /// their logged text when sent.
    pub requeued: u32,
    /// Why sending is paused now (it always is after a restore).
    pub paused_reason: String,
}

/// Pauses the live store's queue before a restore; returns the pause it had before (to put
/// back if the restore fails).
///
/// # Errors
/// [`Error::Invalid`] (field `restore`) while a sender holds messages under a live lease:
/// the restore would replace the rows it is about to mark sent.
pub fn hold(tx: &Transaction, now: Timestamp) -> Result<Option<String>> {
    let busy: u32 = tx.query_row(
        "SELECT count(*) FROM outbox WHERE state = 'sending' AND lease_until >= ?1",
        [secs(now)],
        |r| r.get(0),
    )?;
    if busy > 0 {
        return Err(Error::invalid(
            "restore",
            format!(
                "{busy} messages are being sent right now (certdesk-cli send or the app's \
                 timer): wait for the send to finish (or stop it, and wait for its lease to \
                 run out), then restore again"
            ),
        ));
    }
    let before = queue_status(tx)?.paused_reason;
    pause(tx, "a restore is in progress", now)?;
    Ok(before)
}

/// Prepares the restored copy `staged` (see the module docs) with the sending record of
/// the live store at `live`.
///
/// # Errors
/// Database errors.
/// `render_again` renders the set-aside messages (in the temporary table
/// [`SET_ASIDE`], same columns as `message`) again and returns how many it rendered and how
/// many it dropped.
pub fn carry_over(
    staged: &mut Connection,
    live: &Path,
    source: &str,
    now: Timestamp,
    render_again: impl FnOnce(&Transaction) -> Result<(u32, u32)>,
) -> Result<RestoreReport> {
    staged.execute(
        "ATTACH DATABASE ?1 AS live",
        [live.to_string_lossy().as_ref()],
    )?;
    let tx = staged.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut report = RestoreReport {
        carried_sent: mark_sent(&tx)?,
        added_sent: add_sent(&tx)?,
        ..RestoreReport::default()
    };
    tx.execute(
        "UPDATE message SET state = 'queued' WHERE state = 'sending'",
        [],
    )?;
    set_aside(&tx)?;
    report.requeued = u32::try_from(tx.execute(
        "UPDATE outbox SET state = 'queued', raw = X'', lease_until = NULL
         WHERE state IN ('queued', 'sending')",
        [],
    )?)
    .unwrap_or(u32::MAX);
    let unknown = carry_sending(&tx)?;
    report.requeued = report.requeued.saturating_sub(unknown.replaced);
    (report.rendered_again, report.dropped) = render_again(&tx)?;
    let server = load_settings(&tx)?.map_or_else(
        || "no SMTP server is set".to_string(),
        |s| format!("the restored SMTP server is {}:{}", s.host, s.port),
    );
    report.paused_reason = format!(
        "restored from {source}: sending is paused until you resume it; {server}; {} queued \
         messages rendered again from the restored rules, {} no longer produced by them \
         (logged as skipped), {} formatted again when sent",
        report.rendered_again, report.dropped, report.requeued
    );
    if unknown.total > 0 {
        report.paused_reason += &format!(
            "; {} messages were being sent when a sender stopped (outcome unknown): kept as \
             they were, they are sent again with the same Message-ID once their lease runs out",
            unknown.total
        );
    }
    pause(&tx, &report.paused_reason, now)?;
    tx.commit()?;
    staged.execute("DETACH DATABASE live", [])?;
    Ok(report)
}

/// The temporary table [`carry_over`] moves the backup's queued rule messages to.
pub const SET_ASIDE: &str = "temp.restore_set_aside";

/// Moves the backup's queued messages that a rule produces (not exception alerts, resends
/// or tests) out of the log into [`SET_ASIDE`], so the restored rules render them again.
fn set_aside(tx: &Transaction) -> Result<()> {
    const OF_RULES: &str = "state = 'queued' AND rule_id IS NOT NULL AND resend_of IS NULL
        AND recipient_kind <> 'test' AND coalesce(trigger, '') <> 'exception'";
    tx.execute(&format!("DROP TABLE IF EXISTS {SET_ASIDE}"), [])?;
    tx.execute(
        &format!("CREATE TABLE {SET_ASIDE} AS SELECT * FROM message WHERE {OF_RULES}"),
        [],
    )?;
    tx.execute(
        &format!("DELETE FROM outbox WHERE message_id IN (SELECT id FROM {SET_ASIDE})"),
        [],
    )?;
    tx.execute(&format!("DELETE FROM message WHERE {OF_RULES}"), [])?;
    Ok(())
}

/// The live store's messages left `sending` (a sender killed mid-send: whether the server got
/// them is unknown).
const LIVE_SENDING: &str = "SELECT lm.dedup_key FROM live.message lm
     JOIN live.outbox lo ON lo.message_id = lm.id WHERE lo.state = 'sending'";

/// What [`carry_sending`] did: messages carried in all, and how many of them replaced a
/// queued copy of the backup.
struct Unknown {
    total: u32,
    replaced: u32,
}

/// Carries over, as they stand in the live store, its messages left `sending`: state,
/// lease, bytes, Message-ID and attempts, in place of the backup's older copy (or added, the
/// backup never having known them). So their unknown outcome is handled as without a restore
/// (claimed again with the same bytes and Message-ID once the lease has run out, which a
/// receiving server can use to drop a duplicate, at most 3 attempts), instead of the backup's
/// copy going out as new mail or the next run queueing it again under another Message-ID.
/// A message the backup already has as sent stays sent.
fn carry_sending(tx: &Transaction) -> Result<Unknown> {
    let replaced = tx.query_row(
        &format!(
            "SELECT count(*) FROM message WHERE state = 'queued' AND dedup_key IN ({LIVE_SENDING})"
        ),
        [],
        |r| r.get(0),
    )?;
    copy_messages(
        tx,
        "live.message",
        ("'sending'", "NULL", "NULL"),
        &format!("l.dedup_key IN ({LIVE_SENDING})"),
        [],
    )?;
    let total = tx.execute(
        &format!(
            "INSERT OR REPLACE INTO outbox (message_id, message_id_hdr, raw, state, attempts,
                next_attempt_at, lease_until, last_error)
             SELECT m.id, lo.message_id_hdr, lo.raw, 'sending', lo.attempts,
                lo.next_attempt_at, lo.lease_until, lo.last_error
             FROM message m JOIN live.message lm ON lm.dedup_key = m.dedup_key
             JOIN live.outbox lo ON lo.message_id = lm.id
             WHERE m.state <> 'sent' AND m.dedup_key IN ({LIVE_SENDING})"
        ),
        [],
    )?;
    tx.execute(
        &format!(
            "UPDATE message SET state = 'sending', skip_reason = NULL
             WHERE state <> 'sent' AND dedup_key IN ({LIVE_SENDING})"
        ),
        [],
    )?;
    Ok(Unknown {
        total: u32::try_from(total).unwrap_or(u32::MAX),
        replaced,
    })
}

/// Marks sent the restored messages the live store has sent.
fn mark_sent(tx: &Transaction) -> Result<u32> {
    let n = tx.execute(
        "UPDATE message SET state = 'sent',
            sent_at = (SELECT l.sent_at FROM live.message l WHERE l.dedup_key = message.dedup_key)
         WHERE state <> 'sent'
           AND dedup_key IN (SELECT dedup_key FROM live.message WHERE state = 'sent')",
        [],
    )?;
    tx.execute(
        "UPDATE outbox SET state = 'sent', raw = X'', lease_until = NULL, last_error = NULL
         WHERE state <> 'sent'
           AND message_id IN (SELECT id FROM message WHERE state = 'sent')",
        [],
    )?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Adds to the restored log the messages the live store sent that it never knew, so the
/// next run does not queue them again (a message is queued at most once per dedup key).
fn add_sent(tx: &Transaction) -> Result<u32> {
    let n = copy_messages(
        tx,
        "live.message",
        ("'sent'", "NULL", "l.sent_at"),
        "l.state = 'sent'",
        [],
    )?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Copies into the log the rows of `src` (a table with the columns of `message`, read as
/// `l`) that match `filter` and whose dedup key it does not hold yet, with the SQL
/// expressions `(state, skip_reason, sent_at)`; the rule and membership are kept only
/// where they exist in this store. Returns how many rows were copied.
///
/// # Errors
/// Database errors.
pub fn copy_messages(
    tx: &Transaction,
    src: &str,
    (state, reason, sent_at): (&str, &str, &str),
    filter: &str,
    params: impl rusqlite::Params,
) -> Result<usize> {
    Ok(tx.execute(
        &format!(
            "INSERT INTO message (dedup_key, rule_id, assignment_id, cycle, course_set_id,
                recipient_kind, recipient_email, subject, body_html, body_text, state,
                skip_reason, created_at, sent_at, trigger)
             SELECT l.dedup_key,
                (SELECT r.id FROM notification_rule r WHERE r.id = l.rule_id),
                (SELECT a.id FROM assignment a WHERE a.id = l.assignment_id),
                l.cycle, l.course_set_id, l.recipient_kind, l.recipient_email, l.subject,
                l.body_html, l.body_text, {state}, {reason}, l.created_at, {sent_at}, l.trigger
             FROM {src} l
             WHERE {filter}
               AND NOT EXISTS (SELECT 1 FROM message m WHERE m.dedup_key = l.dedup_key)"
        ),
        params,
    )?)
}
