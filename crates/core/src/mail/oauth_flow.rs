//! The two ways to sign in (RFC 8252 for a native app):
//! - **loopback**: authorization code with PKCE; this machine listens on 127.0.0.1 on a
//!   free port, the system browser opens the provider's page, which redirects to
//!   `http://localhost:<port>/?code=..&state=..`; the `state` must be ours.
//! - **device code** (Microsoft; for a server without a browser): the person opens a URL
//!   on any device and types a code; this machine polls the token endpoint.
//!
//! Both end with a [`TokenSet`] holding a refresh token.

use std::time::Duration;

use oauth2::basic::BasicTokenResponse;
use oauth2::{
    AuthorizationCode, CsrfToken, DeviceAuthorizationUrl, PkceCodeChallenge, RedirectUrl,
    RequestTokenError, Scope, StandardDeviceAuthorizationResponse, TokenResponse,
};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;

use super::oauth::OAuthSettings;
use super::oauth_token::{http, oauth_client, TokenSet};
use crate::{Error, Result};

/// How to sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Flow {
    /// The system browser and a loopback redirect (the desktop; the CLI for Google).
    Loopback,
    /// A URL and a code to type on any device (Microsoft, headless).
    DeviceCode,
}

/// What the person must do to sign in, shown (or opened) while the flow waits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum SignInPrompt {
    /// Open this URL in a browser on this machine.
    Browser { url: String },
    /// Open `verification_uri` on any device and enter `user_code`.
    Device {
        verification_uri: String,
        user_code: String,
    },
}

/// Called with the prompt once the flow is ready; an error aborts the sign-in.
pub type Prompt<'a> = dyn FnMut(&SignInPrompt) -> Result<()> + 'a;

fn scopes(cfg: &OAuthSettings) -> Vec<Scope> {
    cfg.provider
        .scopes()
        .iter()
        .map(|s| Scope::new((*s).to_string()))
        .collect()
}

fn tokens(t: &BasicTokenResponse) -> TokenSet {
    TokenSet {
        access_token: t.access_token().secret().clone(),
        refresh_token: t.refresh_token().map(|r| r.secret().clone()),
        expires_in: t.expires_in(),
    }
}

fn refused<RE: std::error::Error + 'static, T: oauth2::ErrorResponse + 'static>(
    e: RequestTokenError<RE, T>,
) -> Error {
    match e {
        RequestTokenError::ServerResponse(r) => Error::SignIn(format!("the provider refused: {r}")),
        other => Error::SignIn(format!("the provider could not be reached: {other}")),
    }
}

/// The loopback flow: `prompt` gets the URL to open; waits up to `wait` for the redirect.
///
/// # Errors
/// [`Error::SignIn`]: refused, no redirect in time, a redirect with another `state`, or the
/// code exchange failed.
pub(super) async fn loopback(
    cfg: &OAuthSettings,
    prompt: &mut Prompt<'_>,
    wait: Duration,
) -> Result<TokenSet> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let port = listener.local_addr()?.port();
    let redirect = format!("http://localhost:{port}/");
    let client = oauth_client(cfg)?
        .set_redirect_uri(RedirectUrl::new(redirect).map_err(|e| Error::SignIn(e.to_string()))?);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut req = client
        .authorize_url(CsrfToken::new_random)
        .add_scopes(scopes(cfg))
        .set_pkce_challenge(challenge);
    if !cfg.account.trim().is_empty() {
        req = req.add_extra_param("login_hint", cfg.account.trim().to_string());
    }
    if cfg.provider == super::oauth::Provider::Google {
        // Google returns a refresh token only when asked for offline access.
        req = req
            .add_extra_param("access_type", "offline")
            .add_extra_param("prompt", "consent");
    }
    let (url, state) = req.url();
    prompt(&SignInPrompt::Browser {
        url: url.to_string(),
    })?;
    let code = timeout(wait, receive(&listener, state.secret()))
        .await
        .map_err(|_| {
            Error::SignIn(format!(
                "no answer from the browser within {} s",
                wait.as_secs()
            ))
        })??;
    let http = http()?;
    let t = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .map_err(refused)?;
    Ok(tokens(&t))
}

