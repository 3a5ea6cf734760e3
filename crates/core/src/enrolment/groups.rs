//! Group assignments follow the group: [`sync_groups`] assigns the members who joined and
//! removes the source of those who left.

use jiff::Timestamp;
use rusqlite::Connection;

use super::assign::add_sources;
use super::unassign::end_sourceless;
use super::{AssignSummary, UnassignSummary, Via};
use crate::time::secs;
use crate::{idset, Result};

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

/// Makes learner `id`'s groups exactly `gids`, writing only the groups joined or left: a
/// statement on `group_member` runs its triggers (the group figures, migration 013), which
/// cost even when it changes nothing. `is_new`: the learner has no groups yet.
///
/// # Errors
/// Database errors.
pub(super) fn set_groups(tx: &Connection, id: i64, gids: &[i64], is_new: bool) -> Result<()> {
    let current: Vec<i64> = if is_new {
        Vec::new()
    } else {
        let mut stmt =
            tx.prepare_cached("SELECT group_id FROM group_member WHERE learner_id = ?1")?;
        let rows = stmt.query_map([id], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut leave =
        tx.prepare_cached("DELETE FROM group_member WHERE learner_id = ?1 AND group_id = ?2")?;
    for gid in current.iter().filter(|g| !gids.contains(g)) {
        leave.execute([id, *gid])?;
    }
    let mut join = tx.prepare_cached(
        "INSERT OR IGNORE INTO group_member (group_id, learner_id) VALUES (?1, ?2)",
    )?;
    for gid in gids.iter().filter(|g| !current.contains(g)) {
        join.execute([*gid, id])?;
    }
    Ok(())
}
