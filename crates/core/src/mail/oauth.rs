//! OAuth2 sign-in for SMTP (XOAUTH2) with Microsoft 365 and Google: the provider settings
//! the organisation's own app registration gives (tenant, client id), where they are kept
//! (setting `smtp.oauth`), and the endpoints (the providers' by default; overridable for a
//! sovereign cloud, or a local authorization server in the tests).
//!
//! The parts: [`oauth_flow`](super::oauth_flow) signs in (authorization code + PKCE with a
//! loopback redirect, or the device code), [`oauth_secret`](super::oauth_secret) keeps the
//! refresh token in the OS keyring, [`oauth_token`](super::oauth_token) caches the access
//! token in memory and refreshes it. A signed-in account replaces the password: the sender
//! logs in with `AUTH XOAUTH2` when the SMTP user is the signed-in account.

use rusqlite::{Connection, Transaction};
use serde::{Deserialize, Serialize};

use crate::store::setting::{get_setting, set_setting};
use crate::{Error, Result};

const KEY: &str = "smtp.oauth";

/// Who issues the tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    /// Microsoft 365 (Entra ID): smtp.office365.com:587 STARTTLS.
    Microsoft,
    /// Google Workspace or Gmail: smtp.gmail.com:587 STARTTLS.
    Google,
}

impl Provider {
    /// `microsoft` or `google`.
    ///
    /// # Errors
    /// [`Error::Invalid`] for another name.
    pub fn parse(name: &str) -> Result<Provider> {
        match name.trim().to_ascii_lowercase().as_str() {
            "microsoft" | "microsoft365" | "office365" => Ok(Provider::Microsoft),
            "google" | "gmail" => Ok(Provider::Google),
            other => Err(Error::invalid(
                "provider",
                format!("'{other}' is not microsoft or google"),
            )),
        }
    }

    /// The name people read: "Microsoft" or "Google".
    pub fn label(self) -> &'static str {
        match self {
            Provider::Microsoft => "Microsoft",
            Provider::Google => "Google",
        }
    }

    /// The name in keys and on the command line.
    pub fn key(self) -> &'static str {
        match self {
            Provider::Microsoft => "microsoft",
            Provider::Google => "google",
        }
    }

    /// The scopes asked for: sending over SMTP, and a refresh token.
    pub fn scopes(self) -> &'static [&'static str] {
        match self {
            Provider::Microsoft => &["https://outlook.office.com/SMTP.Send", "offline_access"],
            Provider::Google => &["https://mail.google.com/"],
        }
    }

    /// The provider's SMTP server (port 587, STARTTLS).
    pub fn smtp_host(self) -> &'static str {
        match self {
            Provider::Microsoft => "smtp.office365.com",
            Provider::Google => "smtp.gmail.com",
        }
    }
}

/// The app registration and the signed-in account, as the settings page edits them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct OAuthSettings {
    pub provider: Provider,
    /// Microsoft: the directory (tenant) id or domain; `organizations` when empty.
    #[serde(default)]
    pub tenant: String,
    /// The application (client) id of the organisation's app registration.
    pub client_id: String,
    /// Google only: the client secret of a "Desktop app" client (Google requires it in the
    /// installed-app flow; it is not a secret there). Empty for Microsoft.
    #[serde(default)]
    pub client_secret: String,
    /// The signed-in mailbox (the SMTP user); empty until signed in.
    #[serde(default)]
    pub account: String,
    /// Overrides of the endpoints; empty: the provider's.
    #[serde(default)]
    pub authorize_url: String,
    #[serde(default)]
    pub token_url: String,
    #[serde(default)]
    pub device_url: String,
}

/// Where the flows go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub authorize: String,
    pub token: String,
    /// The device authorization endpoint; `None` where the provider offers none for SMTP
    /// (Google allows no mail scope in its device flow).
    pub device: Option<String>,
}

fn or(v: &str, default: String) -> String {
    if v.trim().is_empty() {
        default
    } else {
        v.trim().to_string()
    }
}

impl OAuthSettings {
    /// The endpoints: the overrides where set, else the provider's.
    pub fn endpoints(&self) -> Endpoints {
        match self.provider {
            Provider::Microsoft => {
                let tenant = or(&self.tenant, "organizations".into());
                let base = format!("https://login.microsoftonline.com/{tenant}/oauth2/v2.0");
                Endpoints {
                    authorize: or(&self.authorize_url, format!("{base}/authorize")),
                    token: or(&self.token_url, format!("{base}/token")),
                    device: Some(or(&self.device_url, format!("{base}/devicecode"))),
                }
            }
            Provider::Google => Endpoints {
                authorize: or(
                    &self.authorize_url,
                    "https://accounts.google.com/o/oauth2/v2/auth".into(),
                ),
                token: or(
                    &self.token_url,
                    "https://oauth2.googleapis.com/token".into(),
                ),
                device: (!self.device_url.trim().is_empty())
                    .then(|| self.device_url.trim().to_string()),
            },
        }
    }

