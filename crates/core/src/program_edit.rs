//! Creating and editing a program or certification: the draft the editor shows
//! ([`program_draft`]), its checks, and [`save_program`], which writes it in the caller's
//! transaction and brings the program's memberships up to date with the new rules.
//!
//! The JSON import (`import/programs.rs`) shares the checks of a course set
//! ([`check_set`]), the writing of a program's rules ([`write_rules`]) and the settling of its
//! memberships ([`resettle`]).

use std::collections::HashSet;

use jiff::{tz::TimeZone, Timestamp};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::certification::CertSettings;
use crate::due_date::{DueEvent, DueRule};
use crate::engine::settle;
use crate::enrolment::end_of_day;
use crate::exception::review;
use crate::period::{Period, Unit};
use crate::program::{CompletionRule, Operator, ProgramKind};
use crate::time::{parse_date, secs};
use crate::{idset, Error, Result};

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

/// A course set as the store keeps it: (label, rule, rule_min, min_time_secs, operator,
/// course ids sorted).
pub(crate) type SetRow = (String, String, Option<u32>, i64, Option<String>, Vec<i64>);

/// Everything [`write_rules`] writes besides the program row itself.
pub(crate) struct Rules {
    pub due: DueRule,
    pub cert: Option<CertSettings>,
    pub certification: Vec<SetRow>,
    pub recertification: Vec<SetRow>,
}

/// The path names the store keeps, and how a message names them.
const PATHS: [(&str, &str); 2] = [
    ("certification", "certification path"),
    ("recertification", "recertification path"),
];

/// Checks one course set; `bad(field, reason)` receives each problem, `field` being one of
/// `label`, `rule`, `courses` or `min_time_hours`. `at` names the set in messages.
pub(crate) fn check_set(at: &str, s: &SetDraft, bad: &mut impl FnMut(&str, String)) {
    if s.label.trim().is_empty() {
        bad("label", format!("{at}: the label is empty"));
    }
    let unique: HashSet<i64> = s.courses.iter().copied().collect();
    if unique.is_empty() && s.rule != CompletionRule::Optional {
        bad("courses", format!("{at}: no courses"));
    } else if let CompletionRule::AtLeast(n) = s.rule {
        if n < 1 || n as usize > unique.len() {
            bad(
                "rule",
                format!(
                    "{at}: 'at least N' needs N between 1 and its number of courses ({})",
                    unique.len()
                ),
            );
        }
    }
    if !s.min_time_hours.is_finite() || s.min_time_hours < 0.0 || s.min_time_hours > 1.0e6 {
        bad(
            "min_time_hours",
            format!("{at}: the minimum time must be 0 or more hours"),
        );
    }
}

