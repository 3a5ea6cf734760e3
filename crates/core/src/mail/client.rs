//! The SMTP client: lettre over rustls, on a socket we open ourselves with TCP_NODELAY
//! (lettre never sets it, which holds each message for a delayed ACK), a timeout on every
//! step (connect, greeting, STARTTLS, AUTH, MAIL, RCPT, DATA and the message); how a
//! failure is classified for the outbox ([`Fault`]); and a claimed message formatted for
//! the wire. Implicit TLS (port 465) connects through lettre's own socket, without
//! TCP_NODELAY.

use std::time::{Duration, SystemTime};

use jiff::Timestamp;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use lettre::Address;
use tokio::time::timeout;

use super::outbox::Claimed;
use super::sender::SendOptions;
use super::smtp_settings::{load_password, Security, SmtpSettings};

/// Why a step failed, as the outbox must treat it.
#[derive(Debug)]
pub(super) enum Fault {
    /// 530/535 and friends: the settings are wrong; pause the queue.
    Auth(String),
    /// No usable connection (refused, offline, silent server, TLS): retry later, forever.
    Connect(String),
    /// 4xx.
    Transient(String),
    /// 5xx.
    Permanent(String),
    /// The outcome is unknown (dropped after DATA, timed out mid-message): retry a few times
    /// with the same Message-ID.
    Unknown(String),
}

fn classify(e: &lettre::transport::smtp::Error, connecting: bool) -> Fault {
    let code = e.status().map(|c| c.to_string());
    let text = e.to_string();
    if matches!(code.as_deref(), Some("530" | "534" | "535" | "538")) {
        return Fault::Auth(format!("the server refused authentication: {text}"));
    }
    if connecting {
        return Fault::Connect(text);
    }
    if e.is_permanent() {
        Fault::Permanent(text)
    } else if e.is_transient() {
        Fault::Transient(text)
    } else {
        Fault::Unknown(text)
    }
}

async fn step<T>(
    t: Duration,
    what: &str,
    f: impl std::future::Future<Output = std::result::Result<T, lettre::transport::smtp::Error>>,
    connecting: bool,
) -> std::result::Result<T, Fault> {
    match timeout(t, f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(classify(&e, connecting)),
        Err(_) => {
            let msg = format!(
                "no answer from the server within {}s ({what})",
                t.as_secs_f32()
            );
            Err(if connecting {
                Fault::Connect(msg)
            } else {
                Fault::Unknown(msg)
            })
        }
    }
}

/// An SMTP client for one settings snapshot.
pub(super) struct Smtp {
    pub(super) s: SmtpSettings,
    password: Option<String>,
    pub(super) t: Duration,
    hello: ClientId,
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

    pub(super) async fn connect(&self) -> std::result::Result<AsyncSmtpConnection, Fault> {
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
        if !self.s.username.is_empty() {
            let Some(pw) = &self.password else {
                return Err(Fault::Auth(format!(
                    "no SMTP password is stored for {} (keyring, {} or the password file)",
                    self.s.username,
                    super::smtp_settings::PASSWORD_ENV
                )));
            };
            let creds = Credentials::new(self.s.username.clone(), pw.clone());
            step(
                self.t,
                "AUTH",
                c.auth(&[Mechanism::Plain, Mechanism::Login], &creds),
                true,
            )
            .await?;
        }
        Ok(c)
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
            .map_err(|_| Fault::Permanent("invalid From address".into()))?;
        let mut params = Vec::new();
        if !raw.is_ascii() && c.server_info().supports_feature(Extension::EightBitMime) {
            params.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        step(
            self.t,
            "MAIL FROM",
            c.command(Mail::new(Some(from), params)),
            false,
        )
        .await?;
        step(self.t, "RCPT TO", c.command(Rcpt::new(to, vec![])), false).await?;
        step(self.t, "DATA", c.command(Data), false).await?;
        Ok(())
    }

    /// The message itself, after [`Smtp::envelope`]: `Ok` is the server's 250, from which
    /// the message is delivered.
    pub(super) async fn body(
        &self,
        c: &mut AsyncSmtpConnection,
        raw: &[u8],
    ) -> std::result::Result<(), Fault> {
        // The body may be large: allow a step per 64 KiB.
        let t = self.t * (1 + u32::try_from(raw.len() / 65_536).unwrap_or(1000));
        step(t, "message", c.message(raw), false).await?;
        Ok(())
    }
}

/// Formats a claimed message: From, To, Subject, Date, the Message-ID of its dedup key, and
/// a text and an HTML part.
pub(super) fn format(
    s: &SmtpSettings,
    m: &Claimed,
    now: Timestamp,
) -> std::result::Result<Vec<u8>, String> {
    let from_addr: Address = s.from_address.parse().map_err(|e| format!("From: {e}"))?;
    let from = Mailbox::new(
        (!s.from_name.is_empty()).then(|| s.from_name.clone()),
        from_addr,
    );
    let to: Address =
        m.to.trim()
            .parse()
            .map_err(|e| format!("recipient '{}': {e}", m.to))?;
    lettre::Message::builder()
        .from(from)
        .to(Mailbox::new(None, to))
        .subject(m.subject.clone())
        .message_id(Some(m.header.clone()))
        .date(SystemTime::from(now))
        .multipart(MultiPart::alternative_plain_html(
            m.text.clone(),
            m.html.clone(),
        ))
        .map(|msg| msg.formatted())
        .map_err(|e| e.to_string())
}

/// A client for `s`, with the password and step timeout of `opts`.
pub(super) fn client(s: SmtpSettings, opts: &SendOptions) -> Smtp {
    let password = opts.password.clone().or_else(|| load_password(&s));
    let t = opts
        .step_timeout
        .unwrap_or(Duration::from_secs(u64::from(s.timeout_secs.max(1))));
    Smtp {
        s,
        password,
        t,
        hello: ClientId::default(),
    }
}
