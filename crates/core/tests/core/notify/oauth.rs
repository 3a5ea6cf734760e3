//! OAuth2 sign-in for SMTP against a local authorization server and an SMTP server that takes
//! only `AUTH XOAUTH2`: sign-in (loopback and device code), delivery, refresh before expiry,
//! one refresh on a refused token, revoked consent pausing the queue with nothing lost.

use std::sync::Arc;
use std::time::Duration;

use certdesk_core::mail::oauth::{AuthView, OAuthSettings, Provider};
use certdesk_core::mail::oauth_account::{auth_view, sign_in, sign_out, SignedIn};
use certdesk_core::mail::oauth_flow::{Flow, SignInPrompt};
use certdesk_core::mail::oauth_secret::MemoryTokens;
use certdesk_core::mail::oauth_token::{OAuthContext, TokenCache};
use certdesk_core::mail::{self, send_due, Security, SendOptions};
use certdesk_core::{ErrorKind, ManualClock};

use super::faults::queued;
use super::{opts, t, Fx};
use crate::oauth_server::{approve, browse, http, OAuthServer, CLIENT_ID};

const ACCOUNT: &str = "learning@certdesk.test";

fn cfg(auth: &OAuthServer, provider: Provider) -> OAuthSettings {
    OAuthSettings {
        provider,
        tenant: String::new(),
        client_id: CLIENT_ID.into(),
        client_secret: if provider == Provider::Google {
            "not-so-secret".into()
        } else {
            String::new()
        },
        account: ACCOUNT.into(),
        authorize_url: auth.url("/authorize"),
        token_url: auth.url("/token"),
        device_url: auth.url("/devicecode"),
    }
}

struct Signed {
    tokens: Arc<MemoryTokens>,
    ctx: OAuthContext,
}

impl Signed {
    fn new() -> Signed {
        let tokens = Arc::new(MemoryTokens::default());
        // A cache of its own: the tests run in parallel, each with its own servers.
        let ctx = OAuthContext {
            tokens: tokens.clone(),
            cache: Arc::new(TokenCache::default()),
        };
        Signed { tokens, ctx }
    }

    fn opts(&self) -> SendOptions {
        SendOptions {
            oauth: self.ctx.clone(),
            ..opts()
        }
    }

    /// Signs in with `flow`, the browser (or the other device) played by a thread.
    fn sign_in(&self, fx: &Fx, c: &OAuthSettings, flow: Flow) -> certdesk_core::Result<SignedIn> {
        let mut prompt = |p: &SignInPrompt| {
            let p = p.clone();
            std::thread::spawn(move || match p {
                SignInPrompt::Browser { url } => {
                    let page = browse(&url);
                    assert!(page.contains("Signed in"), "{page}");
                }
                SignInPrompt::Device {
                    verification_uri,
                    user_code,
                } => approve(&verification_uri, &user_code),
            });
            Ok(())
        };
        sign_in(
            &mut fx.db.writer().unwrap(),
            &self.ctx,
            c,
            flow,
            &mut prompt,
            Duration::from_secs(10),
            t("2027-01-02T00:00:00Z"),
        )
    }
}

/// Two queued messages, the SMTP server on loopback, and the store's SMTP user the account.
fn setup() -> (Fx, OAuthServer, super::SmtpServer) {
    let fx = queued(2);
    let auth = OAuthServer::start(&[]);
    let srv = auth.smtp(ACCOUNT);
    fx.smtp(srv.port, Security::None, "");
    (fx, auth, srv)
}

