//! The checks of a program draft: each problem names the input at fault.

use std::collections::{HashMap, HashSet};

use jiff::tz::TimeZone;
use rusqlite::{params, Connection, OptionalExtension};

use super::{DueFrom, DueKind, ProgramDraft, Rules, SetDraft, SetRow};
use crate::program::certification::CertSettings;
use crate::program::due_date::{DueEvent, DueRule};
use crate::program::period::Period;
use crate::program::{CompletionRule, ProgramKind};
use crate::time::end_of_day;
use crate::time::parse_date;
use crate::{Error, Result};

/// The path names the store keeps, and how a message names them.
const PATHS: [(&str, &str); 2] = [
    ("certification", "certification path"),
    ("recertification", "recertification path"),
];

/// Checks one course set; `bad(field, reason)` receives each problem, `field` being one of
/// `label`, `rule`, `courses` or `min_time_hours`. `at` names the set in messages.
pub(super) fn check_set(at: &str, s: &SetDraft, bad: &mut impl FnMut(&str, String)) {
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
pub(super) fn set_row(s: &SetDraft) -> SetRow {
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

/// Checks a draft against itself and the store; the first problem is the error.
pub(super) fn check(tx: &Connection, d: &ProgramDraft) -> Result<Rules> {
    let (rules, problems) = problems(tx, d, &Pending::default())?;
    match problems.into_iter().next() {
        Some((field, reason)) => Err(Error::invalid(field, reason)),
        None => Ok(rules),
    }
}

/// The programs an import is about to create, under provisional ids (not ids of the store),
/// so that its file is checked before any of them is written (and before the write lock is
/// taken): a provisional id counts as a program with no members, and its short name as taken.
#[derive(Debug, Default)]
pub(crate) struct Pending {
    /// Provisional id -> (short name, full name).
    pub(crate) programs: HashMap<i64, (String, String)>,
}

/// Every problem of a draft as `(field, reason)`, in the order of the form, and the rules the
/// draft stands for (to be written only when there is no problem). The editor shows the first
/// problem; the JSON import lists them all, its new programs being `pending`.
pub(crate) fn problems(
    tx: &Connection,
    d: &ProgramDraft,
    pending: &Pending,
) -> Result<(Rules, Vec<(String, String)>)> {
    let mut problems: Vec<(String, String)> = Vec::new();
    let mut bad = |field: &str, reason: String| problems.push((field.to_string(), reason));
    check_names(tx, d, pending, &mut bad)?;
    let due = check_due(tx, d, pending, &mut bad)?;
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
    let [certification, recertification] = check_paths(tx, d, &mut bad)?;
    let rules = Rules {
        due,
        cert,
        certification,
        recertification,
    };
    Ok((rules, problems))
}

/// The kind (which cannot change while the program has members), the short name (unique,
/// whatever its case) and the full name.
fn check_names(
    tx: &Connection,
    d: &ProgramDraft,
    pending: &Pending,
    bad: &mut impl FnMut(&str, String),
) -> Result<()> {
    if let Some(id) = d.id.filter(|id| !pending.programs.contains_key(id)) {
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
        let short = d.short_name.trim();
        let mut taken: Option<String> = tx
            .query_row(
                "SELECT full_name FROM program WHERE short_name = ?1 COLLATE NOCASE
                   AND id IS NOT ?2",
                params![short, d.id],
                |r| r.get(0),
            )
            .optional()?;
        // SQLite's NOCASE folds ASCII letters only: so does this.
        let mut others: Vec<_> = pending.programs.iter().collect();
        others.sort_by_key(|(id, _)| std::cmp::Reverse(**id)); // in the file's order
        for (id, (s, full)) in others {
            if taken.is_none() && Some(*id) != d.id && s.eq_ignore_ascii_case(short) {
                taken = Some(full.clone());
            }
        }
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
    Ok(())
}

/// The two paths and each of their course sets; returns the sets as the store keeps them.
fn check_paths(
    tx: &Connection,
    d: &ProgramDraft,
    bad: &mut impl FnMut(&str, String),
) -> Result<[Vec<SetRow>; 2]> {
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
    let mut known = tx.prepare_cached("SELECT 1 FROM course WHERE id = ?1")?;
    let mut rows: [Vec<SetRow>; 2] = [Vec::new(), Vec::new()];
    for ((path, words), sets) in PATHS
        .iter()
        .zip([&d.certification_path, &d.recertification_path])
    {
        for (i, s) in sets.iter().enumerate() {
            let at = format!("{words} set {} ('{}')", i + 1, s.label.trim());
            let mut bad_set = |f: &str, r: String| bad(&format!("{path}_path.{i}.{f}"), r);
            check_set(&at, s, &mut bad_set);
            for c in &s.courses {
                if !known.exists([c])? {
                    bad_set("courses", format!("{at}: course {c} not found"));
                    break;
                }
            }
            rows[usize::from(*path == "recertification")].push(set_row(s));
        }
    }
    Ok(rows)
}

fn check_due(
    tx: &Connection,
    d: &ProgramDraft,
    pending: &Pending,
    bad: &mut impl FnMut(&str, String),
) -> Result<DueRule> {
    let due = &d.due;
    Ok(match due.kind {
        DueKind::None => DueRule::None,
        DueKind::Fixed => match parse_date(&due.date).and_then(|x| end_of_day(x, &TimeZone::UTC)) {
            Ok(at) => DueRule::Fixed { at },
            Err(_) => {
                let reason = match parse_date(&due.date) {
                    Err(Error::Invalid { reason, .. }) if reason.contains("out of range") => reason,
                    _ => format!("'{}' is not a date (YYYY-MM-DD)", due.date.trim()),
                };
                bad("due.date", reason);
                DueRule::None
            }
        },
        DueKind::Relative => {
            if due.after.amount < 1 {
                bad("due.after", "the period must be at least 1".into());
            } else if let Err(e) = due.after.within_limit() {
                bad("due.after", crate::time::reason(&e));
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
                        Some(p) if pending.programs.contains_key(&p) => true,
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
    for (field, p) in [
        ("cert.active", Some(c.active)),
        ("cert.window", Some(c.window)),
        ("cert.min_active", c.min_active),
    ] {
        if let Some(Err(e)) = p.map(Period::within_limit) {
            bad(field, crate::time::reason(&e));
        }
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
