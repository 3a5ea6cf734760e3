//! The record of an applied bulk action (migration 012), so that it can be undone
//! (`undo.rs`): who applied it and when, and every row it changes as it was before. The rows
//! are copied set-based (one `INSERT .. SELECT` per table) from the action's id set, inside
//! the action's own transaction, before its updates.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::action::ExceptionAction;
use crate::time::from_secs;
use crate::Result;

/// One applied bulk action, as the history lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct ActionBatch {
    pub id: i64,
    pub action: ExceptionAction,
    /// When it was applied (RFC 3339, UTC).
    pub applied_at: String,
    /// The operating-system user who applied it.
    pub os_user: String,
    /// Exceptions it handled.
    pub rows: u32,
    /// When it was undone (RFC 3339, UTC), if it was.
    pub undone_at: Option<String>,
}

/// The operating-system user: `$USER`, else `$USERNAME` (Windows), else "unknown".
pub fn os_user() -> String {
    ["USER", "USERNAME"]
        .into_iter()
        .filter_map(|k| std::env::var(k).ok())
        .map(|v| v.trim().to_string())
        .find(|v| !v.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

fn max_id(tx: &Connection, table: &str) -> Result<i64> {
    Ok(tx.query_row(
        &format!("SELECT ifnull(max(id), 0) FROM {table}"),
        [],
        |r| r.get(0),
    )?)
}

/// Records the batch of `action` over the exceptions of `temp.eng_act` before it changes
/// them: the batch row and the previous state of every row it will write. Returns its id.
pub(crate) fn record(tx: &Connection, now: i64, action: ExceptionAction) -> Result<i64> {
    let events = max_id(tx, "event")?;
    tx.execute(
        "INSERT INTO action_batch (action, applied_at, os_user, row_count, event_floor,
                                   event_ceiling, message_floor, digest_floor)
         VALUES (?1, ?2, ?3, (SELECT count(*) FROM temp.eng_act), ?4, ?4, ?5, ?6)",
        params![
            action.as_str(),
            now,
            os_user(),
            events,
            max_id(tx, "message")?,
            max_id(tx, "digest_item")?
        ],
    )?;
    let batch = tx.last_insert_rowid();
    tx.prepare_cached(
        "INSERT INTO action_batch_exception (batch_id, exception_id, status, handled_at)
         SELECT ?1, e.id, e.status, e.handled_at FROM temp.eng_act t CROSS JOIN exception e ON e.id = t.id",
    )?
    .execute([batch])?;
    // One exception per membership is raised at a time; OR IGNORE keeps the first if not.
    tx.prepare_cached(
        "INSERT OR IGNORE INTO action_batch_assignment (batch_id, assignment_id, assigned_at, due_at,
             active, exception_status, status, completed_at, cycle, window_opens_at, expires_at)
         SELECT ?1, a.id, a.assigned_at, a.due_at, a.active, a.exception_status, a.status,
                a.completed_at, a.cycle, a.window_opens_at, a.expires_at
         FROM temp.eng_act t CROSS JOIN exception e ON e.id = t.id
         CROSS JOIN assignment a ON a.id = e.assignment_id",
    )?
    .execute([batch])?;
    if matches!(
        action,
        ExceptionAction::Assign | ExceptionAction::SetRealisticDueDate
    ) {
        tx.prepare_cached(
            "INSERT INTO action_batch_progress (batch_id, assignment_id, cycle, course_set_id,
                 current_at, due_at, completed_at)
             SELECT ?1, p.assignment_id, p.cycle, p.course_set_id, p.current_at, p.due_at, p.completed_at
             FROM action_batch_assignment b CROSS JOIN course_set_progress p ON p.assignment_id = b.assignment_id
             WHERE b.batch_id = ?1",
        )?
        .execute([batch])?;
        tx.prepare_cached(
            "INSERT INTO action_batch_record (batch_id, assignment_id, cycle, path, state,
                 started_at, completed_at, window_opens_at, expires_at)
             SELECT ?1, c.assignment_id, c.cycle, c.path, c.state, c.started_at, c.completed_at,
                    c.window_opens_at, c.expires_at
             FROM action_batch_assignment b CROSS JOIN certification_record c ON c.assignment_id = b.assignment_id
             WHERE b.batch_id = ?1",
        )?
        .execute([batch])?;
    }
    if action == ExceptionAction::SetRealisticDueDate {
        tx.prepare_cached(
            "INSERT INTO action_batch_source (batch_id, source_id, due_at, due_set)
             SELECT ?1, s.id, s.due_at, s.due_set
             FROM action_batch_assignment b CROSS JOIN assignment_source s ON s.assignment_id = b.assignment_id
             WHERE b.batch_id = ?1",
        )?
        .execute([batch])?;
    }
    Ok(batch)
}

/// Closes the batch after the action's writes: the events it added are those up to now.
pub(crate) fn finish(tx: &Connection, batch: i64) -> Result<()> {
    tx.execute(
        "UPDATE action_batch SET event_ceiling = (SELECT ifnull(max(id), 0) FROM event) WHERE id = ?1",
        [batch],
    )?;
    Ok(())
}

fn from_row(
    r: &rusqlite::Row<'_>,
) -> rusqlite::Result<(i64, String, i64, String, u32, Option<i64>)> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    ))
}

fn shown(row: (i64, String, i64, String, u32, Option<i64>)) -> Result<ActionBatch> {
    let (id, action, applied, os_user, rows, undone) = row;
    Ok(ActionBatch {
        id,
        action: ExceptionAction::parse(&action)?,
        applied_at: from_secs(applied)?.to_string(),
        os_user,
        rows,
        undone_at: undone.map(from_secs).transpose()?.map(|t| t.to_string()),
    })
}

const COLUMNS: &str = "id, action, applied_at, os_user, row_count, undone_at";

/// The applied bulk actions, newest first.
///
/// # Errors
/// Database errors.
pub fn history(conn: &Connection) -> Result<Vec<ActionBatch>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM action_batch ORDER BY id DESC"
    ))?;
    let rows = stmt.query_map([], from_row)?;
    rows.map(|r| shown(r?)).collect()
}

/// One batch, if there is one with that id.
///
/// # Errors
/// Database errors.
pub fn find(conn: &Connection, id: i64) -> Result<Option<ActionBatch>> {
    let row = conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM action_batch WHERE id = ?1"),
            [id],
            from_row,
        )
        .optional()?;
    row.map(shown).transpose()
}
