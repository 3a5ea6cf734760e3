//! Short lists the screens offer as choices: programs and certifications, learners by name,
//! groups.

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
    /// Active members (not unassigned), from the summary figures (migration 005).
    pub members: u32,
}

/// Every program and certification, by full name.
///
/// # Errors
/// Database errors.
pub fn program_summaries(conn: &Connection) -> Result<Vec<ProgramSummary>> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.id, p.short_name, p.full_name, p.kind,
                (SELECT coalesce(sum(s.memberships), 0) FROM summary_membership s WHERE s.program_id = p.id)
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

/// A course, as a program's course set lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct CourseRef {
    pub id: i64,
    pub short_name: String,
    pub full_name: String,
}

/// A course set of a program path, in words.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct CourseSetView {
    pub id: i64,
    /// `certification` or `recertification`.
    pub path: String,
    pub label: String,
    /// The completion rule in words: "all courses", "any one course", "at least 2 courses",
    /// "optional".
    pub rule: String,
    pub min_time_hours: f64,
    /// The operator to the next set (`then`, `and`, `or`); `None` on the last set.
    pub next_operator: Option<String>,
    pub courses: Vec<CourseRef>,
}

/// Every course set of a program, path by path, in order.
///
/// # Errors
/// Database errors.
pub fn course_sets(conn: &Connection, program_id: i64) -> Result<Vec<CourseSetView>> {
    let mut sets = Vec::new();
    {
        let mut st = conn.prepare_cached(
            "SELECT id, path, label, rule, rule_min, min_time_secs, next_operator FROM course_set
             WHERE program_id = ?1 ORDER BY path, position",
        )?;
        let mut rows = st.query([program_id])?;
        while let Some(r) = rows.next()? {
            let rule: String = r.get(3)?;
            let min: Option<i64> = r.get(4)?;
            sets.push(CourseSetView {
                id: r.get(0)?,
                path: r.get(1)?,
                label: r.get(2)?,
                rule: match (rule.as_str(), min) {
                    ("all", _) => "all courses".to_string(),
                    ("any", _) => "any one course".to_string(),
                    ("at_least", Some(n)) => format!("at least {n} courses"),
                    _ => "optional".to_string(),
                },
                min_time_hours: r.get::<_, i64>(5)? as f64 / 3600.0,
                next_operator: r.get(6)?,
                courses: Vec::new(),
            });
        }
    }
    let mut st = conn.prepare_cached(
        "SELECT c.id, c.short_name, c.full_name FROM course_set_course x
         JOIN course c ON c.id = x.course_id WHERE x.course_set_id = ?1 ORDER BY c.full_name",
    )?;
    for set in &mut sets {
        let rows = st.query_map([set.id], |r| {
            Ok(CourseRef {
                id: r.get(0)?,
                short_name: r.get(1)?,
                full_name: r.get(2)?,
            })
        })?;
        set.courses = rows.collect::<rusqlite::Result<_>>()?;
    }
    Ok(sets)
}

/// A group of learners, as the group picker shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct GroupSummary {
    pub id: i64,
    pub name: String,
    pub members: u32,
}

/// Every group with its member count, by name.
///
/// # Errors
/// Database errors.
pub fn groups(conn: &Connection) -> Result<Vec<GroupSummary>> {
    let mut stmt = conn.prepare_cached(
        "SELECT g.id, g.name, (SELECT count(*) FROM group_member m WHERE m.group_id = g.id)
         FROM learner_group g ORDER BY g.name, g.id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(GroupSummary {
            id: r.get(0)?,
            name: r.get(1)?,
            members: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
