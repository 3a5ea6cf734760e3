//! Programs and certifications from JSON: course sets, due-date rules and certification
//! settings. The format is documented in `docs/CLI.md`. A program is matched by short name;
//! importing it again updates it. Checking a course set, writing a program's rules and settling
//! its memberships again are shared with the program editor (`program_edit.rs`).

use std::collections::{HashMap, HashSet};

use jiff::{tz::TimeZone, Timestamp};
use rusqlite::{params, Connection};
use serde::Deserialize;

use crate::import::{ImportSummary, Problems};
use crate::program::certification::{CertSettings, Method};
use crate::program::due_date::{DueEvent, DueRule};
use crate::program::period::{parse_duration_secs, Period};
use crate::program::{check_set, set_row, write_rules, Rules, SetDraft, SetRow};
use crate::program::{CompletionRule, Operator};
use crate::time::end_of_day;
use crate::time::{parse_date, secs};
use crate::Result;

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

/// The due-date columns of a program.
type DueCols = (
    &'static str,
    Option<i64>,
    Option<i64>,
    Option<&'static str>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// Imports programs and certifications from JSON text.
///
/// # Errors
/// [`crate::Error::Rejected`] listing every problem with the line of its program (nothing
/// written); database errors.
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
    let stored: HashSet<String> = {
        let mut stmt = tx.prepare("SELECT short_name FROM program")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let in_file: HashSet<&str> = file
        .programs
        .iter()
        .map(|p| p.short_name.as_str())
        .collect();
    let mut seen = HashSet::new();
    let mut checked = Vec::new();
    for (i, p) in file.programs.iter().enumerate() {
        let line = lines.get(i).copied().unwrap_or(1);
        let mut bad = |m: String| problems.add(line, format!("{}: {m}", p.short_name));
        if p.short_name.trim().is_empty() || p.full_name.trim().is_empty() {
            bad("short_name and full_name must not be empty".into());
        }
        if !seen.insert(p.short_name.as_str()) {
            bad("appears twice in the file".into());
        }
        let due = check_due(p, &in_file, &stored, &mut bad);
        let cert = p
            .certification
            .as_ref()
            .and_then(|c| check_cert(c, &mut bad));
        if p.certification.is_none() && !p.recertification_path.is_empty() {
            bad("a recertification_path needs certification settings".into());
        }
        if p.certification_path.is_empty() {
            bad("certification_path has no course sets".into());
        }
        let sets: [Vec<SetRow>; 2] = [
            check_sets("certification", &p.certification_path, &courses, &mut bad),
            check_sets(
                "recertification",
                &p.recertification_path,
                &courses,
                &mut bad,
            ),
        ];
        checked.push((p, due, cert, sets));
    }
    problems.finish("programs")?;

    let mut summary = ImportSummary {
        rows: checked.len() as u32,
        ..Default::default()
    };
    let mut changed = Vec::new();
    let mut ids: HashMap<String, i64> = HashMap::new();
    for (p, _, cert, _) in &checked {
        let kind = if cert.is_some() {
            "certification"
        } else {
            "program"
        };
        let id: i64 = tx.query_row(
            "INSERT INTO program (short_name, full_name, kind) VALUES (?1, ?2, ?3)
             ON CONFLICT (short_name) DO UPDATE SET full_name = excluded.full_name, kind = excluded.kind
             RETURNING id",
            params![p.short_name, p.full_name, kind],
            |r| r.get(0),
        )?;
        ids.insert(p.short_name.clone(), id);
        if stored.contains(&p.short_name) {
            summary.updated += 1;
        } else {
            summary.created += 1;
            // A new program starts with the default notification rules (NOTIFICATIONS.md).
            crate::notify::create_default_rules(tx, id, now)?;
        }
    }
    for (p, due, cert, sets) in &checked {
        let id = ids.get(&p.short_name).copied().unwrap_or(0);
        let (rule, fixed, amount, unit, event, program, field) = due.clone();
        let due = match rule {
            "fixed" => DueRule::Fixed {
                at: fixed.unwrap_or(0),
            },
            "relative" => {
                let event = match (event.as_deref(), program, field) {
                    (Some("program_completion"), Some(short), _) => DueEvent::ProgramCompletion {
                        program_id: match ids.get(&short) {
                            Some(id) => *id,
                            None => tx.query_row(
                                "SELECT id FROM program WHERE short_name = ?1",
                                [short],
                                |r| r.get(0),
                            )?,
                        },
                    },
                    (Some("profile_field"), _, Some(field)) => DueEvent::ProfileField { field },
                    _ => DueEvent::Assignment,
                };
                DueRule::After {
                    period: Period::from_store(amount.unwrap_or(1), unit.unwrap_or("day"))?,
                    event,
                }
            }
            _ => DueRule::None,
        };
        let [certification, recertification] = sets.clone();
        let rules = Rules {
            due,
            cert: *cert,
            certification,
            recertification,
        };
        write_rules(tx, id, &rules)?;
        changed.push(id);
    }
    Ok((summary, changed))
}

fn check_due(
    p: &ProgramIn,
    in_file: &HashSet<&str>,
    stored: &HashSet<String>,
    bad: &mut impl FnMut(String),
) -> DueCols {
    let none = ("none", None, None, None, None, None, None);
    match &p.due {
        None | Some(DueIn::None) => none,
        Some(DueIn::Fixed { date, at }) => {
            let at = match (date, at) {
                (Some(d), None) => parse_date(d)
                    .and_then(|d| end_of_day(d, &TimeZone::UTC))
                    .map_err(|_| bad(format!("due date '{d}' is not a date (YYYY-MM-DD)")))
                    .ok(),
                (None, Some(t)) => Some(secs(*t)),
                _ => {
                    bad("a fixed due date needs either 'date' or 'at'".into());
                    None
                }
            };
            ("fixed", at.or(Some(0)), None, None, None, None, None)
        }
        Some(DueIn::Relative {
            after,
            event,
            program,
            field,
        }) => {
            let period = Period::parse(after)
                .map_err(|e| bad(format!("due after: {e}")))
                .ok();
            let (event, program, field) = match event.as_str() {
                "assignment" => ("assignment", None, None),
                "program_completion" => match program {
                    Some(s) if s == &p.short_name => {
                        bad("a due date cannot count from completing the program itself".into());
                        ("program_completion", None, None)
                    }
                    Some(s) if in_file.contains(s.as_str()) || stored.contains(s) => {
                        ("program_completion", Some(s.clone()), None)
                    }
                    Some(s) => {
                        bad(format!("due after completing '{s}': no such program"));
                        ("program_completion", None, None)
                    }
                    None => {
                        bad("event program_completion needs a 'program'".into());
                        ("program_completion", None, None)
                    }
                },
                "profile_field" => match field {
                    Some(f) if !f.trim().is_empty() => ("profile_field", None, Some(f.clone())),
                    _ => {
                        bad("event profile_field needs a 'field' (e.g. hire_date)".into());
                        ("profile_field", None, None)
                    }
                },
                other => {
                    bad(format!(
                        "'{other}' is not an event (assignment, program_completion, profile_field)"
                    ));
                    ("assignment", None, None)
                }
            };
            (
                "relative",
                None,
                Some(period.map_or(1, |p| i64::from(p.amount))),
                Some(period.map_or("day", |p| p.unit.as_str())),
                Some(event.to_string()),
                program,
                field,
            )
        }
    }
}

fn check_cert(c: &CertIn, bad: &mut impl FnMut(String)) -> Option<CertSettings> {
    let active = Period::parse(&c.active).map_err(|e| bad(format!("active: {e}")));
    let window = Period::parse(&c.window).map_err(|e| bad(format!("window: {e}")));
    let method = Method::parse(&c.method).map_err(|e| bad(e.to_string()));
    let min_active = c
        .min_active
        .as_deref()
        .map(Period::parse)
        .transpose()
        .map_err(|e| bad(format!("min_active: {e}")));
    let (Ok(active), Ok(window), Ok(method), Ok(min_active)) = (active, window, method, min_active)
    else {
        return None;
    };
    let s = CertSettings {
        active,
        window,
        method,
        min_active,
    };
    s.validate().map_err(|e| bad(e.to_string())).ok().map(|_| s)
}

fn check_sets(
    path: &str,
    sets: &[SetIn],
    courses: &HashMap<String, i64>,
    bad: &mut impl FnMut(String),
) -> Vec<SetRow> {
    let mut out = Vec::new();
    for (i, s) in sets.iter().enumerate() {
        let at = format!("{path} set {} ('{}')", i + 1, s.label);
        let rule = match (s.rule.as_str(), s.min) {
            ("all", _) => CompletionRule::All,
            ("any", _) => CompletionRule::Any,
            ("optional", _) => CompletionRule::Optional,
            // A missing 'min' is reported by the shared check (N must be at least 1).
            ("at_least", min) => CompletionRule::AtLeast(min.unwrap_or(0)),
            (other, _) => {
                bad(format!(
                    "{at}: '{other}' is not a rule (all, any, at_least, optional)"
                ));
                CompletionRule::All
            }
        };
        let secs = match s.min_time.as_deref() {
            None => 0,
            Some(t) => parse_duration_secs(t).unwrap_or_else(|e| {
                bad(format!("{at}: min_time: {e}"));
                0
            }),
        };
        let operator = match s.operator.as_deref() {
            None => None,
            Some(o) => match Operator::parse(o) {
                Some(op) => Some(op),
                None => {
                    bad(format!("{at}: '{o}' is not an operator (then, and, or)"));
                    None
                }
            },
        };
        let mut ids = Vec::new();
        for c in &s.courses {
            match courses.get(c) {
                Some(id) => ids.push(*id),
                None => bad(format!(
                    "{at}: course '{c}' not found (import courses first)"
                )),
            }
        }
        let draft = SetDraft {
            label: s.label.clone(),
            rule,
            min_time_hours: secs as f64 / 3600.0,
            operator,
            courses: ids,
        };
        check_set(&at, &draft, &mut |_, reason| bad(reason));
        let mut row = set_row(&draft);
        row.3 = secs;
        out.push(row);
    }
    out
}
