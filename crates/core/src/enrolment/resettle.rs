//! Bringing a program's memberships up to date after its rules changed (the editor's save,
//! a JSON import of programs).

use std::collections::HashSet;

use jiff::Timestamp;
use rusqlite::Connection;

use crate::exception::review;
use crate::membership::engine::settle;
use crate::time::secs;
use crate::{idset, Result};

/// Recomputes the due dates, reviews the exceptions and settles every active membership of
/// `programs` after their rules changed. Returns how many exceptions were raised.
pub fn resettle(
    tx: &Connection,
    now: Timestamp,
    programs: impl IntoIterator<Item = i64>,
) -> Result<u32> {
    idset::fill(tx, "eng_programs", programs)?;
    let members = idset::ids(
        tx,
        "SELECT id FROM assignment WHERE program_id IN (SELECT id FROM temp.eng_programs)
           AND unassigned_at IS NULL",
        [],
    )?;
    let exceptions = review(tx, secs(now), &members, &HashSet::new())?;
    settle(tx, secs(now), &members)?;
    Ok(exceptions)
}
