//! Catching up: how far back a run of the scheduler looks for messages that came due (while
//! the store was closed, or since the previous run), when it sweeps the whole horizon again,
//! and what it logs for the messages older than the horizon.

use rusqlite::{Connection, Transaction};

use crate::store::setting::{get_setting, set_setting};
use crate::{Error, Result};

/// The catch-up horizon of a store that has not chosen one (days): a message whose send
/// instant is older than the horizon is no longer sent (a welcome two months late helps
/// nobody) but logged as skipped, and the hourly sweep stays bounded however old the rules
/// are.
pub const CATCH_UP_DAYS: i64 = 60;
/// The longest catch-up horizon an administrator can choose (days).
pub const MAX_CATCH_UP_DAYS: u32 = 365;

/// How often a run re-examines the whole catch-up horizon (seconds of `now`).
pub const SWEEP_EVERY_SECS: i64 = 3600;
const SWEPT_AT: &str = "notify.swept_at";
const CHECKED_UNTIL: &str = "notify.checked_until";
const HORIZON_DAYS: &str = "notify.catch_up_days";
/// The oldest event instant recorded late (a backdated completion): the next run scans from
/// there, not only from the previous run's checked mark.
const RESCAN_FROM: &str = "notify.rescan_from";
/// The margin below the previous run's checked mark that every run scans again (a second
/// process whose clock is a little behind).
const MARGIN_SECS: i64 = 600;

fn num(v: Option<String>) -> Option<i64> {
    v.and_then(|s| s.parse::<i64>().ok())
}

/// The catch-up horizon in days (1 to [`MAX_CATCH_UP_DAYS`], default [`CATCH_UP_DAYS`]).
///
/// # Errors
/// Database errors.
pub fn catch_up_days(conn: &Connection) -> Result<u32> {
    Ok(get_setting(conn, HORIZON_DAYS)?
        .and_then(|v| v.parse().ok())
        .filter(|d| (1..=MAX_CATCH_UP_DAYS).contains(d))
        .unwrap_or(CATCH_UP_DAYS as u32))
}

/// Sets the catch-up horizon; the next run uses it.
///
/// # Errors
/// [`Error::Invalid`] outside 1 to [`MAX_CATCH_UP_DAYS`] days; nothing is written then.
pub fn set_catch_up_days(conn: &Connection, days: u32) -> Result<()> {
    if !(1..=MAX_CATCH_UP_DAYS).contains(&days) {
        return Err(Error::invalid(
            "catch_up_days",
            format!("choose between 1 and {MAX_CATCH_UP_DAYS} days"),
        ));
    }
    set_setting(conn, HORIZON_DAYS, &days.to_string())
}

/// The reason logged for a message older than a horizon of `days`.
pub fn horizon_reason(days: u32) -> String {
    format!("older than the catch-up horizon of {days} days")
}

/// Where a run starts looking: the oldest send instant, whether this run sweeps the whole
/// horizon, the horizon itself (sends older are logged as skipped, not sent), and the
/// rescan mark it read (cleared once the run is done, unless a newer one came).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Floor {
    pub at: i64,
    pub sweep: bool,
    pub horizon: i64,
    rescan: Option<i64>,
}

/// The oldest send instant this run looks at. Reads only: the marks move in [`mark_done`],
/// once the whole range has been queued (a run cut short between chunks leaves them where
/// they were, so the next run covers the same range again).
///
/// A run only needs the send instants since the previous run (minus a margin for a second
/// process whose clock is a little behind). A backdated event (a completion recorded with a
/// past date) leaves a rescan mark ([`rescan_from`]) and the next run scans from it. What
/// else can make an older send due again — a learner made active, a due date moved into the
/// past, a backfill — is caught by a sweep of the whole horizon: at the first run, every
/// [`SWEEP_EVERY_SECS`], after an exception was handled, and after a backfill.
///
/// The range below the horizon is scanned only when something lies there that no run has
/// examined: the store was closed for longer than the horizon (from the previous run's
/// checked mark), or a backdated event. Its messages are logged as skipped, once. A store's
/// first run starts at the horizon: it has no checked mark to start from, and scanning its
/// whole history (a backfilled benchmark store, an imported past) would be unbounded.
pub(super) fn scan_floor(conn: &Connection, now: i64) -> Result<Floor> {
    let swept = num(get_setting(conn, SWEPT_AT)?);
    let checked = num(get_setting(conn, CHECKED_UNTIL)?);
    let rescan = num(get_setting(conn, RESCAN_FROM)?);
    let handled: Option<i64> =
        conn.query_row("SELECT max(handled_at) FROM exception", [], |r| r.get(0))?;
    let horizon = now - i64::from(catch_up_days(conn)?) * 86_400;
    let (at, sweep) = match (swept, checked) {
        (Some(sw), Some(ch))
            if now - sw < SWEEP_EVERY_SECS
                && !matches!(handled, Some(h) if h >= sw)
                && now >= sw =>
        {
            (ch - MARGIN_SECS, false)
        }
        // Closed longer than the horizon: from the checked mark, the older part logged.
        (_, Some(ch)) => (horizon.min(ch - MARGIN_SECS), true),
        // The first run of a store: from the horizon (a new store has nothing to log).
        (_, None) => (horizon, true),
    };
    Ok(Floor {
        at: rescan.map_or(at, |r| at.min(r)),
        sweep,
        horizon,
        rescan,
    })
}

/// Records that every send instant up to `now` has been examined (and, after a sweep, that
/// the whole horizon was). `sweep_valid` is false when a backfill or a retimed rule came in
/// while the run went: the next run then sweeps again. The checked mark never moves back.
pub(super) fn mark_done(tx: &Transaction, now: i64, floor: Floor, sweep_valid: bool) -> Result<()> {
    if floor.sweep && sweep_valid {
        set_setting(tx, SWEPT_AT, &now.to_string())?;
    }
    let checked = num(get_setting(tx, CHECKED_UNTIL)?);
    set_setting(
        tx,
        CHECKED_UNTIL,
        &checked.unwrap_or(now).max(now).to_string(),
    )?;
    // A backdated event recorded while the run went may lie behind its scan: kept.
    if floor.rescan.is_some() && num(get_setting(tx, RESCAN_FROM)?) == floor.rescan {
        tx.execute("DELETE FROM setting WHERE key = ?1", [RESCAN_FROM])?;
    }
    Ok(())
}

/// Makes the next run sweep the whole catch-up horizon (after a backfill).
pub(super) fn sweep_next_run(tx: &Transaction) -> Result<()> {
    tx.execute("DELETE FROM setting WHERE key = ?1", [SWEPT_AT])?;
    Ok(())
}

/// Makes the next run scan from event instant `at` (an event recorded at `now` with a past
/// instant, such as a backdated completion): its messages then go at the next run, not at
/// the next hourly sweep, and those older than the horizon are logged as skipped. An
/// instant within the margin of `now` needs nothing: the next run scans there anyway.
///
/// # Errors
/// Database errors.
pub(crate) fn rescan_from(conn: &Connection, at: i64, now: i64) -> Result<()> {
    if at >= now - MARGIN_SECS {
        return Ok(());
    }
    match num(get_setting(conn, RESCAN_FROM)?) {
        Some(r) if r <= at => Ok(()),
        _ => set_setting(conn, RESCAN_FROM, &at.to_string()),
    }
}
