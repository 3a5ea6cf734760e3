//! Compliance at a glance (docs/DOMAIN.md, "Compliance"): per program and per group, how many
//! members are compliant, and the certifications expiring in the next 30, 60 and 90 days.
//!
//! Everything comes from the summary figures: per program and the expiries from migration
//! 005's, per group from migration 013's, plus an index range for the certifications past
//! their expiry that the engine has not yet moved on (few, as the engine runs every minute).

use jiff::Timestamp;
use serde::Serialize;

use crate::report::summary;
use crate::time::secs;
use crate::Result;
use rusqlite::Connection;

/// Exception statuses of the memberships counted as members: the active ones. Raised,
/// not-assigned and dismissed memberships are left out of both figures.
pub const COUNTED: &str = "('none', 'resolved_assigned', 'resolved_realistic')";

/// A counted membership that is compliant at instant `?` (SQL over `a`, one parameter).
pub const COMPLIANT: &str = "(a.status = 'complete' OR (a.status IN ('certified', 'window_open')
     AND coalesce(a.expires_at, 9223372036854775807) > ?))";

/// The days ahead of the expiring figures.
pub const EXPIRY_DAYS: [u32; 3] = [30, 60, 90];

/// The compliance of one program or group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct ComplianceRow {
    /// The program's or the group's id.
    pub id: i64,
    pub name: String,
    /// Counted memberships (current, without a raised, not-assigned or dismissed exception).
    pub members: u32,
    /// Of those, the compliant ones.
    pub compliant: u32,
    /// Current memberships left out for their exception status.
    pub excluded: u32,
}

/// Certifications expiring after `as_of` and at or before `until`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct ExpiringFigure {
    pub days: u32,
    /// Unix seconds: the end of the range (the membership report's `expiring.until`).
    pub until: i64,
    pub count: u32,
}

/// Compliance at a glance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Compliance {
    /// Unix seconds of the figures' instant: the membership report filters take it as is.
    pub as_of: i64,
    /// Every program and certification, by name.
    pub programs: Vec<ComplianceRow>,
    /// Every group, by name: the memberships of the group's learners, in any program.
    pub groups: Vec<ComplianceRow>,
    /// 30, 60 and 90 days ahead.
    pub expiring: Vec<ExpiringFigure>,
}

/// The compliance figures as of `now`.
///
/// # Errors
/// Database errors.
pub fn compliance(db: &Connection, now: Timestamp) -> Result<Compliance> {
    let at = secs(now);
    let expiring = EXPIRY_DAYS
        .into_iter()
        .map(|days| {
            let until = at.saturating_add(i64::from(days) * 86_400);
            Ok(ExpiringFigure {
                days,
                until,
                count: summary::expiring(db, at, until)?,
            })
        })
        .collect::<Result<_>>()?;
    Ok(Compliance {
        as_of: at,
        programs: programs(db, at)?,
        groups: groups(db, at)?,
        expiring,
    })
}

/// Per program, from the summary: counted memberships complete, certified or in their
/// window, less those past their expiry (not yet moved on by the engine).
fn programs(db: &Connection, at: i64) -> Result<Vec<ComplianceRow>> {
    figures(
        db,
        at,
        "p.id, p.full_name",
        "program p LEFT JOIN summary_membership s ON s.program_id = p.id
         GROUP BY p.id ORDER BY p.full_name, p.id",
        "a.program_id",
        "",
    )
}

/// Per group, from the summary by group (migration 013), less the certifications past their
/// expiry (not yet moved on by the engine) of the groups' learners.
fn groups(db: &Connection, at: i64) -> Result<Vec<ComplianceRow>> {
    figures(
        db,
        at,
        "g.id, g.name",
        "learner_group g LEFT JOIN summary_group s ON s.group_id = g.id
         GROUP BY g.id ORDER BY g.name, g.id",
        "gm.group_id",
        "CROSS JOIN group_member gm ON gm.learner_id = a.learner_id",
    )
}

/// The rows of one breakdown: `id, name` and the summary rows `s` to sum, from `from` (with
/// its GROUP BY and ORDER BY); then the certifications past their expiry taken off, counted
/// per `key` over the memberships `a` (with `join`).
fn figures(
    db: &Connection,
    at: i64,
    id_name: &str,
    from: &str,
    key: &str,
    join: &str,
) -> Result<Vec<ComplianceRow>> {
    let mut stmt = db.prepare_cached(&format!(
        "SELECT {id_name},
           coalesce(sum(CASE WHEN s.exception_status IN {COUNTED} THEN s.memberships END), 0),
           coalesce(sum(CASE WHEN s.exception_status IN {COUNTED}
             AND s.status IN ('complete', 'certified', 'window_open') THEN s.memberships END), 0),
           coalesce(sum(CASE WHEN s.exception_status NOT IN {COUNTED} THEN s.memberships END), 0)
         FROM {from}"
    ))?;
    let mut out: Vec<ComplianceRow> = stmt.query_map([], row)?.collect::<rusqlite::Result<_>>()?;
    let mut stale = db.prepare_cached(&format!(
        "SELECT {key}, count(*) FROM assignment a {join}
         WHERE a.status IN ('certified', 'window_open') AND a.expires_at <= ?1
           AND a.unassigned_at IS NULL AND a.exception_status IN {COUNTED}
         GROUP BY {key}"
    ))?;
    subtract(&mut out, stale.query([at])?)?;
    Ok(out)
}

/// A figure row of `SELECT id, name, members, compliant, excluded`.
fn row(r: &rusqlite::Row) -> rusqlite::Result<ComplianceRow> {
    Ok(ComplianceRow {
        id: r.get(0)?,
        name: r.get(1)?,
        members: r.get(2)?,
        compliant: r.get(3)?,
        excluded: r.get(4)?,
    })
}

/// Takes `(id, count)` rows of certifications past their expiry off the compliant figures.
fn subtract(out: &mut [ComplianceRow], mut rows: rusqlite::Rows) -> Result<()> {
    while let Some(r) = rows.next()? {
        let (id, n): (i64, u32) = (r.get(0)?, r.get(1)?);
        if let Some(row) = out.iter_mut().find(|x| x.id == id) {
            row.compliant = row.compliant.saturating_sub(n);
        }
    }
    Ok(())
}
