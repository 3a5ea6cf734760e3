//! Programs and certifications from JSON: course sets, due-date rules and certification
//! settings. The format is documented in `docs/CLI.md`. A program is matched by short name;
//! importing it again updates it.
//!
//! Each program of the file becomes the editor's [`ProgramDraft`] and goes through the
//! editor's checks and writing (`check.rs`, `draft.rs`), so a problem is reported with the
//! same field and reason the editor shows, after the line and short name of its program. What
//! only a file can get wrong (a name that is not a rule, a course short name that does not
//! exist) is reported here, under the editor's field names.

use std::collections::{HashMap, HashSet};

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension};
use serde::Deserialize;

use crate::import::{ImportSummary, Problems};
use crate::program::certification::{CertSettings, Method};
use crate::program::check;
use crate::program::draft::{create_program, write_program};
use crate::program::due_date::DueRule;
use crate::program::period::{parse_duration_secs, Period};
use crate::program::{CompletionRule, Operator, ProgramKind};
use crate::program::{DueDraft, DueFrom, DueKind, ProgramDraft, SetDraft};
use crate::time::secs;
use crate::{Error, Result};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    programs: Vec<ProgramIn>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProgramIn {
    short_name: String,
    full_name: String,
    #[serde(default)]
    due: Option<DueIn>,
    #[serde(default)]
    certification: Option<CertIn>,
    #[serde(default)]
    certification_path: Vec<SetIn>,
    #[serde(default)]
    recertification_path: Vec<SetIn>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, tag = "rule", rename_all = "snake_case")]
enum DueIn {
    None,
    Fixed {
        date: Option<String>,
        at: Option<Timestamp>,
    },
    Relative {
        after: String,
        event: String,
        program: Option<String>,
        field: Option<String>,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CertIn {
    active: String,
    window: String,
    method: String,
    min_active: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetIn {
    label: String,
    rule: String,
    min: Option<u32>,
    min_time: Option<String>,
    operator: Option<String>,
    courses: Vec<String>,
}

/// One program of the file as the editor's draft, with what the draft cannot hold.
struct Entry<'a> {
    line: u32,
    draft: ProgramDraft,
    /// A fixed due date given as an instant (`"at"`) rather than a day.
    due_at: Option<i64>,
    /// The short name of the program a relative due date counts from.
    after_program: Option<&'a str>,
    /// Problems found reading the file, as `(field, reason)`.
    problems: Vec<(String, String)>,
}

/// Imports programs and certifications from JSON text, in the caller's transaction. Returns
/// what was done and the ids of the programs written (for their memberships to be settled).
///
/// # Errors
/// [`crate::Error::Rejected`] listing every problem with the line of its program, as
/// `SHORT field: reason`. New programs may have been inserted by then: the caller's
/// transaction must roll back (as [`crate::api::programs::import`] does). Database errors.
pub fn programs(tx: &Connection, now: Timestamp, text: &str) -> Result<(ImportSummary, Vec<i64>)> {
    let mut problems = Problems::default();
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

fn entry<'a>(
    p: &'a ProgramIn,
    line: u32,
    courses: &HashMap<String, i64>,
    programs: &HashSet<String>,
) -> Entry<'a> {
    let mut problems = Vec::new();
    let mut bad = |field: &str, reason: String| problems.push((field.to_string(), reason));
    let (due, due_at, after_program) = due_draft(p.due.as_ref(), programs, &mut bad);
    let cert = p.certification.as_ref().and_then(|c| cert(c, &mut bad));
    let draft = ProgramDraft {
        id: None,
        short_name: p.short_name.trim().to_string(),
        full_name: p.full_name.trim().to_string(),
        kind: if p.certification.is_some() {
            ProgramKind::Certification
        } else {
            ProgramKind::Program
        },
        due,
        cert,
        certification_path: sets("certification", &p.certification_path, courses, &mut bad),
        recertification_path: sets(
            "recertification",
            &p.recertification_path,
            courses,
            &mut bad,
        ),
    };
    Entry {
        line,
        draft,
        due_at,
        after_program,
        problems,
    }
}

/// The reason of a parse error, without its generic field name.
fn reason(e: Error) -> String {
    match e {
        Error::Invalid { reason, .. } => reason,
        other => other.to_string(),
    }
}

/// The due-date rule as a draft, the instant of a fixed `"at"`, and the program a relative
/// rule counts from.
fn due_draft<'a>(
    due: Option<&'a DueIn>,
    programs: &HashSet<String>,
    bad: &mut impl FnMut(&str, String),
) -> (DueDraft, Option<i64>, Option<&'a str>) {
    let mut d = DueDraft::default();
    let (mut at_secs, mut after_program) = (None, None);
    match due {
        None | Some(DueIn::None) => {}
        Some(DueIn::Fixed { date, at }) => {
            d.kind = DueKind::Fixed;
            match (date, at) {
                (Some(day), None) => d.date = day.clone(),
                (None, Some(t)) => {
                    // The editor checks the day; the instant is written as given.
                    d.date = t.to_zoned(jiff::tz::TimeZone::UTC).date().to_string();
                    at_secs = Some(secs(*t));
                }
                _ => bad(
                    "due.date",
                    "a fixed due date needs either 'date' or 'at'".into(),
                ),
            }
        }
        Some(DueIn::Relative {
            after,
            event,
            program,
            field,
        }) => {
            d.kind = DueKind::Relative;
            match Period::parse(after) {
                Ok(p) => d.after = p,
                Err(e) => bad("due.after", reason(e)),
            }
            d.from = match event.as_str() {
                "assignment" => DueFrom::Assignment,
                "program_completion" => DueFrom::ProgramCompletion,
                "profile_field" => DueFrom::ProfileField,
                other => {
                    bad(
                        "due.from",
                        format!("'{other}' is not an event (assignment, program_completion, profile_field)"),
                    );
                    DueFrom::Assignment
                }
            };
            match program.as_deref().map(str::trim) {
                Some(s) if d.from == DueFrom::ProgramCompletion && !programs.contains(s) => bad(
                    "due.program_id",
                    format!("due after completing '{s}': no such program"),
                ),
                p => after_program = p,
            }
            d.field = field.clone().unwrap_or_default();
        }
    }
    (d, at_secs, after_program)
}

