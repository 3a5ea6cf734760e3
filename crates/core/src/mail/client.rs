//! The SMTP client: lettre over rustls, on a socket we open ourselves with TCP_NODELAY
//! (lettre never sets it, which holds each message for a delayed ACK), a timeout on every
//! step (connect, greeting, STARTTLS, AUTH, MAIL, RCPT, DATA and the message; MAIL, RCPT
//! and DATA in one write where the server offers PIPELINING); how a
//! failure is classified for the outbox ([`Fault`]); and a claimed message formatted for
//! the wire. Implicit TLS (port 465) connects through lettre's own socket, without
//! TCP_NODELAY.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use jiff::Timestamp;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, TlsParameters};
use lettre::transport::smtp::commands::{Data, Ehlo, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use lettre::Address;
use tokio::time::timeout;

pub(super) use super::fault::Fault;
use super::fault::{judge, quit_wait, step_at, Stage};
use super::message::header_text;
use super::oauth::OAuthSettings;
use super::oauth_smtp::{xoauth2, OAuthLogin};
use super::outbox::Claimed;
use super::sender::SendOptions;
use super::smtp_settings::{find_password, Security, SmtpSettings};

/// Runs one step of opening the connection (`connecting`) or of a message within `t`.
async fn step<T>(
    t: Duration,
    what: &str,
    f: impl std::future::Future<Output = std::result::Result<T, lettre::transport::smtp::Error>>,
    connecting: bool,
) -> std::result::Result<T, Fault> {
    let stage = if connecting {
        Stage::Connect
    } else {
        Stage::Data
    };
    step_at(t, what, f, stage).await
}

/// An SMTP client for one settings snapshot.
pub(super) struct Smtp {
    pub(super) s: SmtpSettings,
    /// The password, or why none may be used (bound to another server, a readable file).
    password: crate::Result<Option<String>>,
    pub(super) t: Duration,
    hello: ClientId,
    /// Whether the server offers PIPELINING (RFC 2920), as its last EHLO said.
    pipelining: AtomicBool,
    /// Set for a signed-in account: XOAUTH2 instead of the password.
    oauth: Option<OAuthLogin>,
}

/// MAIL FROM, RCPT TO and DATA written at once, for a server that offers PIPELINING: one
/// round trip instead of three. Their replies are read in order, so a refusal is judged at
/// the step it answers, exactly as without pipelining.
struct Pipelined(Mail, Rcpt);

impl std::fmt::Display for Pipelined {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}{}", self.0, self.1, Data)
    }
}

impl Smtp {
    fn tls(&self) -> std::result::Result<TlsParameters, Fault> {
        let mut b = TlsParameters::builder(self.s.host.clone());
        if !self.s.ca_cert_file.is_empty() {
            let pem = std::fs::read(&self.s.ca_cert_file)
                .map_err(|e| Fault::Connect(format!("{}: {e}", self.s.ca_cert_file)))?;
            let cert = Certificate::from_pem(&pem).map_err(|e| Fault::Connect(e.to_string()))?;
            b = b.add_root_certificate(cert);
        }
        b.build_rustls().map_err(|e| Fault::Connect(e.to_string()))
    }

