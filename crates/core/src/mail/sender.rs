//! The SMTP sender: lettre over rustls, on a socket we open ourselves with TCP_NODELAY (lettre
//! never sets it, which holds each message for a delayed ACK), a timeout on every step
//! (connect, greeting, STARTTLS, AUTH, MAIL, RCPT, DATA and the message), one connection
//! reused for a whole pass.
//!
//! [`send_due`] is blocking: it runs its own single-thread tokio runtime for the network and
//! does its SQLite work between network steps, so call it from a plain thread (or
//! `spawn_blocking`), never from inside an async task. Implicit TLS (port 465) connects
//! through lettre's own socket, without TCP_NODELAY.

use std::time::{Duration, SystemTime};

use jiff::Timestamp;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use lettre::Address;
use serde::{Deserialize, Serialize};
use tokio::time::timeout;

use super::lane::{lane, LaneOutcome};
use super::outbox::{self, Claimed, Delivery};
use super::smtp_settings::{load_password, load_settings, Security, SmtpSettings};
use crate::{Clock, Db, Error, Result};

/// How a send pass behaves; the defaults suit the app and the command line.
#[derive(Debug, Clone)]
pub struct SendOptions {
    /// Messages claimed per transaction.
    pub batch: u32,
    /// How long a claim holds a message before another sender may take it.
    pub lease_secs: u32,
    /// The first retry delay; doubled per attempt, at most 6 hours.
    pub backoff_base_secs: u32,
    /// Stop after this many messages (`None`: until the outbox has nothing due).
    pub max_messages: Option<u32>,
    /// The password to use instead of the keyring / environment / file lookup.
    pub password: Option<String>,
    /// Overrides the settings' per-step timeout (tests use a short one).
    pub step_timeout: Option<Duration>,
    /// SMTP connections used at once (1 to 16); each sends its share of a batch in order.
    pub connections: u32,
}

impl Default for SendOptions {
    fn default() -> Self {
        Self {
            batch: 200,
            lease_secs: 600,
            backoff_base_secs: 60,
            max_messages: None,
            password: None,
            step_timeout: None,
            connections: 3,
        }
    }
}

