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
use crate::program::check;
use crate::program::draft::{create_program, write_program};
use crate::program::due_date::DueRule;
use crate::Result;

use file::{entry, Entry, File};

/// Imports programs and certifications from JSON text, in the caller's transaction. Returns
/// what was done and the ids of the programs written (for their memberships to be settled).
///
/// # Errors
/// [`crate::Error::Rejected`] listing every problem with the line of its program, as
/// `SHORT field: reason`. New programs may have been inserted by then: the caller's
/// transaction must roll back (as [`crate::api::programs::import`] does). Database errors.
pub fn programs(tx: &Connection, now: Timestamp, text: &str) -> Result<(ImportSummary, Vec<i64>)> {
    let mut problems = Problems::default();
    // A byte order mark, as some editors write, is not part of the JSON.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let file: File = match serde_json::from_str(text) {
        Ok(f) => f,
        Err(e) => {
            problems.add(e.line() as u32, e.to_string());
            problems.finish("programs")?;
            return Ok((ImportSummary::default(), Vec::new()));
        }
    };
    let mut entries = read(tx, text, &file, &mut problems)?;
    let mut summary = ImportSummary {
        rows: entries.len() as u32,
        ..Default::default()
    };
    // Every program of the file gets its id first, so that a due date can count from the
    // completion of a program that comes later in the file.
    let mut ids: HashMap<String, i64> = HashMap::new();
    for e in &mut entries {
        let stored = stored_id(tx, &e.draft.short_name)?;
        let id = match stored {
            Some(id) => id,
            None => create_program(tx, &e.draft, now)?,
        };
        if stored.is_some() {
            summary.updated += 1;
        } else {
            summary.created += 1;
        }
        e.draft.id = Some(id);
        ids.insert(e.draft.short_name.clone(), id);
    }
    let mut checked = Vec::new();
    for e in &mut entries {
        e.draft.due.program_id = e.after_program.and_then(|p| ids.get(p).copied());
        let (mut rules, found) = check::problems(tx, &e.draft)?;
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
            rules.due = DueRule::Fixed { at };
        }
        checked.push(rules);
    }
    problems.finish("programs")?;
    let mut changed = Vec::new();
    for (e, rules) in entries.iter().zip(&checked) {
        let id = e.draft.id.unwrap_or(0);
        write_program(tx, id, &e.draft, rules)?;
        changed.push(id);
    }
    Ok((summary, changed))
}

/// Checks that `text` is a programs file (JSON syntax and shape), without a connection, so
/// that a file that is not one is refused before any write lock is taken.
///
/// # Errors
/// [`crate::Error::Rejected`] with the line of the syntax error.
pub fn check_syntax(text: &str) -> Result<()> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Err(e) = serde_json::from_str::<File>(text) {
        let mut problems = Problems::default();
        problems.add(e.line() as u32, e.to_string());
        problems.finish("programs")?;
    }
    Ok(())
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
