//! Assigning learners to a program, individually or through a group: each way adds a source
//! to the membership (made, or made again, where needed), with its own due date; then the
//! memberships are reviewed (due dates, exceptions), their `assigned` events recorded, and
//! settled. A membership made again starts a new assignment episode (DOMAIN.md section 4,
//! rule 1): its cycle, status and certification are kept as they were, but its messages
//! (assigned, due-date reminders, unassigned) are those of a new episode, sent again.

use std::collections::{HashMap, HashSet};

use jiff::{civil::Date, tz::TimeZone, Timestamp};
use rusqlite::{params, Connection};

use super::{group_exists, program_exists, AssignSummary, Via};
use crate::exception::review;
use crate::membership::engine::settle;
use crate::membership::event::{record_for_active, EventKind};
use crate::membership::summary::{self, Scope};
use crate::time::{end_of_day, secs};
use crate::{idset, Error, Result};

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
/// [`sync_groups`](super::sync_groups)). Assigning the same group again updates its due date.
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
pub(super) fn add_sources(
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
    idset::fill(tx, "eng_revived", revived.iter().copied())?;
    summary::leave(tx, "eng_revived", Scope::WithExceptions)?;
    tx.execute(
        "UPDATE assignment SET unassigned_at = NULL, assigned_at = ?2, episode = episode + 1,
                active = exception_status IN ('none', 'resolved_assigned', 'resolved_realistic')
         WHERE program_id = ?1 AND unassigned_at IS NOT NULL
           AND learner_id IN (SELECT id FROM temp.eng_learners)",
        params![program_id, now],
    )?;
    summary::enter(tx, "eng_revived", Scope::WithExceptions)?;
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
