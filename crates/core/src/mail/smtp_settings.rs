//! SMTP settings: host, port, security, user and From address in the store; the password
//! never in the store nor in any log.
//!
//! The password lives in the OS keyring (service `certdesk`, user `smtp:<user>@<host>`)
//! through the `keyring` crate. Where no keyring service runs (a headless server, a
//! container, a CI runner), the fallback, in this order, is:
//! 1. the environment variable `CERTDESK_SMTP_PASSWORD`;
//! 2. a file readable only by its owner (mode 0600): `$CERTDESK_SMTP_PASSWORD_FILE`, else
//!    `<config dir>/certdesk/smtp-password` (`~/.config/certdesk/smtp-password` on Linux).
//!
//! [`save_password`] writes to the keyring, and to the file only when the keyring is not
//! available; it reports which one it used.

use std::path::PathBuf;

use rusqlite::{Connection, Transaction};
use serde::{Deserialize, Serialize};

use super::message::check_header;
use super::outbox::resume;
use crate::store::setting::{get_setting, set_setting};
use crate::{Error, Result};

const KEY: &str = "smtp.settings";
/// The environment variable read first for the SMTP password.
pub const PASSWORD_ENV: &str = "CERTDESK_SMTP_PASSWORD";
/// The environment variable naming the password file.
pub const PASSWORD_FILE_ENV: &str = "CERTDESK_SMTP_PASSWORD_FILE";

/// How the connection to the server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Security {
    /// Plain SMTP (a local relay only).
    None,
    /// Plain connection upgraded with STARTTLS (usually port 587); refused if the server
    /// does not offer it.
    Starttls,
    /// TLS from the first byte (usually port 465).
    Tls,
}

/// The SMTP server and sender, as the settings page edits them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// Empty: no authentication.
    pub username: String,
    /// The From address, e.g. `learning@example.org`.
    pub from_address: String,
    /// The From display name, e.g. `Learning team`.
    pub from_name: String,
    /// Seconds each SMTP step (connect, greeting, each command, the data) may take.
    pub timeout_secs: u32,
    /// A PEM file of an extra trusted certificate (a relay with a private CA); empty: none.
    pub ca_cert_file: String,
}

impl SmtpSettings {
    /// Checks the fields a send needs; the From name and address, host and user must be one
    /// line without control characters (they go into headers and commands).
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the field.
    pub fn validate(&self) -> Result<()> {
        if self.host.trim().is_empty() {
            return Err(Error::invalid("host", "must not be empty"));
        }
        if self.port == 0 {
            return Err(Error::invalid("port", "must be 1 to 65535"));
        }
        if self.from_address.parse::<lettre::Address>().is_err() {
            return Err(Error::invalid(
                "from address",
                format!("'{}' is not an email address", self.from_address),
            ));
        }
        check_header("from name", &self.from_name, 200)?;
        check_header("from address", &self.from_address, 254)?;
        check_header("host", &self.host, 253)?;
        check_header("user", &self.username, 254)?;
        if self.timeout_secs == 0 || self.timeout_secs > 600 {
            return Err(Error::invalid("timeout", "must be 1 to 600 seconds"));
        }
        Ok(())
    }

    /// The domain of the From address, used in Message-IDs.
    pub fn domain(&self) -> &str {
        self.from_address
            .rsplit_once('@')
            .map_or("certdesk.localhost", |(_, d)| d)
    }
}

/// The stored settings, if any.
pub fn load_settings(conn: &Connection) -> Result<Option<SmtpSettings>> {
    get_setting(conn, KEY)?
        .map(|s| {
            serde_json::from_str(&s).map_err(|e| Error::invalid("smtp settings", e.to_string()))
        })
        .transpose()
}

/// Validates and stores the settings, and lifts a pause (the administrator has fixed them).
///
/// # Errors
/// As [`SmtpSettings::validate`].
pub fn save_settings(tx: &Transaction, s: &SmtpSettings) -> Result<()> {
    s.validate()?;
    let json =
        serde_json::to_string(s).map_err(|e| Error::invalid("smtp settings", e.to_string()))?;
    set_setting(tx, KEY, &json)?;
    resume(tx)
}

/// Where a saved password went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case", tag = "kind", content = "path")]
pub enum PasswordStore {
    Keyring,
    File(String),
}

fn entry(s: &SmtpSettings) -> Result<keyring::Entry> {
    keyring::Entry::new("certdesk", &format!("smtp:{}@{}", s.username, s.host))
        .map_err(|e| Error::SecretStore(e.to_string()))
}

/// The password file of the fallback.
pub fn password_file() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(PASSWORD_FILE_ENV) {
        return Some(PathBuf::from(p));
    }
    dirs::config_dir().map(|d| d.join("certdesk").join("smtp-password"))
}

/// Stores the SMTP password: in the OS keyring, or where none runs, in the 0600 file.
///
/// # Errors
/// [`Error::SecretStore`] when neither works.
pub fn save_password(s: &SmtpSettings, password: &str) -> Result<PasswordStore> {
    let keyring_error = match entry(s).and_then(|e| {
        e.set_password(password)
            .map_err(|e| Error::SecretStore(e.to_string()))
    }) {
        Ok(()) => return Ok(PasswordStore::Keyring),
        Err(e) => e,
    };
    let path = password_file().ok_or_else(|| {
        Error::SecretStore(format!("no keyring ({keyring_error}) and no config folder"))
    })?;
    write_private(&path, password)?;
    Ok(PasswordStore::File(path.display().to_string()))
}

fn write_private(path: &std::path::Path, text: &str) -> Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        o.mode(0o600);
        let mut f = o.open(path)?;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        f.write_all(text.as_bytes())?;
    }
    #[cfg(not(unix))]
    {
        o.open(path)?.write_all(text.as_bytes())?;
    }
    Ok(())
}

/// The SMTP password: `$CERTDESK_SMTP_PASSWORD`, else the keyring, else the file. `None`
/// when the settings have no user, or no password is stored anywhere.
pub fn load_password(s: &SmtpSettings) -> Option<String> {
    if s.username.is_empty() {
        return None;
    }
    if let Ok(p) = std::env::var(PASSWORD_ENV) {
        return Some(p);
    }
    if let Ok(p) = entry(s).and_then(|e| {
        e.get_password()
            .map_err(|e| Error::SecretStore(e.to_string()))
    }) {
        return Some(p);
    }
    password_file()
        .and_then(|f| std::fs::read_to_string(f).ok())
        .map(|p| p.trim_end_matches(['\r', '\n']).to_string())
}
