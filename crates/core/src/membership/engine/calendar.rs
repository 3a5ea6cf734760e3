//! Bringing certification dates stored before dates were local calendar days (window opening
//! and expiry at the instant of completion plus the periods, e.g. 14:32) onto the calendar:
//! the same local dates, the window opening at the start of its day and the expiry at the
//! last second of its day (DOMAIN.md section 3), so that what the engine does on a day
//! agrees with the date the reports already showed.
//!
//! Migration 010 leaves the setting [`PENDING`] in a store that holds such dates; the
//! engine's next pass ([`super::advance`], the scheduler's run) rewrites them once, a batch
//! of memberships per transaction (the scheduler's chunks, so other writers get the lock in
//! between), before it looks for windows and expiries, and removes the setting. A SQL migration cannot do it: the local day of an
//! instant needs the learner's time-zone rules.

use std::collections::HashMap;

use jiff::tz::TimeZone;
use rusqlite::{params, Connection};

use crate::membership::summary::{self, Scope};
use crate::store::setting::{get_setting, set_setting};
use crate::time::{day_start, end_of_day, local_day, zone};
use crate::{idset, Result};

/// The setting that marks a store whose certification dates are still instants.
pub const PENDING: &str = "engine.calendar_dates_pending";

/// Whether the store still holds certification dates as instants from before (a read, no
/// lock: a run only opens a write transaction for [`normalise_stored_dates`] when it must).
///
/// # Errors
/// Database errors.
pub fn calendar_dates_pending(conn: &Connection) -> Result<bool> {
    Ok(get_setting(conn, PENDING)?.is_some())
}

/// Rewrites the stored certification dates of the next `limit` memberships (by id) onto the
/// calendar if the store is marked [`PENDING`] (its value is the last membership id done);
/// returns whether more remain. Each call is a short transaction's worth; the last removes
/// the mark. Rewriting a date already on the calendar leaves it as it is, so a membership the
/// engine certified in between is not moved.
///
/// # Errors
/// Database errors.
pub fn normalise_stored_dates(tx: &Connection, limit: usize) -> Result<bool> {
    let Some(done) = get_setting(tx, PENDING)? else {
        return Ok(false);
    };
    let from = done.parse::<i64>().unwrap_or(0);
    let to: Option<i64> = tx
        .prepare_cached(
            "SELECT max(id) FROM (SELECT id FROM assignment WHERE id > ?1 ORDER BY id LIMIT ?2)",
        )?
        .query_row(
            params![from, i64::try_from(limit.max(1)).unwrap_or(i64::MAX)],
            |r| r.get(0),
        )?;
    let Some(to) = to else {
        tx.execute("DELETE FROM setting WHERE key = ?1", [PENDING])?;
        return Ok(false);
    };
    let mut zones = Zones::default();
    let moved = normalise_records(tx, &mut zones, from, to)?;
    normalise_memberships(tx, &mut zones, &moved, from, to)?;
    set_setting(tx, PENDING, &to.to_string())?;
    Ok(true)
}

/// Old expiry → new, per membership.
type Moved = HashMap<i64, Vec<(i64, i64)>>;

/// The certification records' dates; returns how each membership's expiries moved.
fn normalise_records(tx: &Connection, zones: &mut Zones, from: i64, to: i64) -> Result<Moved> {
    let mut moved = Moved::new();
    let mut stmt = tx.prepare_cached(
        "SELECT r.assignment_id, r.cycle, l.time_zone, r.window_opens_at, r.expires_at
         FROM certification_record r JOIN assignment a ON a.id = r.assignment_id
         JOIN learner l ON l.id = a.learner_id
         WHERE r.assignment_id > ?1 AND r.assignment_id <= ?2
           AND (r.window_opens_at IS NOT NULL OR r.expires_at IS NOT NULL)",
    )?;
    let records = stmt
        .query_map([from, to], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<i64>>(3)?,
                r.get::<_, Option<i64>>(4)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    drop(stmt);
    let mut update = tx.prepare_cached(
        "UPDATE certification_record SET window_opens_at = ?3, expires_at = ?4
         WHERE assignment_id = ?1 AND cycle = ?2",
    )?;
    for (assignment, cycle, tz, w, e) in records {
        let (nw, ne) = zones.normalise(&tz, w, e)?;
        if let (Some(old), Some(new)) = (e, ne) {
            moved.entry(assignment).or_default().push((old, new));
        }
        if (nw, ne) != (w, e) {
            update.execute(params![assignment, cycle, nw, ne])?;
        }
    }
    Ok(moved)
}

/// The memberships' dates, with a due date that was an expiry (of the membership or of one
/// of its records) moved with it, inside a bracket of the summary figures.
fn normalise_memberships(
    tx: &Connection,
    zones: &mut Zones,
    moved: &Moved,
    from: i64,
    to: i64,
) -> Result<()> {
    let mut changes = Vec::new();
    let mut stmt = tx.prepare_cached(
        "SELECT a.id, l.time_zone, a.window_opens_at, a.expires_at, a.due_at
         FROM assignment a JOIN learner l ON l.id = a.learner_id
         WHERE a.id > ?1 AND a.id <= ?2
           AND (a.window_opens_at IS NOT NULL OR a.expires_at IS NOT NULL
                OR (a.status = 'expired' AND a.due_at IS NOT NULL))",
    )?;
    let rows = stmt.query_map([from, to], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<i64>>(2)?,
            r.get::<_, Option<i64>>(3)?,
            r.get::<_, Option<i64>>(4)?,
        ))
    })?;
    for row in rows {
        let (id, tz, w, e, due) = row?;
        let (nw, ne) = zones.normalise(&tz, w, e)?;
        let mut pairs = moved.get(&id).cloned().unwrap_or_default();
        if let (Some(old), Some(new)) = (e, ne) {
            pairs.push((old, new));
        }
        let ndue = due.map(|d| pairs.iter().find(|p| p.0 == d).map_or(d, |p| p.1));
        if (nw, ne, ndue) != (w, e, due) {
            changes.push((id, nw, ne, ndue));
        }
    }
    drop(stmt);
    idset::fill(tx, "eng_calendar", changes.iter().map(|c| c.0))?;
    summary::leave(tx, "eng_calendar", Scope::Figures)?;
    let mut update = tx.prepare_cached(
        "UPDATE assignment SET window_opens_at = ?2, expires_at = ?3, due_at = ?4 WHERE id = ?1",
    )?;
    for (id, w, e, due) in &changes {
        update.execute(params![id, w, e, due])?;
    }
    summary::enter(tx, "eng_calendar", Scope::Figures)?;
    Ok(())
}

/// Time zones by name, each looked up once (an unknown name counts as UTC, as in the engine);
/// [`Zones::normalise`] puts a window at the start and an expiry at the end of its local day.
#[derive(Default)]
struct Zones(HashMap<String, TimeZone>);

impl Zones {
    fn normalise(
        &mut self,
        name: &str,
        w: Option<i64>,
        e: Option<i64>,
    ) -> Result<(Option<i64>, Option<i64>)> {
        let tz = self
            .0
            .entry(name.to_owned())
            .or_insert_with(|| zone(name).unwrap_or(TimeZone::UTC));
        let nw = w.map(|w| day_start(local_day(w, tz)?, tz)).transpose()?;
        let ne = e.map(|e| end_of_day(local_day(e, tz)?, tz)).transpose()?;
        Ok((nw, ne))
    }
}
