//! The review of memberships: each one's due date computed again from its sources (the
//! assignments that made it), and the first exception that applies raised when the due date
//! is new or changed (DOMAIN.md section 5).
//!
//! A membership is reviewed when it is made, and again whenever its due date may have
//! changed (a source added or removed, a profile date or a program completion that a relative
//! rule counts from) while it is not complete. A raised exception waits for the
//! administrator; a handled one is not raised again unless the due date changes.

use std::collections::{HashMap, HashSet};

use jiff::tz::TimeZone;
use rusqlite::{params, CachedStatement, Connection};

use super::detect::detect;
use super::facts::{LearnerFacts, Needs};
use crate::membership::event::EventKind;
use crate::membership::summary::{self, Scope};
use crate::program::due_date::{Due, DueEvent, DueFacts, DueRule};
use crate::program::{load_programs, Program};
use crate::time::zone;
use crate::{idset, Result};

pub(super) struct Row {
    pub(super) id: i64,
    pub(super) learner_id: i64,
    pub(super) program_id: i64,
    /// Whether the due date still comes from the sources (not complete, first cycle).
    pub(super) due_applies: bool,
    pub(super) cycle: i64,
    pub(super) due_at: Option<i64>,
    pub(super) active: bool,
    pub(super) exception_status: String,
    pub(super) last_exception_due: Option<i64>,
    pub(super) zone: String,
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
    let sources = load_sources(tx)?;
    let facts = LearnerFacts::load(tx, needs(&rows, &programs))?;
    let courses: HashMap<i64, String> = {
        let mut stmt = tx.prepare_cached("SELECT id, short_name FROM course")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut active_certs = facts.active_certs.clone();
    let mut zones: HashMap<String, TimeZone> = HashMap::new();
    let mut w = Gather::new(tx)?;
    let mut raised = 0;
    for row in rows {
        let Some(program) = programs.get(&row.program_id) else {
            continue;
        };
        let tz = zones
            .entry(row.zone.clone())
            .or_insert_with(|| zone(&row.zone).unwrap_or(TimeZone::UTC))
            .clone();
        let mine = sources.get(&row.id).map(Vec::as_slice).unwrap_or(&[]);
        let (computed, unknown) = source_dues(&row, program, mine, &facts, &tz, &mut w)?;
        if !row.due_applies {
            continue;
        }
        let reference = match row.exception_status.as_str() {
            "not_assigned" | "dismissed" => row.last_exception_due,
            _ => row.due_at,
        };
        let changed = computed != reference;
        if row.exception_status == "raised" || !(new.contains(&row.id) || changed) {
            if changed && row.exception_status == "raised" {
                w.set_due.execute(params![row.id, computed])?;
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
        if let Some((kind, detail)) = found {
            let p = params![row.id, kind.as_str(), computed, detail, row.cycle];
            w.raise.execute(p)?;
            raised += 1;
            continue;
        }
        let due = if row.active { computed } else { None };
        if due != row.due_at {
            w.set_due.execute(params![row.id, due])?;
        }
        if row.active && program.cert.is_some() {
            active_certs
                .entry(row.learner_id)
                .or_default()
                .push(row.program_id);
        }
    }
    drop(w);
    write_review(tx, now)?;
    Ok(raised)
}

/// Reviews again the active memberships whose due date counts from `event`
/// (`program_completion` or `profile_field`) of the learners that `learners` (SQL giving a
/// column of learner ids) selects: a completion or a profile date may have made it known.
/// Returns how many exceptions were raised.
pub(crate) fn review_counting_from(
    tx: &Connection,
    now: i64,
    event: &'static str,
    learners: &str,
) -> Result<u32> {
    let dependent = idset::ids(
        tx,
        &format!(
            "SELECT a.id FROM assignment a JOIN program p ON p.id = a.program_id
             WHERE p.due_event = ?1 AND a.unassigned_at IS NULL
               AND a.learner_id IN ({learners})"
        ),
        [event],
    )?;
    review(tx, now, &dependent, &HashSet::new())
}

/// The statements that gather the review's results in temporary tables, written with one
/// statement each by [`write_review`].
struct Gather<'c> {
    set_source_due: CachedStatement<'c>,
    set_due: CachedStatement<'c>,
    raise: CachedStatement<'c>,
}

impl<'c> Gather<'c> {
    fn new(tx: &'c Connection) -> Result<Self> {
        tx.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS eng_source_due (id INTEGER PRIMARY KEY, due_at INTEGER);
             CREATE TEMP TABLE IF NOT EXISTS eng_due (id INTEGER PRIMARY KEY, due_at INTEGER);
             CREATE TEMP TABLE IF NOT EXISTS eng_raise (id INTEGER PRIMARY KEY, kind TEXT NOT NULL,
                 due_at INTEGER, detail TEXT NOT NULL, cycle INTEGER NOT NULL);
             DELETE FROM temp.eng_source_due; DELETE FROM temp.eng_due; DELETE FROM temp.eng_raise;",
        )?;
        Ok(Gather {
            set_source_due: tx
                .prepare_cached("INSERT INTO temp.eng_source_due (id, due_at) VALUES (?1, ?2)")?,
            set_due: tx.prepare_cached(
                "INSERT OR REPLACE INTO temp.eng_due (id, due_at) VALUES (?1, ?2)",
            )?,
            raise: tx.prepare_cached(
                "INSERT INTO temp.eng_raise (id, kind, due_at, detail, cycle)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?,
        })
    }
}

/// Each source's due date (an explicit one, or the program's rule evaluated), gathering those
/// that changed; returns the latest, and whether the rule counts from a date the learner does
/// not have (with no explicit date and no other due date to fall back on).
fn source_dues(
    row: &Row,
    program: &Program,
    sources: &[Source],
    facts: &LearnerFacts,
    tz: &TimeZone,
    w: &mut Gather,
) -> Result<(Option<i64>, bool)> {
    let mut computed: Option<i64> = None;
    let mut unknown = false;
    let mut explicit = false;
    for s in sources {
        let due = if s.due_set {
            explicit = true;
            s.due_at
        } else {
            let d = program.due.evaluate(&DueFacts {
                zone: tz,
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
                w.set_source_due.execute(params![s.id, at])?;
            }
            at
        };
        computed = computed.max(due);
    }
    Ok((computed, unknown && !explicit && computed.is_none()))
}

/// Only what the batch's rules and checks need is loaded.
fn needs(rows: &[Row], programs: &HashMap<i64, Program>) -> Needs {
    let in_batch = || rows.iter().filter_map(|r| programs.get(&r.program_id));
    let counts_from = |p: &Program, completion: bool| match &p.due {
        DueRule::After { event, .. } => match event {
            DueEvent::ProfileField { .. } => !completion,
            DueEvent::ProgramCompletion { .. } => completion,
            DueEvent::Assignment => false,
        },
        _ => false,
    };
    Needs {
        dates: in_batch().any(|p| counts_from(p, false)),
        completions: in_batch().any(|p| counts_from(p, true)),
        certs: in_batch().any(|p| p.cert.is_some()),
    }
}

fn load_sources(tx: &Connection) -> Result<HashMap<i64, Vec<Source>>> {
    let mut sources: HashMap<i64, Vec<Source>> = HashMap::new();
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
    Ok(sources)
}

/// Writes what [`review`] gathered: source due dates, membership due dates, and the raised
/// exceptions with their membership made inactive and their `exception` event.
fn write_review(tx: &Connection, now: i64) -> Result<()> {
    let first: i64 = tx.query_row("SELECT ifnull(max(id), 0) + 1 FROM exception", [], |r| {
        r.get(0)
    })?;
    tx.execute_batch(
        "UPDATE assignment_source SET due_at = d.due_at FROM temp.eng_source_due d
           WHERE assignment_source.id = d.id",
    )?;
    // Each update of memberships inside its summary bracket (membership/summary.rs).
    summary::leave(tx, "eng_due", Scope::Figures)?;
    tx.execute_batch(
        "UPDATE assignment SET due_at = d.due_at FROM temp.eng_due d WHERE assignment.id = d.id",
    )?;
    summary::enter(tx, "eng_due", Scope::Figures)?;
    summary::leave(tx, "eng_raise", Scope::Figures)?;
    tx.execute_batch(&format!(
        "INSERT INTO exception (assignment_id, kind, raised_at, due_at, detail)
           SELECT id, kind, {now}, due_at, detail FROM temp.eng_raise ORDER BY id;
         UPDATE assignment SET active = 0, exception_status = 'raised', due_at = r.due_at
           FROM temp.eng_raise r WHERE assignment.id = r.id;"
    ))?;
    summary::enter(tx, "eng_raise", Scope::Figures)?;
    tx.execute_batch(&format!(
        "INSERT INTO event (kind, assignment_id, cycle, course_set_id, occurred_at)
           SELECT '{kind}', e.assignment_id, r.cycle, e.id, {now}
           FROM exception e CROSS JOIN temp.eng_raise r ON r.id = e.assignment_id
           WHERE e.id >= {first} ON CONFLICT DO NOTHING;",
        kind = EventKind::Exception.as_str(),
    ))?;
    Ok(())
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
