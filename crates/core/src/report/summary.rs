//! The summary figures of the current memberships (migration 005): counts by program, status
//! and exception status, raised exceptions by program, and expiries and due dates by UTC day
//! and program. Triggers keep them in step with `assignment` and `exception` in the
//! transaction of every write, so these reads cost a few rows whatever the store's size.

use rusqlite::types::Value;
use rusqlite::Connection;

use crate::membership::status::{AssignmentStatus, ExceptionStatus};
use crate::Result;

const DAY: i64 = 86_400;

/// The UTC day holding instant `t` (as the migration's triggers compute it).
pub fn day_of(t: i64) -> i64 {
    t.div_euclid(DAY)
}

/// Which current memberships to count; `None` counts every value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Filter {
    pub program_id: Option<i64>,
    pub status: Option<AssignmentStatus>,
    pub exception_status: Option<ExceptionStatus>,
}

/// Current memberships matching `f`.
///
/// # Errors
/// Database errors.
pub fn memberships(db: &Connection, f: Filter) -> Result<u32> {
    let mut sql =
        String::from("SELECT coalesce(sum(memberships), 0) FROM summary_membership WHERE true");
    let mut args: Vec<Value> = Vec::new();
    if let Some(p) = f.program_id {
        sql.push_str(" AND program_id = ?");
        args.push(Value::Integer(p));
    }
    if let Some(s) = f.status {
        sql.push_str(" AND status = ?");
        args.push(Value::Text(s.as_str().into()));
    }
    if let Some(e) = f.exception_status {
        sql.push_str(" AND exception_status = ?");
        args.push(Value::Text(e.as_str().into()));
    }
    let mut stmt = db.prepare_cached(&sql)?;
    Ok(stmt.query_row(rusqlite::params_from_iter(args), |r| r.get(0))?)
}

/// Current memberships by status (of one program, or of all), every status in
/// [`AssignmentStatus::ALL`] order, zero counts included.
///
/// # Errors
/// Database errors.
pub fn by_status(db: &Connection, program_id: Option<i64>) -> Result<Vec<(AssignmentStatus, u32)>> {
    let mut out: Vec<(AssignmentStatus, u32)> =
        AssignmentStatus::ALL.into_iter().map(|s| (s, 0)).collect();
    let mut stmt = db.prepare_cached(
        "SELECT status, sum(memberships) FROM summary_membership
         WHERE ?1 IS NULL OR program_id = ?1 GROUP BY status",
    )?;
    let mut rows = stmt.query([program_id])?;
    while let Some(row) = rows.next()? {
        let status = AssignmentStatus::parse(&row.get::<_, String>(0)?)?;
        if let Some(slot) = out.iter_mut().find(|(s, _)| *s == status) {
            slot.1 = row.get(1)?;
        }
    }
    Ok(out)
}

/// Raised exceptions of current memberships.
///
/// # Errors
/// Database errors.
pub fn raised_exceptions(db: &Connection) -> Result<u32> {
    Ok(db.query_row(
        "SELECT coalesce(sum(raised), 0) FROM summary_exception",
        [],
        |r| r.get(0),
    )?)
}

/// Current certified or window-open memberships expiring after `from` and at or before `to`
/// (unix seconds). Whole UTC days inside the range come from the summary; the two part days
/// at its ends (one day's worth in all) are counted on the `(status, expires_at)` index.
///
/// # Errors
/// Database errors.
pub fn expiring(db: &Connection, from: i64, to: i64) -> Result<u32> {
    if to <= from {
        return Ok(0);
    }
    // Whole days d with from < d * DAY and (d + 1) * DAY - 1 <= to.
    let first = day_of(from) + 1;
    let last = day_of(to + 1) - 1;
    if first > last {
        return expiring_rows(db, from, to);
    }
    let whole: u32 = db
        .prepare_cached(
            "SELECT coalesce(sum(memberships), 0) FROM summary_expiry
             WHERE day >= ?1 AND day <= ?2",
        )?
        .query_row([first, last], |r| r.get(0))?;
    let head = expiring_rows(db, from, first * DAY - 1)?;
    let tail = expiring_rows(db, (last + 1) * DAY - 1, to)?;
    Ok(whole + head + tail)
}

/// The part days of [`expiring`], counted on the memberships themselves.
const EXPIRING_ROWS: &str = "SELECT count(*) FROM assignment
     WHERE status IN ('certified', 'window_open') AND expires_at > ?1 AND expires_at <= ?2
       AND unassigned_at IS NULL";

/// [`expiring`] counted on the memberships themselves.
fn expiring_rows(db: &Connection, from: i64, to: i64) -> Result<u32> {
    if to <= from {
        return Ok(0);
    }
    Ok(db
        .prepare_cached(EXPIRING_ROWS)?
        .query_row([from, to], |r| r.get(0))?)
}

/// Which summary of dated memberships to read by day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dated {
    /// Certified or window-open memberships by expiry day.
    Expiring,
    /// Active memberships not complete or certified by due day.
    Due,
}

/// Memberships of `what` in each `span`-day bucket from UTC day `first_day`, for `buckets`
/// buckets: `(bucket index, count)` for the non-empty ones.
///
/// # Errors
/// Database errors.
pub fn by_days(
    db: &Connection,
    what: Dated,
    first_day: i64,
    span: i64,
    buckets: i64,
) -> Result<Vec<(i64, u32)>> {
    let table = match what {
        Dated::Expiring => "summary_expiry",
        Dated::Due => "summary_due",
    };
    let mut stmt = db.prepare_cached(&format!(
        "SELECT (day - ?1) / ?2, sum(memberships) FROM {table}
         WHERE day >= ?1 AND day < ?1 + ?2 * ?3 GROUP BY 1"
    ))?;
    let rows = stmt.query_map([first_day, span.max(1), buckets], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The part days of the expiring figure are an index range on `(status, expires_at)`,
    /// never a scan of the memberships; the summary reads are ranges of their keys.
    #[test]
    fn the_reads_are_index_ranges() {
        let dir = tempfile::tempdir().expect("dir");
        let db = crate::Db::open(dir.path().join("s.sqlite")).expect("open");
        let r = db.reader().expect("reader");
        let plan = |sql: &str| -> Vec<String> {
            r.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .expect("prepare")
                .query_map([0, 1], |x| x.get::<_, String>(3))
                .expect("plan")
                .collect::<rusqlite::Result<_>>()
                .expect("rows")
        };
        let rows = plan(EXPIRING_ROWS);
        assert!(
            rows.iter()
                .all(|p| p.starts_with("SEARCH assignment USING INDEX")
                    && p.contains("status=? AND expires_at>? AND expires_at<?")),
            "{rows:#?}"
        );
        let days =
            plan("SELECT sum(memberships) FROM summary_expiry WHERE day >= ?1 AND day <= ?2");
        assert!(
            days.iter()
                .all(|p| p.starts_with("SEARCH summary_expiry USING PRIMARY KEY")),
            "{days:#?}"
        );
    }
}
