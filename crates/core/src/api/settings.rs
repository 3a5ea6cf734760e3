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