    /// Connects, says EHLO and upgrades to TLS as the settings ask; no login yet.
    async fn open(&self) -> std::result::Result<AsyncSmtpConnection, Fault> {
        let addr = (self.s.host.as_str(), self.s.port);
        let mut c = if self.s.security == Security::Tls {
            let tls = self.tls()?;
            step(
                self.t,
                "connect",
                AsyncSmtpConnection::connect_tokio1(
                    addr,
                    Some(self.t),
                    &self.hello,
                    Some(tls),
                    None,
                ),
                true,
            )
            .await?
        } else {
            let tcp = match timeout(self.t, tokio::net::TcpStream::connect(addr)).await {
                Ok(Ok(tcp)) => tcp,
                Ok(Err(e)) => {
                    return Err(Fault::Connect(format!(
                        "cannot connect to {}:{}: {e}",
                        self.s.host, self.s.port
                    )))
                }
                Err(_) => return Err(Fault::Connect("connect timed out".into())),
            };
            tcp.set_nodelay(true)
                .map_err(|e| Fault::Connect(e.to_string()))?;
            let mut c = step(
                self.t,
                "greeting",
                AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &self.hello),
                true,
            )
            .await?;
            if self.s.security == Security::Starttls {
                let tls = self.tls()?;
                step(self.t, "STARTTLS", c.starttls(tls, &self.hello), true).await?;
            }
            c
        };
        // lettre reads the EHLO reply but keeps only the keywords it knows: ask once more
        // (before AUTH, which a new EHLO would not undo anyway) to learn about PIPELINING.
        let ehlo = step(
            self.t,
            "EHLO",
            c.command(Ehlo::new(self.hello.clone())),
            true,
        )
        .await?;
        let offered = ehlo
            .message()
            .any(|l| l.trim().eq_ignore_ascii_case("PIPELINING"));
        self.pipelining.store(offered, Ordering::Relaxed);
        Ok(c)
    }

    /// Connects and logs in: with the password, or with XOAUTH2 for a signed-in account (a
    /// refused access token is refreshed once, on a new connection, before the refusal
    /// stands).
    pub(super) async fn connect(
        &self,
        now: Timestamp,
    ) -> std::result::Result<AsyncSmtpConnection, Fault> {
        let mut c = self.open().await?;
        if self.s.username.is_empty() {
            return Ok(c);
        }
        // Checked again here (not only when saved): a restored store may carry settings
        // that were never validated on this machine.
        if let Some(why) = self.s.plain_auth_refused() {
            return Err(Fault::Auth(why));
        }
        let Some(o) = &self.oauth else {
            self.password_login(&mut c).await?;
            return Ok(c);
        };
        let token = o.token(&self.s, now, false).await?;
        match xoauth2(&mut c, self.t, &self.s.username, &token).await {
            Err(Fault::Auth(_)) => {
                timeout(quit_wait(self.t), c.abort()).await.ok();
                let token = o.token(&self.s, now, true).await?;
                let mut c = self.open().await?;
                match xoauth2(&mut c, self.t, &self.s.username, &token).await {
                    Err(Fault::Auth(r)) => Err(Fault::Auth(o.refused(&r))),
                    Err(f) => Err(f),
                    Ok(()) => Ok(c),
                }
            }
            Err(f) => Err(f),
            Ok(()) => Ok(c),
        }
    }

    async fn password_login(&self, c: &mut AsyncSmtpConnection) -> std::result::Result<(), Fault> {
        let pw = match &self.password {
            Ok(Some(pw)) => pw,
            Ok(None) => {
                return Err(Fault::Auth(format!(
                    "no SMTP password is stored for {} (keyring, {} or the password file)",
                    self.s.password_owner(),
                    super::smtp_settings::PASSWORD_ENV
                )))
            }
            Err(why) => return Err(Fault::Auth(why.to_string())),
        };
        let creds = Credentials::new(self.s.username.clone(), pw.clone());
        step(
            self.t,
            "AUTH",
            c.auth(&[Mechanism::Plain, Mechanism::Login], &creds),
            true,
        )
        .await?;
        Ok(())
    }

    /// MAIL FROM, RCPT TO and DATA: everything before the message itself, which
    /// [`Smtp::body`] sends. Nothing is delivered until the body's final dot is answered.
    pub(super) async fn envelope(
        &self,
        c: &mut AsyncSmtpConnection,
        to: Address,
        raw: &[u8],
    ) -> std::result::Result<(), Fault> {
        let from: Address = self
            .s
            .from_address
            .parse()
            .map_err(|_| Fault::Sender("the From address is not an email address".into()))?;
        let mut params = Vec::new();
        if !raw.is_ascii() && c.server_info().supports_feature(Extension::EightBitMime) {
            params.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        let (mail, rcpt) = (Mail::new(Some(from), params), Rcpt::new(to, vec![]));
        if self.pipelining.load(Ordering::Relaxed) {
            let all = c.command(Pipelined(mail, rcpt));
            step_at(self.t, "MAIL FROM", all, Stage::MailFrom).await?;
            step_at(self.t, "RCPT TO", c.read_response(), Stage::Rcpt).await?;
            step_at(self.t, "DATA", c.read_response(), Stage::Data).await?;
        } else {
            step_at(self.t, "MAIL FROM", c.command(mail), Stage::MailFrom).await?;
            step_at(self.t, "RCPT TO", c.command(rcpt), Stage::Rcpt).await?;
            step_at(self.t, "DATA", c.command(Data), Stage::Data).await?;
        }
        Ok(())
    }

    /// The message itself, after [`Smtp::envelope`]: `Ok` is the server's 250, from which
    /// the message is delivered.
    pub(super) async fn body(
        &self,
        c: &mut AsyncSmtpConnection,
        raw: &[u8],
    ) -> std::result::Result<(), Fault> {
        // The body may be large: allow a step per 64 KiB. Until its last byte is written
        // the server cannot have taken it: a failure then is a plain retry.
        let t = self.t * (1 + u32::try_from(raw.len() / 65_536).unwrap_or(1000));
        let written = std::cell::Cell::new(false);
        let parts = std::iter::once(raw).chain(std::iter::from_fn(|| {
            written.set(true);
            None
        }));
        let r = timeout(t, c.message_iter(parts)).await;
        let stage = if written.get() {
            Stage::Sent
        } else {
            Stage::Data
        };
        judge(r, t, "the reply to the message", stage)?;
        Ok(())
    }
}