fn cert(c: &CertIn, bad: &mut impl FnMut(&str, String)) -> Option<CertSettings> {
    let period = |s: &str| Period::parse(s).map_err(reason);
    let active = period(&c.active).map_err(|e| bad("cert.active", e));
    let window = period(&c.window).map_err(|e| bad("cert.window", e));
    let method = Method::parse(&c.method).map_err(|e| bad("cert.method", reason(e)));
    let min_active = c.min_active.as_deref().map(period).transpose();
    let min_active = min_active.map_err(|e| bad("cert.min_active", e));
    Some(CertSettings {
        active: active.ok()?,
        window: window.ok()?,
        method: method.ok()?,
        min_active: min_active.ok()?,
    })
}

fn sets(
    path: &str,
    sets: &[SetIn],
    courses: &HashMap<String, i64>,
    bad: &mut impl FnMut(&str, String),
) -> Vec<SetDraft> {
    let mut out = Vec::new();
    for (i, s) in sets.iter().enumerate() {
        let at = format!("{path} path set {} ('{}')", i + 1, s.label.trim());
        let mut bad = |f: &str, r: String| bad(&format!("{path}_path.{i}.{f}"), r);
        let rule = match (s.rule.as_str(), s.min) {
            ("all", _) => CompletionRule::All,
            ("any", _) => CompletionRule::Any,
            ("optional", _) => CompletionRule::Optional,
            // A missing 'min' is reported by the editor's check (N must be at least 1).
            ("at_least", min) => CompletionRule::AtLeast(min.unwrap_or(0)),
            (other, _) => {
                let r = format!("{at}: '{other}' is not a rule (all, any, at_least, optional)");
                bad("rule", r);
                CompletionRule::All
            }
        };
        let secs = match s.min_time.as_deref().map(parse_duration_secs) {
            None => 0,
            Some(Ok(secs)) => secs,
            Some(Err(e)) => {
                bad("min_time_hours", format!("{at}: min_time: {}", reason(e)));
                0
            }
        };
        let operator = s.operator.as_deref().and_then(|o| {
            let op = Operator::parse(o);
            if op.is_none() {
                bad(
                    "operator",
                    format!("{at}: '{o}' is not an operator (then, and, or)"),
                );
            }
            op
        });
        let mut ids = Vec::new();
        for c in &s.courses {
            match courses.get(c) {
                Some(id) => ids.push(*id),
                None => bad(
                    "courses",
                    format!("{at}: course '{c}' not found (import courses first)"),
                ),
            }
        }
        out.push(SetDraft {
            label: s.label.clone(),
            rule,
            min_time_hours: secs as f64 / 3600.0,
            operator,
            courses: ids,
        });
    }
    out
}
