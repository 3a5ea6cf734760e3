//! Assignment exceptions: their types, and the review that computes a membership's due date
//! from its sources and raises the first exception that applies (DOMAIN.md section 5).
//!
//! A membership is reviewed when it is made, and again whenever its due date may have
//! changed (a source added or removed, a profile date or a program completion that a relative
//! rule counts from) while it is not complete. A raised exception waits for the
//! administrator; a handled one is not raised again unless the due date changes.

pub mod action;

use std::collections::{HashMap, HashSet};

use jiff::tz::TimeZone;
use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};

use crate::membership::event::EventKind;
use crate::program::due_date::{Due, DueEvent, DueFacts, DueRule};
use crate::program::{load_programs, Program};
use crate::time::zone;
use crate::{idset, Error, Result};

/// The type of an assignment exception.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ExceptionKind {
    /// The learner is already an active member of another certification sharing a course.
    DuplicateCourse,
    /// The due date counts from an event the learner has no date for.
    CompletionTimeUnknown,
    /// The due date leaves less time than the path's total minimum time.
    TimeAllowance,
}

impl ExceptionKind {
    /// Every type, in the order they are checked.
    pub const ALL: [ExceptionKind; 3] = [
        ExceptionKind::DuplicateCourse,
        ExceptionKind::CompletionTimeUnknown,
        ExceptionKind::TimeAllowance,
    ];

    /// The name the store keeps.
    pub fn as_str(self) -> &'static str {
        match self {
            ExceptionKind::DuplicateCourse => "duplicate_course",
            ExceptionKind::CompletionTimeUnknown => "completion_time_unknown",
            ExceptionKind::TimeAllowance => "time_allowance",
        }
    }

    /// Parses a stored or typed name.
    pub fn parse(s: &str) -> Result<ExceptionKind> {
        ExceptionKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| {
                Error::invalid(
                    "exception type",
                    format!("'{s}' is not an exception type (duplicate_course, completion_time_unknown, time_allowance)"),
                )
            })
    }
}

struct Row {
    id: i64,
    learner_id: i64,
    program_id: i64,
    /// Whether the due date still comes from the sources (not complete, first cycle).
    due_applies: bool,
    cycle: i64,
    due_at: Option<i64>,
    active: bool,
    exception_status: String,
    last_exception_due: Option<i64>,
    zone: String,
}

struct Source {
    id: i64,
    assigned_at: i64,
    due_at: Option<i64>,
    due_set: bool,
}

