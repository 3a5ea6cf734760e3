//! The figures of the dashboard, read from the summary figures (`report::summary`).

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::membership::status::AssignmentStatus;
use crate::report::summary;
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
    /// Messages due but held by the send window right now, and the earliest release.
    pub held: crate::notify::select::Held,
    /// Per program and per group compliance, and expiries 30, 60 and 90 days ahead.
    pub compliance: crate::report::compliance::Compliance,
}

/// Reads the dashboard's figures as of `now`, from the summary figures (a few dozen rows
/// whatever the number of memberships) and the learner and program counts.
pub fn dashboard(db: &Reader, now: Timestamp) -> Result<Dashboard> {
    let count = |sql: &str| -> Result<u32> { Ok(db.query_row(sql, [], |r| r.get(0))?) };
    let by_status: Vec<StatusCount> = summary::by_status(db, None)?
        .into_iter()
        .map(|(status, count)| StatusCount { status, count })
        .collect();
    let horizon = now
        .saturating_add(SignedDuration::from_hours(24 * 30))
        .unwrap_or(now);
    Ok(Dashboard {
        learners: count("SELECT count(*) FROM learner")?,
        programs: count("SELECT count(*) FROM program WHERE kind = 'program'")?,
        certifications: count("SELECT count(*) FROM program WHERE kind = 'certification'")?,
        assignments: by_status.iter().map(|s| s.count).sum(),
        by_status,
        raised_exceptions: summary::raised_exceptions(db)?,
        expiring_30_days: summary::expiring(db, secs(now), secs(horizon))?,
        held: crate::notify::held::held(db, now)?,
        compliance: crate::report::compliance::compliance(db, now)?,
    })
}
