//! The course catalogue as the program editor uses it: every course to choose from, and
//! adding a course by name.

use rusqlite::{params, Connection, OptionalExtension};

use crate::program::catalog::CourseRef;
use crate::{Error, Result};

/// Every course, by full name.
///
/// # Errors
/// Database errors.
pub fn list_courses(conn: &Connection) -> Result<Vec<CourseRef>> {
    let mut stmt =
        conn.prepare_cached("SELECT id, short_name, full_name FROM course ORDER BY full_name, id")?;
    let rows = stmt.query_map([], |r| {
        Ok(CourseRef {
            id: r.get(0)?,
            short_name: r.get(1)?,
            full_name: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Adds a course.
///
/// # Errors
/// [`Error::Invalid`] (`course.short_name`, `course.full_name`) for an empty name or a short
/// name already taken (in any case); database errors.
pub fn add_course(tx: &Connection, short_name: &str, full_name: &str) -> Result<CourseRef> {
    let (short_name, full_name) = (short_name.trim(), full_name.trim());
    if short_name.is_empty() {
        return Err(Error::invalid(
            "course.short_name",
            "the course's short name is empty",
        ));
    }
    if full_name.is_empty() {
        return Err(Error::invalid(
            "course.full_name",
            "the course's name is empty",
        ));
    }
    let taken: Option<String> = tx
        .query_row(
            "SELECT full_name FROM course WHERE short_name = ?1 COLLATE NOCASE",
            [short_name],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(other) = taken {
        return Err(Error::invalid(
            "course.short_name",
            format!("'{short_name}' is already the short name of {other}"),
        ));
    }
    tx.execute(
        "INSERT INTO course (short_name, full_name) VALUES (?1, ?2)",
        params![short_name, full_name],
    )?;
    Ok(CourseRef {
        id: tx.last_insert_rowid(),
        short_name: short_name.into(),
        full_name: full_name.into(),
    })
}
