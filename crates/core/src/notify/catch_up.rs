//! Catching up: how far back a run of the scheduler looks for messages that came due (while
//! the store was closed, or since the previous run), and when it sweeps the whole horizon again.

use rusqlite::Transaction;

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

/// The oldest send instant this run looks at, and the bookkeeping for the next.
///
/// A run only needs the send instants since the previous run (minus a margin for a second
/// process whose clock is a little behind). What can make an older send due again — a
/// learner made active, a backdated completion, a due date moved into the past, a
/// backfill — is caught by a sweep of the whole horizon: at the first run, every
/// [`SWEEP_EVERY_SECS`], after an exception was handled, and after a backfill.
pub(super) fn scan_floor(tx: &Transaction, now: i64) -> Result<i64> {
    let num = |v: Option<String>| v.and_then(|s| s.parse::<i64>().ok());
    let swept = num(get_setting(tx, SWEPT_AT)?);
    let checked = num(get_setting(tx, CHECKED_UNTIL)?);
    let handled: Option<i64> =
        tx.query_row("SELECT max(handled_at) FROM exception", [], |r| r.get(0))?;
    let horizon = now - CATCH_UP_DAYS * 86_400;
    let floor = match (swept, checked) {
        (Some(sw), Some(ch))
            if now - sw < SWEEP_EVERY_SECS
                && !matches!(handled, Some(h) if h >= sw)
                && now >= sw =>
        {
            (ch - 600).max(horizon)
        }
        _ => {
            set_setting(tx, SWEPT_AT, &now.to_string())?;
            horizon
        }
    };
    set_setting(
        tx,
        CHECKED_UNTIL,
        &checked.unwrap_or(now).max(now).to_string(),
    )?;
    Ok(floor)
}

/// Makes the next run sweep the whole catch-up horizon (after a backfill).
pub(super) fn sweep_next_run(tx: &Transaction) -> Result<()> {
    tx.execute("DELETE FROM setting WHERE key = ?1", [SWEPT_AT])?;
    Ok(())
}
