//! The desktop app's preferences kept in the store, so the CLI can read and change them
//! too: the timer's run interval and whether closing the window keeps CertDesk in the tray.

use crate::app;
use crate::{Reader, Result, Writer};

/// How many minutes the app's timer waits between runs (run + send).
///
/// # Errors
/// Database errors.
pub fn run_interval(r: &Reader) -> Result<u32> {
    app::run_interval_minutes(r)
}

/// Sets the run interval (1 minute to a day); returns it as stored.
///
/// # Errors
/// [`crate::Error::Invalid`] outside that range; nothing is written then.
pub fn set_run_interval(w: &mut Writer, minutes: u32) -> Result<u32> {
    w.write(|tx| {
        app::set_run_interval_minutes(tx, minutes)?;
        app::run_interval_minutes(tx)
    })
}

/// Whether closing the window keeps CertDesk running in the tray (the administrator's
/// choice, else on exactly when SMTP sending is configured).
///
/// # Errors
/// Database errors.
pub fn close_to_tray(r: &Reader) -> Result<bool> {
    app::close_to_tray(r)
}

/// Records whether closing the window keeps CertDesk running in the tray; returns it.
///
/// # Errors
/// Database errors.
pub fn set_close_to_tray(w: &mut Writer, on: bool) -> Result<bool> {
    w.write(|tx| {
        app::set_close_to_tray(tx, on)?;
        app::close_to_tray(tx)
    })
}

/// How many days back a run catches up on messages that came due (DOMAIN.md section 4,
/// rule 3): older ones are logged as skipped with that reason, not sent.
///
/// # Errors
/// Database errors.
pub fn catch_up_days(r: &Reader) -> Result<u32> {
    crate::notify::catch_up::catch_up_days(r)
}

/// Sets the catch-up horizon (1 to 365 days); returns it as stored. The next run uses it.
///
/// # Errors
/// [`crate::Error::Invalid`] outside that range; nothing is written then.
pub fn set_catch_up_days(w: &mut Writer, days: u32) -> Result<u32> {
    w.write(|tx| {
        crate::notify::catch_up::set_catch_up_days(tx, days)?;
        crate::notify::catch_up::catch_up_days(tx)
    })
}
