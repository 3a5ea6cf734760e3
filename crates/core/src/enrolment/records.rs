//! Courses, assignments and course completions from CSV.
//!
//! - courses: `short_name`, `full_name`; matched by short name.
//! - assignments: `learner` (id number) or `group` (name), `program` (short name), optional
//!   `due` (YYYY-MM-DD: the end of that day in the learner's time zone).
//! - completions: `learner` (id number), `course` (short name), `completed_at`
//!   (YYYY-MM-DD, the start of that day in the learner's time zone, or RFC 3339).

use std::collections::{BTreeMap, HashMap};
use std::io::Read;

use jiff::{civil::Date, tz::TimeZone, Timestamp};
use rusqlite::Connection;

use crate::enrolment::completion::{record_completions, Completion};
use crate::enrolment::{assign, assign_group};
use crate::import::{cell, instant, CsvRows, ImportSummary, Problems, Zones, PROBLEM_LIMIT};
use crate::time::parse_date;
use crate::Result;

fn name_map(tx: &Connection, sql: &str) -> Result<HashMap<String, i64>> {
    let mut stmt = tx.prepare(sql)?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Imports courses.
///
/// # Errors
/// [`crate::Error::Rejected`] listing bad rows (nothing written); database errors.
pub fn courses(tx: &Connection, input: impl Read) -> Result<ImportSummary> {
    write_courses(tx, check_courses(input)?)
}

/// The good rows of a courses file (short and full name); checked without a connection.
///
/// # Errors
/// [`crate::Error::Rejected`] listing bad rows.
pub fn check_courses(input: impl Read) -> Result<Vec<(String, String)>> {
    let mut problems = Problems::default();
    let mut csv = CsvRows::open(input, &mut problems);
    let (c_short, c_full) = (
        csv.need("short_name", &mut problems),
        csv.need("full_name", &mut problems),
    );
    let mut seen = HashMap::new();
    let mut rows = Vec::new();
    csv.each(&mut problems, |line, r, problems| {
        let short = cell(r, c_short);
        if short.is_empty() {
            problems.add(line, "short_name is empty");
        } else if let Some(first) = seen.insert(short.to_string(), line) {
            problems.add(line, format!("'{short}' already appears on line {first}"));
        }
        if cell(r, c_full).is_empty() {
            problems.add(line, "full_name is empty");
        }
        if problems.is_empty() {
            rows.push((short.to_string(), cell(r, c_full).to_string()));
        }
        Ok(())
    })?;
    problems.finish("courses")?;
    Ok(rows)
}

/// Writes checked courses, in the caller's transaction.
///
/// # Errors
/// Database errors.
pub fn write_courses(tx: &Connection, rows: Vec<(String, String)>) -> Result<ImportSummary> {
    let mut find = tx.prepare_cached("SELECT 1 FROM course WHERE short_name = ?1")?;
    let mut upsert = tx.prepare_cached(
        "INSERT INTO course (short_name, full_name) VALUES (?1, ?2)
         ON CONFLICT (short_name) DO UPDATE SET full_name = excluded.full_name",
    )?;
    let mut summary = ImportSummary::default();
    for (short, full) in &rows {
        let existed = find.exists([short])?;
        upsert.execute([short, full])?;
        summary.rows += 1;
        if existed {
            summary.updated += 1;
        } else {
            summary.created += 1;
        }
    }
    Ok(summary)
}

/// Who an assignment row assigns.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Who {
    Learner(i64),
    Group(i64),
}

/// Imports assignments: each row assigns a learner or a group to a program. Rows with the same
/// program and due date are assigned together.
///
/// # Errors
/// [`crate::Error::Rejected`] listing every bad row (nothing written); database errors.
pub fn assignments(tx: &Connection, now: Timestamp, input: impl Read) -> Result<ImportSummary> {
    let checked = check_assignments(tx, input, PROBLEM_LIMIT)?;
    write_assignments(tx, now, checked)
}

/// The good rows of an assignments file, by program and due date.
pub struct Assignments {
    rows: u32,
    batches: BTreeMap<(i64, Option<Date>), Vec<Who>>,
}

/// Reads and checks an assignments file against the store; nothing written, so a reader
/// (or a connection outside any transaction) will do.
///
/// # Errors
/// [`crate::Error::Rejected`] listing the first `limit` bad rows (`usize::MAX`: every one);
/// database errors.
pub fn check_assignments(tx: &Connection, input: impl Read, limit: usize) -> Result<Assignments> {
    let mut problems = Problems::listing(limit);
    let mut table = CsvRows::open(input, &mut problems);
    let c_program = table.need("program", &mut problems);
    let (c_learner, c_group, c_due) = (table.col("learner"), table.col("group"), table.col("due"));
    if c_learner.is_none() && c_group.is_none() {
        problems.add(1, "the header needs a 'learner' or a 'group' column");
    }
    let learners = name_map(tx, "SELECT id_number, id FROM learner")?;
    let groups = name_map(tx, "SELECT name, id FROM learner_group")?;
    let programs = name_map(tx, "SELECT short_name, id FROM program")?;
    let mut batches: BTreeMap<(i64, Option<Date>), Vec<Who>> = BTreeMap::new();
    let mut rows = 0;
    table.each(&mut problems, |line, r, problems| {
        rows += 1;
        let mut bad = |m: String| problems.add(line, m);
        let learner = c_learner.map(|c| cell(r, c)).filter(|s| !s.is_empty());
        let group = c_group.map(|c| cell(r, c)).filter(|s| !s.is_empty());
        let who = match (learner, group) {
            (Some(l), None) => learners.get(l).map(|id| Who::Learner(*id)).or_else(|| {
                bad(format!("learner '{l}' not found"));
                None
            }),
            (None, Some(g)) => groups.get(g).map(|id| Who::Group(*id)).or_else(|| {
                bad(format!("group '{g}' not found"));
                None
            }),
            (Some(_), Some(_)) => {
                bad("give a learner or a group, not both".into());
                None
            }
            (None, None) => {
                bad("no learner and no group".into());
                None
            }
        };
        let short = cell(r, c_program);
        let program = programs.get(short).copied().or_else(|| {
            bad(format!("program '{short}' not found"));
            None
        });
        let due = match c_due.map(|c| cell(r, c)).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(d) => parse_date(d).map(Some).map_err(|e| {
                bad(format!("due {}", due_reason(&e, d)));
            }),
        };
        if let (Some(who), Some(program), Ok(due)) = (who, program, due) {
            batches.entry((program, due)).or_default().push(who);
        }
        Ok(())
    })?;
    problems.finish("assignments")?;
    Ok(Assignments { rows, batches })
}

