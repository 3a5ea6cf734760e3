//! After a restore: the queued messages the backup's rules had produced are rendered again
//! from the restored rules and data, by a run of the queueing over the whole catch-up
//! horizon on the restored copy, so what goes out is what those rules produce now, never a
//! row the file carried. A set-aside message the rules no longer produce (a rule or learner
//! changed since, a send instant older than the catch-up horizon, a forged row) is logged
//! as skipped with the reason, not sent.

use jiff::Timestamp;
use rusqlite::Transaction;

use super::catch_up::sweep_next_run;
use super::select::enqueue_due;
use crate::mail::restore::copy_messages;
use crate::Result;

/// Why a queued message of a restored backup was not sent.
pub const SKIP_NOT_PRODUCED: &str = "set aside by a restore: the restored rules no longer \
    produce this message (its rule or learner changed, it is older than the catch-up \
    horizon, or the file's row was not one of theirs)";

/// Renders again the messages in `set_aside` (a table with the columns of `message`, none
/// of them in the log any more) by queueing everything due at `now`; returns how many of
/// them are queued again and how many are not (logged as skipped).
///
/// # Errors
/// Database errors; the caller's transaction is then rolled back.
pub fn render_again(tx: &Transaction, set_aside: &str, now: Timestamp) -> Result<(u32, u32)> {
    sweep_next_run(tx)?;
    enqueue_due(tx, now)?;
    let in_log = |states: &str| {
        format!(
            "SELECT count(*) FROM {set_aside} s WHERE EXISTS (SELECT 1 FROM message m
             WHERE m.dedup_key = s.dedup_key AND m.state IN ({states}))"
        )
    };
    let rendered: u32 = tx.query_row(&in_log("'queued'"), [], |r| r.get(0))?;
    let carried: u32 = tx.query_row(&in_log("'sending', 'sent'"), [], |r| r.get(0))?;
    let total: u32 = tx.query_row(&format!("SELECT count(*) FROM {set_aside}"), [], |r| {
        r.get(0)
    })?;
    copy_messages(
        tx,
        set_aside,
        ("'skipped'", "?1", "NULL"),
        "1",
        [SKIP_NOT_PRODUCED],
    )?;
    tx.execute(&format!("DROP TABLE {set_aside}"), [])?;
    Ok((rendered, total - rendered - carried))
}
