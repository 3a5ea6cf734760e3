//! `AUTH XOAUTH2` on an SMTP connection. Written here rather than through lettre's
//! `Mechanism::Xoauth2` because a refused token gets a `334` challenge (base64 JSON
//! details) before the final 535, which lettre's mechanism rejects as a client error; here
//! the challenge is answered with an empty line, so the 535 arrives and pauses sending.
//! lettre fixes credentials per `auth` call, so each connection logs in with the token of
//! the moment: a refresh takes effect on the next connection.

use std::time::Duration;

use base64::Engine;
use jiff::Timestamp;
use lettre::transport::smtp::client::AsyncSmtpConnection;

use super::fault::{step_at, Fault, Stage};
use super::oauth::OAuthSettings;
use super::oauth_token::{access_token, OAuthContext, TokenFault};
use super::smtp_settings::SmtpSettings;

/// The signed-in account a client logs in with, and where its tokens are.
pub(super) struct OAuthLogin {
    pub(super) cfg: OAuthSettings,
    pub(super) ctx: OAuthContext,
}

impl OAuthLogin {
    /// An access token for the settings' host (refreshed when `force`).
    pub(super) async fn token(
        &self,
        s: &SmtpSettings,
        now: Timestamp,
        force: bool,
    ) -> Result<String, Fault> {
        access_token(&self.cfg, &s.host, &self.ctx, now, force)
            .await
            .map_err(|f| match f {
                TokenFault::Consent(r) => Fault::Auth(r),
                TokenFault::Unreachable(r) => Fault::Connect(r),
            })
    }

    /// The pause reason when the server refuses a freshly refreshed token.
    pub(super) fn refused(&self, server: &str) -> String {
        format!(
            "{server} (with a newly refreshed {} token for {}; check that the account may \
             send by SMTP, or sign in again)",
            self.cfg.provider.label(),
            self.cfg.account
        )
    }
}

struct AuthXoauth2(String);

impl std::fmt::Display for AuthXoauth2 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AUTH XOAUTH2 {}\r\n", self.0)
    }
}

/// The empty answer to the error challenge.
struct EndChallenge;

impl std::fmt::Display for EndChallenge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("\r\n")
    }
}

/// The XOAUTH2 initial response: `user=<user>^Aauth=Bearer <token>^A^A`, base64.
pub(super) fn initial_response(user: &str, token: &str) -> String {
    base64::engine::general_purpose::STANDARD
        .encode(format!("user={user}\x01auth=Bearer {token}\x01\x01"))
}

/// Logs in on `c` as `user` with `token`; [`Fault::Auth`] when the server refuses it.
pub(super) async fn xoauth2(
    c: &mut AsyncSmtpConnection,
    t: Duration,
    user: &str,
    token: &str,
) -> Result<(), Fault> {
    let auth = AuthXoauth2(initial_response(user, token));
    let r = step_at(t, "AUTH", c.command(auth), Stage::Connect).await?;
    if r.has_code(334) {
        step_at(t, "AUTH", c.command(EndChallenge), Stage::Connect).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_initial_response_is_the_documented_string() {
        // The example of Google's XOAUTH2 documentation.
        assert_eq!(
            super::initial_response("someuser@example.com", "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg"),
            "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ=="
        );
    }
}
