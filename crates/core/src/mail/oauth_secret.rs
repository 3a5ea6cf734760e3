//! Where the refresh token lives: the OS keyring (service `certdesk`, user
//! `oauth:<provider>:<account>@<host>`), never the store nor a log. Where no keyring
//! service runs (a headless server), a file only its owner can read:
//! `$CERTDESK_OAUTH_TOKEN_FILE`, else `<config dir>/certdesk/oauth-tokens`, one
//! `<key> <token>` per line (a file readable by group or others is refused).
//!
//! [`TokenStore`] lets the tests (and an embedding app) keep tokens elsewhere:
//! [`MemoryTokens`] holds them in memory.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;

use crate::{Error, Result};

/// The environment variable naming the refresh-token file of the fallback.
pub const TOKEN_FILE_ENV: &str = "CERTDESK_OAUTH_TOKEN_FILE";

/// Keeps refresh tokens by key (see [`OAuthSettings::token_key`](super::oauth::OAuthSettings::token_key)).
pub trait TokenStore: std::fmt::Debug + Send + Sync {
    /// The token stored under `key`.
    ///
    /// # Errors
    /// [`Error::SecretStore`] when the store cannot be read.
    fn get(&self, key: &str) -> Result<Option<String>>;
    /// Stores `token` under `key`; returns where it went (for the person signing in).
    ///
    /// # Errors
    /// [`Error::SecretStore`] when it cannot be stored.
    fn set(&self, key: &str, token: &str) -> Result<String>;
    /// Forgets the token under `key` (nothing stored is not an error).
    ///
    /// # Errors
    /// [`Error::SecretStore`] when it cannot be removed.
    fn delete(&self, key: &str) -> Result<()>;
}

/// Tokens in memory, for tests.
#[derive(Debug, Default)]
pub struct MemoryTokens(Mutex<BTreeMap<String, String>>);

impl MemoryTokens {
    /// Every (key, token) held, for a test to check what was stored.
    pub fn all(&self) -> Vec<(String, String)> {
        self.0
            .lock()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default()
    }
}

impl TokenStore for MemoryTokens {
    fn get(&self, key: &str) -> Result<Option<String>> {
        Ok(self.0.lock().ok().and_then(|m| m.get(key).cloned()))
    }
    fn set(&self, key: &str, token: &str) -> Result<String> {
        if let Ok(mut m) = self.0.lock() {
            m.insert(key.to_string(), token.to_string());
        }
        Ok("memory".into())
    }
    fn delete(&self, key: &str) -> Result<()> {
        if let Ok(mut m) = self.0.lock() {
            m.remove(key);
        }
        Ok(())
    }
}

/// The OS keyring, with the private file where no keyring service runs.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemTokens;

fn entry(key: &str) -> Result<keyring::Entry> {
    keyring::Entry::new("certdesk", key).map_err(|e| Error::SecretStore(e.to_string()))
}

/// Runs a keyring call on a thread of its own: the Secret Service client starts its own
/// runtime, which panics inside another (the sender's, a Tauri blocking task).
pub(super) fn on_own_thread<T: Send>(f: impl FnOnce() -> Result<T> + Send) -> Result<T> {
    std::thread::scope(|s| s.spawn(f).join())
        .unwrap_or_else(|_| Err(Error::SecretStore("the keyring call failed".into())))
}

fn keyring_get(key: &str) -> Result<String> {
    on_own_thread(|| {
        entry(key)?
            .get_password()
            .map_err(|e| Error::SecretStore(e.to_string()))
    })
}

fn keyring_set(key: &str, token: &str) -> Result<()> {
    on_own_thread(|| {
        entry(key)?
            .set_password(token)
            .map_err(|e| Error::SecretStore(e.to_string()))
    })
}

fn keyring_delete(key: &str) {
    // Nothing stored there (or no keyring) is fine: the file is checked next.
    let _ = on_own_thread(|| {
        entry(key)?
            .delete_credential()
            .map_err(|e| Error::SecretStore(e.to_string()))
    });
}

/// The refresh-token file of the fallback.
pub fn token_file() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(TOKEN_FILE_ENV) {
        return Some(PathBuf::from(p));
    }
    dirs::config_dir().map(|d| d.join("certdesk").join("oauth-tokens"))
}

fn read_file(path: &std::path::Path) -> Result<BTreeMap<String, String>> {
    if !path.exists() {
        return Ok(BTreeMap::new());
    }
    let shown = path.display();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)?.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(Error::SecretStore(format!(
                "the token file {shown} can be read by other users (mode {:o}): run chmod 600 {shown}",
                mode & 0o777
            )));
        }
    }
    let text =
        std::fs::read_to_string(path).map_err(|e| Error::SecretStore(format!("{shown}: {e}")))?;
    Ok(text
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(k, v)| (k.to_string(), v.trim().to_string()))
        .collect())
}

fn write_file(path: &std::path::Path, all: &BTreeMap<String, String>) -> Result<()> {
    let text: String = all.iter().map(|(k, v)| format!("{k} {v}\n")).collect();
    super::smtp_settings::write_private(path, &text)
}

impl TokenStore for SystemTokens {
    fn get(&self, key: &str) -> Result<Option<String>> {
        if let Ok(t) = keyring_get(key) {
            return Ok(Some(t));
        }
        match token_file() {
            Some(f) => Ok(read_file(&f)?.remove(key)),
            None => Ok(None),
        }
    }

    fn set(&self, key: &str, token: &str) -> Result<String> {
        let keyring_error = match keyring_set(key, token) {
            Ok(()) => return Ok("the OS keyring".into()),
            Err(e) => e,
        };
        let path = token_file().ok_or_else(|| {
            Error::SecretStore(format!("no keyring ({keyring_error}) and no config folder"))
        })?;
        let mut all = read_file(&path)?;
        all.insert(key.to_string(), token.to_string());
        write_file(&path, &all)?;
        Ok(format!(
            "{} (mode 0600; no keyring service runs here)",
            path.display()
        ))
    }

    fn delete(&self, key: &str) -> Result<()> {
        keyring_delete(key);
        if let Some(path) = token_file().filter(|p| p.exists()) {
            let mut all = read_file(&path)?;
            if all.remove(key).is_some() {
                write_file(&path, &all)?;
            }
        }
        Ok(())
    }
}
