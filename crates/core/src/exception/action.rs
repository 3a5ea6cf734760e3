//! The exception report and what the administrator does about its rows: select rows by a
//! condition (all, or all of one type) plus single rows, preview how many an action changes
//! and which it must skip, and apply it in one transaction (DOMAIN.md section 5).

use jiff::{tz::TimeZone, Timestamp};
use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};

use crate::exception::ExceptionKind;
use crate::membership::engine::settle;
use crate::membership::event::{record_for_active, EventKind};
use crate::membership::status::ExceptionStatus;
use crate::program::load_programs;
use crate::program::period::{Period, Unit};
use crate::time::{from_secs, local_date, secs, zone};
use crate::{idset, Error, Result};

/// What the administrator does about an exception.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ExceptionAction {
    /// Active, with the due date as it was; assigned-at = now.
    Assign,
    /// Due = now + total minimum time of the current path + 7 days; active.
    SetRealisticDueDate,
    /// Stays a member, not active, no due date; completion still recorded.
    DoNotAssign,
    /// Leaves the report; not active; program / certification completion not recorded.
    Dismiss,
}

impl ExceptionAction {
    /// Every action.
    pub const ALL: [ExceptionAction; 4] = [
        ExceptionAction::Assign,
        ExceptionAction::SetRealisticDueDate,
        ExceptionAction::DoNotAssign,
        ExceptionAction::Dismiss,
    ];

    /// The name used on the command line and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ExceptionAction::Assign => "assign",
            ExceptionAction::SetRealisticDueDate => "set_realistic_due_date",
            ExceptionAction::DoNotAssign => "do_not_assign",
            ExceptionAction::Dismiss => "dismiss",
        }
    }

    /// Parses an action name.
    pub fn parse(s: &str) -> Result<ExceptionAction> {
        ExceptionAction::ALL
            .into_iter()
            .find(|a| a.as_str() == s.trim().replace('-', "_"))
            .ok_or_else(|| {
                Error::invalid(
                    "action",
                    format!("'{s}' is not an action (assign, set_realistic_due_date, do_not_assign, dismiss)"),
                )
            })
    }

    /// Whether this action is allowed for an exception of type `kind`.
    pub fn allowed_for(self, kind: ExceptionKind) -> bool {
        use ExceptionAction as A;
        use ExceptionKind as K;
        !matches!(
            (self, kind),
            (A::SetRealisticDueDate, K::DuplicateCourse) | (A::Assign, K::CompletionTimeUnknown)
        )
    }

    /// The exception status the membership report shows after this action.
    pub fn status(self) -> ExceptionStatus {
        match self {
            ExceptionAction::Assign => ExceptionStatus::ResolvedAssigned,
            ExceptionAction::SetRealisticDueDate => ExceptionStatus::ResolvedRealistic,
            ExceptionAction::DoNotAssign => ExceptionStatus::NotAssigned,
            ExceptionAction::Dismiss => ExceptionStatus::Dismissed,
        }
    }
}

/// Which rows an action applies to: a condition (all raised rows, or all raised rows of one
/// type) plus rows picked by hand.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Selection {
    pub all: bool,
    pub kind: Option<ExceptionKind>,
    pub ids: Vec<i64>,
}

/// A selected row the action will not change, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct SkippedRow {
    pub exception_id: i64,
    pub learner_name: String,
    pub kind: Option<ExceptionKind>,
    pub reason: String,
}

/// What an action will do (preview) or did (apply).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct ActionOutcome {
    pub action: ExceptionAction,
    /// Rows changed (or, in a preview, that would be).
    pub changed: u32,
    pub skipped: Vec<SkippedRow>,
}

/// Fills `temp.eng_selected` with the selected exception ids.
fn select(tx: &Connection, sel: &Selection) -> Result<()> {
    idset::fill(tx, "eng_selected", sel.ids.iter().copied())?;
    if sel.all {
        tx.execute(
            "INSERT OR IGNORE INTO temp.eng_selected (id)
             SELECT e.id FROM exception e JOIN assignment a ON a.id = e.assignment_id
             WHERE e.status = 'raised' AND a.unassigned_at IS NULL",
            [],
        )?;
    } else if let Some(kind) = sel.kind {
        tx.execute(
            "INSERT OR IGNORE INTO temp.eng_selected (id)
             SELECT e.id FROM exception e JOIN assignment a ON a.id = e.assignment_id
             WHERE e.status = 'raised' AND e.kind = ?1 AND a.unassigned_at IS NULL",
            [kind.as_str()],
        )?;
    }
    Ok(())
}

