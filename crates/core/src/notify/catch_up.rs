//! Catching up: how far back a run of the scheduler looks for messages that came due (while
//! the store was closed, or since the previous run), and when it sweeps the whole horizon again.

use rusqlite::{Connection, Transaction};

use crate::store::setting::{get_setting, set_setting};
use crate::Result;

/// How far back a run catches up: a message whose send instant is older than this many days
/// is no longer sent (a welcome two months late helps nobody), and the per-run scan stays
/// bounded however old the rules are.
pub const CATCH_UP_DAYS: i64 = 60;

/// How often a run re-examines the whole catch-up horizon (seconds of `now`).
pub const SWEEP_EVERY_SECS: i64 = 3600;
const SWEPT_AT: &str = "notify.swept_at";
const CHECKED_UNTIL: &str = "notify.checked_until";

/// Where a run starts looking: the oldest send instant, and whether this run sweeps the whole
/// horizon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Floor {
    pub at: i64,
    pub sweep: bool,
}

/// The oldest send instant this run looks at. Reads only: the marks move in [`mark_done`],
/// once the whole range has been queued (a run cut short between chunks leaves them where
/// they were, so the next run covers the same range again).
///
/// A run only needs the send instants since the previous run (minus a margin for a second
/// process whose clock is a little behind). What can make an older send due again — a
/// learner made active, a backdated completion, a due date moved into the past, a
/// backfill — is caught by a sweep of the whole horizon: at the first run, every
/// [`SWEEP_EVERY_SECS`], after an exception was handled, and after a backfill.
pub(super) fn scan_floor(conn: &Connection, now: i64) -> Result<Floor> {
    let num = |v: Option<String>| v.and_then(|s| s.parse::<i64>().ok());
    let swept = num(get_setting(conn, SWEPT_AT)?);
    let checked = num(get_setting(conn, CHECKED_UNTIL)?);
    let handled: Option<i64> =
        conn.query_row("SELECT max(handled_at) FROM exception", [], |r| r.get(0))?;
    let horizon = now - CATCH_UP_DAYS * 86_400;
    Ok(match (swept, checked) {
        (Some(sw), Some(ch))
            if now - sw < SWEEP_EVERY_SECS
                && !matches!(handled, Some(h) if h >= sw)
                && now >= sw =>
        {
            Floor {
                at: (ch - 600).max(horizon),
                sweep: false,
            }
        }
        _ => Floor {
            at: horizon,
            sweep: true,
        },
    })
}

/// Records that every send instant up to `now` has been examined (and, after a sweep, that
/// the whole horizon was). `sweep_valid` is false when a backfill or a retimed rule came in
/// while the run went: the next run then sweeps again. The checked mark never moves back.
pub(super) fn mark_done(tx: &Transaction, now: i64, floor: Floor, sweep_valid: bool) -> Result<()> {
    if floor.sweep && sweep_valid {
        set_setting(tx, SWEPT_AT, &now.to_string())?;
    }
    let checked = get_setting(tx, CHECKED_UNTIL)?.and_then(|s| s.parse::<i64>().ok());
    set_setting(
        tx,
        CHECKED_UNTIL,
        &checked.unwrap_or(now).max(now).to_string(),
    )?;
    Ok(())
}

/// Makes the next run sweep the whole catch-up horizon (after a backfill).
pub(super) fn sweep_next_run(tx: &Transaction) -> Result<()> {
    tx.execute("DELETE FROM setting WHERE key = ?1", [SWEPT_AT])?;
    Ok(())
}
