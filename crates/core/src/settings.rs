//! What the settings screen reads and writes: the site administrators who receive exception
//! alerts, and the SMTP settings saved together with their password.

use jiff::Timestamp;
use rusqlite::{params, Connection, Transaction};
use serde::{Deserialize, Serialize};

use crate::notify::smtp_settings::{
    load_password, load_settings, save_password, save_settings, PasswordStore, SmtpSettings,
};
use crate::notify::test_send;
use crate::{Error, Result, Writer};

/// A person who receives the exception alerts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct SiteAdmin {
    pub id: i64,
    pub full_name: String,
    pub email: String,
}

/// Every site administrator, by name.
///
/// # Errors
/// Database errors.
pub fn site_admins(conn: &Connection) -> Result<Vec<SiteAdmin>> {
    let mut st =
        conn.prepare_cached("SELECT id, full_name, email FROM site_admin ORDER BY full_name, id")?;
    let rows = st.query_map([], |r| {
        Ok(SiteAdmin {
            id: r.get(0)?,
            full_name: r.get(1)?,
            email: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Adds a site administrator; returns the new list.
///
/// # Errors
/// [`Error::Invalid`] for an empty name, an address that is not one, or an address already
/// listed.
pub fn add_site_admin(tx: &Transaction, full_name: &str, email: &str) -> Result<Vec<SiteAdmin>> {
    let (name, email) = (full_name.trim(), email.trim());
    if name.is_empty() {
        return Err(Error::invalid("name", "must not be empty"));
    }
    if email.parse::<lettre::Address>().is_err() {
        return Err(Error::invalid(
            "email",
            format!("'{email}' is not an email address"),
        ));
    }
    let added = tx.execute(
        "INSERT INTO site_admin (full_name, email) VALUES (?1, ?2) ON CONFLICT (email) DO NOTHING",
        params![name, email],
    )?;
    if added == 0 {
        return Err(Error::invalid(
            "email",
            format!("{email} is already listed"),
        ));
    }
    site_admins(tx)
}

/// Removes a site administrator; returns the new list.
///
/// # Errors
/// [`Error::NotFound`] for an unknown id.
pub fn remove_site_admin(tx: &Transaction, id: i64) -> Result<Vec<SiteAdmin>> {
    if tx.execute("DELETE FROM site_admin WHERE id = ?1", [id])? == 0 {
        return Err(Error::NotFound {
            what: "site administrator",
            key: id.to_string(),
        });
    }
    site_admins(tx)
}

/// The SMTP settings as the screen shows them: no password, only whether one is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct SmtpView {
    pub settings: Option<SmtpSettings>,
    pub has_password: bool,
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
    w.write(|tx| save_settings(tx, settings))?;
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
