//! One SMTP connection's share of a batch: each message sent in turn over the connection
//! (opened when needed), every outcome classified as sent, retried, failed or released, and
//! recorded through the [`Ledger`] before the next message goes.

use lettre::transport::smtp::client::AsyncSmtpConnection;
use lettre::Address;
use tokio::time::timeout;

use super::client::{format, Fault, Smtp};
use super::fault::quit_wait;
use super::ledger::Ledger;
use super::outbox::{self, Claimed, Delivery};

/// What one connection did with its share of a batch (all of it already recorded).
#[derive(Default)]
pub(super) struct LaneOutcome {
    pub(super) results: Vec<(i64, Delivery)>,
    pub(super) pause: Option<String>,
    /// Why the server could not be used (a connection-level failure), if it could not.
    pub(super) problem: Option<String>,
    /// Set when the lane stopped early: what became of the rest of its share.
    pub(super) stop: Option<Delivery>,
}

/// Sends `batch` in order over `conn` (opening it when needed), recording every outcome as
/// it happens. A connection failure or an authentication refusal stops the lane: the rest
/// of its share is released (after a backoff for a connection failure), as it is when the
/// deadline passes or the ledger cannot record.
pub(super) async fn lane(
    smtp: &Smtp,
    conn: &mut Option<AsyncSmtpConnection>,
    batch: &[Claimed],
    ledger: &Ledger<'_>,
    deadline: i64,
) -> LaneOutcome {
    let mut out = LaneOutcome::default();
    for (i, m) in batch.iter().enumerate() {
        if ledger.clock().now().as_second() > deadline || ledger.is_broken() {
            out.stop = Some(Delivery::Release { not_before: None });
        }
        if let Some(rest) = &out.stop {
            let rest: Vec<_> = batch[i..]
                .iter()
                .map(|m| (m.message_id, rest.clone()))
                .collect();
            ledger.settle(&rest, None).await;
            out.results.extend(rest);
            break;
        }
        let d = one(smtp, conn, m, ledger, &mut out).await;
        out.results.push((m.message_id, d));
    }
    out
}

/// Sends one message and records its outcome (and a pause) before returning it; sets
/// `out.stop` when the rest of the lane's share must wait.
async fn one(
    smtp: &Smtp,
    conn: &mut Option<AsyncSmtpConnection>,
    m: &Claimed,
    ledger: &Ledger<'_>,
    out: &mut LaneOutcome,
) -> Delivery {
    let to = match (m.raw.is_empty(), m.to.trim().parse::<Address>()) {
        (false, Ok(to)) => to,
        (_, Err(_)) => {
            let d = Delivery::Failed(format!("invalid address '{}'", m.to));
            ledger.settle(&[(m.message_id, d.clone())], None).await;
            return d;
        }
        (true, Ok(_)) => {
            let e = format(&smtp.s, m, ledger.clock().now())
                .err()
                .unwrap_or_default();
            let d = Delivery::Failed(e);
            ledger.settle(&[(m.message_id, d.clone())], None).await;
            return d;
        }
    };
    let ready = async {
        if conn.is_none() {
            *conn = Some(smtp.connect(ledger.clock().now()).await?);
        }
        match conn.as_mut() {
            Some(c) => smtp.envelope(c, to, &m.raw).await,
            None => Err(Fault::Connect("no connection".into())),
        }
    }
    .await;
    // From the body's first byte until the outcome is committed, this lane holds the pen.
    let mut pen = ledger.pen().await;
    let sent = match (ready, conn.as_mut()) {
        (Ok(()), Some(c)) => smtp.body(c, &m.raw).await,
        (Ok(()), None) => Err(Fault::Connect("no connection".into())),
        (Err(f), _) => Err(f),
    };
    let mut answered = true;
    let d = match sent {
        Ok(()) => Delivery::Sent,
        Err(f) => {
            answered = f.answered();
            if matches!(f, Fault::Connect(_)) {
                out.problem = Some(f.reason().to_string());
            }
            let now = ledger.clock().now().as_second();
            let later = now + outbox::backoff(ledger.backoff_base(), m.attempts + 1);
            let (d, halt) = delivery(f, later);
            if let Some((rest, pause)) = halt {
                out.stop = Some(rest);
                out.pause = out.pause.take().or(pause);
            }
            d
        }
    };
    ledger
        .record(&mut pen, &[(m.message_id, d.clone())], out.pause.as_deref())
        .await;
    drop(pen);
    if d != Delivery::Sent {
        // A server that answered gets a short QUIT; one that did not (a timeout, a lost
        // connection) is dropped without waiting for anything more.
        if let Some(mut c) = conn.take() {
            if answered {
                timeout(quit_wait(smtp.t), c.abort()).await.ok();
            }
        }
    }
    d
}

/// What becomes of a message after `f`, and, when the lane must stop, what becomes of the rest
/// of its share and why the queue pauses: a refused login or sender pauses the queue; a
/// connection failure retries the message and releases the rest until `later`.
fn delivery(f: Fault, later: i64) -> (Delivery, Option<(Delivery, Option<String>)>) {
    match f {
        Fault::Auth(r) | Fault::Sender(r) => {
            let release = Delivery::Release { not_before: None };
            (release.clone(), Some((release, Some(r))))
        }
        Fault::Connect(e) => {
            let rest = Delivery::Release {
                not_before: Some(later),
            };
            let d = Delivery::Retry {
                error: e,
                max_attempts: None,
            };
            (d, Some((rest, None)))
        }
        Fault::Transient(e) => {
            let d = Delivery::Retry {
                error: e,
                max_attempts: Some(10),
            };
            (d, None)
        }
        Fault::Unknown(e) => {
            let d = Delivery::Retry {
                error: e,
                max_attempts: Some(3),
            };
            (d, None)
        }
        Fault::Permanent(e) => (Delivery::Failed(e), None),
    }
}
