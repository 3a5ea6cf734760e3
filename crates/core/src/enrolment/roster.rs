//! A roster: a CSV list of learners' id numbers (one column, `id_number`, header required)
//! to assign to a program in one go.

use std::collections::{HashMap, HashSet};
use std::io::Read;

use jiff::{civil::Date, Timestamp};
use rusqlite::Connection;

use crate::enrolment::{assign, AssignSummary};
use crate::import::{cell, CsvRows, ImportPreview, Problems};
use crate::{idset, Result};

/// The learners of a roster, by line, and its bad rows.
struct Checked {
    learners: Vec<(u32, i64)>,
    problems: Problems,
}

fn check(conn: &Connection, input: impl Read) -> Result<Checked> {
    let mut problems = Problems::default();
    let mut table = CsvRows::open(input, &mut problems);
    let c_id = table.need("id_number", &mut problems);
    let known: HashMap<String, i64> = {
        let mut stmt = conn.prepare("SELECT id_number, id FROM learner")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut seen: HashMap<String, u32> = HashMap::new();
    let mut learners = Vec::new();
    table.each(&mut problems, |line, r, problems| {
        let id_number = cell(r, c_id);
        if id_number.is_empty() {
            problems.add(line, "id_number is empty");
        } else if let Some(first) = seen.insert(id_number.to_string(), line) {
            problems.add(
                line,
                format!("id_number '{id_number}' already appears on line {first}"),
            );
        } else if let Some(id) = known.get(id_number) {
            learners.push((line, *id));
        } else {
            problems.add(line, format!("no learner has id number '{id_number}'"));
        }
        Ok(())
    })?;
    Ok(Checked { learners, problems })
}

/// What [`assign_roster`] would do: every bad row (empty, unknown or repeated id number) and
/// how many good rows would make a new membership of the program or are already members.
/// Reads only.
///
/// # Errors
/// Database errors.
pub fn preview_roster(
    conn: &Connection,
    program_id: i64,
    input: impl Read,
) -> Result<ImportPreview> {
    let c = check(conn, input)?;
    let members: HashSet<i64> = idset::ids(
        conn,
        "SELECT learner_id FROM assignment WHERE program_id = ?1 AND unassigned_at IS NULL",
        [program_id],
    )?
    .into_iter()
    .collect();
    let rows = c
        .learners
        .iter()
        .map(|(line, id)| (*line, members.contains(id)));
    Ok(ImportPreview::new(c.problems, rows))
}

/// Assigns every learner of a roster to a program individually, as [`assign`] does, with an
/// optional due date; nothing when any row is bad.
///
/// # Errors
/// [`crate::Error::Rejected`] listing every bad row (nothing written);
/// [`crate::Error::NotFound`] for an unknown program; database errors.
pub fn assign_roster(
    tx: &Connection,
    now: Timestamp,
    program_id: i64,
    due: Option<Date>,
    input: impl Read,
) -> Result<AssignSummary> {
    let ids = check_roster(tx, input)?;
    assign(tx, now, program_id, &ids, due)
}

/// The learners of a roster, checked against the store; nothing written, so a reader (or a
/// connection outside any transaction) will do. [`assign`] then writes them.
///
/// # Errors
/// [`crate::Error::Rejected`] listing bad rows; database errors.
pub fn check_roster(conn: &Connection, input: impl Read) -> Result<Vec<i64>> {
    let c = check(conn, input)?;
    c.problems.finish("learners")?;
    Ok(c.learners.iter().map(|(_, id)| *id).collect())
}
