//! Short lists the screens offer as choices: programs and certifications, learners by name.

use rusqlite::{params, Connection};
use serde::Serialize;

use crate::program::ProgramKind;
use crate::Result;

/// A program or certification, as a filter or picker shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct ProgramSummary {
    pub id: i64,
    pub short_name: String,
    pub full_name: String,
    pub kind: ProgramKind,
    /// Active members (not unassigned).
    pub members: u32,
}

/// Every program and certification, by full name.
///
/// # Errors
/// Database errors.
pub fn program_summaries(conn: &Connection) -> Result<Vec<ProgramSummary>> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.id, p.short_name, p.full_name, p.kind,
                (SELECT count(*) FROM assignment a WHERE a.program_id = p.id AND a.unassigned_at IS NULL)
         FROM program p ORDER BY p.full_name, p.id",
    )?;
    let rows = stmt.query_map([], |r| {
        let kind: String = r.get(3)?;
        Ok(ProgramSummary {
            id: r.get(0)?,
            short_name: r.get(1)?,
            full_name: r.get(2)?,
            kind: if kind == "certification" {
                ProgramKind::Certification
            } else {
                ProgramKind::Program
            },
            members: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A learner, as a picker shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct LearnerSummary {
    pub id: i64,
    pub id_number: String,
    pub full_name: String,
    pub email: String,
}

/// Up to `limit` (at most 100) learners whose name, id number or email contains `text`, by
/// name.
///
/// # Errors
/// Database errors.
pub fn find_learners(conn: &Connection, text: &str, limit: u32) -> Result<Vec<LearnerSummary>> {
    let pattern = format!(
        "%{}%",
        text.trim()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let mut stmt = conn.prepare_cached(
        "SELECT id, id_number, full_name, email FROM learner
         WHERE full_name LIKE ?1 ESCAPE '\\' OR id_number LIKE ?1 ESCAPE '\\' OR email LIKE ?1 ESCAPE '\\'
         ORDER BY full_name, id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![pattern, limit.clamp(1, 100)], |r| {
        Ok(LearnerSummary {
            id: r.get(0)?,
            id_number: r.get(1)?,
            full_name: r.get(2)?,
            email: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
