//! Undoing an applied bulk action (issue 13): every row the batch recorded (`batch.rs`) goes
//! back to its previous state in one transaction, and the messages the action caused are
//! withdrawn while they are still queued.
//!
//! **Which messages the action caused**: those logged for one of the memberships the undo
//! restores after the action was applied (message id above the highest id at that moment,
//! so a message of the same second before the action is not counted), whatever their
//! rule: the state the action left (active, a new due date, dismissed) is what every later
//! selection saw for those memberships. Those that never left are withdrawn: queued ones (with their
//! outbox row) and skipped ones (no manager, say) are deleted, so that the same message can
//! be made again if the action is applied again (its dedup key is free), and so are the
//! pending manager digest items of those memberships logged since. Sent (or being sent)
//! ones cannot be taken back: without confirmation the undo is refused with how many were
//! sent ([`Error::NeedsConfirmation`]); with it, the rest is undone and the sent ones stay
//! in the log. Failed ones stay too: a delivery was attempted, the log keeps the reply.
//!
//! A row is restored only while it is as the action left it: its exception still has the
//! status the action gave it, and its membership has no event recorded after the action (a
//! course set or the program completed, a window opened, an unassignment, an exception
//! raised again). Restoring such a row would throw away what happened to it since; it is
//! left as it is and counted (`changed_since`), and so are its messages.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::action::ExceptionAction;
use crate::membership::summary::{self, Scope};
use crate::{idset, Error, Result};

/// What an undo did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct UndoOutcome {
    pub batch: i64,
    pub action: ExceptionAction,
    /// Exceptions back to their previous state.
    pub restored: u32,
    /// Exceptions left alone because they changed after the action.
    pub changed_since: u32,
    /// Messages withdrawn: queued and skipped ones, and pending digest items.
    pub withdrawn: u32,
    /// Messages the action caused that were already sent, and stay sent.
    pub sent_kept: u32,
}

struct Batch {
    action: ExceptionAction,
    event_floor: i64,
    event_ceiling: i64,
    message_floor: i64,
    digest_floor: i64,
}

fn load(tx: &Connection, id: i64) -> Result<Batch> {
    let row = tx
        .query_row(
            "SELECT action, event_floor, event_ceiling, message_floor, digest_floor, undone_at
             FROM action_batch WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get::<_, Option<i64>>(5)?,
                ))
            },
        )
        .optional()?;
    let Some((action, event_floor, event_ceiling, message_floor, digest_floor, undone)) = row
    else {
        return Err(Error::NotFound {
            what: "batch",
            key: id.to_string(),
        });
    };
    if undone.is_some() {
        return Err(Error::AlreadyUndone { batch: id });
    }
    Ok(Batch {
        action: ExceptionAction::parse(&action)?,
        event_floor,
        event_ceiling,
        message_floor,
        digest_floor,
    })
}

/// The messages the batch caused, for the memberships it restores (see the module's rule).
const CAUSED: &str = "FROM message m
     WHERE m.id > ?1 AND m.assignment_id IN (SELECT id FROM temp.undo_a)";

/// Undoes batch `id` at `now` in the caller's transaction.
///
/// # Errors
/// [`Error::NotFound`] for no such batch, [`Error::AlreadyUndone`], and
/// [`Error::NeedsConfirmation`] (nothing written) when messages it caused were sent and
/// `confirm_sent` is false; database errors.
pub fn undo(tx: &Connection, now: i64, id: i64, confirm_sent: bool) -> Result<UndoOutcome> {
    let b = load(tx, id)?;
    let (restored, changed_since) = still_as_left(tx, id, &b)?;
    let sent: u32 = tx.query_row(
        &format!("SELECT count(*) {CAUSED} AND m.state IN ('sent', 'sending')"),
        [b.message_floor],
        |r| r.get(0),
    )?;
    if sent > 0 && !confirm_sent {
        return Err(Error::NeedsConfirmation { batch: id, sent });
    }
    let withdrawn = withdraw(tx, &b)?;
    restore(tx, id, &b)?;
    tx.execute(
        "UPDATE action_batch SET undone_at = ?2, withdrawn = ?3, sent_kept = ?4 WHERE id = ?1",
        params![id, now, withdrawn, sent],
    )?;
    Ok(UndoOutcome {
        batch: id,
        action: b.action,
        restored,
        changed_since,
        withdrawn,
        sent_kept: sent,
    })
}

