//! Creating and editing a program or certification: the draft the editor shows
//! ([`program_draft`]), its checks (`check.rs`), and [`save_program`], which writes it in the
//! caller's transaction (`write.rs`) and brings the program's memberships up to date with the
//! new rules.
//!
//! The JSON import (`import/`) builds this same draft for each program of its file and runs
//! the same checks and writing, so both speak of the same fields and reasons.

use jiff::Timestamp;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::program::certification::CertSettings;
use crate::program::due_date::{DueEvent, DueRule};
use crate::program::period::{Period, Unit};
use crate::program::{CompletionRule, Operator, ProgramKind};
use crate::{Error, Result};

use super::check;
use super::write::{write_rules, Rules};

/// A program or certification as the editor shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct ProgramDraft {
    /// `None` for a new program.
    pub id: Option<i64>,
    pub short_name: String,
    pub full_name: String,
    /// Cannot change while the program has members.
    pub kind: ProgramKind,
    pub due: DueDraft,
    /// Active period, window period and method: required for a certification, ignored for a
    /// program.
    pub cert: Option<CertSettings>,
    pub certification_path: Vec<SetDraft>,
    /// Certifications only; empty means "recertify on the certification path".
    pub recertification_path: Vec<SetDraft>,
}

/// One course set of a path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct SetDraft {
    pub label: String,
    /// All, any, at least N, or optional.
    pub rule: CompletionRule,
    /// The minimum time the set takes, in hours (0 for none).
    pub min_time_hours: f64,
    /// The operator joining this set to the next one; ignored on the last set.
    pub operator: Option<Operator>,
    /// Course ids.
    pub courses: Vec<i64>,
}

/// Which due-date rule a program has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum DueKind {
    None,
    Fixed,
    Relative,
}

/// What a relative due date counts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum DueFrom {
    Assignment,
    ProgramCompletion,
    ProfileField,
}

/// A due-date rule as a form holds it: only the fields of `kind` (and, for a relative rule,
/// of `from`) are read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct DueDraft {
    pub kind: DueKind,
    /// Fixed: the due date, `YYYY-MM-DD` (the whole day, UTC).
    pub date: String,
    /// Relative: how long after the event.
    pub after: Period,
    pub from: DueFrom,
    /// Relative to the completion of this other program.
    pub program_id: Option<i64>,
    /// Relative to this dated profile field (e.g. `hire_date`).
    pub field: String,
}

impl Default for DueDraft {
    fn default() -> Self {
        DueDraft {
            kind: DueKind::None,
            date: String::new(),
            after: Period::new(1, Unit::Month),
            from: DueFrom::Assignment,
            program_id: None,
            field: String::new(),
        }
    }
}

/// Loads a program or certification for editing.
///
/// # Errors
/// [`Error::NotFound`] for an unknown id; database errors.
pub fn program_draft(conn: &Connection, id: i64) -> Result<ProgramDraft> {
    let row = conn
        .query_row(
            "SELECT p.short_name, p.full_name, p.kind = 'certification',
                    p.due_rule, p.due_fixed_at, p.due_amount, p.due_unit, p.due_event,
                    p.due_event_program_id, p.due_event_field,
                    c.active_amount, c.active_unit, c.window_amount, c.window_unit, c.method,
                    c.min_active_amount, c.min_active_unit
             FROM program p LEFT JOIN certification_settings c ON c.program_id = p.id
             WHERE p.id = ?1",
            [id],
            |r| {
                let is_cert: bool = r.get(2)?;
                let has_cert = r.get::<_, Option<i64>>(10)?.is_some();
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    is_cert,
                    DueRule::from_row(r, 3),
                    (is_cert && has_cert).then(|| CertSettings::from_row(r, 10)),
                ))
            },
        )
        .optional()?
        .ok_or_else(|| Error::NotFound {
            what: "program",
            key: id.to_string(),
        })?;
    let (short_name, full_name, is_cert, due, cert) = row;
    let mut draft = ProgramDraft {
        id: Some(id),
        short_name,
        full_name,
        kind: if is_cert {
            ProgramKind::Certification
        } else {
            ProgramKind::Program
        },
        due: due_draft(&due?)?,
        cert: cert.transpose()?,
        certification_path: Vec::new(),
        recertification_path: Vec::new(),
    };
    add_course_sets(conn, id, &mut draft)?;
    Ok(draft)
}

