//! The access token: kept in memory with its expiry ([`TokenCache`]), refreshed with the
//! stored refresh token a few minutes before it expires, or at once when the server refused
//! it (a 535 4.7.x). A refresh the provider refuses (`invalid_grant`: consent revoked or
//! expired, password changed) forgets the refresh token: the account must sign in again.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;
use oauth2::basic::{BasicClient, BasicErrorResponseType};
use oauth2::{
    AuthUrl, ClientId, ClientSecret, EndpointNotSet, EndpointSet, RefreshToken, RequestTokenError,
    TokenResponse, TokenUrl,
};

use super::oauth::OAuthSettings;
use super::oauth_secret::{SystemTokens, TokenStore};
use crate::{Error, Result};

/// Refresh this long before the access token expires.
const MARGIN_SECS: i64 = 300;
/// The lifetime assumed when the provider does not say.
const DEFAULT_LIFETIME_SECS: u64 = 3600;

/// The tokens a sign-in or a refresh returned.
pub struct TokenSet {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub expires_in: Option<Duration>,
}

/// The access token in memory, with its expiry; one per app (the desktop keeps it in its
/// state, the command line per run). Never written anywhere.
#[derive(Default)]
pub struct TokenCache(Mutex<Option<(String, String, Timestamp)>>);

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenCache(..)")
    }
}

impl TokenCache {
    /// The cached token for `key` when it is good for a few minutes more at `now`.
    fn fresh(&self, key: &str, now: Timestamp) -> Option<String> {
        let g = self.0.lock().ok()?;
        let (k, t, until) = g.as_ref()?;
        (k == key && until.as_second() - MARGIN_SECS > now.as_second()).then(|| t.clone())
    }

    pub(super) fn put(&self, key: &str, set: &TokenSet, now: Timestamp) {
        let secs = set
            .expires_in
            .map_or(DEFAULT_LIFETIME_SECS, |d| d.as_secs());
        let until = Timestamp::from_second(
            now.as_second()
                .saturating_add(i64::try_from(secs).unwrap_or(i64::MAX / 4)),
        )
        .unwrap_or(now);
        if let Ok(mut g) = self.0.lock() {
            *g = Some((key.to_string(), set.access_token.clone(), until));
        }
    }

    /// Drops the cached token (signed out).
    pub fn clear(&self) {
        if let Ok(mut g) = self.0.lock() {
            *g = None;
        }
    }
}

/// Where the refresh token lives and the access-token cache: the OS keyring and a fresh
/// cache by default.
#[derive(Debug, Clone)]
pub struct OAuthContext {
    pub tokens: Arc<dyn TokenStore>,
    pub cache: Arc<TokenCache>,
}

/// The process's access-token cache. A cache, not state: what it holds can always be had
/// again from the refresh token. Shared so that the desktop's timer passes, its "Run now" and
/// its test sends reuse a token until it nears expiry without threading a handle through
/// each of them (a token is keyed by provider, account and host, so a store switched at the
/// first run never gets another account's token).
fn shared_cache() -> Arc<TokenCache> {
    static SHARED: std::sync::OnceLock<Arc<TokenCache>> = std::sync::OnceLock::new();
    SHARED.get_or_init(Arc::default).clone()
}

impl Default for OAuthContext {
    /// The OS keyring and the process's cache.
    fn default() -> Self {
        Self {
            tokens: Arc::new(SystemTokens),
            cache: shared_cache(),
        }
    }
}

/// Why no access token could be had.
#[derive(Debug)]
pub(super) enum TokenFault {
    /// No refresh token, or the provider refused it: sign in again (pause sending).
    Consent(String),
    /// The provider could not be reached or answered oddly: retry later.
    Unreachable(String),
}

pub(super) type Client =
    BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// The oauth2 client for `cfg` with `redirect` (the loopback URL) when given.