fn auth_log(srv: &super::SmtpServer) -> Vec<String> {
    std::fs::read_to_string(srv.out.join("auth.log"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

fn stored_settings_text(fx: &Fx) -> String {
    let r = fx.db.reader().unwrap();
    let mut st = r
        .prepare("SELECT key || '=' || value FROM setting")
        .unwrap();
    st.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap()
        .join("\n")
}

#[test]
fn loopback_sign_in_then_the_queue_goes_out_with_xoauth2() {
    let (fx, auth, srv) = setup();
    let s = Signed::new();
    let done = s
        .sign_in(&fx, &cfg(&auth, Provider::Google), Flow::Loopback)
        .unwrap();
    assert_eq!(done.account, ACCOUNT);
    assert_eq!(auth.grants("code"), 1);
    // The refresh token is in the token store only, bound to provider, account and host.
    let held = s.tokens.all();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].0, format!("oauth:google:{ACCOUNT}@127.0.0.1"));
    assert!(held[0].1.starts_with("rt-"));
    let stored = stored_settings_text(&fx);
    assert!(
        !stored.contains("rt-") && !stored.contains("at-"),
        "{stored}"
    );
    assert!(matches!(
        auth_view(&fx.db.reader().unwrap(), &s.ctx).unwrap(),
        AuthView::OAuth {
            provider: Provider::Google,
            signed_in: true,
            ..
        }
    ));

    let clock = ManualClock::new(t("2027-01-02T00:00:00Z"));
    let sum = send_due(&fx.db, &clock, &s.opts()).unwrap();
    assert_eq!(sum.sent, 2, "{sum:?}");
    assert_eq!(srv.wait_for(2).len(), 2);
    let log = auth_log(&srv);
    assert!(
        !log.is_empty() && log.iter().all(|l| l.starts_with("ok at-")),
        "{log:?}"
    );
    // The access token of the sign-in was used: no refresh yet.
    assert_eq!(auth.grants("refresh"), 0);
}

#[test]
fn device_code_sign_in_for_microsoft_then_a_test_send_arrives() {
    let (fx, auth, srv) = setup();
    let s = Signed::new();
    s.sign_in(&fx, &cfg(&auth, Provider::Microsoft), Flow::DeviceCode)
        .unwrap();
    assert_eq!(auth.grants("device"), 1);
    assert_eq!(
        s.tokens.all()[0].0,
        format!("oauth:microsoft:{ACCOUNT}@127.0.0.1")
    );
    let settings = mail::load_settings(&fx.db.reader().unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(settings.username, ACCOUNT);
    let oauth = certdesk_core::mail::oauth::load_oauth(&fx.db.reader().unwrap()).unwrap();
    let msg = mail::Rendered {
        subject: "CertDesk test message".into(),
        html: "<p>hi</p>".into(),
        text: "hi".into(),
    };
    mail::send_now_with(
        &settings,
        oauth,
        &s.opts(),
        "me@example.org",
        &msg,
        t("2027-01-02T00:00:00Z"),
    )
    .unwrap();
    let got = srv.wait_for(1);
    assert_eq!(got[0].subject(), "CertDesk test message");
}

#[test]
fn google_offers_no_device_code_flow() {
    let (fx, auth, _srv) = setup();
    let mut c = cfg(&auth, Provider::Google);
    c.device_url.clear();
    let e = Signed::new()
        .sign_in(&fx, &c, Flow::DeviceCode)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SignIn);
}

#[test]
fn an_expiring_token_is_refreshed_before_sending() {
    let (fx, auth, srv) = setup();
    let s = Signed::new();
    s.sign_in(&fx, &cfg(&auth, Provider::Microsoft), Flow::Loopback)
        .unwrap();
    let one = SendOptions {
        max_messages: Some(1),
        connections: 1,
        ..s.opts()
    };
    let at = |when: &str| send_due(&fx.db, &ManualClock::new(t(when)), &one).unwrap();
    assert_eq!(at("2027-01-02T00:10:00Z").sent, 1);
    assert_eq!(auth.grants("refresh"), 0);
    // The token of the sign-in lives an hour: at 00:57 it has less than the margin left.
    assert_eq!(at("2027-01-02T00:57:00Z").sent, 1);
    assert_eq!(auth.grants("refresh"), 1);
    assert_eq!(srv.wait_for(2).len(), 2);
    let log = auth_log(&srv);
    assert_eq!(log.len(), 2, "{log:?}");
    assert_ne!(log[0], log[1], "the second send used the refreshed token");
}

#[test]
fn a_refused_token_is_refreshed_once_then_the_message_goes() {
    let (fx, auth, srv) = setup();
    let s = Signed::new();
    s.sign_in(&fx, &cfg(&auth, Provider::Microsoft), Flow::Loopback)
        .unwrap();
    // The server ends the token early (it still looks good to CertDesk).
    auth.expire_access_tokens();
    let clock = ManualClock::new(t("2027-01-02T00:01:00Z"));
    let sum = send_due(&fx.db, &clock, &s.opts()).unwrap();
    assert_eq!(sum.sent, 2, "{sum:?}");
    assert_eq!(sum.paused_reason, None);
    assert_eq!(auth.grants("refresh"), 1);
    let log = auth_log(&srv);
    assert!(log[0].starts_with("refused"), "{log:?}");
    assert!(log[1..].iter().all(|l| l.starts_with("ok")), "{log:?}");
}

#[test]
fn revoked_consent_pauses_sending_until_signed_in_again_and_loses_nothing() {
    let (fx, auth, srv) = setup();
    let s = Signed::new();
    let c = cfg(&auth, Provider::Microsoft);
    s.sign_in(&fx, &c, Flow::Loopback).unwrap();
    auth.expire_access_tokens();
    auth.revoke();
    let clock = ManualClock::new(t("2027-01-02T00:01:00Z"));
    let sum = send_due(&fx.db, &clock, &s.opts()).unwrap();
    assert_eq!(sum.sent, 0);
    let reason = sum.paused_reason.unwrap_or_default();
    assert!(reason.contains("sign in again"), "{reason}");
    assert!(reason.contains("invalid_grant"), "{reason}");
    let q = mail::queue_status(&fx.db.reader().unwrap()).unwrap();
    assert_eq!((q.queued, q.failed), (2, 0));
    assert_eq!(q.paused_reason.as_deref(), Some(reason.as_str()));
    assert!(srv.received().is_empty());
    // The refused refresh token is gone: the screen offers "Sign in again".
    assert!(s.tokens.all().is_empty());
    assert!(matches!(
        auth_view(&fx.db.reader().unwrap(), &s.ctx).unwrap(),
        AuthView::OAuth {
            signed_in: false,
            ..
        }
    ));
    // Still paused on the next pass, without asking the provider again.
    assert_eq!(send_due(&fx.db, &clock, &s.opts()).unwrap().sent, 0);
    s.sign_in(&fx, &c, Flow::Loopback).unwrap();
    assert_eq!(send_due(&fx.db, &clock, &s.opts()).unwrap().sent, 2);
    assert_eq!(srv.wait_for(2).len(), 2);
}

#[test]
fn a_redirect_with_another_state_is_refused_and_nothing_is_stored() {
    let (fx, auth, _srv) = setup();
    let s = Signed::new();
    let mut prompt = |p: &SignInPrompt| {
        let SignInPrompt::Browser { url } = p.clone() else {
            panic!("{p:?}")
        };
        std::thread::spawn(move || {
            let (_, location, _) = http("GET", &url);
            let location = location.unwrap();
            let forged = format!(
                "{}?code=stolen&state=forged",
                location.split('?').next().unwrap()
            );
            http("GET", &forged);
        });
        Ok(())
    };
    let e = sign_in(
        &mut fx.db.writer().unwrap(),
        &s.ctx,
        &cfg(&auth, Provider::Microsoft),
        Flow::Loopback,
        &mut prompt,
        Duration::from_secs(10),
        t("2027-01-02T00:00:00Z"),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::SignIn, "{e}");
    assert!(s.tokens.all().is_empty());
    assert_eq!(
        auth_view(&fx.db.reader().unwrap(), &s.ctx).unwrap(),
        AuthView::Password
    );
}

#[test]
fn sign_out_forgets_the_token_and_sending_pauses_with_a_reason() {
    let (fx, auth, srv) = setup();
    let s = Signed::new();
    s.sign_in(&fx, &cfg(&auth, Provider::Microsoft), Flow::Loopback)
        .unwrap();
    let out = sign_out(&mut fx.db.writer().unwrap(), &s.ctx).unwrap();
    assert_eq!(out.as_deref(), Some(ACCOUNT));
    assert!(s.tokens.all().is_empty());
    // Both are in the audit trail, by account, with no token anywhere in it.
    let trail: Vec<String> = fx
        .db
        .reader()
        .unwrap()
        .prepare("SELECT action || ' ' || subject || ' ' || coalesce(after, '') FROM audit_entry")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let signs: Vec<&String> = trail.iter().filter(|l| l.contains("sign_")).collect();
    assert_eq!(signs.len(), 2, "{trail:?}");
    assert!(signs[0].starts_with(&format!("settings.smtp_sign_in {ACCOUNT}")));
    assert!(signs[1].starts_with(&format!("settings.smtp_sign_out {ACCOUNT}")));
    assert!(!trail
        .iter()
        .any(|l| l.contains("refresh") || l.contains("access")));
    // Without the sign-in the account has no password either: the queue pauses, nothing lost.
    let sum = send_due(
        &fx.db,
        &ManualClock::new(t("2027-01-02T00:01:00Z")),
        &s.opts(),
    )
    .unwrap();
    assert_eq!(sum.sent, 0);
    assert!(sum.paused_reason.is_some());
    assert!(srv.received().is_empty());
}

#[test]
fn a_server_that_refuses_even_a_fresh_token_pauses_after_one_refresh() {
    let fx = queued(2);
    let auth = OAuthServer::start(&[]);
    // The server takes tokens for another mailbox only: every AUTH is refused.
    let srv = auth.smtp("someone-else@certdesk.test");
    fx.smtp(srv.port, Security::None, "");
    let s = Signed::new();
    s.sign_in(&fx, &cfg(&auth, Provider::Microsoft), Flow::Loopback)
        .unwrap();
    let clock = ManualClock::new(t("2027-01-02T00:01:00Z"));
    let sum = send_due(&fx.db, &clock, &s.opts()).unwrap();
    assert_eq!(sum.sent, 0);
    let reason = sum.paused_reason.unwrap_or_default();
    assert!(
        reason.contains("535") && reason.contains("newly refreshed"),
        "{reason}"
    );
    assert_eq!(auth.grants("refresh"), 1, "one refresh, not a loop");
    assert_eq!(auth_log(&srv).len(), 2);
    let q = mail::queue_status(&fx.db.reader().unwrap()).unwrap();
    assert_eq!((q.queued, q.failed), (2, 0));
}
