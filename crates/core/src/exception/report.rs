//! The exception report: the raised exceptions, a page at a time, each row with its issue
//! in words, its due date in the learner's time zone, the time its path needs, and the
//! actions allowed for it (so the UI never keeps its own copy of that matrix).

use rusqlite::{params, Connection};
use serde::Serialize;

use super::action::ExceptionAction;
use super::ExceptionKind;
use crate::program::load_programs;
use crate::time::{from_secs, local_date};
use crate::Result;

/// One row of the exception report.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct ExceptionRow {
    pub id: i64,
    pub assignment_id: i64,
    pub learner_name: String,
    pub learner_id_number: String,
    pub program_name: String,
    pub kind: ExceptionKind,
    /// The issue in words, with its figures.
    pub issue: String,
    /// The due date concerned, in the learner's time zone (YYYY-MM-DD).
    pub due_date: Option<String>,
    /// The total minimum time of the path, in hours.
    pub time_needed_hours: f64,
    /// When it was raised (RFC 3339, UTC).
    pub raised_at: String,
    /// The actions allowed for this row.
    pub actions: Vec<ExceptionAction>,
}

/// A page of the exception report: raised exceptions, optionally of one type, in the order
/// they were raised, `limit` rows after exception id `after`.
///
/// # Errors
/// Database errors.
pub fn raised_exceptions(
    conn: &Connection,
    kind: Option<ExceptionKind>,
    after: Option<i64>,
    limit: u32,
) -> Result<Vec<ExceptionRow>> {
    let programs = load_programs(conn)?;
    let mut stmt = conn.prepare_cached(
        "SELECT e.id, e.assignment_id, l.full_name, l.id_number, p.full_name, e.kind, e.detail,
                e.due_at, e.raised_at, l.time_zone, p.id
         FROM exception e JOIN assignment a ON a.id = e.assignment_id
         JOIN learner l ON l.id = a.learner_id JOIN program p ON p.id = a.program_id
         WHERE e.status = 'raised' AND (?1 IS NULL OR e.kind = ?1) AND e.id > ?2
           AND a.unassigned_at IS NULL
         ORDER BY e.id LIMIT ?3",
    )?;
    let mut rows = stmt.query(params![
        kind.map(ExceptionKind::as_str),
        after.unwrap_or(0),
        if limit == 0 { 100 } else { limit.min(10_000) }
    ])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let kind = ExceptionKind::parse(&r.get::<_, String>(5)?)?;
        let zone_name: String = r.get(9)?;
        let needed = programs
            .get(&r.get::<_, i64>(10)?)
            .map_or(0, |p| p.certification.total_min_secs());
        out.push(ExceptionRow {
            id: r.get(0)?,
            assignment_id: r.get(1)?,
            learner_name: r.get(2)?,
            learner_id_number: r.get(3)?,
            program_name: r.get(4)?,
            kind,
            issue: r.get(6)?,
            due_date: r
                .get::<_, Option<i64>>(7)?
                .map(|d| local_date(d, &zone_name))
                .transpose()?,
            time_needed_hours: needed as f64 / 3600.0,
            raised_at: from_secs(r.get(8)?)?.to_string(),
            actions: ExceptionAction::ALL
                .into_iter()
                .filter(|a| a.allowed_for(kind))
                .collect(),
        });
    }
    Ok(out)
}
