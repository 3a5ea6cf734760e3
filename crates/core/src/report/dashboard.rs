//! The figures of the dashboard, each one set-based query.

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::membership::status::AssignmentStatus;
use crate::time::secs;
use crate::{Reader, Result};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct StatusCount {
    pub status: AssignmentStatus,
    pub count: u32,
}

/// What the administrator sees first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Dashboard {
    pub learners: u32,
    pub programs: u32,
    pub certifications: u32,
    pub assignments: u32,
    /// Every status, in [`AssignmentStatus::ALL`] order, zero counts included.
    pub by_status: Vec<StatusCount>,
    pub raised_exceptions: u32,
    /// Certified learners whose certification expires within the next 30 days.
    pub expiring_30_days: u32,
}

/// Reads the dashboard's figures as of `now`.
pub fn dashboard(db: &Reader, now: Timestamp) -> Result<Dashboard> {
    let count = |sql: &str| -> Result<u32> { Ok(db.query_row(sql, [], |r| r.get(0))?) };
    let mut by_status: Vec<StatusCount> = AssignmentStatus::ALL
        .into_iter()
        .map(|status| StatusCount { status, count: 0 })
        .collect();
    let mut stmt = db.prepare_cached(
        "SELECT status, count(*) FROM assignment WHERE unassigned_at IS NULL GROUP BY status",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let status = AssignmentStatus::parse(&row.get::<_, String>(0)?)?;
        if let Some(slot) = by_status.iter_mut().find(|s| s.status == status) {
            slot.count = row.get(1)?;
        }
    }
    let horizon = now
        .saturating_add(SignedDuration::from_hours(24 * 30))
        .unwrap_or(now);
    let expiring: u32 = db.query_row(
        "SELECT count(*) FROM assignment
         WHERE expires_at > ?1 AND expires_at <= ?2 AND status IN ('certified', 'window_open')
           AND unassigned_at IS NULL",
        [secs(now), secs(horizon)],
        |r| r.get(0),
    )?;
    Ok(Dashboard {
        learners: count("SELECT count(*) FROM learner")?,
        programs: count("SELECT count(*) FROM program WHERE kind = 'program'")?,
        certifications: count("SELECT count(*) FROM program WHERE kind = 'certification'")?,
        assignments: by_status.iter().map(|s| s.count).sum(),
        by_status,
        raised_exceptions: count(
            "SELECT count(*) FROM exception e JOIN assignment a ON a.id = e.assignment_id
             WHERE e.status = 'raised' AND a.unassigned_at IS NULL",
        )?,
        expiring_30_days: expiring,
    })
}
