//! When messages go out (DOMAIN.md section 4, "When a message is due"): the store's send time
//! and send window, a program's own window, and the holiday lists.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::notify::held::held;
use crate::notify::holidays::{self, Holiday};
use crate::notify::select::Held;
use crate::notify::send_time;
use crate::notify::send_window::{self, ProgramWindow, SendWindow};
use crate::store::audit::{self, Entry};
use crate::{names, Error, Reader, Result, Writer};

/// The store-wide sending policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct SendPolicy {
    /// `HH:MM`: the local time of day, in each recipient's zone, at which date reminders are due.
    pub send_time: String,
    pub window: SendWindow,
}

/// The store's send time, `HH:MM` (default 08:00).
///
/// # Errors
/// Database errors.
pub fn send_time(r: &Reader) -> Result<String> {
    Ok(send_time::format_time(send_time::send_time(r)?))
}

/// Sets the store's send time (`HH:MM`, 24-hour clock); returns it as stored.
///
/// # Errors
/// [`crate::Error::Invalid`] for a malformed time; nothing is written then.
pub fn set_send_time(w: &mut Writer, value: &str) -> Result<String> {
    let who = w.actor();
    w.write(|tx| {
        let before = send_time::format_time(send_time::send_time(tx)?);
        let after = send_time::set_send_time(tx, value)?;
        let e = Entry::new("settings.send_time", "store").changed(&before, &after);
        audit::record(tx, &who, &e)?;
        Ok(after)
    })
}

/// The store's send time and window.
///
/// # Errors
/// Database errors.
pub fn policy(r: &Reader) -> Result<SendPolicy> {
    policy_in(r)
}

fn policy_in(conn: &rusqlite::Connection) -> Result<SendPolicy> {
    Ok(SendPolicy {
        send_time: send_time::format_time(send_time::send_time(conn)?),
        window: send_window::store_window(conn)?,
    })
}

/// Sets the store's send time and window together; returns them as stored.
///
/// # Errors
/// [`crate::Error::Invalid`] for a bad time or window; nothing is written then.
pub fn set_policy(w: &mut Writer, p: &SendPolicy) -> Result<SendPolicy> {
    let who = w.actor();
    w.write(|tx| {
        let before = policy_in(tx)?;
        let after = SendPolicy {
            send_time: send_time::set_send_time(tx, &p.send_time)?,
            window: send_window::set_store_window(tx, &p.window)?,
        };
        let e = Entry::new("settings.send_policy", "store").changed(&before, &after);
        audit::record(tx, &who, &e)?;
        Ok(after)
    })
}

/// Program `program`'s own send window (by short name), if it has one.
///
/// # Errors
/// [`crate::Error::NotFound`] for an unknown program.
pub fn program_window(r: &Reader, program: &str) -> Result<Option<ProgramWindow>> {
    let id = names::program(r, program)?;
    send_window::program_window(r, id)
}

/// Sets program `program`'s own window, or with `None` clears it (the store's applies again).
///
/// # Errors
/// [`crate::Error::NotFound`] for an unknown program, [`crate::Error::Invalid`] for a bad
/// window (nothing written).
pub fn set_program_window(
    w: &mut Writer,
    program: &str,
    window: Option<&ProgramWindow>,
) -> Result<Option<ProgramWindow>> {
    let who = w.actor();
    w.write(|tx| {
        let id = names::program(tx, program)?;
        let before = send_window::program_window(tx, id)?;
        let after = send_window::set_program_window(tx, id, window)?;
        let e = Entry::new("settings.program_window", program).changed(&before, &after);
        audit::record(tx, &who, &e)?;
        Ok(after)
    })
}

fn scope(conn: &rusqlite::Connection, program: Option<&str>) -> Result<i64> {
    program.map_or(Ok(0), |p| names::program(conn, p))
}

/// The store's holidays, or with `program` that program's own list.
///
/// # Errors
/// [`crate::Error::NotFound`] for an unknown program.
pub fn holidays(r: &Reader, program: Option<&str>) -> Result<Vec<Holiday>> {
    holidays::list(r, scope(r, program)?)
}

/// Adds the holidays of an `.ics` calendar or a CSV of dates at `path` to the store's list
/// (or `program`'s own); all or nothing. Returns how many dates the file held.
///
/// # Errors
/// [`crate::Error::Rejected`] naming each bad line, [`crate::Error::Io`] for an unreadable
/// file, [`crate::Error::NotFound`] for an unknown program.
pub fn import_holidays(w: &mut Writer, program: Option<&str>, path: &Path) -> Result<u32> {
    let text = std::fs::read(path)?;
    let text = String::from_utf8(text)
        .map_err(|_| Error::invalid("holidays", "the file is not UTF-8 text"))?;
    let who = w.actor();
    w.write(|tx| {
        let n = holidays::import(tx, scope(tx, program)?, &text)?;
        let after = serde_json::json!({ "file": path.display().to_string(), "dates": n });
        let e = Entry::new("import.holidays", program.unwrap_or("store")).after(after);
        audit::record(tx, &who, &e)?;
        Ok(n)
    })
}

/// Removes every holiday of the store's list (or `program`'s own); returns how many.
///
/// # Errors
/// [`crate::Error::NotFound`] for an unknown program.
pub fn clear_holidays(w: &mut Writer, program: Option<&str>) -> Result<u32> {
    let who = w.actor();
    w.write(|tx| {
        let n = holidays::clear(tx, scope(tx, program)?)?;
        let e = Entry::new("settings.holidays_clear", program.unwrap_or("store"));
        audit::record(tx, &who, &e.before(serde_json::json!({ "dates": n })))?;
        Ok(n)
    })
}

/// How many messages the send window holds right now, and until when.
///
/// # Errors
/// Database errors.
pub fn held_now(r: &Reader, now: jiff::Timestamp) -> Result<Held> {
    held(r, now)
}