/// Splits the selection into the ids to change (`temp.eng_act`, set-based) and the rows to
/// skip (read one by one: they are few, and each needs its reason).
fn partition(tx: &Connection, action: ExceptionAction) -> Result<Vec<SkippedRow>> {
    let allowed: Vec<String> = ExceptionKind::ALL
        .into_iter()
        .filter(|k| action.allowed_for(*k))
        .map(|k| format!("'{}'", k.as_str()))
        .collect();
    idset::fill(tx, "eng_act", std::iter::empty())?;
    tx.execute(
        &format!(
            "INSERT INTO temp.eng_act (id)
             SELECT t.id FROM temp.eng_selected t
             CROSS JOIN exception e ON e.id = t.id
             CROSS JOIN assignment a ON a.id = e.assignment_id
             WHERE e.status = 'raised' AND a.unassigned_at IS NULL AND e.kind IN ({})",
            allowed.join(", ")
        ),
        [],
    )?;
    let mut skipped = Vec::new();
    let mut stmt = tx.prepare_cached(
        "SELECT t.id, e.kind, e.status, l.full_name, a.unassigned_at IS NOT NULL
         FROM temp.eng_selected t
         LEFT JOIN exception e ON e.id = t.id
         LEFT JOIN assignment a ON a.id = e.assignment_id
         LEFT JOIN learner l ON l.id = a.learner_id
         WHERE t.id NOT IN (SELECT id FROM temp.eng_act) ORDER BY t.id",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let kind = r
            .get::<_, Option<String>>(1)?
            .map(|k| ExceptionKind::parse(&k))
            .transpose()?;
        let status: Option<String> = r.get(2)?;
        let unassigned = r.get::<_, Option<bool>>(4)?.unwrap_or(false);
        let reason = match (kind, status.as_deref()) {
            (None, _) => "no such exception".to_string(),
            (Some(_), _) if unassigned => "the learner is no longer a member".to_string(),
            (Some(_), Some(s)) if s != "raised" => format!("already handled ({s})"),
            (Some(k), _) => format!(
                "{} is not allowed for a {} exception",
                action.as_str(),
                k.as_str()
            ),
        };
        skipped.push(SkippedRow {
            exception_id: r.get(0)?,
            learner_name: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
            kind,
            reason,
        });
    }
    Ok(skipped)
}

/// How many rows `action` would change, and which selected rows it would skip and why.
/// Reads only (its temporary tables aside); call it in a transaction that is then dropped,
/// or simply before [`apply`].
///
/// # Errors
/// Database errors.
pub fn preview(tx: &Connection, sel: &Selection, action: ExceptionAction) -> Result<ActionOutcome> {
    select(tx, sel)?;
    let skipped = partition(tx, action)?;
    let changed: u32 = tx.query_row("SELECT count(*) FROM temp.eng_act", [], |r| r.get(0))?;
    Ok(ActionOutcome {
        action,
        changed,
        skipped,
    })
}

/// Rows are changed in chunks of this many, so that progress can be shown.
const CHUNK: usize = 5_000;

/// Applies `action` to the selected raised exceptions allowed for it, in the caller's
/// transaction, calling `progress(done, total)` after each chunk. Skipped rows are reported.
///
/// # Errors
/// Database errors (the transaction then writes nothing).
pub fn apply(
    tx: &Connection,
    now: Timestamp,
    sel: &Selection,
    action: ExceptionAction,
    progress: &mut dyn FnMut(u32, u32),
) -> Result<ActionOutcome> {
    let now_s = secs(now);
    select(tx, sel)?;
    let skipped = partition(tx, action)?;
    let all = idset::ids(tx, "SELECT id FROM temp.eng_act ORDER BY id", [])?;
    let total = all.len() as u32;
    let mut done = 0;
    progress(0, total);
    for chunk in all.chunks(CHUNK) {
        apply_chunk(tx, now_s, action, chunk)?;
        done += chunk.len() as u32;
        progress(done, total);
    }
    Ok(ActionOutcome {
        action,
        changed: total,
        skipped,
    })
}

