//! The JSON form of a program and its reading into the editor's [`ProgramDraft`].

use std::collections::{HashMap, HashSet};

use jiff::Timestamp;
use serde::Deserialize;

use crate::program::certification::{CertSettings, Method};
use crate::program::period::{parse_duration_secs, Period};
use crate::program::{CompletionRule, Operator, ProgramKind};
use crate::program::{DueDraft, DueFrom, DueKind, ProgramDraft, SetDraft};
use crate::time::secs;
use crate::Error;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct File {
    pub(super) programs: Vec<ProgramIn>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ProgramIn {
    pub(super) short_name: String,
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
pub(super) struct Entry<'a> {
    pub(super) line: u32,
    pub(super) draft: ProgramDraft,
    /// A fixed due date given as an instant (`"at"`) rather than a day.
    pub(super) due_at: Option<i64>,
    /// The short name of the program a relative due date counts from.
    pub(super) after_program: Option<&'a str>,
    /// Problems found reading the file, as `(field, reason)`.
    pub(super) problems: Vec<(String, String)>,
}

pub(super) fn entry<'a>(
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
