//! The desktop app's preferences kept in the store, so the CLI can read and change them
//! too: the timer's run interval and whether closing the window keeps CertDesk in the tray.

use crate::app;
use crate::store::audit::{self, Entry};
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
    let who = w.actor();
    w.write(|tx| {
        let before = app::run_interval_minutes(tx)?;
        app::set_run_interval_minutes(tx, minutes)?;
        let after = app::run_interval_minutes(tx)?;
        let e = Entry::new("settings.run_interval", "store").changed(before, after);
        audit::record(tx, &who, &e)?;
        Ok(after)
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
    let who = w.actor();
    w.write(|tx| {
        let before = app::close_to_tray(tx)?;
        app::set_close_to_tray(tx, on)?;
        let after = app::close_to_tray(tx)?;
        let e = Entry::new("settings.close_to_tray", "store").changed(before, after);
        audit::record(tx, &who, &e)?;
        Ok(after)
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
    let who = w.actor();
    w.write(|tx| {
        let before = crate::notify::catch_up::catch_up_days(tx)?;
        crate::notify::catch_up::set_catch_up_days(tx, days)?;
        let after = crate::notify::catch_up::catch_up_days(tx)?;
        let e = Entry::new("settings.catch_up_days", "store").changed(before, after);
        audit::record(tx, &who, &e)?;
        Ok(after)
    })
}