fn apply_chunk(tx: &Connection, now: i64, action: ExceptionAction, chunk: &[i64]) -> Result<()> {
    idset::fill(tx, "eng_chunk", chunk.iter().copied())?;
    let status = action.status().as_str();
    tx.execute(
        "UPDATE exception SET status = ?1, handled_at = ?2 WHERE id IN (SELECT id FROM temp.eng_chunk)",
        params![status, now],
    )?;
    let assignments = idset::ids(
        tx,
        "SELECT DISTINCT assignment_id FROM exception WHERE id IN (SELECT id FROM temp.eng_chunk)",
        [],
    )?;
    idset::fill(tx, "eng_chunk_a", assignments.iter().copied())?;
    match action {
        ExceptionAction::DoNotAssign | ExceptionAction::Dismiss => {
            tx.execute(
                "UPDATE assignment SET active = 0, due_at = NULL, exception_status = ?1
                 WHERE id IN (SELECT id FROM temp.eng_chunk_a)",
                [status],
            )?;
        }
        ExceptionAction::Assign => {
            restart_progress(tx, now)?;
            tx.execute(
                "UPDATE assignment SET active = 1, assigned_at = ?2, exception_status = ?1
                 WHERE id IN (SELECT id FROM temp.eng_chunk_a)",
                params![status, now],
            )?;
            activated(tx, now)?;
        }
        ExceptionAction::SetRealisticDueDate => {
            restart_progress(tx, now)?;
            set_realistic(tx, now, status)?;
            activated(tx, now)?;
        }
    }
    Ok(())
}

/// The memberships of `temp.eng_chunk_a` start now instead of at their assigned-at: their
/// current cycle's course set progress moves by the same amount. Exact for a membership with
/// no completions (everything is relative to its start); [`activated`] settles the others.
fn restart_progress(tx: &Connection, now: i64) -> Result<()> {
    tx.execute(
        "UPDATE course_set_progress SET current_at = current_at + d.delta,
                due_at = due_at + d.delta, completed_at = completed_at + d.delta
         FROM (SELECT a.id AS id, a.cycle AS cycle, ?1 - a.assigned_at AS delta
               FROM temp.eng_chunk_a t CROSS JOIN assignment a ON a.id = t.id) d
         WHERE course_set_progress.assignment_id = d.id AND course_set_progress.cycle = d.cycle",
        [now],
    )?;
    Ok(())
}

/// The new members become active: their `assigned` event, course set due dates from now.
fn activated(tx: &Connection, now: i64) -> Result<()> {
    record_for_active(tx, EventKind::Assigned, "eng_chunk_a", now)?;
    // The certification record of a first cycle starts when the membership became active.
    tx.execute(
        "UPDATE certification_record SET started_at = ?1
         WHERE cycle = 1 AND state = 'newly_assigned' AND assignment_id IN (SELECT id FROM temp.eng_chunk_a)",
        [now],
    )?;
    // Only memberships with completions of their program's courses need evaluating again.
    let with_progress = idset::ids(
        tx,
        "SELECT DISTINCT a.id FROM temp.eng_chunk_a t
         CROSS JOIN assignment a ON a.id = t.id
         CROSS JOIN course_set cs ON cs.program_id = a.program_id
         CROSS JOIN course_set_course csc ON csc.course_set_id = cs.id
         CROSS JOIN course_completion cc ON cc.learner_id = a.learner_id AND cc.course_id = csc.course_id",
        [],
    )?;
    settle(tx, now, &with_progress)?;
    Ok(())
}

