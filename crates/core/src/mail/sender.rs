//! Sending the outbox: [`send_due`] claims due messages under a lease, sends them over a
//! few SMTP connections at once (`lane`, `client`) and records each outcome; [`send_now`]
//! and [`test_send`] send one message directly, for the administrator's tests.
//!
//! [`send_due`] is blocking: it runs its own single-thread tokio runtime for the network and
//! does its SQLite work between network steps, so call it from a plain thread (or
//! `spawn_blocking`), never from inside an async task.

use std::time::Duration;

use jiff::Timestamp;
use lettre::transport::smtp::client::AsyncSmtpConnection;
use lettre::Address;
use serde::{Deserialize, Serialize};
use tokio::time::timeout;

use super::client::{client, format, Fault, Smtp};
use super::fault::quit_wait;
use super::lane::{lane, LaneOutcome};
use super::ledger::{self, Ledger};
use super::oauth::{load_oauth, OAuthSettings};
use super::oauth_token::OAuthContext;
use super::outbox::{self, Claimed, Delivery};
use super::smtp_settings::{load_settings, SmtpSettings};
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
    /// Where a signed-in account's refresh token is, and its access-token cache (kept across
    /// passes by the desktop, so a token is refreshed only when it nears its expiry).
    pub oauth: OAuthContext,
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
            oauth: OAuthContext::default(),
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
    /// Set when this pass paused the queue (login or sender refused, invalid settings).
    pub paused_reason: Option<String>,
    /// Set when the server could not be used in this pass (refused, silent, TLS, a 4xx
    /// greeting ...): the last such reason. The messages wait for a later attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[specta(optional)]
    pub server_problem: Option<String>,
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// Sends what the outbox has due, until nothing is due, the queue pauses, or
/// `opts.max_messages` is reached, over `opts.connections` connections at once. Safe to run
/// from several processes at once, and to kill at any moment: each outcome is committed as
/// it happens, with at most one message in flight at a time (see `ledger`), so a crash can
/// resend only that message, under its own Message-ID.
///
/// Lock waits (another process writing for a long time) do not end the pass: outcomes wait
/// until they are written; a claim waits up to [`CLAIM_PATIENCE`], after which the pass ends
/// quietly if it has already delivered something (the rest is due at the next pass).
///
/// # Errors
/// [`Error::SmtpNotConfigured`] without settings; database errors (a store still locked
/// after [`CLAIM_PATIENCE`] before anything was sent). Delivery failures are not errors: they
/// are recorded per message and counted in the summary.
pub fn send_due(db: &Db, clock: &dyn Clock, opts: &SendOptions) -> Result<SendSummary> {
    let reader = db.reader()?;
    let settings = load_settings(&reader)?
        .ok_or_else(|| Error::SmtpNotConfigured("no SMTP server is set".into()))?;
    let mut w = db.writer()?;
    if let Some(reason) = pause_if_invalid(&mut w, &settings, clock.now())? {
        return Ok(SendSummary {
            paused_reason: Some(reason),
            ..SendSummary::default()
        });
    }
    let smtp = client(settings, load_oauth(&reader)?, opts);
    let rt = runtime()?;
    // Lock waits are taken in short slices, so the connections keep moving meanwhile.
    w.conn().busy_timeout(ledger::BUSY_SLICE)?;
    // Each outcome is its own commit. In WAL mode `NORMAL` makes a commit durable against a
    // killed or crashed process (the case the outcome ledger is for) without an fsync per
    // message; only a power cut or an OS crash could roll back the last outcomes, and
    // those messages would go out once more with the same Message-ID (RELIABILITY.md).
    w.conn().pragma_update(None, "synchronous", "NORMAL")?;
    let mut sum = SendSummary::default();
    let lanes = usize::try_from(opts.connections.clamp(1, 16)).unwrap_or(1);
    let mut conns: Vec<Option<AsyncSmtpConnection>> = (0..lanes).map(|_| None).collect();
    let mut total = 0u32;
    let done = loop {
        let now = clock.now();
        let limit = opts
            .max_messages
            .map_or(opts.batch, |m| opts.batch.min(m.saturating_sub(total)));
        if limit == 0 {
            break Ok(());
        }
        let batch = match claim(&mut w, &smtp, now, limit, opts.lease_secs) {
            Ok(b) => b,
            // What was sent is recorded; the rest is due at the next pass.
            Err(e) if ledger::is_busy(&e) && total > 0 => break Ok(()),
            Err(e) => break Err(e),
        };
        if batch.is_empty() {
            break Ok(());
        }
        // Stop using the claim well before its lease runs out.
        let deadline = now.as_second() + i64::from(opts.lease_secs / 2);
        let ledger = Ledger::new(&mut w, clock, opts.backoff_base_secs);
        let outcomes = rt.block_on(send_batch(&smtp, &mut conns, &batch, &ledger, deadline));
        let broken = ledger.into_error();
        let mut pause = None;
        let mut stopped = false;
        for o in outcomes {
            for (_, d) in &o.results {
                match d {
                    Delivery::Sent => sum.sent += 1,
                    Delivery::Retry { .. } => sum.retried += 1,
                    Delivery::Failed(_) => sum.failed += 1,
                    Delivery::Release { .. } => {}
                }
            }
            pause = pause.or(o.pause);
            sum.server_problem = o.problem.or(sum.server_problem.take());
            stopped |= o.stop.is_some();
        }
        total = total.saturating_add(u32::try_from(batch.len()).unwrap_or(u32::MAX));
        if let Some(e) = broken {
            break Err(e);
        }
        if pause.is_some() {
            sum.paused_reason = pause;
            break Ok(());
        }
        if stopped {
            break Ok(());
        }
    };
    for c in conns.iter_mut().filter_map(Option::take) {
        let mut c = c;
        rt.block_on(async { timeout(quit_wait(smtp.t), c.quit()).await.ok() });
    }
    done.map(|()| sum)
}

