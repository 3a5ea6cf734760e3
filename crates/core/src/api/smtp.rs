//! SMTP settings: show them (never the password), save them with the password, and send a
//! test message.

use jiff::Timestamp;
use rusqlite::Connection;

use crate::mail::smtp::{self, SmtpView};
use crate::mail::smtp_settings::{PasswordStore, SmtpSettings};
use crate::{Error, Result, Writer};

/// The stored settings and whether a password is stored for them.
///
/// # Errors
/// Database errors.
pub fn show(conn: &Connection) -> Result<SmtpView> {
    smtp::smtp_view(conn)
}

/// Saves the settings (which lifts a pause) with the password when given: the password
/// first, and the settings only once it is stored. Returns where the password went.
///
/// # Errors
/// As [`smtp::save_smtp`]; nothing is saved when the settings are invalid or the password
/// cannot be stored.
pub fn save(
    w: &mut Writer,
    settings: &SmtpSettings,
    password: Option<&str>,
) -> Result<Option<PasswordStore>> {
    smtp::save_smtp(w, settings, password)
}

/// Sends a test message to `to` with `settings` (saved or not) and `password` (the stored
/// one when `None`).
///
/// # Errors
/// [`Error::Invalid`] for bad settings or address; [`Error::Smtp`] with the server's answer.
pub fn test(
    settings: &SmtpSettings,
    password: Option<String>,
    to: &str,
    now: Timestamp,
) -> Result<()> {
    smtp::test_smtp(settings, password, to, now)
}

/// Sends a test message to `to` with the saved settings and password.
///
/// # Errors
/// [`Error::SmtpNotConfigured`] before settings are saved; as [`test`].
pub fn test_saved(conn: &Connection, to: &str, now: Timestamp) -> Result<SmtpSettings> {
    let settings = smtp::smtp_view(conn)?
        .settings
        .ok_or_else(|| Error::SmtpNotConfigured("no SMTP server is set".into()))?;
    smtp::test_smtp(&settings, None, to, now)?;
    Ok(settings)
}
