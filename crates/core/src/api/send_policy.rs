//! When messages go out (DOMAIN.md section 4, "When a message is due"): the store's send time.

use crate::notify::send_time;
use crate::{Reader, Result, Writer};

/// The store's send time, `HH:MM` (default 08:00): the local time of day, in each
/// recipient's zone, at which date reminders are due.
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
    w.write(|tx| send_time::set_send_time(tx, value))
}