/// Formats a claimed message: From, To, Subject, Date, the Message-ID of its dedup key, and
/// a text and an HTML part. Header values go through [`header_text`] (no stored value can
/// add a line to the header), and a panic inside lettre is caught: formatting never takes
/// the sender down, it fails the one message with a reason.
pub(super) fn format(
    s: &SmtpSettings,
    m: &Claimed,
    now: Timestamp,
) -> std::result::Result<Vec<u8>, String> {
    let from_addr: Address = s.from_address.parse().map_err(|e| format!("From: {e}"))?;
    let name = header_text(s.from_name.trim(), 200);
    let from = Mailbox::new((!name.trim().is_empty()).then_some(name), from_addr);
    let to: Address =
        m.to.trim()
            .parse()
            .map_err(|e| format!("recipient '{}': {e}", header_text(&m.to, 254)))?;
    let build = || {
        lettre::Message::builder()
            .from(from)
            .to(Mailbox::new(None, to))
            .subject(header_text(&m.subject, 900))
            .message_id(Some(header_text(&m.header, 900)))
            .date(SystemTime::from(now))
            .multipart(MultiPart::alternative_plain_html(
                m.text.clone(),
                m.html.clone(),
            ))
            .map(|msg| msg.formatted())
            .map_err(|e| e.to_string())
    };
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(build))
        .unwrap_or_else(|_| Err("the message could not be formatted (a header value)".into()))
}

/// A client for `s`, with the password and step timeout of `opts`; XOAUTH2 with `oauth`'s
/// account when it is the SMTP user.
pub(super) fn client(s: SmtpSettings, oauth: Option<OAuthSettings>, opts: &SendOptions) -> Smtp {
    let oauth = oauth
        .filter(|o| o.signs_in(&s.username))
        .map(|cfg| OAuthLogin {
            cfg,
            ctx: opts.oauth.clone(),
        });
    // A signed-in account uses no password: none is looked up (no keyring prompt for it).
    let password = match &opts.password {
        Some(p) => Ok(Some(p.clone())),
        None if oauth.is_some() => Ok(None),
        None => find_password(&s),
    };
    let t = opts
        .step_timeout
        .unwrap_or(Duration::from_secs(u64::from(s.timeout_secs.max(1))));
    Smtp {
        s,
        password,
        t,
        hello: ClientId::default(),
        pipelining: AtomicBool::new(false),
        oauth,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::smtp_settings::Security;

    const HOSTILE: [&str; 6] = [
        "Team\r\nBcc: evil@example.net",
        "Team\nX-Injected: 1",
        "Team\rX-Injected: 1",
        "Team\0name",
        "\u{85}\u{2028}Team\u{7f}",
        "",
    ];

    fn settings(from_name: &str) -> SmtpSettings {
        SmtpSettings {
            host: "127.0.0.1".into(),
            port: 25,
            security: Security::None,
            username: String::new(),
            from_address: "learning@certdesk.test".into(),
            from_name: from_name.into(),
            timeout_secs: 5,
            ca_cert_file: String::new(),
            allow_plain_auth: false,
        }
    }

    fn claimed(subject: &str) -> Claimed {
        Claimed {
            message_id: 1,
            header: "<k.1@certdesk.test>".into(),
            raw: Vec::new(),
            to: "e1@example.org".into(),
            subject: subject.into(),
            html: "<p>Hi</p>".into(),
            text: "Hi\0there".into(),
            attempts: 0,
        }
    }

    /// The header of `raw`: no injected field, every line within RFC 5322's 998 octets.
    fn assert_clean_header(raw: &[u8]) {
        let text = String::from_utf8_lossy(raw);
        let head = text.split("\r\n\r\n").next().unwrap_or_default();
        for line in head.split("\r\n") {
            assert!(line.len() <= 998, "a header line of {} octets", line.len());
            assert!(!line.contains(['\r', '\n', '\0']), "{line:?}");
            let field = line.split(':').next().unwrap_or_default();
            assert!(
                !["Bcc", "X-Injected"].contains(&field),
                "injected header: {line:?}"
            );
        }
    }

    #[test]
    fn hostile_from_names_and_subjects_are_formatted_without_panic_or_injection() {
        let long = ["x".repeat(2000), "é".repeat(2000), "a b ".repeat(500)];
        let values: Vec<&str> = HOSTILE
            .iter()
            .copied()
            .chain(long.iter().map(String::as_str))
            .collect();
        let now = Timestamp::from_second(1_800_000_000).unwrap_or_default();
        for name in &values {
            for subject in &values {
                let raw = format(&settings(name), &claimed(subject), now)
                    .unwrap_or_else(|e| panic!("{name:?} / {subject:?}: {e}"));
                assert_clean_header(&raw);
            }
        }
    }

    #[test]
    fn a_bad_recipient_fails_the_message_with_a_one_line_reason() {
        let mut m = claimed("Hello");
        m.to = "e1@example.org\r\nBcc: evil@example.net".into();
        let now = Timestamp::from_second(1_800_000_000).unwrap_or_default();
        let e = format(&settings("Team"), &m, now).err().unwrap_or_default();
        assert!(e.starts_with("recipient"), "{e}");
        assert!(!e.contains(['\r', '\n']), "{e:?}");
    }
}
