//! What the settings screen does with SMTP: shows the settings without the password, saves
//! them together with the password, and sends a test message with settings not saved yet.

use jiff::Timestamp;
use rusqlite::Connection;
use serde::Serialize;

use super::oauth::{load_oauth, AuthView, OAuthSettings};
use super::oauth_account::auth_view;
use super::oauth_token::OAuthContext;
use super::sender::{send_now_with, test_send, SendOptions};
use super::smtp_settings::{
    load_password, load_settings, save_password, save_settings, PasswordStore, SmtpSettings,
};
use crate::store::audit::{self, Entry};
use crate::{Result, Writer};

/// The SMTP settings as the screen shows them: no password, only whether one is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct SmtpView {
    pub settings: Option<SmtpSettings>,
    pub has_password: bool,
    /// How the login works: a password, or a signed-in Microsoft or Google account.
    pub auth: AuthView,
    /// The OAuth app registration (tenant, client id), to sign in (again) with.
    pub oauth: Option<OAuthSettings>,
}

/// The stored SMTP settings and whether a password is stored for them.
///
/// # Errors
/// Database errors.
pub fn smtp_view(conn: &Connection) -> Result<SmtpView> {
    let settings = load_settings(conn)?;
    let has_password = settings
        .as_ref()
        .is_some_and(|s| load_password(s).is_some());
    Ok(SmtpView {
        settings,
        has_password,
        auth: auth_view(conn, &OAuthContext::default())?,
        oauth: load_oauth(conn)?,
    })
}

/// Saves the settings (which lifts a pause) and, when given, the password: to the OS
/// keyring, or where none runs, to a private file. Returns where the password went.
///
/// # Errors
/// As [`save_settings`] and [`save_password`]; the settings are not saved when the password
/// cannot be stored.
pub fn save_smtp(
    w: &mut Writer,
    settings: &SmtpSettings,
    password: Option<&str>,
) -> Result<Option<PasswordStore>> {
    settings.validate()?;
    let stored = match password.filter(|p| !p.is_empty()) {
        Some(p) => Some(save_password(settings, p)?),
        None => None,
    };
    let who = w.actor();
    w.write(|tx| {
        let before = load_settings(tx)?;
        save_settings(tx, settings)?;
        // Never the password itself: only that a new one was stored.
        let mut e = Entry::new("settings.smtp", &settings.host).changed(&before, settings);
        if let (Some(serde_json::Value::Object(a)), true) = (e.after.as_mut(), stored.is_some()) {
            a.insert("password".into(), "changed".into());
        }
        audit::record(tx, &who, &e)?;
        Ok(())
    })?;
    Ok(stored)
}

/// Sends a test message to `to` with `settings` (not saved yet) and `password` (or the
/// stored one when `None`).
///
/// # Errors
/// [`Error::Invalid`] for bad settings or address; [`Error::Smtp`] with the server's answer.
pub fn test_smtp(
    settings: &SmtpSettings,
    password: Option<String>,
    to: &str,
    now: Timestamp,
) -> Result<()> {
    let password = password
        .filter(|p| !p.is_empty())
        .or_else(|| load_password(settings));
    test_send(settings, password, to, now)
}

/// As [`test_smtp`], logging in as the signed-in account of the store behind `conn` when it
/// is the settings' SMTP user (XOAUTH2), else with `password` or the stored one.
///
/// # Errors
/// As [`test_smtp`].
pub fn test_smtp_in(
    conn: &Connection,
    settings: &SmtpSettings,
    password: Option<String>,
    to: &str,
    now: Timestamp,
) -> Result<()> {
    let oauth = load_oauth(conn)?.filter(|o| o.signs_in(&settings.username));
    if oauth.is_none() {
        return test_smtp(settings, password, to, now);
    }
    let text = "This is a test message from CertDesk. Your SMTP settings work.";
    let message = super::message::Rendered {
        subject: "CertDesk test message".into(),
        html: super::message::text_to_html(text),
        text: text.into(),
    };
    send_now_with(settings, oauth, &SendOptions::default(), to, &message, now)
}