pub(super) fn oauth_client(cfg: &OAuthSettings) -> Result<Client> {
    let e = cfg.endpoints();
    let bad = |what: &str, u: &str| Error::invalid(what, format!("'{u}' is not a URL"));
    let mut c = BasicClient::new(ClientId::new(cfg.client_id.trim().to_string()))
        .set_auth_uri(
            AuthUrl::new(e.authorize.clone()).map_err(|_| bad("authorize url", &e.authorize))?,
        )
        .set_token_uri(TokenUrl::new(e.token.clone()).map_err(|_| bad("token url", &e.token))?);
    if !cfg.client_secret.trim().is_empty() {
        c = c.set_client_secret(ClientSecret::new(cfg.client_secret.trim().to_string()));
    }
    Ok(c)
}

/// An HTTP client that follows no redirect (RFC 6749 section 5 answers are never redirects).
pub(super) fn http() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| Error::SignIn(format!("HTTP client: {e}")))
}

/// The sentence of a refused sign-in, with what to do.
pub(super) fn sign_in_again(cfg: &OAuthSettings, why: &str) -> String {
    format!(
        "the {} sign-in for {} is no longer valid ({why}): sign in again (Settings, Sign in \
         with {}; or certdesk-cli smtp sign-in --provider {})",
        cfg.provider.label(),
        cfg.account,
        cfg.provider.label(),
        cfg.provider.key()
    )
}

/// Trades the refresh token for a new access token.
async fn refresh(cfg: &OAuthSettings, refresh: &str) -> std::result::Result<TokenSet, TokenFault> {
    let client = oauth_client(cfg).map_err(|e| TokenFault::Unreachable(e.to_string()))?;
    let http = http().map_err(|e| TokenFault::Unreachable(e.to_string()))?;
    let token = RefreshToken::new(refresh.to_string());
    let mut req = client.exchange_refresh_token(&token);
    for s in cfg.provider.scopes() {
        req = req.add_scope(oauth2::Scope::new((*s).to_string()));
    }
    match req.request_async(&http).await {
        Ok(t) => Ok(TokenSet {
            access_token: t.access_token().secret().clone(),
            refresh_token: t.refresh_token().map(|r| r.secret().clone()),
            expires_in: t.expires_in(),
        }),
        Err(RequestTokenError::ServerResponse(e))
            if matches!(
                e.error(),
                BasicErrorResponseType::InvalidGrant | BasicErrorResponseType::UnauthorizedClient
            ) =>
        {
            let why = e
                .error_description()
                .map_or_else(|| e.error().to_string(), |d| format!("{}: {d}", e.error()));
            let first = why.lines().next().unwrap_or_default().to_string();
            Err(TokenFault::Consent(first))
        }
        Err(e) => Err(TokenFault::Unreachable(format!(
            "the {} token endpoint: {e}",
            cfg.provider.label()
        ))),
    }
}

/// An access token for `cfg`'s account at `host`: the cached one while it is good (unless
/// `force`), else a refreshed one (a rotated refresh token is stored again).
pub(super) async fn access_token(
    cfg: &OAuthSettings,
    host: &str,
    ctx: &OAuthContext,
    now: Timestamp,
    force: bool,
) -> std::result::Result<String, TokenFault> {
    let key = cfg.token_key(host);
    if !force {
        if let Some(t) = ctx.cache.fresh(&key, now) {
            return Ok(t);
        }
    }
    let stored = ctx
        .tokens
        .get(&key)
        .map_err(|e| TokenFault::Consent(sign_in_again(cfg, &e.to_string())))?
        .ok_or_else(|| {
            TokenFault::Consent(sign_in_again(
                cfg,
                &format!("no refresh token is stored for {}", host.trim()),
            ))
        })?;
    let set = match refresh(cfg, &stored).await {
        Ok(s) => s,
        Err(TokenFault::Consent(why)) => {
            ctx.cache.clear();
            // Keeping a refused token would only fail again; "Sign in again" replaces it.
            let _ = ctx.tokens.delete(&key);
            return Err(TokenFault::Consent(sign_in_again(cfg, &why)));
        }
        Err(e) => return Err(e),
    };
    if let Some(r) = set.refresh_token.as_deref().filter(|r| *r != stored) {
        ctx.tokens
            .set(&key, r)
            .map_err(|e| TokenFault::Unreachable(e.to_string()))?;
    }
    ctx.cache.put(&key, &set, now);
    Ok(set.access_token)
}
