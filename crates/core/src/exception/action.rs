//! What the administrator does about the rows of the exception report: select rows by a
//! condition (all, or all of one type) plus single rows, preview how many an action changes
//! and which it must skip, and apply it in one transaction (DOMAIN.md section 5). The rows
//! themselves are in `report`, the realistic due date in `realistic`.

use jiff::Timestamp;
use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};

use super::batch;
use super::realistic::set_realistic;
use crate::exception::ExceptionKind;
use crate::membership::engine::settle;
use crate::membership::event::{record_for_active, EventKind};
use crate::membership::status::ExceptionStatus;
use crate::membership::summary::{self, Scope};
use crate::time::secs;
use crate::{idset, Error, Result};

// The report's rows carry the actions allowed for them; callers find both here.
pub use super::report::{raised_exceptions, ExceptionRow};

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
    /// The recorded batch an applied action can be undone by (`None` in a preview, or when
    /// nothing changed).
    pub batch: Option<i64>,
}

/// The kinds `action` is allowed for (`true`) or not (`false`), as an SQL list, or `None`
/// when there are none.
fn kinds(action: ExceptionAction, allowed: bool) -> Option<String> {
    let list: Vec<String> = ExceptionKind::ALL
        .into_iter()
        .filter(|k| action.allowed_for(*k) == allowed)
        .map(|k| format!("'{}'", k.as_str()))
        .collect();
    (!list.is_empty()).then(|| list.join(", "))
}

/// The selection's condition, added to a query over the raised exceptions `e` of current
/// memberships `a`; `None` when only rows picked by hand are selected.
fn condition(sel: &Selection) -> Option<String> {
    if sel.all {
        Some(String::new())
    } else {
        sel.kind.map(|k| format!(" AND e.kind = '{}'", k.as_str()))
    }
}

/// Puts the ids to change in `temp.eng_act` (set-based) and returns the selected rows to
/// skip, by id (read one by one: they are few, and each needs its reason).
///
/// The rows picked by hand go through `temp.eng_selected`; the rows of a condition go
/// straight from the index of raised exceptions into `temp.eng_act`, in one pass, and only
/// those of kinds the action is not allowed for are read back as skipped.
fn partition(tx: &Connection, sel: &Selection, action: ExceptionAction) -> Result<Vec<SkippedRow>> {
    idset::fill(tx, "eng_selected", sel.ids.iter().copied())?;
    idset::fill(tx, "eng_act", std::iter::empty())?;
    let allowed = kinds(action, true);
    if let Some(allowed) = &allowed {
        tx.execute(
            &format!(
                "INSERT INTO temp.eng_act (id)
                 SELECT t.id FROM temp.eng_selected t
                 CROSS JOIN exception e ON e.id = t.id
                 CROSS JOIN assignment a ON a.id = e.assignment_id
                 WHERE e.status = 'raised' AND a.unassigned_at IS NULL AND e.kind IN ({allowed})"
            ),
            [],
        )?;
    }
    let cond = condition(sel);
    if let (Some(cond), Some(allowed)) = (&cond, &allowed) {
        tx.execute(
            &format!(
                "INSERT OR IGNORE INTO temp.eng_act (id)
                 SELECT e.id FROM exception e JOIN assignment a ON a.id = e.assignment_id
                 WHERE e.status = 'raised' AND a.unassigned_at IS NULL{cond} AND e.kind IN ({allowed})"
            ),
            [],
        )?;
    }
    let mut skipped = skipped_by_hand(tx, action)?;
    if let (Some(cond), Some(refused)) = (&cond, kinds(action, false)) {
        let mut stmt = tx.prepare_cached(&format!(
            "SELECT e.id, e.kind, l.full_name FROM exception e
             JOIN assignment a ON a.id = e.assignment_id JOIN learner l ON l.id = a.learner_id
             WHERE e.status = 'raised' AND a.unassigned_at IS NULL{cond} AND e.kind IN ({refused})
               AND e.id NOT IN (SELECT id FROM temp.eng_selected)"
        ))?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let kind = ExceptionKind::parse(&r.get::<_, String>(1)?)?;
            skipped.push(SkippedRow {
                exception_id: r.get(0)?,
                learner_name: r.get(2)?,
                kind: Some(kind),
                reason: refused_reason(action, kind),
            });
        }
        skipped.sort_by_key(|s| s.exception_id);
    }
    Ok(skipped)
}

fn refused_reason(action: ExceptionAction, kind: ExceptionKind) -> String {
    format!(
        "{} is not allowed for a {} exception",
        action.as_str(),
        kind.as_str()
    )
}

/// The rows picked by hand that `action` will not change, each with its reason.
fn skipped_by_hand(tx: &Connection, action: ExceptionAction) -> Result<Vec<SkippedRow>> {
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
            (Some(k), _) => refused_reason(action, k),
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
    let skipped = partition(tx, sel, action)?;
    let changed: u32 = tx.query_row("SELECT count(*) FROM temp.eng_act", [], |r| r.get(0))?;
    Ok(ActionOutcome {
        action,
        changed,
        skipped,
        batch: None,
    })
}

