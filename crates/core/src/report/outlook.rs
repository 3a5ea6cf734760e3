//! The dashboard's outlook: due dates and expiries in each of the next 12 weeks, and how
//! the outbox is doing (queued, failed, paused and why, when notifications last ran).

use jiff::Timestamp;
use rusqlite::OptionalExtension;
use serde::Serialize;

use crate::mail::{queue_status, QueueStatus};
use crate::report::summary::{self, Dated};
use crate::time::{from_secs, secs};
use crate::{Reader, Result};

/// How many weeks the outlook covers.
pub const WEEKS: i64 = 12;
const WEEK: i64 = 7 * 86_400;

/// One week of the outlook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct WeekCount {
    /// The Monday the week starts (YYYY-MM-DD, UTC).
    pub week_start: String,
    /// Active memberships not yet complete whose due date falls in the week.
    pub due: u32,
    /// Certifications (certified or window open) that expire in the week.
    pub expiring: u32,
}

/// The outlook and the outbox's health.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Outlook {
    /// [`WEEKS`] weeks from the Monday of this week.
    pub weeks: Vec<WeekCount>,
    pub outbox: QueueStatus,
    /// The instant the last notification run checked up to (RFC 3339); `None` before the
    /// first run.
    pub last_run: Option<String>,
}

/// The Monday 00:00 UTC of the week holding `t` (1970-01-01 was a Thursday).
fn week_start(t: i64) -> i64 {
    let day = t.div_euclid(86_400);
    (day - (day + 3).rem_euclid(7)) * 86_400
}

/// Reads the outlook as of `now`: two ranges of 84 days of the summary figures.
///
/// # Errors
/// Database errors.
pub fn outlook(db: &Reader, now: Timestamp) -> Result<Outlook> {
    let start = week_start(secs(now));
    let mut weeks = Vec::with_capacity(WEEKS as usize);
    for i in 0..WEEKS {
        weeks.push(WeekCount {
            week_start: from_secs(start + i * WEEK)?
                .strftime("%Y-%m-%d")
                .to_string(),
            due: 0,
            expiring: 0,
        });
    }
    // Weeks start at midnight UTC: each is 7 whole days of the summary figures.
    let first_day = summary::day_of(start);
    for (i, n) in summary::by_days(db, Dated::Due, first_day, 7, WEEKS)? {
        if let Some(w) = usize::try_from(i).ok().and_then(|i| weeks.get_mut(i)) {
            w.due = n;
        }
    }
    for (i, n) in summary::by_days(db, Dated::Expiring, first_day, 7, WEEKS)? {
        if let Some(w) = usize::try_from(i).ok().and_then(|i| weeks.get_mut(i)) {
            w.expiring = n;
        }
    }
    let last_run: Option<String> = db
        .query_row(
            "SELECT value FROM setting WHERE key = 'notify.checked_until'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    let last_run = last_run
        .and_then(|v| v.parse::<i64>().ok())
        .map(from_secs)
        .transpose()?
        .map(|t| t.to_string());
    Ok(Outlook {
        weeks,
        outbox: queue_status(db)?,
        last_run,
    })
}