/// Why a date cell is refused: out of range, or not a date.
fn due_reason(e: &crate::Error, d: &str) -> String {
    let reason = crate::time::reason(e);
    if reason.contains("out of range") {
        reason
    } else {
        format!("'{d}' is not a date (YYYY-MM-DD)")
    }
}

/// Assigns checked rows, in the caller's transaction.
///
/// # Errors
/// [`crate::Error::NotFound`] when a program went away since the check; database errors.
pub fn write_assignments(tx: &Connection, now: Timestamp, a: Assignments) -> Result<ImportSummary> {
    let Assignments { rows, batches } = a;
    let mut summary = ImportSummary {
        rows,
        ..Default::default()
    };
    for ((program, due), whos) in batches {
        let learners: Vec<i64> = whos
            .iter()
            .filter_map(|w| match w {
                Who::Learner(l) => Some(*l),
                Who::Group(_) => None,
            })
            .collect();
        let mut results = Vec::new();
        if !learners.is_empty() {
            results.push(assign(tx, now, program, &learners, due)?);
        }
        for w in &whos {
            if let Who::Group(g) = w {
                results.push(assign_group(tx, now, program, *g, due)?);
            }
        }
        for s in results {
            summary.created += s.added;
            summary.updated += s.already;
            summary.exceptions += s.exceptions;
        }
    }
    Ok(summary)
}

/// Imports course completions and lets the memberships they touch move on.
///
/// # Errors
/// [`crate::Error::Rejected`] listing every bad row (nothing written), including completions
/// after `now`; database errors.
pub fn completions(tx: &Connection, now: Timestamp, input: impl Read) -> Result<ImportSummary> {
    let checked = check_completions(tx, now, input, PROBLEM_LIMIT)?;
    write_completions(tx, now, &checked)
}

/// Reads and checks a completions file against the store; nothing written.
///
/// # Errors
/// [`crate::Error::Rejected`] listing the first `limit` bad rows (`usize::MAX`: every one),
/// including completions after `now`; database errors.
pub fn check_completions(
    tx: &Connection,
    now: Timestamp,
    input: impl Read,
    limit: usize,
) -> Result<Vec<Completion>> {
    let mut problems = Problems::listing(limit);
    let mut table = CsvRows::open(input, &mut problems);
    let (c_learner, c_course, c_at) = (
        table.need("learner", &mut problems),
        table.need("course", &mut problems),
        table.need("completed_at", &mut problems),
    );
    let learners: HashMap<String, (i64, String)> = {
        let mut stmt = tx.prepare("SELECT id_number, id, time_zone FROM learner")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let courses = name_map(tx, "SELECT short_name, id FROM course")?;
    let mut zones = Zones::default();
    let mut out = Vec::new();
    table.each(&mut problems, |line, r, problems| {
        let mut bad = |m: String| problems.add(line, m);
        let l = cell(r, c_learner);
        let learner = learners.get(l).or_else(|| {
            bad(format!("learner '{l}' not found"));
            None
        });
        let c = cell(r, c_course);
        let course = courses.get(c).or_else(|| {
            bad(format!("course '{c}' not found"));
            None
        });
        let at_text = cell(r, c_at);
        let tz = learner
            .and_then(|(_, z)| zones.get(z))
            .unwrap_or(TimeZone::UTC);
        let at = match instant(at_text, &tz) {
            Ok(at) if at > now => {
                bad(format!("completed_at {at_text} is in the future"));
                None
            }
            Ok(at) => Some(at),
            Err(e) => {
                bad(format!("completed_at {}", crate::time::reason(&e)));
                None
            }
        };
        if let (Some((learner_id, _)), Some(course_id), Some(at)) = (learner, course, at) {
            out.push(Completion {
                learner_id: *learner_id,
                course_id: *course_id,
                completed_at: at,
            });
        }
        Ok(())
    })?;
    problems.finish("completions")?;
    Ok(out)
}

/// Records checked completions, in the caller's transaction.
///
/// # Errors
/// Database errors.
pub fn write_completions(
    tx: &Connection,
    now: Timestamp,
    out: &[Completion],
) -> Result<ImportSummary> {
    let s = record_completions(tx, now, out)?;
    Ok(ImportSummary {
        rows: out.len() as u32,
        created: s.recorded,
        updated: out.len() as u32 - s.recorded,
        exceptions: 0,
    })
}