/// The stored form of a checked set.
pub(crate) fn set_row(s: &SetDraft) -> SetRow {
    let (rule, min) = match s.rule {
        CompletionRule::All => ("all", None),
        CompletionRule::Any => ("any", None),
        CompletionRule::AtLeast(n) => ("at_least", Some(n)),
        CompletionRule::Optional => ("optional", None),
    };
    let mut ids = s.courses.clone();
    ids.sort_unstable();
    ids.dedup();
    (
        s.label.trim().to_string(),
        rule.to_string(),
        min,
        (s.min_time_hours * 3600.0).round() as i64,
        s.operator.map(|o| o.as_str().to_string()),
        ids,
    )
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
    let mut stmt = conn.prepare_cached(
        "SELECT cs.path, cs.label, cs.rule, cs.rule_min, cs.min_time_secs, cs.next_operator,
                (SELECT group_concat(course_id) FROM course_set_course WHERE course_set_id = cs.id)
         FROM course_set cs WHERE cs.program_id = ?1 ORDER BY cs.path, cs.position",
    )?;
    let mut rows = stmt.query([id])?;
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
    Ok(draft)
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

/// Creates (`draft.id` is `None`) or updates a program or certification, then brings its
/// memberships up to date with the new rules: due dates are recomputed from their sources,
/// exceptions reviewed, and progress re-evaluated from the learners' completions (see
/// docs/ENGINE.md, "Editing a program"). Returns the program's id.
///
/// # Errors
/// [`Error::Invalid`] naming the input at fault (`short_name`, `full_name`, `kind`,
/// `due.date`, `due.after`, `due.program_id`, `due.field`, `cert.active`, `cert.window`,
/// `cert.min_active`, `certification_path`, `certification_path.<i>.<label|rule|courses|
/// min_time_hours>`, the same for `recertification_path`); [`Error::NotFound`] for an unknown
/// id. Nothing is written then (the caller's transaction rolls back).
pub fn save_program(tx: &Connection, draft: &ProgramDraft, now: Timestamp) -> Result<i64> {
    let rules = check(tx, draft)?;
    let kind = match draft.kind {
        ProgramKind::Program => "program",
        ProgramKind::Certification => "certification",
    };
    let short_name = draft.short_name.trim();
    let full_name = draft.full_name.trim();
    let id = match draft.id {
        Some(id) => {
            tx.execute(
                "UPDATE program SET short_name = ?2, full_name = ?3, kind = ?4 WHERE id = ?1",
                params![id, short_name, full_name, kind],
            )?;
            id
        }
        None => {
            tx.execute(
                "INSERT INTO program (short_name, full_name, kind) VALUES (?1, ?2, ?3)",
                params![short_name, full_name, kind],
            )?;
            let id = tx.last_insert_rowid();
            // A new program starts with the default notification rules (NOTIFICATIONS.md).
            crate::notify::create_default_rules(tx, id, now)?;
            id
        }
    };
    write_rules(tx, id, &rules)?;
    resettle(tx, now, [id])?;
    Ok(id)
}

/// Checks a draft against itself and the store; the first problem is the error.
fn check(tx: &Connection, d: &ProgramDraft) -> Result<Rules> {
    let mut problems: Vec<(String, String)> = Vec::new();
    let mut bad = |field: &str, reason: String| problems.push((field.to_string(), reason));
    if let Some(id) = d.id {
        let (kind, members): (String, u32) = tx
            .query_row(
                "SELECT kind, (SELECT count(*) FROM assignment WHERE program_id = ?1)
                     FROM program WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
            .ok_or_else(|| Error::NotFound {
                what: "program",
                key: id.to_string(),
            })?;
        let was_cert = kind == "certification";
        if members > 0 && was_cert != (d.kind == ProgramKind::Certification) {
            bad(
                "kind",
                format!("it has {members} members: a program with members cannot change kind"),
            );
        }
    }
    if d.short_name.trim().is_empty() {
        bad("short_name", "the short name is empty".into());
    } else {
        let taken: Option<String> = tx
            .query_row(
                "SELECT full_name FROM program WHERE short_name = ?1 COLLATE NOCASE
                   AND id IS NOT ?2",
                params![d.short_name.trim(), d.id],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(other) = taken {
            bad(
                "short_name",
                format!(
                    "'{}' is already the short name of {other}",
                    d.short_name.trim()
                ),
            );
        }
    }
    if d.full_name.trim().is_empty() {
        bad("full_name", "the name is empty".into());
    }
    let due = check_due(tx, d, &mut bad)?;
    let cert = match (d.kind, &d.cert) {
        (ProgramKind::Program, _) => None,
        (ProgramKind::Certification, None) => {
            bad(
                "cert.active",
                "a certification needs an active period, a window period and a method".into(),
            );
            None
        }
        (ProgramKind::Certification, Some(c)) => {
            check_cert(c, &mut bad);
            Some(*c)
        }
    };
    if d.kind == ProgramKind::Program && !d.recertification_path.is_empty() {
        bad(
            "recertification_path",
            "only a certification has a recertification path".into(),
        );
    }
    if d.certification_path.is_empty() {
        bad(
            "certification_path",
            "add at least one course set".to_string(),
        );
    }
    let known: HashSet<i64> = {
        let mut stmt = tx.prepare_cached("SELECT id FROM course")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut rows: [Vec<SetRow>; 2] = [Vec::new(), Vec::new()];
    for ((path, words), sets) in PATHS
        .iter()
        .zip([&d.certification_path, &d.recertification_path])
    {
        for (i, s) in sets.iter().enumerate() {
            let at = format!("{words} set {} ('{}')", i + 1, s.label.trim());
            let mut bad_set = |f: &str, r: String| bad(&format!("{path}_path.{i}.{f}"), r);
            check_set(&at, s, &mut bad_set);
            if let Some(c) = s.courses.iter().find(|c| !known.contains(c)) {
                bad_set("courses", format!("{at}: course {c} not found"));
            }
            rows[usize::from(*path == "recertification")].push(set_row(s));
        }
    }
    if let Some((field, reason)) = problems.into_iter().next() {
        return Err(Error::invalid(field, reason));
    }
    let [certification, recertification] = rows;
    Ok(Rules {
        due,
        cert,
        certification,
        recertification,
    })
}

fn check_due(
    tx: &Connection,
    d: &ProgramDraft,
    bad: &mut impl FnMut(&str, String),
) -> Result<DueRule> {
    let due = &d.due;
    Ok(match due.kind {
        DueKind::None => DueRule::None,
        DueKind::Fixed => match parse_date(&due.date).and_then(|x| end_of_day(x, &TimeZone::UTC)) {
            Ok(at) => DueRule::Fixed { at },
            Err(_) => {
                bad(
                    "due.date",
                    format!("'{}' is not a date (YYYY-MM-DD)", due.date.trim()),
                );
                DueRule::None
            }
        },
        DueKind::Relative => {
            if due.after.amount < 1 {
                bad("due.after", "the period must be at least 1".into());
            }
            let event = match due.from {
                DueFrom::Assignment => DueEvent::Assignment,
                DueFrom::ProgramCompletion => {
                    let exists = match due.program_id {
                        Some(p) if Some(p) == d.id => {
                            bad(
                                "due.program_id",
                                "a due date cannot count from completing the program itself".into(),
                            );
                            true
                        }
                        Some(p) => tx
                            .query_row("SELECT 1 FROM program WHERE id = ?1", [p], |_| Ok(()))
                            .optional()?
                            .is_some(),
                        None => false,
                    };
                    if !exists {
                        bad("due.program_id", "choose the program it counts from".into());
                    }
                    DueEvent::ProgramCompletion {
                        program_id: due.program_id.unwrap_or(0),
                    }
                }
                DueFrom::ProfileField => {
                    if due.field.trim().is_empty() {
                        bad(
                            "due.field",
                            "name the dated profile field (e.g. hire_date)".into(),
                        );
                    }
                    DueEvent::ProfileField {
                        field: due.field.trim().to_string(),
                    }
                }
            };
            DueRule::After {
                period: due.after,
                event,
            }
        }
    })
}

fn check_cert(c: &CertSettings, bad: &mut impl FnMut(&str, String)) {
    if let Err(Error::Invalid { field, reason }) = c.validate() {
        let field = if field.starts_with("window") {
            "cert.window"
        } else {
            "cert.active"
        };
        bad(field, reason);
    }
    if let Some(m) = c.min_active {
        if m.amount < 0 {
            bad(
                "cert.min_active",
                "the minimum active period must not be negative".into(),
            );
        }
    }
}

/// Writes a program's due-date rule, certification settings and course sets.
pub(crate) fn write_rules(tx: &Connection, id: i64, rules: &Rules) -> Result<()> {
    let none = (None, None, None, None, None, None);
    let (fixed, amount, unit, event, program, field) = match &rules.due {
        DueRule::None => none,
        DueRule::Fixed { at } => (Some(*at), None, None, None, None, None),
        DueRule::After { period, event } => {
            let (e, p, f) = match event {
                DueEvent::Assignment => ("assignment", None, None),
                DueEvent::ProgramCompletion { program_id } => {
                    ("program_completion", Some(*program_id), None)
                }
                DueEvent::ProfileField { field } => ("profile_field", None, Some(field.clone())),
            };
            (
                None,
                Some(i64::from(period.amount)),
                Some(period.unit.as_str()),
                Some(e),
                p,
                f,
            )
        }
    };
    let rule = match rules.due {
        DueRule::None => "none",
        DueRule::Fixed { .. } => "fixed",
        DueRule::After { .. } => "relative",
    };
    tx.execute(
        "UPDATE program SET due_rule = ?2, due_fixed_at = ?3, due_amount = ?4, due_unit = ?5,
                due_event = ?6, due_event_program_id = ?7, due_event_field = ?8 WHERE id = ?1",
        params![id, rule, fixed, amount, unit, event, program, field],
    )?;
    match &rules.cert {
        Some(c) => {
            tx.execute(
                "INSERT INTO certification_settings (program_id, active_amount, active_unit,
                     window_amount, window_unit, method, min_active_amount, min_active_unit)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (program_id) DO UPDATE SET active_amount = excluded.active_amount,
                     active_unit = excluded.active_unit, window_amount = excluded.window_amount,
                     window_unit = excluded.window_unit, method = excluded.method,
                     min_active_amount = excluded.min_active_amount,
                     min_active_unit = excluded.min_active_unit",
                params![
                    id,
                    c.active.amount,
                    c.active.unit.as_str(),
                    c.window.amount,
                    c.window.unit.as_str(),
                    c.method.as_str(),
                    c.min_active.map(|m| m.amount),
                    c.min_active.map(|m| m.unit.as_str())
                ],
            )?;
        }
        None => {
            tx.execute(
                "DELETE FROM certification_settings WHERE program_id = ?1",
                [id],
            )?;
        }
    }
    write_sets(tx, id, "certification", &rules.certification)?;
    write_sets(tx, id, "recertification", &rules.recertification)
}

/// Writes a path's course sets position by position, when the path changed: each position
/// keeps its set id (so a set's completion event is not raised again), and the path's progress
/// rows go, for the next settle to write anew from the learners' completions.
fn write_sets(tx: &Connection, program_id: i64, path: &str, new: &[SetRow]) -> Result<()> {
    let old: Vec<(i64, SetRow)> = {
        let mut stmt = tx.prepare_cached(
            "SELECT cs.id, cs.label, cs.rule, cs.rule_min, cs.min_time_secs, cs.next_operator,
                    (SELECT group_concat(course_id) FROM (SELECT course_id FROM course_set_course
                       WHERE course_set_id = cs.id ORDER BY course_id))
             FROM course_set cs WHERE cs.program_id = ?1 AND cs.path = ?2 ORDER BY cs.position",
        )?;
        let rows = stmt.query_map(params![program_id, path], |r| {
            let list: Option<String> = r.get(6)?;
            let ids = list
                .unwrap_or_default()
                .split(',')
                .filter_map(|s| s.parse().ok())
                .collect();
            Ok((
                r.get(0)?,
                (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, ids),
            ))
        })?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    if old.iter().map(|(_, o)| o).eq(new.iter()) {
        return Ok(());
    }
    // Progress on a changed path is derived again by the next settle.
    tx.execute(
        "DELETE FROM course_set_progress WHERE course_set_id IN
           (SELECT id FROM course_set WHERE program_id = ?1 AND path = ?2)",
        params![program_id, path],
    )?;
    for (id, _) in old.iter().skip(new.len()) {
        tx.execute("DELETE FROM course_set WHERE id = ?1", [id])?;
    }
    for (position, row) in new.iter().enumerate() {
        let (label, rule, rule_min, secs, op, courses) = row;
        let set_id = match old.get(position) {
            Some((_, o)) if o == row => continue,
            Some((id, _)) => {
                tx.execute(
                    "UPDATE course_set SET label = ?2, rule = ?3, rule_min = ?4,
                         min_time_secs = ?5, next_operator = ?6 WHERE id = ?1",
                    params![id, label, rule, rule_min, secs, op],
                )?;
                tx.execute(
                    "DELETE FROM course_set_course WHERE course_set_id = ?1",
                    [id],
                )?;
                *id
            }
            None => {
                tx.execute(
                    "INSERT INTO course_set (program_id, path, position, label, rule, rule_min,
                         min_time_secs, next_operator) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![
                        program_id,
                        path,
                        position as i64,
                        label,
                        rule,
                        rule_min,
                        secs,
                        op
                    ],
                )?;
                tx.last_insert_rowid()
            }
        };
        let mut insert = tx.prepare_cached(
            "INSERT INTO course_set_course (course_set_id, course_id) VALUES (?1, ?2)",
        )?;
        for c in courses {
            insert.execute([set_id, *c])?;
        }
    }
    Ok(())
}

/// Recomputes the due dates, reviews the exceptions and settles every active membership of
/// `programs` after their rules changed. Returns how many exceptions were raised.
pub(crate) fn resettle(
    tx: &Connection,
    now: Timestamp,
    programs: impl IntoIterator<Item = i64>,
) -> Result<u32> {
    idset::fill(tx, "eng_programs", programs)?;
    let members = idset::ids(
        tx,
        "SELECT id FROM assignment WHERE program_id IN (SELECT id FROM temp.eng_programs)
           AND unassigned_at IS NULL",
        [],
    )?;
    let exceptions = review(tx, secs(now), &members, &HashSet::new())?;
    settle(tx, secs(now), &members)?;
    Ok(exceptions)
}
