//! SMTP settings: host, port, security, user and From address in the store; the password
//! never in the store nor in any log.
//!
//! A password belongs to one server and user, `<user>@<host>`, and is used for that pair
//! only: a changed host (or a restored store naming another one) never receives it. It
//! lives in the OS keyring (service `certdesk`, user `smtp:<user>@<host>`) through the
//! `keyring` crate. Where no keyring service runs (a headless server, a container, a CI
//! runner), the fallback, in this order, is:
//! 1. the environment variable `CERTDESK_SMTP_PASSWORD`, used only when
//!    `CERTDESK_SMTP_PASSWORD_FOR` names the same `<user>@<host>`;
//! 2. a file only its owner can read (a file readable by group or others is refused):
//!    `$CERTDESK_SMTP_PASSWORD_FILE`, else `<config dir>/certdesk/smtp-password`
//!    (`~/.config/certdesk/smtp-password` on Linux). Its first line names the pair,
//!    `smtp:<user>@<host>`, the second holds the password; a file of one line (the password
//!    alone) is used only when `CERTDESK_SMTP_PASSWORD_FOR` names the pair.
//!
//! [`save_password`] writes to the keyring, and to the file only when the keyring is not
//! available; it reports which one it used. AUTH over an unencrypted connection is refused
//! unless the settings opt in with `allow_plain_auth` (a relay on this machine).

use std::path::PathBuf;

use rusqlite::{Connection, Transaction};
use serde::{Deserialize, Serialize};

use super::message::check_header;
use super::oauth_secret::on_own_thread;
use super::outbox::resume;
use crate::store::setting::{get_setting, set_setting};
use crate::{Error, Result};

const KEY: &str = "smtp.settings";
/// The environment variable read first for the SMTP password.
pub const PASSWORD_ENV: &str = "CERTDESK_SMTP_PASSWORD";
/// The environment variable naming the password file.
pub const PASSWORD_FILE_ENV: &str = "CERTDESK_SMTP_PASSWORD_FILE";
/// The environment variable binding `CERTDESK_SMTP_PASSWORD` (or a one-line password file)
/// to one `<user>@<host>`.
pub const PASSWORD_FOR_ENV: &str = "CERTDESK_SMTP_PASSWORD_FOR";

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
    /// Send the password (AUTH) over an unencrypted connection (`security` none): only for a
    /// relay on this machine. Without it such a login is refused before the password leaves.
    #[serde(default)]
    pub allow_plain_auth: bool,
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
        if let Some(why) = self.plain_auth_refused() {
            return Err(Error::invalid("security", why));
        }
        Ok(())
    }

    /// Why a login (AUTH) may not happen with these settings: the password would cross the
    /// network in clear without the `allow_plain_auth` opt-in.
    pub fn plain_auth_refused(&self) -> Option<String> {
        (self.security == Security::None && !self.username.is_empty() && !self.allow_plain_auth)
            .then(|| {
                format!(
                    "the password for {} would go to {} unencrypted: choose STARTTLS or TLS, \
                     or for a relay on this machine allow it (smtp set --allow-plain-auth)",
                    self.username, self.host
                )
            })
    }

    /// The server and user a password belongs to: `<user>@<host>`.
    pub fn password_owner(&self) -> String {
        format!(
            "{}@{}",
            self.username,
            self.host.trim().to_ascii_lowercase()
        )
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

/// The keyring entry of `s`'s password; use it through [`on_own_thread`] (the Secret Service
/// client starts a runtime of its own, which panics inside the sender's or a Tauri task's).
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
    let keyring_error = match on_own_thread(|| {
        entry(s)?
            .set_password(password)
            .map_err(|e| Error::SecretStore(e.to_string()))
    }) {
        Ok(()) => return Ok(PasswordStore::Keyring),
        Err(e) => e,
    };
    let path = password_file().ok_or_else(|| {
        Error::SecretStore(format!("no keyring ({keyring_error}) and no config folder"))
    })?;
    write_private(&path, &format!("smtp:{}\n{password}", s.password_owner()))?;
    Ok(PasswordStore::File(path.display().to_string()))
}

pub(super) fn write_private(path: &std::path::Path, text: &str) -> Result<()> {
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

/// The SMTP password for the settings' user and host: `$CERTDESK_SMTP_PASSWORD` (when
/// bound to that pair), else the keyring, else the file. `None` when the settings have no
/// user, or no password may be used (see [`find_password`] for why).
pub fn load_password(s: &SmtpSettings) -> Option<String> {
    find_password(s).ok().flatten()
}

/// As [`load_password`], with the reason a stored password is not used: bound to another
/// server or user, or in a file others can read.
///
/// # Errors
/// [`Error::SecretStore`] with the reason, a sentence for the pause the sender sets.
pub fn find_password(s: &SmtpSettings) -> Result<Option<String>> {
    if s.username.is_empty() {
        return Ok(None);
    }
    let owner = s.password_owner();
    let bound_to = std::env::var(PASSWORD_FOR_ENV).ok();
    let env_bound = bound_to.as_deref().map(str::trim) == Some(owner.as_str());
    let mut why_not = None;
    if let Ok(p) = std::env::var(PASSWORD_ENV) {
        if env_bound {
            return Ok(Some(p));
        }
        why_not = Some(Error::SecretStore(format!(
            "{PASSWORD_ENV} is set but not for {owner}: set {PASSWORD_FOR_ENV}={owner} to use it"
        )));
    }
    if let Ok(p) = on_own_thread(|| {
        entry(s)?
            .get_password()
            .map_err(|e| Error::SecretStore(e.to_string()))
    }) {
        return Ok(Some(p));
    }
    match password_file().filter(|f| f.exists()) {
        Some(f) => read_password_file(&f, &owner, env_bound).map(Some),
        None => why_not.map_or(Ok(None), Err),
    }
}

/// The password in `path` if it belongs to `owner` and only its owner can read the file.
fn read_password_file(path: &std::path::Path, owner: &str, env_bound: bool) -> Result<String> {
    let shown = path.display();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(|e| Error::SecretStore(format!("{shown}: {e}")))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(Error::SecretStore(format!(
                "the password file {shown} can be read by other users (mode {:o}): \
                 run chmod 600 {shown}",
                mode & 0o777
            )));
        }
    }
    let text =
        std::fs::read_to_string(path).map_err(|e| Error::SecretStore(format!("{shown}: {e}")))?;
    let text = text.trim_end_matches(['\r', '\n']);
    match text.split_once('\n') {
        Some((first, pw)) if first.starts_with("smtp:") => {
            let named = first.trim_start_matches("smtp:").trim();
            if named.eq_ignore_ascii_case(owner) {
                Ok(pw.trim_end_matches('\r').to_string())
            } else {
                Err(Error::SecretStore(format!(
                    "the password file {shown} holds the password for {named}, not for \
                     {owner}: save the password again (smtp set --password-stdin)"
                )))
            }
        }
        None if env_bound => Ok(text.to_string()),
        _ => Err(Error::SecretStore(format!(
            "the password file {shown} does not say which server it is for: put \
             smtp:{owner} on its first line, or set {PASSWORD_FOR_ENV}={owner}"
        ))),
    }
}
