//! Assigning learners to programs and unassigning them, individually or through a group.
//!
//! A membership (one `assignment` row per learner and program) holds one `assignment_source`
//! row per way it was made; each source has its own due date and the latest wins. The
//! membership ends when its last source goes: the row is kept (with its certification
//! history and exceptions) and marked `unassigned_at`; assigning again revives it.
//! A group assignment (`program_group`) follows the group: [`sync_groups`] adds its new
//! members and removes those who left.

use std::collections::{HashMap, HashSet};

use jiff::{civil::Date, tz::TimeZone, Timestamp};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

pub mod completion;
pub mod learners;
pub mod records;
mod resettle;
pub mod roster;

pub use resettle::resettle;

use crate::exception::review;
use crate::membership::engine::settle;
use crate::membership::event::{record_for_active, EventKind};
use crate::time::{end_of_day, secs};
use crate::{idset, Error, Result};

/// What an assignment changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, specta::Type)]
pub struct AssignSummary {
    /// Memberships made (or made again after an unassignment).
    pub added: u32,
    /// Learners who were already members (a source was added or updated).
    pub already: u32,
    /// Exceptions raised by the new memberships.
    pub exceptions: u32,
}

/// What an unassignment changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, specta::Type)]
pub struct UnassignSummary {
    /// Memberships ended (their last source removed).
    pub ended: u32,
    /// Memberships that remain through another source.
    pub kept: u32,
}

#[derive(Clone, Copy)]
enum Via {
    Individual,
    Group(i64),
}

fn program_exists(tx: &Connection, program_id: i64) -> Result<()> {
    let found: Option<i64> = tx
        .query_row("SELECT id FROM program WHERE id = ?1", [program_id], |r| {
            r.get(0)
        })
        .optional()?;
    found.map(|_| ()).ok_or(Error::NotFound {
        what: "program",
        key: program_id.to_string(),
    })
}

fn group_exists(tx: &Connection, group_id: i64) -> Result<()> {
    let found: Option<i64> = tx
        .query_row(
            "SELECT id FROM learner_group WHERE id = ?1",
            [group_id],
            |r| r.get(0),
        )
        .optional()?;
    found.map(|_| ()).ok_or(Error::NotFound {
        what: "group",
        key: group_id.to_string(),
    })
}

/// Assigns `learners` to a program individually, with an optional due date set by the
/// administrator (else the program's rule gives it).
///
/// # Errors
/// [`Error::NotFound`] for an unknown program or learner; database errors.
pub fn assign(
    tx: &Connection,
    now: Timestamp,
    program_id: i64,
    learners: &[i64],
    due: Option<Date>,
) -> Result<AssignSummary> {
    program_exists(tx, program_id)?;
    idset::fill(tx, "eng_learners", learners.iter().copied())?;
    let missing = idset::ids(
        tx,
        "SELECT t.id FROM temp.eng_learners t LEFT JOIN learner l ON l.id = t.id WHERE l.id IS NULL LIMIT 1",
        [],
    )?;
    if let Some(id) = missing.first() {
        return Err(Error::NotFound {
            what: "learner",
            key: id.to_string(),
        });
    }
    add_sources(tx, secs(now), program_id, Via::Individual, due)
}

/// Assigns a program to a group: its members now, and those who join later (see
/// [`sync_groups`]). Assigning the same group again updates its due date.
///
/// # Errors
/// [`Error::NotFound`] for an unknown program or group; database errors.
pub fn assign_group(
    tx: &Connection,
    now: Timestamp,
    program_id: i64,
    group_id: i64,
    due: Option<Date>,
) -> Result<AssignSummary> {
    program_exists(tx, program_id)?;
    group_exists(tx, group_id)?;
    let now = secs(now);
    tx.execute(
        "INSERT INTO program_group (program_id, group_id, assigned_at, due_date) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (program_id, group_id) DO UPDATE SET due_date = excluded.due_date",
        params![program_id, group_id, now, due.map(|d| d.to_string())],
    )?;
    let members = idset::ids(
        tx,
        "SELECT learner_id FROM group_member WHERE group_id = ?1",
        [group_id],
    )?;
    idset::fill(tx, "eng_learners", members)?;
    add_sources(tx, now, program_id, Via::Group(group_id), due)
}