/// Rows are changed in chunks of this many, so that progress can be shown.
const CHUNK: usize = 5_000;

/// Applies `action` to the selected raised exceptions allowed for it, in the caller's
/// transaction, calling `progress(done, total)` after each chunk. Skipped rows are reported.
/// The action is recorded as a batch (`batch.rs`, with every row's previous state) in the
/// same transaction, so that it can be undone.
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
    let skipped = partition(tx, sel, action)?;
    let all = idset::ids(tx, "SELECT id FROM temp.eng_act ORDER BY id", [])?;
    let total = all.len() as u32;
    let batch = match total {
        0 => None,
        _ => Some(batch::record(tx, now_s, action)?),
    };
    let mut done = 0;
    progress(0, total);
    for chunk in all.chunks(CHUNK) {
        if let (Some(&lo), Some(&hi)) = (chunk.first(), chunk.last()) {
            apply_chunk(tx, now_s, action, lo, hi)?;
        }
        done += chunk.len() as u32;
        progress(done, total);
    }
    if let Some(batch) = batch {
        batch::finish(tx, batch)?;
    }
    Ok(ActionOutcome {
        action,
        changed: total,
        skipped,
        batch,
    })
}

/// Applies `action` to the ids of `temp.eng_act` from `lo` to `hi` (a chunk: a slice of
/// them in order, so a range says which, and no id travels back to SQLite).
fn apply_chunk(tx: &Connection, now: i64, action: ExceptionAction, lo: i64, hi: i64) -> Result<()> {
    let status = action.status().as_str();
    tx.execute(
        "UPDATE exception SET status = ?1, handled_at = ?2
         WHERE id IN (SELECT id FROM temp.eng_act WHERE id BETWEEN ?3 AND ?4)",
        params![status, now, lo, hi],
    )?;
    idset::fill(tx, "eng_chunk_a", std::iter::empty())?;
    tx.execute(
        "INSERT OR IGNORE INTO temp.eng_chunk_a (id)
         SELECT e.assignment_id FROM temp.eng_act t CROSS JOIN exception e ON e.id = t.id
         WHERE t.id BETWEEN ?1 AND ?2",
        [lo, hi],
    )?;
    // The memberships' summary figures, out before and back after their update (activated
    // settles them, a bracket of its own). The update moves no expiry: those stay.
    summary::leave(tx, "eng_chunk_a", Scope::NotExpiry)?;
    match action {
        ExceptionAction::DoNotAssign | ExceptionAction::Dismiss => {
            tx.execute(
                "UPDATE assignment SET active = 0, due_at = NULL, exception_status = ?1
                 WHERE id IN (SELECT id FROM temp.eng_chunk_a)",
                [status],
            )?;
            summary::enter(tx, "eng_chunk_a", Scope::NotExpiry)?;
        }
        ExceptionAction::Assign => {
            restart_progress(tx, now)?;
            tx.execute(
                "UPDATE assignment SET active = 1, assigned_at = ?2, exception_status = ?1
                 WHERE id IN (SELECT id FROM temp.eng_chunk_a)",
                params![status, now],
            )?;
            summary::enter(tx, "eng_chunk_a", Scope::NotExpiry)?;
            activated(tx, now)?;
        }
        ExceptionAction::SetRealisticDueDate => {
            restart_progress(tx, now)?;
            set_realistic(tx, now, status)?;
            summary::enter(tx, "eng_chunk_a", Scope::NotExpiry)?;
            activated(tx, now)?;
        }
    }
    Ok(())
}

/// The memberships of `temp.eng_chunk_a` start now instead of at their assigned-at: their
/// current cycle's course set progress moves by the same amount. Exact for a membership with
/// no completions (everything is relative to its start); [`activated`] settles the others.
///
/// The rows are found by their key from the chunk's ids (`assignment_id IN`), each shift read
/// from the membership by its id: an `UPDATE .. FROM` here let SQLite scan the whole
/// progress table once per chunk, so the bulk action grew with the square of its rows.
/// Memberships assigned at `now` itself (a shift of zero) are left alone: their rows would
/// be written back unchanged, index entries and all.
fn restart_progress(tx: &Connection, now: i64) -> Result<()> {
    tx.prepare_cached(
        "UPDATE course_set_progress AS p SET (current_at, due_at, completed_at) =
             (SELECT p.current_at + ?1 - a.assigned_at, p.due_at + ?1 - a.assigned_at,
                     p.completed_at + ?1 - a.assigned_at
              FROM assignment a WHERE a.id = p.assignment_id)
         WHERE p.assignment_id IN (SELECT t.id FROM temp.eng_chunk_a t
                                   CROSS JOIN assignment a ON a.id = t.id
                                   WHERE a.assigned_at IS NOT ?1)
           AND p.cycle = (SELECT a.cycle FROM assignment a WHERE a.id = p.assignment_id)",
    )?
    .execute([now])?;
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
