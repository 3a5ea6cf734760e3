//! Unassigning learners from a program, individually or a whole group: the source goes, and
//! a membership that no other source holds ends (kept, with its history, as `unassigned_at`).

use std::collections::HashSet;

use jiff::Timestamp;
use rusqlite::Connection;

use super::{group_exists, program_exists, UnassignSummary};
use crate::exception::review;
use crate::membership::summary::{self, Scope};
use crate::time::secs;
use crate::{idset, Result};

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
pub(super) fn end_sourceless(tx: &Connection, now: i64, ids: &[i64]) -> Result<UnassignSummary> {
    let ended = idset::ids(
        tx,
        "SELECT t.id FROM temp.eng_touched t
         WHERE NOT EXISTS (SELECT 1 FROM assignment_source s WHERE s.assignment_id = t.id)",
        [],
    )?;
    idset::fill(tx, "eng_ended", ended.iter().copied())?;
    tx.execute(
        "INSERT INTO event (kind, assignment_id, cycle, course_set_id, occurred_at, episode)
         SELECT 'unassigned', a.id, a.cycle, 0, ?1, a.episode FROM temp.eng_ended t CROSS JOIN assignment a ON a.id = t.id
         WHERE true ON CONFLICT DO NOTHING",
        [now],
    )?;
    summary::leave(tx, "eng_ended", Scope::WithExceptions)?;
    tx.execute(
        "UPDATE assignment SET unassigned_at = ?1, active = 0
         WHERE id IN (SELECT id FROM temp.eng_ended)",
        [now],
    )?;
    summary::enter(tx, "eng_ended", Scope::WithExceptions)?;
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
