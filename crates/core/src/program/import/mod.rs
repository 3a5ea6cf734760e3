//! Programs and certifications from JSON: course sets, due-date rules and certification
//! settings. The format is documented in `docs/CLI.md`. A program is matched by short name;
//! importing it again updates it.
//!
//! Each program of the file becomes the editor's [`crate::program::ProgramDraft`] (`file.rs`)
//! and goes through the editor's checks and writing (`check.rs`, `draft.rs`), so a problem is reported with the
//! same field and reason the editor shows, after the line and short name of its program. What
//! only a file can get wrong (a name that is not a rule, a course short name that does not
//! exist) is reported while reading it, under the editor's field names.

mod file;

use std::collections::{HashMap, HashSet};

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension};

use crate::import::{ImportSummary, Problems};
use crate::program::check::{self, Pending};
use crate::program::draft::{create_program, write_program};
use crate::program::due_date::{DueEvent, DueRule};
use crate::program::write::Rules;
use crate::Result;

use file::{entry, Entry, File};

/// Checks a programs file against the store without writing anything: its JSON, then every
/// program as the editor would check it, the file's new programs standing under provisional
/// ids (so a due date can count from a program later in the file). `conn` may be a reader: a
/// refused file never takes the write lock.
///
/// # Errors
/// [`crate::Error::Rejected`] listing every problem with the line of its program, as
/// `SHORT field: reason`. Database errors.
pub fn check(conn: &Connection, text: &str) -> Result<()> {
    let text = strip_bom(text);
    let file = parse(text)?;
    plan(conn, text, &file)?;
    Ok(())
}

/// Imports programs and certifications from JSON text, in the caller's transaction: checks
/// the file again (as [`check`]: the store may have changed since; a programs file is small,
/// this takes milliseconds), then writes it. Returns what was done and the ids of the
/// programs written (for their memberships to be settled).
///
/// # Errors
/// As [`check`]; nothing is written then. Database errors.
pub fn programs(tx: &Connection, now: Timestamp, text: &str) -> Result<(ImportSummary, Vec<i64>)> {
    let text = strip_bom(text);
    let file = parse(text)?;
    let planned = plan(tx, text, &file)?;
    write(tx, now, planned)
}

/// A byte order mark, as some editors write, is not part of the JSON.
fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

fn parse(text: &str) -> Result<File> {
    serde_json::from_str(text).map_err(|e| {
        let mut problems = Problems::default();
        problems.add(e.line() as u32, e.to_string());
        match problems.finish("programs") {
            Err(rejected) => rejected,
            Ok(()) => crate::Error::invalid("programs", e.to_string()),
        }
    })
}

/// A checked file: each program's entry (its draft's id provisional, negative, for a new
/// program) and the rules to write.
struct Plan<'a> {
    entries: Vec<Entry<'a>>,
    rules: Vec<Rules>,
    pending: Pending,
}

/// Reads and checks every program of the file (see [`check`]).
fn plan<'a>(conn: &Connection, text: &str, file: &'a File) -> Result<Plan<'a>> {
    let mut problems = Problems::default();
    let mut entries = read(conn, text, file, &mut problems)?;
    // Every program of the file has its id first, so that a due date can count from the
    // completion of a program that comes later in the file.
    let mut ids: HashMap<String, i64> = HashMap::new();
    let mut pending = Pending::default();
    for (i, e) in entries.iter_mut().enumerate() {
        let id = match stored_id(conn, &e.draft.short_name)? {
            Some(id) => id,
            None => {
                let id = -(i as i64) - 1;
                let names = (e.draft.short_name.clone(), e.draft.full_name.clone());
                pending.programs.insert(id, names);
                id
            }
        };
        e.draft.id = Some(id);
        ids.insert(e.draft.short_name.clone(), id);
    }
    let mut rules = Vec::new();
    for e in &mut entries {
        e.draft.due.program_id = e.after_program.and_then(|p| ids.get(p).copied());
        let (mut r, found) = check::problems(conn, &e.draft, &pending)?;
        // A part the file got wrong (a set, the due date, the certification settings) is
        // reported from the reading only: the editor's checks would see a stand-in value.
        let part = |f: &str| f.rsplit_once('.').map_or(f, |(p, _)| p).to_string();
        let misread: HashSet<String> = e.problems.iter().map(|(f, _)| part(f)).collect();
        e.problems.extend(
            found
                .into_iter()
                .filter(|(f, _)| !misread.contains(&part(f))),
        );
        for (field, reason) in &e.problems {
            let short = e.draft.short_name.trim();
            problems.add(e.line, format!("{short} {field}: {reason}"));
        }
        if let Some(at) = e.due_at {
            r.due = DueRule::Fixed { at };
        }
        rules.push(r);
    }
    problems.finish("programs")?;
    Ok(Plan {
        entries,
        rules,
        pending,
    })
}

/// Writes a checked file: creates its new programs (in the file's order), puts their ids in
/// place of the provisional ones, then writes every program's names and rules.
fn write(tx: &Connection, now: Timestamp, plan: Plan) -> Result<(ImportSummary, Vec<i64>)> {
    let Plan {
        mut entries,
        mut rules,
        pending,
    } = plan;
    let mut summary = ImportSummary {
        rows: entries.len() as u32,
        ..Default::default()
    };
    let mut real: HashMap<i64, i64> = HashMap::new();
    for e in &mut entries {
        let id = e.draft.id.unwrap_or(0);
        if pending.programs.contains_key(&id) {
            e.draft.id = None;
            let created = create_program(tx, &e.draft, now)?;
            real.insert(id, created);
            e.draft.id = Some(created);
            summary.created += 1;
        } else {
            summary.updated += 1;
        }
    }
    let mut changed = Vec::new();
    for (e, r) in entries.iter().zip(&mut rules) {
        if let DueRule::After {
            event: DueEvent::ProgramCompletion { program_id },
            ..
        } = &mut r.due
        {
            if let Some(id) = real.get(program_id) {
                *program_id = *id;
            }
        }
        let id = e.draft.id.unwrap_or(0);
        write_program(tx, id, &e.draft, r)?;
        changed.push(id);
    }
    Ok((summary, changed))
}

fn stored_id(tx: &Connection, short_name: &str) -> Result<Option<i64>> {
    Ok(tx
        .query_row(
            "SELECT id FROM program WHERE short_name = ?1",
            [short_name],
            |r| r.get(0),
        )
        .optional()?)
}

/// Reads every program of the file into a draft; a program that appears twice is reported
/// and read once.
fn read<'a>(
    tx: &Connection,
    text: &str,
    file: &'a File,
    problems: &mut Problems,
) -> Result<Vec<Entry<'a>>> {
    // The line of program i is the line of the i-th "short_name" key.
    let lines: Vec<u32> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("\"short_name\""))
        .map(|(i, _)| i as u32 + 1)
        .collect();
    let courses: HashMap<String, i64> = {
        let mut stmt = tx.prepare("SELECT short_name, id FROM course")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut programs: HashSet<String> = {
        let mut stmt = tx.prepare("SELECT short_name FROM program")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    programs.extend(
        file.programs
            .iter()
            .map(|p| p.short_name.trim().to_string()),
    );
    let mut seen = HashSet::new();
    let mut entries = Vec::new();
    for (i, p) in file.programs.iter().enumerate() {
        let line = lines.get(i).copied().unwrap_or(1);
        let short = p.short_name.trim();
        if seen.insert(short) {
            entries.push(entry(p, line, &courses, &programs));
        } else {
            problems.add(
                line,
                format!("{short} short_name: appears twice in the file"),
            );
        }
    }
    Ok(entries)
}
