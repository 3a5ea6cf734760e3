//! `smtp sign-in` and `smtp sign-out`: OAuth2 for SMTP with Microsoft 365 or Google, for a
//! server without a desktop. Microsoft signs in with the device code (a URL and a code to
//! type on any device); Google (which has no device flow for mail) with the loopback flow:
//! open the printed URL in a browser on this machine.

use std::io::Write;
use std::time::Duration;

use certdesk_core::api::smtp;
use certdesk_core::mail::oauth::{load_oauth, OAuthSettings, Provider};
use certdesk_core::mail::oauth_flow::{Flow, SignInPrompt};
use certdesk_core::mail::oauth_token::OAuthContext;
use certdesk_core::mail::smtp_settings::load_settings;
use certdesk_core::Db;

use super::Now;
use crate::output::Output;

/// Arguments of `smtp sign-in`.
#[derive(clap::Args, Debug)]
pub struct SignInArgs {
    /// microsoft | google
    #[arg(long)]
    provider: String,
    /// The mailbox to send from (default: the saved SMTP user, else the From address).
    #[arg(long)]
    account: Option<String>,
    /// The application (client) id of your app registration (default: the saved one).
    #[arg(long)]
    client_id: Option<String>,
    /// Microsoft: the directory (tenant) id or domain (default: the saved one, else
    /// `organizations`).
    #[arg(long)]
    tenant: Option<String>,
    /// Google: the client secret of the "Desktop app" client (default: the saved one).
    #[arg(long)]
    client_secret: Option<String>,
    /// Microsoft: sign in through a browser on this machine instead of the device code.
    #[arg(long)]
    browser: bool,
    /// How long to wait for the sign-in, in seconds.
    #[arg(long, default_value_t = 600)]
    wait: u64,
    /// Endpoint overrides (a sovereign cloud, a test server); default: the provider's.
    #[arg(long)]
    authorize_url: Option<String>,
    #[arg(long)]
    token_url: Option<String>,
    #[arg(long)]
    device_url: Option<String>,
    #[command(flatten)]
    now: Now,
}

/// The settings to sign in with: the saved registration, with what the arguments change.
fn settings(a: &SignInArgs, db: &Db) -> anyhow::Result<OAuthSettings> {
    let provider = Provider::parse(&a.provider)?;
    let r = db.reader()?;
    let saved = load_oauth(&r)?.filter(|o| o.provider == provider);
    let smtp = load_settings(&r)?;
    let pick = |arg: &Option<String>, saved: Option<&String>| {
        arg.clone().or_else(|| saved.cloned()).unwrap_or_default()
    };
    let account = a
        .account
        .clone()
        .or_else(|| {
            smtp.as_ref().map(|s| {
                if s.username.is_empty() {
                    s.from_address.clone()
                } else {
                    s.username.clone()
                }
            })
        })
        .unwrap_or_default();
    let s = saved.as_ref();
    Ok(OAuthSettings {
        provider,
        tenant: pick(&a.tenant, s.map(|o| &o.tenant)),
        client_id: pick(&a.client_id, s.map(|o| &o.client_id)),
        client_secret: pick(&a.client_secret, s.map(|o| &o.client_secret)),
        account,
        authorize_url: pick(&a.authorize_url, s.map(|o| &o.authorize_url)),
        token_url: pick(&a.token_url, s.map(|o| &o.token_url)),
        device_url: pick(&a.device_url, s.map(|o| &o.device_url)),
    })
}

/// Shows what to do now: one JSON line with `--json`, else a sentence.
fn show_prompt(p: &SignInPrompt, out: &Output) -> certdesk_core::Result<()> {
    let line = if out.json {
        serde_json::json!({ "sign_in": p }).to_string()
    } else {
        match p {
            SignInPrompt::Browser { url } => {
                format!("Open this address in a browser on this machine and sign in:\n{url}")
            }
            SignInPrompt::Device {
                verification_uri,
                user_code,
            } => format!("On any device, open {verification_uri} and enter the code {user_code}"),
        }
    };
    let mut o = std::io::stdout().lock();
    writeln!(o, "{line}").and_then(|()| o.flush())?;
    Ok(())
}

/// `smtp sign-in`.
pub fn sign_in(a: SignInArgs, db: &Db, out: &Output) -> anyhow::Result<()> {
    let cfg = settings(&a, db)?;
    let flow = if cfg.provider == Provider::Microsoft && !a.browser {
        Flow::DeviceCode
    } else {
        Flow::Loopback
    };
    let done = smtp::sign_in(
        &mut db.writer()?,
        &OAuthContext::default(),
        &cfg,
        flow,
        &mut |p: &SignInPrompt| show_prompt(p, out),
        Duration::from_secs(a.wait),
        a.now.get()?,
    )?;
    out.print(&done, || {
        format!(
            "signed in with {} as {}: sending through {} with XOAUTH2; the refresh token is in {}",
            done.provider.label(),
            done.account,
            done.host,
            done.token_stored_in
        )
    })
}

/// `smtp sign-out`.
pub fn sign_out(db: &Db, out: &Output) -> anyhow::Result<()> {
    let account = smtp::sign_out(&mut db.writer()?, &OAuthContext::default())?;
    out.print(
        &serde_json::json!({ "signed_out": account }),
        || match &account {
            Some(a) => format!("{a} is signed out; its tokens are forgotten"),
            None => "no account was signed in".into(),
        },
    )
}