/// Deletes the queued and skipped messages (their outbox rows go with them) and pending
/// digest items the batch caused. Returns how many.
fn withdraw(tx: &Connection, b: &Batch) -> Result<u32> {
    let messages = tx.execute(
        &format!("DELETE FROM message WHERE id IN (SELECT m.id {CAUSED} AND m.state IN ('queued', 'skipped'))"),
        [b.message_floor],
    )?;
    let items = tx.execute(
        "DELETE FROM digest_item WHERE id > ?1 AND digest_message_id IS NULL
           AND assignment_id IN (SELECT id FROM temp.undo_a)",
        [b.digest_floor],
    )?;
    Ok((messages + items) as u32)
}

/// Puts the rows of the batch still as the action left it (see the module) in
/// `temp.undo_e` (exceptions) and `temp.undo_a` (their memberships). Returns (those, the
/// others).
///
/// The events since the action are read once, by rowid range (`event` has no index starting
/// with the membership), into the list `NOT IN` looks up.
fn still_as_left(tx: &Connection, id: i64, b: &Batch) -> Result<(u32, u32)> {
    let status = b.action.status().as_str();
    idset::fill(tx, "undo_e", std::iter::empty())?;
    tx.execute(
        "INSERT INTO temp.undo_e (id) SELECT x.exception_id FROM action_batch_exception x
         CROSS JOIN exception e ON e.id = x.exception_id
         WHERE x.batch_id = ?1 AND e.status = ?2
           AND e.assignment_id NOT IN (SELECT assignment_id FROM event WHERE id > ?3)",
        params![id, status, b.event_ceiling],
    )?;
    idset::fill(tx, "undo_a", std::iter::empty())?;
    tx.execute(
        "INSERT OR IGNORE INTO temp.undo_a (id) SELECT e.assignment_id FROM temp.undo_e t
         CROSS JOIN exception e ON e.id = t.id",
        [],
    )?;
    let total: u32 = tx.query_row(
        "SELECT count(*) FROM action_batch_exception WHERE batch_id = ?1",
        [id],
        |r| r.get(0),
    )?;
    let restored: u32 = tx.query_row("SELECT count(*) FROM temp.undo_e", [], |r| r.get(0))?;
    Ok((restored, total - restored))
}

/// Puts the rows of `temp.undo_e` and `temp.undo_a` back as the batch recorded them, inside
/// one summary bracket.
fn restore(tx: &Connection, id: i64, b: &Batch) -> Result<()> {
    summary::leave(tx, "undo_a", Scope::Figures)?;
    tx.execute(
        "UPDATE exception AS e SET (status, handled_at) =
             (SELECT x.status, x.handled_at FROM action_batch_exception x
              WHERE x.batch_id = ?1 AND x.exception_id = e.id)
         WHERE e.id IN (SELECT id FROM temp.undo_e)",
        [id],
    )?;
    // The columns the action always sets, then every column of the rows that differ
    // still (those the engine settled): an UPDATE rewrites the index entries of every
    // column it sets, changed or not.
    let own = match b.action {
        ExceptionAction::DoNotAssign | ExceptionAction::Dismiss => {
            "active, due_at, exception_status"
        }
        ExceptionAction::Assign => "active, assigned_at, exception_status",
        ExceptionAction::SetRealisticDueDate => "active, assigned_at, due_at, exception_status",
    };
    let from = |cols: &str| {
        let x: Vec<String> = cols.split(", ").map(|c| format!("x.{c}")).collect();
        format!(
            "UPDATE assignment AS a SET ({cols}) = (SELECT {} FROM action_batch_assignment x
                 WHERE x.batch_id = ?1 AND x.assignment_id = a.id)",
            x.join(", ")
        )
    };
    tx.execute(
        &format!("{} WHERE a.id IN (SELECT id FROM temp.undo_a)", from(own)),
        [id],
    )?;
    let all = "assigned_at, due_at, active, exception_status, status, completed_at, cycle, \
               window_opens_at, expires_at";
    let differ: Vec<String> = all
        .split(", ")
        .map(|c| format!("x.{c} IS NOT now.{c}"))
        .collect();
    tx.execute(
        &format!(
            "{} WHERE a.id IN (SELECT x.assignment_id FROM action_batch_assignment x
                 CROSS JOIN assignment now ON now.id = x.assignment_id
                 WHERE x.batch_id = ?1 AND x.assignment_id IN (SELECT id FROM temp.undo_a)
                   AND ({}))",
            from(all),
            differ.join(" OR ")
        ),
        [id],
    )?;
    summary::enter(tx, "undo_a", Scope::Figures)?;
    restore_dependents(tx, id, b)
}

