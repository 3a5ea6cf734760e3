//! The `hr_file` table (migration 015): each file a sync took, by its content's SHA-256,
//! with its outcome and report. A content is imported at most once (a partial unique
//! index); a rejected content may come again and is checked again (the learners it
//! needed may have arrived since).

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::{HrFileKind, HrOutcome};
use crate::time::from_secs;
use crate::{Error, Result};

/// One file taken from the drop folder, as the list of recent HR files shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct HrFileRecord {
    pub id: i64,
    /// The name it was dropped under.
    pub name: String,
    pub kind: HrFileKind,
    pub outcome: HrOutcome,
    /// When a sync took it (RFC 3339).
    pub taken_at: String,
    pub rows: u32,
    pub problems: u32,
    /// Where it went, relative to the drop folder; `None` while it could not be moved.
    pub moved_to: Option<String>,
}

/// A file to record.
pub(super) struct NewFile<'a> {
    pub sha256: &'a str,
    pub name: &'a str,
    pub kind: HrFileKind,
    pub taken_at: i64,
    pub outcome: HrOutcome,
    pub rows: u32,
    pub problems: u32,
    pub moved_to: &'a str,
    pub report: &'a str,
}

/// The file this content was imported from, if any: its name and when (unix seconds).
pub(super) fn imported_before(conn: &Connection, sha256: &str) -> Result<Option<(String, i64)>> {
    Ok(conn
        .prepare_cached(
            "SELECT name, taken_at FROM hr_file WHERE sha256 = ?1 AND outcome = 'imported'",
        )?
        .query_row([sha256], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// Records a file taken; returns its id.
pub(super) fn insert(tx: &Connection, f: &NewFile<'_>) -> Result<i64> {
    tx.prepare_cached(
        "INSERT INTO hr_file (sha256, name, kind, taken_at, outcome, rows, problems, moved_to,
             report)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        f.sha256,
        f.name,
        f.kind.as_str(),
        f.taken_at,
        f.outcome.as_str(),
        f.rows,
        f.problems,
        f.moved_to,
        f.report
    ])?;
    Ok(tx.last_insert_rowid())
}

/// Notes that a file could not be moved (it stays in the drop folder; its hash keeps it
/// from being imported again).
pub(super) fn not_moved(tx: &Connection, id: i64, why: &str) -> Result<()> {
    tx.execute(
        "UPDATE hr_file SET moved_to = NULL, report = report || ?2 WHERE id = ?1",
        params![id, format!("\nThe file could not be moved: {why}\n")],
    )?;
    Ok(())
}

/// The files taken, newest first, at most `limit` of them.
///
/// # Errors
/// Database errors.
pub fn recent_files(conn: &Connection, limit: u32) -> Result<Vec<HrFileRecord>> {
    let mut st = conn.prepare_cached(
        "SELECT id, name, kind, outcome, taken_at, rows, problems, moved_to
         FROM hr_file ORDER BY taken_at DESC, id DESC LIMIT ?1",
    )?;
    let rows = st.query_map([limit], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, i64>(4)?,
            r.get::<_, u32>(5)?,
            r.get::<_, u32>(6)?,
            r.get::<_, Option<String>>(7)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, name, kind, outcome, taken_at, rows, problems, moved_to) = row?;
        out.push(HrFileRecord {
            id,
            name,
            kind: HrFileKind::parse(&kind).unwrap_or(HrFileKind::Learners),
            outcome: HrOutcome::parse(&outcome).unwrap_or(HrOutcome::Rejected),
            taken_at: from_secs(taken_at)?.to_string(),
            rows,
            problems,
            moved_to,
        });
    }
    Ok(out)
}

/// The report of file `id`: what was imported, or every problem found.
///
/// # Errors
/// [`Error::NotFound`] (`HR file`) for an unknown id.
pub fn file_report(conn: &Connection, id: i64) -> Result<String> {
    conn.query_row("SELECT report FROM hr_file WHERE id = ?1", [id], |r| {
        r.get(0)
    })
    .optional()?
    .ok_or(Error::NotFound {
        what: "HR file",
        key: id.to_string(),
    })
}