/// Adds the program's course sets to the draft, each on its path, in order.
fn add_course_sets(conn: &Connection, program_id: i64, draft: &mut ProgramDraft) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "SELECT cs.path, cs.label, cs.rule, cs.rule_min, cs.min_time_secs, cs.next_operator,
                (SELECT group_concat(course_id) FROM course_set_course WHERE course_set_id = cs.id)
         FROM course_set cs WHERE cs.program_id = ?1 ORDER BY cs.path, cs.position",
    )?;
    let mut rows = stmt.query([program_id])?;
    while let Some(r) = rows.next()? {
        let path: String = r.get(0)?;
        let rule = match r.get::<_, String>(2)?.as_str() {
            "any" => CompletionRule::Any,
            "at_least" => CompletionRule::AtLeast(r.get::<_, Option<u32>>(3)?.unwrap_or(1)),
            "optional" => CompletionRule::Optional,
            _ => CompletionRule::All,
        };
        let mut courses: Vec<i64> = r
            .get::<_, Option<String>>(6)?
            .unwrap_or_default()
            .split(',')
            .filter_map(|s| s.parse().ok())
            .collect();
        courses.sort_unstable();
        let set = SetDraft {
            label: r.get(1)?,
            rule,
            min_time_hours: r.get::<_, i64>(4)? as f64 / 3600.0,
            operator: r
                .get::<_, Option<String>>(5)?
                .and_then(|s| Operator::parse(&s)),
            courses,
        };
        if path == "recertification" {
            draft.recertification_path.push(set);
        } else {
            draft.certification_path.push(set);
        }
    }
    Ok(())
}

fn due_draft(due: &DueRule) -> Result<DueDraft> {
    let mut d = DueDraft::default();
    match due {
        DueRule::None => {}
        DueRule::Fixed { at } => {
            d.kind = DueKind::Fixed;
            d.date = crate::time::local_date(*at, "UTC")?;
        }
        DueRule::After { period, event } => {
            d.kind = DueKind::Relative;
            d.after = *period;
            match event {
                DueEvent::Assignment => {}
                DueEvent::ProgramCompletion { program_id } => {
                    d.from = DueFrom::ProgramCompletion;
                    d.program_id = Some(*program_id);
                }
                DueEvent::ProfileField { field } => {
                    d.from = DueFrom::ProfileField;
                    d.field = field.clone();
                }
            }
        }
    }
    Ok(d)
}

/// Creates (`draft.id` is `None`) or updates a program or certification in the caller's
/// transaction. Returns the program's id. Its memberships are then brought up to date by the
/// caller ([`crate::enrolment::resettle`]; [`crate::api::programs::save`] does both).
///
/// # Errors
/// [`Error::Invalid`] naming the input at fault (`short_name`, `full_name`, `kind`,
/// `due.date`, `due.after`, `due.program_id`, `due.field`, `cert.active`, `cert.window`,
/// `cert.min_active`, `certification_path`, `certification_path.<i>.<label|rule|courses|
/// min_time_hours>`, the same for `recertification_path`); [`Error::NotFound`] for an unknown
/// id. Nothing is written then (the caller's transaction rolls back).
pub fn save_program(tx: &Connection, draft: &ProgramDraft, now: Timestamp) -> Result<i64> {
    let rules = check::check(tx, draft)?;
    let id = match draft.id {
        Some(id) => id,
        None => create_program(tx, draft, now)?,
    };
    write_program(tx, id, draft, &rules)?;
    Ok(id)
}

fn kind_name(kind: ProgramKind) -> &'static str {
    match kind {
        ProgramKind::Program => "program",
        ProgramKind::Certification => "certification",
    }
}

/// Inserts the row of a new program (its names and kind; rules come with [`write_program`])
/// with the default notification rules every new program starts with (NOTIFICATIONS.md).
pub(crate) fn create_program(tx: &Connection, draft: &ProgramDraft, now: Timestamp) -> Result<i64> {
    tx.execute(
        "INSERT INTO program (short_name, full_name, kind) VALUES (?1, ?2, ?3)",
        params![
            draft.short_name.trim(),
            draft.full_name.trim(),
            kind_name(draft.kind)
        ],
    )?;
    let id = tx.last_insert_rowid();
    crate::notify::create_default_rules(tx, id, now)?;
    Ok(id)
}

/// Writes a checked draft over the program `id`: its names, kind and rules.
pub(crate) fn write_program(
    tx: &Connection,
    id: i64,
    draft: &ProgramDraft,
    rules: &Rules,
) -> Result<()> {
    tx.execute(
        "UPDATE program SET short_name = ?2, full_name = ?3, kind = ?4 WHERE id = ?1",
        params![
            id,
            draft.short_name.trim(),
            draft.full_name.trim(),
            kind_name(draft.kind)
        ],
    )?;
    write_rules(tx, id, rules)
}