/// Waits for the browser's redirect carrying `state`; returns its code. Other requests (a
/// favicon) get a 404 and the wait goes on.
async fn receive(listener: &TcpListener, state: &str) -> Result<String> {
    loop {
        let (mut s, _) = listener.accept().await?;
        let Ok(Ok(Some(target))) = timeout(Duration::from_secs(10), request_target(&mut s)).await
        else {
            continue;
        };
        let Ok(url) = url::Url::parse(&format!("http://localhost{target}")) else {
            reply(&mut s, "400 Bad Request", "Not a sign-in answer.").await;
            continue;
        };
        let q = |k: &str| {
            url.query_pairs()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.to_string())
        };
        let (code, error) = (q("code"), q("error"));
        if code.is_none() && error.is_none() {
            reply(&mut s, "404 Not Found", "Nothing here.").await;
            continue;
        }
        if q("state").as_deref() != Some(state) {
            reply(
                &mut s,
                "400 Bad Request",
                "This answer is not for the sign-in CertDesk started.",
            )
            .await;
            return Err(Error::SignIn(
                "the browser's answer carries another state (not the sign-in CertDesk started)"
                    .into(),
            ));
        }
        if let Some(e) = error {
            let d = q("error_description").unwrap_or_default();
            reply(
                &mut s,
                "200 OK",
                "Sign-in was not completed. You can close this window.",
            )
            .await;
            let d = d.lines().next().unwrap_or_default().to_string();
            return Err(Error::SignIn(
                format!("the provider answered {e} {d}").trim().to_string(),
            ));
        }
        reply(
            &mut s,
            "200 OK",
            "Signed in. You can close this window and return to CertDesk.",
        )
        .await;
        return code.ok_or_else(|| Error::SignIn("no code".into()));
    }
}

/// The request target of an HTTP GET (`/?code=..`), read up to the end of its head.
async fn request_target(s: &mut TcpStream) -> std::io::Result<Option<String>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 16 * 1024 {
        let n = s.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let head = String::from_utf8_lossy(&buf);
    let mut words = head.lines().next().unwrap_or_default().split(' ');
    Ok(match (words.next(), words.next()) {
        (Some("GET"), Some(t)) if t.starts_with('/') => Some(t.to_string()),
        _ => None,
    })
}

async fn reply(s: &mut TcpStream, status: &str, text: &str) {
    // The texts are ours (no markup), so they go into the page as they are.
    let body = format!("<!doctype html><meta charset=utf-8><title>CertDesk</title><p>{text}</p>");
    let r = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = s.write_all(r.as_bytes()).await;
    let _ = s.shutdown().await;
}

/// The device-code flow: `prompt` gets the URL and the code; polls up to `wait`.
///
/// # Errors
/// [`Error::SignIn`]: the provider has no device flow for SMTP (Google), refused, or the
/// code expired.
pub(super) async fn device_code(
    cfg: &OAuthSettings,
    prompt: &mut Prompt<'_>,
    wait: Duration,
) -> Result<TokenSet> {
    let Some(device) = cfg.endpoints().device else {
        return Err(Error::SignIn(format!(
            "{} offers no device-code sign-in for SMTP: sign in in a browser (the loopback flow)",
            cfg.provider.label()
        )));
    };
    let url = DeviceAuthorizationUrl::new(device.clone())
        .map_err(|_| Error::invalid("device url", format!("'{device}' is not a URL")))?;
    let client = oauth_client(cfg)?.set_device_authorization_url(url);
    let http = http()?;
    let details: StandardDeviceAuthorizationResponse = client
        .exchange_device_code()
        .add_scopes(scopes(cfg))
        .request_async(&http)
        .await
        .map_err(refused)?;
    prompt(&SignInPrompt::Device {
        verification_uri: details.verification_uri().to_string(),
        user_code: details.user_code().secret().clone(),
    })?;
    let t = client
        .exchange_device_access_token(&details)
        .request_async(&http, tokio::time::sleep, Some(wait))
        .await
        .map_err(refused)?;
    Ok(tokens(&t))
}

/// The browser of the end-to-end tests: GETs the `http://` authorization URL of a local
/// authorization server and follows its redirect to the loopback, as a browser would. Not
/// for real providers (no TLS). Returns the page the loopback showed, or why not.
pub fn follow_redirect(authorize_url: &str) -> std::result::Result<String, String> {
    let (_, location) = plain_get(authorize_url)?;
    let location = location.ok_or("the authorization server did not redirect")?;
    plain_get(&location).map(|(page, _)| page)
}

/// One HTTP/1.0 GET of an `http://host:port/path` URL: (body, Location).
fn plain_get(url: &str) -> std::result::Result<(String, Option<String>), String> {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").ok_or("not an http URL")?;
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let addr = authority.replace("localhost", "127.0.0.1");
    let mut s = std::net::TcpStream::connect(&addr).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| e.to_string())?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: {authority}\r\n\r\n").map_err(|e| e.to_string())?;
    let mut text = String::new();
    s.read_to_string(&mut text).map_err(|e| e.to_string())?;
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let location = head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case("location")
            .then(|| v.trim().to_string())
    });
    Ok((body.to_string(), location))
}