/// The course set progress, certification records and source due dates of the restored
/// memberships as recorded, and the events the action added to them removed.
fn restore_dependents(tx: &Connection, id: i64, b: &Batch) -> Result<()> {
    if matches!(
        b.action,
        ExceptionAction::Assign | ExceptionAction::SetRealisticDueDate
    ) {
        restore_rows(
            tx,
            id,
            ("course_set_progress", "action_batch_progress"),
            &["assignment_id", "cycle", "course_set_id"],
            &["current_at", "due_at", "completed_at"],
        )?;
        restore_rows(
            tx,
            id,
            ("certification_record", "action_batch_record"),
            &["assignment_id", "cycle"],
            &[
                "path",
                "state",
                "started_at",
                "completed_at",
                "window_opens_at",
                "expires_at",
            ],
        )?;
    }
    if b.action == ExceptionAction::SetRealisticDueDate {
        tx.execute(
            "UPDATE assignment_source AS s SET (due_at, due_set) =
                 (SELECT x.due_at, x.due_set FROM action_batch_source x
                  WHERE x.batch_id = ?1 AND x.source_id = s.id)
             WHERE s.assignment_id IN (SELECT id FROM temp.undo_a)
               AND s.id IN (SELECT source_id FROM action_batch_source WHERE batch_id = ?1)",
            [id],
        )?;
    }
    tx.execute(
        "DELETE FROM event WHERE id > ?1 AND id <= ?2 AND assignment_id IN (SELECT id FROM temp.undo_a)",
        params![b.event_floor, b.event_ceiling],
    )?;
    Ok(())
}

/// Makes the rows of `table` (`tables.0`) of the memberships in `temp.undo_a` equal to those
/// saved in `tables.1` for batch `id`: rows added since deleted, rows that differ updated
/// (only those: most are as they were), rows missing inserted.
fn restore_rows(
    tx: &Connection,
    id: i64,
    (table, saved): (&str, &str),
    keys: &[&str],
    cols: &[&str],
) -> Result<()> {
    let same_key = keys
        .iter()
        .map(|k| format!("x.{k} = t.{k}"))
        .collect::<Vec<_>>()
        .join(" AND ");
    let differ = cols
        .iter()
        .map(|c| format!("x.{c} IS NOT t.{c}"))
        .collect::<Vec<_>>()
        .join(" OR ");
    let (set, x_cols) = (
        cols.join(", "),
        cols.iter()
            .map(|c| format!("x.{c}"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    let saved_row = format!("SELECT 1 FROM {saved} x WHERE x.batch_id = ?1 AND {same_key}");
    tx.execute(
        &format!(
            "DELETE FROM {table} AS t WHERE t.assignment_id IN (SELECT id FROM temp.undo_a)
               AND NOT EXISTS ({saved_row})"
        ),
        [id],
    )?;
    tx.execute(
        &format!(
            "UPDATE {table} AS t SET ({set}) = (SELECT {x_cols} FROM {saved} x
                 WHERE x.batch_id = ?1 AND {same_key})
             WHERE t.assignment_id IN (SELECT id FROM temp.undo_a)
               AND EXISTS ({saved_row} AND ({differ}))"
        ),
        [id],
    )?;
    let all = [keys, cols].concat().join(", ");
    tx.execute(
        &format!(
            "INSERT INTO {table} ({all}) SELECT {all} FROM {saved} x
             WHERE x.batch_id = ?1 AND x.assignment_id IN (SELECT id FROM temp.undo_a)
               AND NOT EXISTS (SELECT 1 FROM {table} t WHERE {same_key})"
        ),
        [id],
    )?;
    Ok(())
}
