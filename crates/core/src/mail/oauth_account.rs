//! Signing an account in and out: the flow's refresh token goes to the token store (bound to
//! provider, account and SMTP host), the settings to the store (the SMTP user becomes the
//! account; a store without SMTP settings gets the provider's server), and a pause is lifted.

use std::time::Duration;

use jiff::Timestamp;
use rusqlite::Connection;
use serde::Serialize;

use super::oauth::{load_oauth, save_oauth, AuthView, OAuthSettings, Provider};
use super::oauth_flow::{device_code, loopback, Flow, Prompt};
use super::oauth_token::OAuthContext;
use super::smtp_settings::{load_settings, save_settings, Security, SmtpSettings};
use crate::store::audit::{self, Entry};
use crate::{Error, Result, Writer};

/// A completed sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct SignedIn {
    pub provider: Provider,
    pub account: String,
    /// The SMTP server the account now sends through.
    pub host: String,
    /// Where the refresh token went (the OS keyring, or the private file).
    pub token_stored_in: String,
}

/// The SMTP settings of a store that had none: the provider's server, sending as `account`.
fn provider_settings(p: Provider, account: &str) -> SmtpSettings {
    SmtpSettings {
        host: p.smtp_host().into(),
        port: 587,
        security: Security::Starttls,
        username: account.into(),
        from_address: account.into(),
        from_name: String::new(),
        timeout_secs: 30,
        ca_cert_file: String::new(),
        allow_plain_auth: false,
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// Signs `cfg.account` in with `flow` (`prompt` shows the URL or the code; waits up to
/// `wait`), then stores the refresh token and the settings and lifts a pause. Blocking: call
/// it from a plain thread, never from an async task.
///
/// # Errors
/// [`Error::Invalid`] for bad settings or account; [`Error::SignIn`] when the flow fails
/// (nothing is stored then); [`Error::SecretStore`] when the token cannot be stored.
pub fn sign_in(
    w: &mut Writer,
    ctx: &OAuthContext,
    cfg: &OAuthSettings,
    flow: Flow,
    prompt: &mut Prompt<'_>,
    wait: Duration,
    now: Timestamp,
) -> Result<SignedIn> {
    cfg.validate()?;
    let account = cfg.account.trim().to_string();
    if account.parse::<lettre::Address>().is_err() {
        return Err(Error::invalid(
            "account",
            format!("'{account}' is not an email address (the mailbox to send from)"),
        ));
    }
    // The settings the sign-in leads to are checked first: a refusal after the person has
    // consented in the browser would waste the sign-in.
    let mut smtp =
        load_settings(w.conn())?.unwrap_or_else(|| provider_settings(cfg.provider, &account));
    smtp.username.clone_from(&account);
    smtp.validate()?;
    let rt = runtime()?;
    let set = rt.block_on(async {
        match flow {
            Flow::Loopback => loopback(cfg, prompt, wait).await,
            Flow::DeviceCode => device_code(cfg, prompt, wait).await,
        }
    })?;
    let refresh = set.refresh_token.clone().ok_or_else(|| {
        Error::SignIn(format!(
            "{} returned no refresh token: check the app registration's scopes (docs/NOTIFICATIONS.md)",
            cfg.provider.label()
        ))
    })?;
    let mut cfg = cfg.clone();
    cfg.account = account.clone();
    let key = cfg.token_key(&smtp.host);
    let token_stored_in = ctx.tokens.set(&key, &refresh)?;
    let who = w.actor();
    w.write(|tx| {
        save_oauth(tx, &cfg)?;
        save_settings(tx, &smtp)?;
        let after = serde_json::json!({"provider": cfg.provider.label(), "host": smtp.host});
        audit::record(
            tx,
            &who,
            &Entry::new("settings.smtp_sign_in", &account).after(after),
        )
    })?;
    ctx.cache.put(&key, &set, now);
    Ok(SignedIn {
        provider: cfg.provider,
        account,
        host: smtp.host,
        token_stored_in,
    })
}

/// Forgets the signed-in account's refresh token and access token; the registration (tenant,
/// client id) stays for the next sign-in. Nothing signed in is not an error.
///
/// # Errors
/// Database errors; [`Error::SecretStore`] when the token cannot be removed.
pub fn sign_out(w: &mut Writer, ctx: &OAuthContext) -> Result<Option<String>> {
    let Some(mut cfg) = load_oauth(w.conn())? else {
        return Ok(None);
    };
    if cfg.account.is_empty() {
        return Ok(None);
    }
    if let Some(s) = load_settings(w.conn())? {
        ctx.tokens.delete(&cfg.token_key(&s.host))?;
    }
    ctx.cache.clear();
    let account = std::mem::take(&mut cfg.account);
    let who = w.actor();
    w.write(|tx| {
        save_oauth(tx, &cfg)?;
        audit::record(tx, &who, &Entry::new("settings.smtp_sign_out", &account))
    })?;
    Ok(Some(account))
}

/// How the saved settings log in: a password, or a signed-in account (and whether its
/// refresh token is still there).
///
/// # Errors
/// Database errors.
pub fn auth_view(conn: &Connection, ctx: &OAuthContext) -> Result<AuthView> {
    let (Some(s), Some(o)) = (load_settings(conn)?, load_oauth(conn)?) else {
        return Ok(AuthView::Password);
    };
    if !o.signs_in(&s.username) {
        return Ok(AuthView::Password);
    }
    let signed_in = ctx
        .tokens
        .get(&o.token_key(&s.host))
        .ok()
        .flatten()
        .is_some();
    Ok(AuthView::OAuth {
        provider: o.provider,
        account: o.account,
        signed_in,
    })
}