/// Due = now + total minimum time of the current path + 7 days (in the learner's zone),
/// written to every source of the membership as a date the administrator set.
fn set_realistic(tx: &Connection, now: i64, status: &str) -> Result<()> {
    let programs = load_programs(tx)?;
    let rows: Vec<(i64, i64, String, String)> = {
        let mut stmt = tx.prepare_cached(
            "SELECT a.id, a.program_id, a.status, l.time_zone FROM temp.eng_chunk_a t
             CROSS JOIN assignment a ON a.id = t.id JOIN learner l ON l.id = a.learner_id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let week = Period::new(7, Unit::Day);
    let mut zones: std::collections::HashMap<String, TimeZone> = Default::default();
    let mut sources = tx.prepare_cached(
        "UPDATE assignment_source SET due_at = ?2, due_set = 1 WHERE assignment_id = ?1",
    )?;
    let mut membership = tx.prepare_cached(
        "UPDATE assignment SET active = 1, assigned_at = ?3, due_at = ?2, exception_status = ?4 WHERE id = ?1",
    )?;
    for (id, program_id, state, zone_name) in rows {
        let Some(p) = programs.get(&program_id) else {
            continue;
        };
        let path = if state == "window_open" {
            p.recert_path()
        } else {
            &p.certification
        };
        let tz = zones
            .entry(zone_name.clone())
            .or_insert_with(|| zone(&zone_name).unwrap_or(TimeZone::UTC));
        let due = week.add_secs(now + path.total_min_secs(), tz, 1)?;
        sources.execute([id, due])?;
        membership.execute(params![id, due, now, status])?;
    }
    Ok(())
}

/// One row of the exception report.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct ExceptionRow {
    pub id: i64,
    pub assignment_id: i64,
    pub learner_name: String,
    pub learner_id_number: String,
    pub program_name: String,
    pub kind: ExceptionKind,
    /// The issue in words, with its figures.
    pub issue: String,
    /// The due date concerned, in the learner's time zone (YYYY-MM-DD).
    pub due_date: Option<String>,
    /// The total minimum time of the path, in hours.
    pub time_needed_hours: f64,
    /// When it was raised (RFC 3339, UTC).
    pub raised_at: String,
    /// The actions allowed for this row.
    pub actions: Vec<ExceptionAction>,
}

/// A page of the exception report: raised exceptions, optionally of one type, in the order
/// they were raised, `limit` rows after exception id `after`.
///
/// # Errors
/// Database errors.
pub fn raised_exceptions(
    conn: &Connection,
    kind: Option<ExceptionKind>,
    after: Option<i64>,
    limit: u32,
) -> Result<Vec<ExceptionRow>> {
    let programs = load_programs(conn)?;
    let mut stmt = conn.prepare_cached(
        "SELECT e.id, e.assignment_id, l.full_name, l.id_number, p.full_name, e.kind, e.detail,
                e.due_at, e.raised_at, l.time_zone, p.id
         FROM exception e JOIN assignment a ON a.id = e.assignment_id
         JOIN learner l ON l.id = a.learner_id JOIN program p ON p.id = a.program_id
         WHERE e.status = 'raised' AND (?1 IS NULL OR e.kind = ?1) AND e.id > ?2
           AND a.unassigned_at IS NULL
         ORDER BY e.id LIMIT ?3",
    )?;
    let mut rows = stmt.query(params![
        kind.map(ExceptionKind::as_str),
        after.unwrap_or(0),
        if limit == 0 { 100 } else { limit.min(10_000) }
    ])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let kind = ExceptionKind::parse(&r.get::<_, String>(5)?)?;
        let zone_name: String = r.get(9)?;
        let needed = programs
            .get(&r.get::<_, i64>(10)?)
            .map_or(0, |p| p.certification.total_min_secs());
        out.push(ExceptionRow {
            id: r.get(0)?,
            assignment_id: r.get(1)?,
            learner_name: r.get(2)?,
            learner_id_number: r.get(3)?,
            program_name: r.get(4)?,
            kind,
            issue: r.get(6)?,
            due_date: r
                .get::<_, Option<i64>>(7)?
                .map(|d| local_date(d, &zone_name))
                .transpose()?,
            time_needed_hours: needed as f64 / 3600.0,
            raised_at: from_secs(r.get(8)?)?.to_string(),
            actions: ExceptionAction::ALL
                .into_iter()
                .filter(|a| a.allowed_for(kind))
                .collect(),
        });
    }
    Ok(out)
}