    /// Checks the registration fields.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the field.
    pub fn validate(&self) -> Result<()> {
        let one_line = |field: &str, v: &str| -> Result<()> {
            if v.chars().any(char::is_control) || v.len() > 512 {
                return Err(Error::invalid(field, "must be one line"));
            }
            Ok(())
        };
        if self.client_id.trim().is_empty() {
            return Err(Error::invalid(
                "client id",
                format!(
                    "the application (client) id of your {} app registration is needed (see docs/NOTIFICATIONS.md)",
                    self.provider.label()
                ),
            ));
        }
        one_line("client id", &self.client_id)?;
        one_line("tenant", &self.tenant)?;
        one_line("client secret", &self.client_secret)?;
        for (field, u) in [
            ("authorize url", &self.authorize_url),
            ("token url", &self.token_url),
            ("device url", &self.device_url),
        ] {
            if !u.trim().is_empty() && url::Url::parse(u.trim()).is_err() {
                return Err(Error::invalid(field, format!("'{u}' is not a URL")));
            }
        }
        Ok(())
    }

    /// Whether sending with `smtp_user` uses this sign-in (XOAUTH2 instead of a password).
    pub fn signs_in(&self, smtp_user: &str) -> bool {
        !self.account.is_empty() && self.account.eq_ignore_ascii_case(smtp_user.trim())
    }

    /// The keyring key of the refresh token: bound to provider, account and SMTP host.
    pub fn token_key(&self, host: &str) -> String {
        format!(
            "oauth:{}:{}@{}",
            self.provider.key(),
            self.account.to_ascii_lowercase(),
            host.trim().to_ascii_lowercase()
        )
    }
}

/// The stored OAuth settings, if any.
///
/// # Errors
/// Database errors; [`Error::Invalid`] for an unreadable value.
pub fn load_oauth(conn: &Connection) -> Result<Option<OAuthSettings>> {
    get_setting(conn, KEY)?
        .map(|s| {
            serde_json::from_str(&s).map_err(|e| Error::invalid("oauth settings", e.to_string()))
        })
        .transpose()
}

/// Stores the OAuth settings (never a token).
///
/// # Errors
/// Database errors.
pub fn save_oauth(tx: &Transaction, s: &OAuthSettings) -> Result<()> {
    let json =
        serde_json::to_string(s).map_err(|e| Error::invalid("oauth settings", e.to_string()))?;
    set_setting(tx, KEY, &json)
}

/// How the SMTP login works, as `smtp show` and the settings page show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case", tag = "method")]
pub enum AuthView {
    /// No login, or a password (stored or not).
    Password,
    /// Signed in with a provider as `account`; `signed_in` is false when no refresh token is
    /// stored for it (consent revoked, signed out elsewhere, another host): "Sign in again".
    #[serde(rename = "oauth")]
    OAuth {
        provider: Provider,
        account: String,
        signed_in: bool,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms() -> OAuthSettings {
        OAuthSettings {
            provider: Provider::Microsoft,
            tenant: "contoso.example".into(),
            client_id: "abc".into(),
            client_secret: String::new(),
            account: "Learning@Contoso.example".into(),
            authorize_url: String::new(),
            token_url: String::new(),
            device_url: String::new(),
        }
    }

    #[test]
    fn the_defaults_are_the_providers_endpoints() {
        let e = ms().endpoints();
        assert_eq!(
            e.token,
            "https://login.microsoftonline.com/contoso.example/oauth2/v2.0/token"
        );
        assert!(e.device.is_some());
        let mut g = ms();
        g.provider = Provider::Google;
        assert_eq!(g.endpoints().device, None);
        assert_eq!(g.endpoints().token, "https://oauth2.googleapis.com/token");
    }

    #[test]
    fn the_token_key_binds_provider_account_and_host() {
        assert_eq!(
            ms().token_key("SMTP.office365.com"),
            "oauth:microsoft:learning@contoso.example@smtp.office365.com"
        );
        assert!(ms().signs_in("learning@contoso.example"));
        assert!(!ms().signs_in("other@contoso.example"));
    }
}
