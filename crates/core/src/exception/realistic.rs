//! The realistic due date (DOMAIN.md section 5): when an administrator accepts an exception
//! with "set a realistic due date", the membership becomes active and is due at now plus the
//! total minimum time of its current path plus 7 days, in the learner's time zone.

use jiff::tz::TimeZone;
use rusqlite::{params, Connection};

use crate::program::load_programs;
use crate::program::period::{Period, Unit};
use crate::time::zone;
use crate::Result;

/// Due = now + total minimum time of the current path + 7 days (in the learner's zone),
/// written to every source of the membership as a date the administrator set.
pub(super) fn set_realistic(tx: &Connection, now: i64, status: &str) -> Result<()> {
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
