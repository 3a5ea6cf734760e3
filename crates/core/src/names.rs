//! Finding records by the names people type: a learner by id number, a program or course by
//! short name, a group by name.

use rusqlite::{Connection, OptionalExtension};

use crate::{Error, Result};

fn find(conn: &Connection, sql: &str, key: &str, what: &'static str) -> Result<i64> {
    conn.query_row(sql, [key], |r| r.get(0))
        .optional()?
        .ok_or_else(|| Error::NotFound {
            what,
            key: key.to_string(),
        })
}

/// The learner with this id number.
///
/// # Errors
/// [`Error::NotFound`] when there is none.
pub fn learner(conn: &Connection, id_number: &str) -> Result<i64> {
    find(
        conn,
        "SELECT id FROM learner WHERE id_number = ?1",
        id_number,
        "learner",
    )
}

/// The program or certification with this short name.
///
/// # Errors
/// [`Error::NotFound`] when there is none.
pub fn program(conn: &Connection, short_name: &str) -> Result<i64> {
    find(
        conn,
        "SELECT id FROM program WHERE short_name = ?1",
        short_name,
        "program",
    )
}

/// The course with this short name.
///
/// # Errors
/// [`Error::NotFound`] when there is none.
pub fn course(conn: &Connection, short_name: &str) -> Result<i64> {
    find(
        conn,
        "SELECT id FROM course WHERE short_name = ?1",
        short_name,
        "course",
    )
}

/// The group with this name.
///
/// # Errors
/// [`Error::NotFound`] when there is none.
pub fn group(conn: &Connection, name: &str) -> Result<i64> {
    find(
        conn,
        "SELECT id FROM learner_group WHERE name = ?1",
        name,
        "group",
    )
}
