//! SMTP settings: show them (never the password), save them with the password, send a test
//! message, and sign in or out with Microsoft or Google (OAuth2, XOAUTH2).

use std::time::Duration;

use jiff::Timestamp;
use rusqlite::Connection;

use crate::mail::oauth::OAuthSettings;
use crate::mail::oauth_account::{self, SignedIn};
use crate::mail::oauth_flow::{Flow, Prompt};
use crate::mail::oauth_token::OAuthContext;

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
/// one when `None`), or as the signed-in account when it is the settings' user.
///
/// # Errors
/// [`Error::Invalid`] for bad settings or address; [`Error::Smtp`] with the server's answer.
pub fn test(
    conn: &Connection,
    settings: &SmtpSettings,
    password: Option<String>,
    to: &str,
    now: Timestamp,
) -> Result<()> {
    smtp::test_smtp_in(conn, settings, password, to, now)
}

/// Sends a test message to `to` with the saved settings and password.
///
/// # Errors
/// [`Error::SmtpNotConfigured`] before settings are saved; as [`test`].
pub fn test_saved(conn: &Connection, to: &str, now: Timestamp) -> Result<SmtpSettings> {
    let settings = smtp::smtp_view(conn)?
        .settings
        .ok_or_else(|| Error::SmtpNotConfigured("no SMTP server is set".into()))?;
    smtp::test_smtp_in(conn, &settings, None, to, now)?;
    Ok(settings)
}

/// Signs in with Microsoft or Google (OAuth2) as `cfg.account`: `prompt` shows the URL to
/// open (or the device code); waits up to `wait`. Then the SMTP user is the account, its
/// refresh token is in the OS keyring, and a pause is lifted. Blocking.
///
/// # Errors
/// As [`oauth_account::sign_in`].
pub fn sign_in(
    w: &mut Writer,
    ctx: &OAuthContext,
    cfg: &OAuthSettings,
    flow: Flow,
    prompt: &mut Prompt<'_>,
    wait: Duration,
    now: Timestamp,
) -> Result<SignedIn> {
    oauth_account::sign_in(w, ctx, cfg, flow, prompt, wait, now)
}

/// Signs the account out: its tokens are forgotten; returns the account, if one was in.
///
/// # Errors
/// As [`oauth_account::sign_out`].
pub fn sign_out(w: &mut Writer, ctx: &OAuthContext) -> Result<Option<String>> {
    oauth_account::sign_out(w, ctx)
}
