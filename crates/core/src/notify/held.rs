//! What the send window holds right now (for the dashboard): the messages whose send instant
//! has come but whose window has not opened yet, found by the same selection as a run
//! ([`super::candidates`]) over only the band of send instants a window can hold.

use jiff::Timestamp;
use rusqlite::Connection;

use super::candidates::candidates;
use super::chunk::{by_shape, effective};
use super::rule::list_all_enabled;
use super::select::{Context, Held};
use crate::time::secs;
use crate::Result;

/// How many messages are held by the send window at `now`, and the earliest moment one is
/// released. Reads only; nothing when every window is off.
///
/// # Errors
/// Database errors.
pub fn held(conn: &Connection, now: Timestamp) -> Result<Held> {
    // Cheap when every window is off (the default): the dashboard calls this on each load.
    if super::send_window::Windows::load(conn)?.max_hold() == 0 {
        return Ok(Held::default());
    }
    let mut ctx = Context::new(conn)?;
    ctx.held = Some(Held::default());
    let now = secs(now);
    let eff = effective(conn)?;
    let rules = list_all_enabled(conn)?;
    let floor = now - ctx.max_hold;
    for group in by_shape(&rules, &eff, now, floor, |_| true) {
        candidates(conn, &group, now, now, &mut ctx)?;
    }
    Ok(ctx.held.unwrap_or_default())
}