/// Pauses the queue when the stored settings would not pass [`SmtpSettings::validate`] (an
/// old store, a hand-edited setting: e.g. a line break in the From name): nothing could be
/// sent correctly until they are fixed, and saving them lifts the pause. Returns the reason.
fn pause_if_invalid(
    w: &mut crate::Writer,
    settings: &SmtpSettings,
    now: Timestamp,
) -> Result<Option<String>> {
    let Err(e) = settings.validate() else {
        return Ok(None);
    };
    let reason = format!("the saved SMTP settings are not valid ({e}); correct and save them");
    w.write(|tx| {
        if outbox::paused_reason(tx)?.as_deref() != Some(reason.as_str()) {
            outbox::pause(tx, &reason, now)?;
        }
        Ok(())
    })?;
    Ok(Some(reason))
}

/// How long a claim waits for the write lock before the pass gives up on it.
pub const CLAIM_PATIENCE: Duration = Duration::from_secs(300);

/// Claims up to `limit` due messages under a lease, formatting (and storing) those not yet
/// formatted; waits up to [`CLAIM_PATIENCE`] for the write lock.
fn claim(
    w: &mut crate::Writer,
    smtp: &Smtp,
    now: Timestamp,
    limit: u32,
    lease_secs: u32,
) -> Result<Vec<Claimed>> {
    let mut waited = Duration::ZERO;
    loop {
        let claimed = w.write(|tx| {
            let mut b = outbox::claim(tx, now, limit, lease_secs)?;
            for m in b.iter_mut().filter(|m| m.raw.is_empty()) {
                if let Ok(raw) = format(&smtp.s, m, now) {
                    outbox::store_raw(tx, m.message_id, &raw)?;
                    m.raw = raw;
                }
            }
            Ok(b)
        });
        match claimed {
            Err(e) if ledger::is_busy(&e) && waited < CLAIM_PATIENCE => {
                let pause = Duration::from_millis(100);
                std::thread::sleep(pause);
                waited += pause + ledger::BUSY_SLICE;
            }
            other => return other,
        }
    }
}

/// Sends a claimed batch over the connections, one share each, every outcome recorded as it
/// happens. With no connection open yet, one message goes first: if the server is down or
/// refuses our login, the rest wait without an attempt counted against them.
async fn send_batch(
    smtp: &Smtp,
    conns: &mut [Option<AsyncSmtpConnection>],
    batch: &[Claimed],
    ledger: &Ledger<'_>,
    deadline: i64,
) -> Vec<LaneOutcome> {
    let head = usize::from(conns.first().is_some_and(Option::is_none));
    let (first, rest) = batch.split_at(head.min(batch.len()));
    let mut outcomes = Vec::new();
    if let Some(c0) = conns.first_mut().filter(|_| !first.is_empty()) {
        outcomes.push(lane(smtp, c0, first, ledger, deadline).await);
    }
    let halted = outcomes.first().and_then(|o| o.stop.clone());
    if let Some(d) = halted {
        let results: Vec<_> = rest.iter().map(|m| (m.message_id, d.clone())).collect();
        ledger.settle(&results, None).await;
        outcomes.push(LaneOutcome {
            results,
            ..LaneOutcome::default()
        });
    } else if !rest.is_empty() {
        let share = rest.len().div_ceil(conns.len()).max(1);
        let lanes = conns.iter_mut().zip(rest.chunks(share));
        outcomes.extend(
            futures_util::future::join_all(
                lanes.map(|(conn, part)| lane(smtp, conn, part, ledger, deadline)),
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
    let opts = SendOptions {
        password,
        ..SendOptions::default()
    };
    send_now_with(settings, None, &opts, to, message, now)
}

/// As [`send_now`], logging in as `oauth`'s account when it is the SMTP user, with the
/// password and token store of `opts`.
///
/// # Errors
/// As [`send_now`].
pub fn send_now_with(
    settings: &SmtpSettings,
    oauth: Option<OAuthSettings>,
    opts: &SendOptions,
    to: &str,
    message: &super::message::Rendered,
    now: Timestamp,
) -> Result<()> {
    settings.validate()?;
    let smtp = client(settings.clone(), oauth, opts);
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
        let mut c = smtp.connect(now).await?;
        smtp.envelope(&mut c, addr, &raw).await?;
        smtp.body(&mut c, &raw).await?;
        timeout(smtp.t, c.quit()).await.ok();
        Ok::<(), Fault>(())
    })
    .map_err(|f| Error::Smtp(f.reason().to_string()))
}