/// Adds a source of `via` for every learner in `temp.eng_learners`, making memberships where
/// needed, then reviews (due dates, exceptions), records `assigned` events and settles.
fn add_sources(
    tx: &Connection,
    now: i64,
    program_id: i64,
    via: Via,
    due: Option<Date>,
) -> Result<AssignSummary> {
    let before: Vec<(i64, bool)> = {
        let mut stmt = tx.prepare_cached(
            "SELECT a.id, a.unassigned_at IS NOT NULL FROM temp.eng_learners t
             CROSS JOIN assignment a ON a.learner_id = t.id WHERE a.program_id = ?1",
        )?;
        let rows = stmt.query_map([program_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let existing: HashSet<i64> = before.iter().map(|b| b.0).collect();
    let revived: Vec<i64> = before.iter().filter(|b| b.1).map(|b| b.0).collect();
    tx.execute(
        "INSERT INTO assignment (learner_id, program_id, assigned_at, status, active)
         SELECT t.id, ?1, ?2, 'not_started', 1 FROM temp.eng_learners t WHERE true
         ON CONFLICT (learner_id, program_id) DO NOTHING",
        params![program_id, now],
    )?;
    tx.execute(
        "UPDATE assignment SET unassigned_at = NULL, assigned_at = ?2,
                active = exception_status IN ('none', 'resolved_assigned', 'resolved_realistic')
         WHERE program_id = ?1 AND unassigned_at IS NOT NULL
           AND learner_id IN (SELECT id FROM temp.eng_learners)",
        params![program_id, now],
    )?;
    let (source, group) = match via {
        Via::Individual => ("individual", None),
        Via::Group(g) => ("group", Some(g)),
    };
    tx.execute(
        "INSERT INTO assignment_source (assignment_id, source, group_id, assigned_at, due_at, due_set)
         SELECT a.id, ?2, ?3, ?4, ?5, ?6 FROM temp.eng_learners t
         CROSS JOIN assignment a ON a.learner_id = t.id WHERE a.program_id = ?1
         ON CONFLICT (assignment_id, source, ifnull(group_id, 0)) DO UPDATE
           SET due_at = excluded.due_at, due_set = excluded.due_set
           WHERE excluded.due_set = 1 OR due_set = 0",
        params![program_id, source, group, now, None::<i64>, due.is_some()],
    )?;
    if let Some(date) = due {
        set_source_due(tx, program_id, group, date)?;
    }
    tx.execute(
        "INSERT INTO certification_record (assignment_id, cycle, path, state, started_at)
         SELECT a.id, 1, 'certification', 'newly_assigned', a.assigned_at FROM temp.eng_learners t
         CROSS JOIN assignment a ON a.learner_id = t.id
         JOIN program p ON p.id = a.program_id AND p.kind = 'certification'
         WHERE a.program_id = ?1 ON CONFLICT DO NOTHING",
        [program_id],
    )?;
    let all = idset::ids(
        tx,
        "SELECT a.id FROM temp.eng_learners t CROSS JOIN assignment a ON a.learner_id = t.id
         WHERE a.program_id = ?1",
        [program_id],
    )?;
    let new: HashSet<i64> = all
        .iter()
        .copied()
        .filter(|id| !existing.contains(id))
        .collect();
    let exceptions = review(tx, now, &all, &new)?;
    idset::fill(
        tx,
        "eng_fresh",
        new.iter().copied().chain(revived.iter().copied()),
    )?;
    record_for_active(tx, EventKind::Assigned, "eng_fresh", now)?;
    settle(tx, now, &all)?;
    let added = (new.len() + revived.len()) as u32;
    Ok(AssignSummary {
        added,
        already: all.len() as u32 - added,
        exceptions,
    })
}

/// Sets the due date of the sources just added for `temp.eng_learners` to the end of `date`
/// in each learner's time zone.
fn set_source_due(tx: &Connection, program_id: i64, group: Option<i64>, date: Date) -> Result<()> {
    let rows: Vec<(i64, String)> = {
        let mut stmt = tx.prepare_cached(
            "SELECT s.id, l.time_zone FROM temp.eng_learners t
             CROSS JOIN assignment a ON a.learner_id = t.id JOIN learner l ON l.id = a.learner_id
             JOIN assignment_source s ON s.assignment_id = a.id AND s.group_id IS ?2
             WHERE a.program_id = ?1",
        )?;
        let rows = stmt.query_map(params![program_id, group], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut zones: HashMap<String, i64> = HashMap::new();
    let mut update = tx.prepare_cached("UPDATE assignment_source SET due_at = ?2 WHERE id = ?1")?;
    for (id, zone_name) in rows {
        let at = match zones.get(&zone_name) {
            Some(at) => *at,
            None => {
                let at = end_of_day(
                    date,
                    &crate::time::zone(&zone_name).unwrap_or(TimeZone::UTC),
                )?;
                zones.insert(zone_name, at);
                at
            }
        };
        update.execute([id, at])?;
    }
    Ok(())
}

/// Removes the individual assignment of `learners` to a program. A membership that no other
/// source holds ends (an `unassigned` event); the others keep going with their remaining
/// sources' due date.
///
/// # Errors
/// [`Error::NotFound`] for an unknown program; database errors.
pub fn unassign(
    tx: &Connection,
    now: Timestamp,
    program_id: i64,
    learners: &[i64],
) -> Result<UnassignSummary> {
    program_exists(tx, program_id)?;
    idset::fill(tx, "eng_learners", learners.iter().copied())?;
    let ids = idset::ids(
        tx,
        "SELECT a.id FROM temp.eng_learners t CROSS JOIN assignment a ON a.learner_id = t.id
         WHERE a.program_id = ?1 AND a.unassigned_at IS NULL",
        [program_id],
    )?;
    idset::fill(tx, "eng_touched", ids.iter().copied())?;
    tx.execute(
        "DELETE FROM assignment_source WHERE source = 'individual'
           AND assignment_id IN (SELECT id FROM temp.eng_touched)",
        [],
    )?;
    end_sourceless(tx, secs(now), &ids)
}

/// Removes a program's assignment to a group, and the memberships it alone held.
///
/// # Errors
/// [`Error::NotFound`] for an unknown program or group; database errors.
pub fn unassign_group(
    tx: &Connection,
    now: Timestamp,
    program_id: i64,
    group_id: i64,
) -> Result<UnassignSummary> {
    program_exists(tx, program_id)?;
    group_exists(tx, group_id)?;
    tx.execute(
        "DELETE FROM program_group WHERE program_id = ?1 AND group_id = ?2",
        [program_id, group_id],
    )?;
    let ids = idset::ids(
        tx,
        "SELECT s.assignment_id FROM assignment_source s JOIN assignment a ON a.id = s.assignment_id
         WHERE s.group_id = ?2 AND a.program_id = ?1 AND a.unassigned_at IS NULL",
        [program_id, group_id],
    )?;
    idset::fill(tx, "eng_touched", ids.iter().copied())?;
    tx.execute(
        "DELETE FROM assignment_source WHERE group_id = ?1
           AND assignment_id IN (SELECT id FROM temp.eng_touched)",
        [group_id],
    )?;
    end_sourceless(tx, secs(now), &ids)
}

/// Ends the memberships among `ids` (listed in `temp.eng_touched`) that have no source left;
/// reviews the others, whose due date may have changed.
fn end_sourceless(tx: &Connection, now: i64, ids: &[i64]) -> Result<UnassignSummary> {
    let ended = idset::ids(
        tx,
        "SELECT t.id FROM temp.eng_touched t
         WHERE NOT EXISTS (SELECT 1 FROM assignment_source s WHERE s.assignment_id = t.id)",
        [],
    )?;
    idset::fill(tx, "eng_ended", ended.iter().copied())?;
    tx.execute(
        "INSERT INTO event (kind, assignment_id, cycle, course_set_id, occurred_at)
         SELECT 'unassigned', a.id, a.cycle, 0, ?1 FROM temp.eng_ended t CROSS JOIN assignment a ON a.id = t.id
         WHERE true ON CONFLICT DO NOTHING",
        [now],
    )?;
    tx.execute(
        "UPDATE assignment SET unassigned_at = ?1, active = 0
         WHERE id IN (SELECT id FROM temp.eng_ended)",
        [now],
    )?;
    let ended_set: HashSet<i64> = ended.iter().copied().collect();
    let kept: Vec<i64> = ids
        .iter()
        .copied()
        .filter(|id| !ended_set.contains(id))
        .collect();
    review(tx, now, &kept, &HashSet::new())?;
    Ok(UnassignSummary {
        ended: ended.len() as u32,
        kept: kept.len() as u32,
    })
}

/// Brings every group assignment in line with group membership: members who joined are
/// assigned, members who left lose that source (and their membership, if it was the last).
///
/// # Errors
/// Database errors.
pub fn sync_groups(tx: &Connection, now: Timestamp) -> Result<(AssignSummary, UnassignSummary)> {
    let links: Vec<(i64, i64, Option<String>)> = {
        let mut stmt =
            tx.prepare_cached("SELECT program_id, group_id, due_date FROM program_group")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut added = AssignSummary::default();
    for (program_id, group_id, due) in links {
        let joiners = idset::ids(
            tx,
            "SELECT gm.learner_id FROM group_member gm WHERE gm.group_id = ?2 AND NOT EXISTS
               (SELECT 1 FROM assignment a JOIN assignment_source s ON s.assignment_id = a.id
                WHERE a.learner_id = gm.learner_id AND a.program_id = ?1 AND s.group_id = ?2
                  AND a.unassigned_at IS NULL)",
            [program_id, group_id],
        )?;
        if joiners.is_empty() {
            continue;
        }
        idset::fill(tx, "eng_learners", joiners)?;
        let due = due.as_deref().map(crate::time::parse_date).transpose()?;
        let s = add_sources(tx, secs(now), program_id, Via::Group(group_id), due)?;
        added.added += s.added;
        added.already += s.already;
        added.exceptions += s.exceptions;
    }
    let leavers: Vec<i64> = idset::ids(
        tx,
        "SELECT s.id FROM assignment_source s JOIN assignment a ON a.id = s.assignment_id
         WHERE s.source = 'group' AND (
           NOT EXISTS (SELECT 1 FROM group_member gm WHERE gm.group_id = s.group_id AND gm.learner_id = a.learner_id)
           OR NOT EXISTS (SELECT 1 FROM program_group pg WHERE pg.group_id = s.group_id AND pg.program_id = a.program_id))",
        [],
    )?;
    if leavers.is_empty() {
        return Ok((added, UnassignSummary::default()));
    }
    idset::fill(tx, "eng_sources", leavers)?;
    let ids = idset::ids(
        tx,
        "SELECT DISTINCT s.assignment_id FROM assignment_source s
         JOIN assignment a ON a.id = s.assignment_id
         WHERE s.id IN (SELECT id FROM temp.eng_sources) AND a.unassigned_at IS NULL",
        [],
    )?;
    tx.execute(
        "DELETE FROM assignment_source WHERE id IN (SELECT id FROM temp.eng_sources)",
        [],
    )?;
    idset::fill(tx, "eng_touched", ids.iter().copied())?;
    let removed = end_sourceless(tx, secs(now), &ids)?;
    Ok((added, removed))
}