/// What one [`send_due`] pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct SendSummary {
    pub sent: u32,
    /// Temporary failures queued again for later.
    pub retried: u32,
    /// Permanent failures (and retries given up).
    pub failed: u32,
    /// Set when this pass paused the queue (authentication refused).
    pub paused_reason: Option<String>,
}

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

    pub(super) async fn send(
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

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

fn client(s: SmtpSettings, opts: &SendOptions) -> Smtp {
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

/// Sends what the outbox has due, until nothing is due, the queue pauses, or
/// `opts.max_messages` is reached, over `opts.connections` connections at once. Safe to run
/// from several processes at once.
///
/// # Errors
/// [`Error::SmtpNotConfigured`] without settings; database errors. Delivery failures are not
/// errors: they are recorded per message and counted in the summary.
pub fn send_due(db: &Db, clock: &dyn Clock, opts: &SendOptions) -> Result<SendSummary> {
    let reader = db.reader()?;
    let settings = load_settings(&reader)?
        .ok_or_else(|| Error::SmtpNotConfigured("no SMTP server is set".into()))?;
    let smtp = client(settings, opts);
    let rt = runtime()?;
    let mut w = db.writer()?;
    let mut sum = SendSummary::default();
    let lanes = usize::try_from(opts.connections.clamp(1, 16)).unwrap_or(1);
    let mut conns: Vec<Option<AsyncSmtpConnection>> = (0..lanes).map(|_| None).collect();
    let mut total = 0u32;
    loop {
        let now = clock.now();
        let limit = opts
            .max_messages
            .map_or(opts.batch, |m| opts.batch.min(m.saturating_sub(total)));
        if limit == 0 {
            break;
        }
        let batch = claim(&mut w, &smtp, now, limit, opts.lease_secs)?;
        if batch.is_empty() {
            break;
        }
        // Stop using the claim well before its lease runs out.
        let deadline = now.as_second() + i64::from(opts.lease_secs / 2);
        let outcomes = rt.block_on(send_batch(&smtp, &mut conns, &batch, clock, deadline, opts));
        let mut results = Vec::with_capacity(batch.len());
        let mut pause = None;
        let mut stopped = false;
        for o in outcomes {
            results.extend(o.results);
            pause = pause.or(o.pause);
            stopped |= o.stop.is_some();
        }
        for (_, d) in &results {
            match d {
                Delivery::Sent => sum.sent += 1,
                Delivery::Retry { .. } => sum.retried += 1,
                Delivery::Failed(_) => sum.failed += 1,
                Delivery::Release { .. } => {}
            }
        }
        total = total.saturating_add(u32::try_from(batch.len()).unwrap_or(u32::MAX));
        let done_at = clock.now();
        w.write(|tx| {
            outbox::record(tx, &results, done_at, opts.backoff_base_secs)?;
            if let Some(r) = &pause {
                outbox::pause(tx, r, done_at)?;
            }
            Ok(())
        })?;
        if pause.is_some() {
            sum.paused_reason = pause;
            break;
        }
        if stopped {
            break;
        }
    }
    for c in conns.iter_mut().filter_map(Option::take) {
        let mut c = c;
        rt.block_on(async { timeout(smtp.t, c.quit()).await.ok() });
    }
    Ok(sum)
}

/// Claims up to `limit` due messages under a lease, formatting (and storing) those not yet
/// formatted.
fn claim(
    w: &mut crate::Writer,
    smtp: &Smtp,
    now: Timestamp,
    limit: u32,
    lease_secs: u32,
) -> Result<Vec<Claimed>> {
    w.write(|tx| {
        let mut b = outbox::claim(tx, now, limit, lease_secs)?;
        for m in b.iter_mut().filter(|m| m.raw.is_empty()) {
            if let Ok(raw) = format(&smtp.s, m, now) {
                outbox::store_raw(tx, m.message_id, &raw)?;
                m.raw = raw;
            }
        }
        Ok(b)
    })
}

/// Sends a claimed batch over the connections, one share each. With no connection open yet,
/// one message goes first: if the server is down or refuses our login, the rest wait without
/// an attempt counted against them.
async fn send_batch(
    smtp: &Smtp,
    conns: &mut [Option<AsyncSmtpConnection>],
    batch: &[Claimed],
    clock: &dyn Clock,
    deadline: i64,
    opts: &SendOptions,
) -> Vec<LaneOutcome> {
    let head = usize::from(conns.first().is_some_and(Option::is_none));
    let (first, rest) = batch.split_at(head.min(batch.len()));
    let mut outcomes = Vec::new();
    let backoff = opts.backoff_base_secs;
    if let Some(c0) = conns.first_mut().filter(|_| !first.is_empty()) {
        outcomes.push(lane(smtp, c0, first, clock, deadline, backoff).await);
    }
    let halted = outcomes.first().and_then(|o| o.stop.clone());
    if let Some(d) = halted {
        outcomes.push(LaneOutcome {
            results: rest.iter().map(|m| (m.message_id, d.clone())).collect(),
            ..LaneOutcome::default()
        });
    } else if !rest.is_empty() {
        let share = rest.len().div_ceil(conns.len()).max(1);
        let lanes = conns.iter_mut().zip(rest.chunks(share));
        outcomes.extend(
            futures_util::future::join_all(
                lanes.map(|(conn, part)| lane(smtp, conn, part, clock, deadline, backoff)),
            )
            .await,
        );
    }
    outcomes
}

/// Sends one test message to `to` with `settings` now (not through the outbox), so the
/// administrator can check the settings before saving them.
///
/// # Errors
/// [`Error::Invalid`] for bad settings or address; [`Error::Smtp`] with the server's answer.
pub fn test_send(
    settings: &SmtpSettings,
    password: Option<String>,
    to: &str,
    now: Timestamp,
) -> Result<()> {
    let text = "This is a test message from CertDesk. Your SMTP settings work.";
    let message = super::message::Rendered {
        subject: "CertDesk test message".into(),
        html: super::message::text_to_html(text),
        text: text.into(),
    };
    send_now(settings, password, to, &message, now)
}

/// Sends `message` to `to` with `settings` now, not through the outbox (nothing is logged
/// or retried): for the administrator's tests.
///
/// # Errors
/// [`Error::Invalid`] for bad settings or address; [`Error::Smtp`] with the server's answer.
pub fn send_now(
    settings: &SmtpSettings,
    password: Option<String>,
    to: &str,
    message: &super::message::Rendered,
    now: Timestamp,
) -> Result<()> {
    settings.validate()?;
    let opts = SendOptions {
        password,
        ..SendOptions::default()
    };
    let smtp = client(settings.clone(), &opts);
    let m = Claimed {
        message_id: 0,
        header: format!("<test.{}@{}>", now.as_millisecond(), settings.domain()),
        raw: Vec::new(),
        to: to.to_string(),
        subject: message.subject.clone(),
        html: message.html.clone(),
        text: message.text.clone(),
        attempts: 0,
    };
    let raw = format(settings, &m, now).map_err(|e| Error::invalid("address", e))?;
    let addr: Address = to
        .trim()
        .parse()
        .map_err(|_| Error::invalid("address", format!("'{to}' is not an email address")))?;
    let rt = runtime()?;
    rt.block_on(async {
        let mut c = smtp.connect().await?;
        smtp.send(&mut c, addr, &raw).await?;
        timeout(smtp.t, c.quit()).await.ok();
        Ok::<(), Fault>(())
    })
    .map_err(|f| {
        Error::Smtp(match f {
            Fault::Auth(e)
            | Fault::Connect(e)
            | Fault::Transient(e)
            | Fault::Permanent(e)
            | Fault::Unknown(e) => e,
        })
    })
}