/// Recomputes the due date of the memberships `ids` from their sources and raises the first
/// exception that applies to those in `new` and to those whose due date changed. Returns how
/// many exceptions were raised.
pub(crate) fn review(tx: &Connection, now: i64, ids: &[i64], new: &HashSet<i64>) -> Result<u32> {
    if ids.is_empty() {
        return Ok(0);
    }
    let programs = load_programs(tx)?;
    idset::fill(tx, "eng_review", ids.iter().copied())?;
    let rows = load_rows(tx)?;
    let mut sources: HashMap<i64, Vec<Source>> = HashMap::new();
    {
        let mut stmt = tx.prepare_cached(
            "SELECT s.assignment_id, s.id, s.assigned_at, s.due_at, s.due_set
             FROM temp.eng_review t CROSS JOIN assignment_source s ON s.assignment_id = t.id",
        )?;
        let mut q = stmt.query([])?;
        while let Some(r) = q.next()? {
            sources.entry(r.get(0)?).or_default().push(Source {
                id: r.get(1)?,
                assigned_at: r.get(2)?,
                due_at: r.get(3)?,
                due_set: r.get(4)?,
            });
        }
    }
    // Only what the batch's rules and checks need is loaded.
    let in_batch = || rows.iter().filter_map(|r| programs.get(&r.program_id));
    let needs = Needs {
        dates: in_batch().any(|p| {
            matches!(
                p.due,
                DueRule::After {
                    event: DueEvent::ProfileField { .. },
                    ..
                }
            )
        }),
        completions: in_batch().any(|p| {
            matches!(
                p.due,
                DueRule::After {
                    event: DueEvent::ProgramCompletion { .. },
                    ..
                }
            )
        }),
        certs: in_batch().any(|p| p.cert.is_some()),
    };
    let facts = LearnerFacts::load(tx, needs)?;
    let courses: HashMap<i64, String> = {
        let mut stmt = tx.prepare_cached("SELECT id, short_name FROM course")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut active_certs = facts.active_certs.clone();
    let mut zones: HashMap<String, TimeZone> = HashMap::new();
    // The results are gathered in temporary tables and written with one statement each.
    tx.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS eng_source_due (id INTEGER PRIMARY KEY, due_at INTEGER);
         CREATE TEMP TABLE IF NOT EXISTS eng_due (id INTEGER PRIMARY KEY, due_at INTEGER);
         CREATE TEMP TABLE IF NOT EXISTS eng_raise (id INTEGER PRIMARY KEY, kind TEXT NOT NULL,
             due_at INTEGER, detail TEXT NOT NULL, cycle INTEGER NOT NULL);
         DELETE FROM temp.eng_source_due; DELETE FROM temp.eng_due; DELETE FROM temp.eng_raise;",
    )?;
    let mut set_source_due =
        tx.prepare_cached("INSERT INTO temp.eng_source_due (id, due_at) VALUES (?1, ?2)")?;
    let mut set_due =
        tx.prepare_cached("INSERT OR REPLACE INTO temp.eng_due (id, due_at) VALUES (?1, ?2)")?;
    let mut raise = tx.prepare_cached(
        "INSERT INTO temp.eng_raise (id, kind, due_at, detail, cycle) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut raised = 0;
    for row in rows {
        let Some(program) = programs.get(&row.program_id) else {
            continue;
        };
        let tz = zones
            .entry(row.zone.clone())
            .or_insert_with(|| zone(&row.zone).unwrap_or(TimeZone::UTC))
            .clone();
        // Each source's due date; the latest wins.
        let mut computed: Option<i64> = None;
        let mut unknown = false;
        let mut explicit = false;
        for s in sources.get(&row.id).map(Vec::as_slice).unwrap_or(&[]) {
            let due = if s.due_set {
                explicit = true;
                s.due_at
            } else {
                let d = program.due.evaluate(&DueFacts {
                    zone: &tz,
                    assigned_at: s.assigned_at,
                    program_completed_at: facts.completed(row.learner_id, &program.due),
                    profile_date: facts.profile_date(row.learner_id, &program.due),
                })?;
                let at = match d {
                    Due::At(at) => Some(at),
                    Due::Unknown => {
                        unknown = true;
                        None
                    }
                    Due::None => None,
                };
                if at != s.due_at {
                    set_source_due.execute(params![s.id, at])?;
                }
                at
            };
            computed = computed.max(due);
        }
        let unknown = unknown && !explicit && computed.is_none();
        if !row.due_applies {
            continue;
        }
        let reference = match row.exception_status.as_str() {
            "not_assigned" | "dismissed" => row.last_exception_due,
            _ => row.due_at,
        };
        let changed = computed != reference;
        let is_new = new.contains(&row.id);
        if row.exception_status == "raised" || !(is_new || changed) {
            if changed && row.exception_status == "raised" {
                set_due.execute(params![row.id, computed])?;
            }
            continue;
        }
        let found = detect(
            program,
            &programs,
            &row,
            computed,
            unknown,
            now,
            &tz,
            &active_certs,
            &courses,
        )?;
        match found {
            Some((kind, detail)) => {
                raise.execute(params![row.id, kind.as_str(), computed, detail, row.cycle])?;
                raised += 1;
            }
            None => {
                let due = if row.active { computed } else { None };
                if due != row.due_at {
                    set_due.execute(params![row.id, due])?;
                }
                if row.active && program.cert.is_some() {
                    active_certs
                        .entry(row.learner_id)
                        .or_default()
                        .push(row.program_id);
                }
            }
        }
    }
    write_review(tx, now)?;
    Ok(raised)
}

/// Writes what [`review`] gathered: source due dates, membership due dates, and the raised
/// exceptions with their membership made inactive and their `exception` event.
fn write_review(tx: &Connection, now: i64) -> Result<()> {
    let first: i64 = tx.query_row("SELECT ifnull(max(id), 0) + 1 FROM exception", [], |r| {
        r.get(0)
    })?;
    tx.execute_batch(&format!(
        "UPDATE assignment_source SET due_at = d.due_at FROM temp.eng_source_due d
           WHERE assignment_source.id = d.id;
         UPDATE assignment SET due_at = d.due_at FROM temp.eng_due d WHERE assignment.id = d.id;
         INSERT INTO exception (assignment_id, kind, raised_at, due_at, detail)
           SELECT id, kind, {now}, due_at, detail FROM temp.eng_raise ORDER BY id;
         UPDATE assignment SET active = 0, exception_status = 'raised', due_at = r.due_at
           FROM temp.eng_raise r WHERE assignment.id = r.id;
         INSERT INTO event (kind, assignment_id, cycle, course_set_id, occurred_at)
           SELECT '{kind}', e.assignment_id, r.cycle, e.id, {now}
           FROM exception e CROSS JOIN temp.eng_raise r ON r.id = e.assignment_id
           WHERE e.id >= {first} ON CONFLICT DO NOTHING;",
        kind = EventKind::Exception.as_str(),
    ))?;
    Ok(())
}

/// The first exception that applies, in the order of DOMAIN.md section 5.
#[allow(clippy::too_many_arguments)]
fn detect(
    program: &Program,
    programs: &HashMap<i64, Program>,
    row: &Row,
    due: Option<i64>,
    unknown: bool,
    now: i64,
    tz: &TimeZone,
    active_certs: &HashMap<i64, Vec<i64>>,
    courses: &HashMap<i64, String>,
) -> Result<Option<(ExceptionKind, String)>> {
    if program.cert.is_some() {
        let mine: HashSet<i64> = program.all_courses().collect();
        for other_id in active_certs.get(&row.learner_id).into_iter().flatten() {
            if *other_id == program.id {
                continue;
            }
            let Some(other) = programs.get(other_id) else {
                continue;
            };
            if let Some(shared) = other.all_courses().find(|c| mine.contains(c)) {
                let course = courses.get(&shared).cloned().unwrap_or_default();
                return Ok(Some((
                    ExceptionKind::DuplicateCourse,
                    format!(
                        "Already an active member of {}, which shares course {course}",
                        other.full_name
                    ),
                )));
            }
        }
    }
    if unknown {
        let name = |id: i64| {
            programs
                .get(&id)
                .map_or_else(|| format!("program {id}"), |p| p.full_name.clone())
        };
        let missing = match &program.due {
            DueRule::After {
                event: DueEvent::ProfileField { field },
                ..
            } => format!("the learner has no {field} date"),
            DueRule::After {
                event: DueEvent::ProgramCompletion { program_id },
                ..
            } => format!("the learner has not completed {}", name(*program_id)),
            _ => "the learner has no date for it".into(),
        };
        return Ok(Some((
            ExceptionKind::CompletionTimeUnknown,
            format!(
                "The due date is {}, and {missing}",
                program.due.describe(name)
            ),
        )));
    }
    let needed = program.certification.total_min_secs();
    if let Some(d) = due {
        if needed > 0 && d - now < needed {
            let date = crate::time::from_secs(d)?.to_zoned(tz.clone()).date();
            return Ok(Some((
                ExceptionKind::TimeAllowance,
                format!(
                    "Due {date}, which leaves {}, but the path needs {}",
                    hours(d - now),
                    hours(needed)
                ),
            )));
        }
    }
    Ok(None)
}

/// A length of time in words, in hours (and days past two days).
pub fn hours(secs: i64) -> String {
    let h = secs as f64 / 3600.0;
    if secs <= 0 {
        "no time".into()
    } else if h >= 48.0 {
        format!("{:.1} days", h / 24.0)
    } else {
        format!("{h:.1} hours")
    }
}

fn load_rows(tx: &Connection) -> Result<Vec<Row>> {
    let mut stmt = tx.prepare_cached(
        "SELECT a.id, a.learner_id, a.program_id,
                a.status IN ('not_started', 'in_progress') AND a.cycle = 1,
                a.cycle, a.due_at, a.active, a.exception_status,
                (SELECT e.due_at FROM exception e WHERE e.assignment_id = a.id ORDER BY e.id DESC LIMIT 1),
                l.time_zone
         FROM temp.eng_review t CROSS JOIN assignment a ON a.id = t.id JOIN learner l ON l.id = a.learner_id
         WHERE a.unassigned_at IS NULL ORDER BY a.id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Row {
            id: r.get(0)?,
            learner_id: r.get(1)?,
            program_id: r.get(2)?,
            due_applies: r.get(3)?,
            cycle: r.get(4)?,
            due_at: r.get(5)?,
            active: r.get(6)?,
            exception_status: r.get(7)?,
            last_exception_due: r.get(8)?,
            zone: r.get(9)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Which facts a batch needs.
#[derive(Clone, Copy)]
struct Needs {
    dates: bool,
    completions: bool,
    certs: bool,
}

/// What the reviewed learners' rules may count from, loaded for the whole batch.
struct LearnerFacts {
    dates: HashMap<(i64, String), String>,
    completed: HashMap<(i64, i64), i64>,
    /// learner → the certifications they are an active member of (outside this batch's new rows).
    active_certs: HashMap<i64, Vec<i64>>,
}

impl LearnerFacts {
    fn load(tx: &Connection, needs: Needs) -> Result<LearnerFacts> {
        let learners =
            "SELECT a.learner_id FROM temp.eng_review t CROSS JOIN assignment a ON a.id = t.id";
        let mut dates = HashMap::new();
        let mut completed = HashMap::new();
        let mut active_certs: HashMap<i64, Vec<i64>> = HashMap::new();
        if needs.dates {
            let mut stmt = tx.prepare_cached(&format!(
                "SELECT learner_id, field, value FROM learner_date WHERE learner_id IN ({learners})"
            ))?;
            let mut q = stmt.query([])?;
            while let Some(r) = q.next()? {
                dates.insert((r.get(0)?, r.get(1)?), r.get(2)?);
            }
        }
        if !needs.completions && !needs.certs {
            return Ok(LearnerFacts {
                dates,
                completed,
                active_certs,
            });
        }
        let mut stmt = tx.prepare_cached(&format!(
            "SELECT a.learner_id, a.program_id, a.completed_at,
                    a.active = 1 AND a.unassigned_at IS NULL AND p.kind = 'certification'
                    AND a.id NOT IN (SELECT id FROM temp.eng_review)
             FROM assignment a JOIN program p ON p.id = a.program_id
             WHERE a.learner_id IN ({learners})"
        ))?;
        let mut q = stmt.query([])?;
        while let Some(r) = q.next()? {
            let (learner, program): (i64, i64) = (r.get(0)?, r.get(1)?);
            if let Some(at) = r.get::<_, Option<i64>>(2)? {
                completed.insert((learner, program), at);
            }
            if r.get::<_, bool>(3)? {
                active_certs.entry(learner).or_default().push(program);
            }
        }
        Ok(LearnerFacts {
            dates,
            completed,
            active_certs,
        })
    }

    fn completed(&self, learner: i64, rule: &DueRule) -> Option<i64> {
        match rule {
            DueRule::After {
                event: DueEvent::ProgramCompletion { program_id },
                ..
            } => self.completed.get(&(learner, *program_id)).copied(),
            _ => None,
        }
    }

    fn profile_date(&self, learner: i64, rule: &DueRule) -> Option<&str> {
        match rule {
            DueRule::After {
                event: DueEvent::ProfileField { field },
                ..
            } => self
                .dates
                .get(&(learner, field.clone()))
                .map(String::as_str),
            _ => None,
        }
    }
}
