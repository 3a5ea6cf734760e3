//! One SMTP connection's share of a batch: each message sent in turn over the connection
//! (opened when needed), every outcome classified as sent, retried, failed or released.

use lettre::transport::smtp::client::AsyncSmtpConnection;
use lettre::Address;
use tokio::time::timeout;

use super::client::{format, Fault, Smtp};
use super::fault::quit_wait;
use super::outbox::{self, Claimed, Delivery};
use crate::Clock;

/// What one connection did with its share of a batch.
#[derive(Default)]
pub(super) struct LaneOutcome {
    pub(super) results: Vec<(i64, Delivery)>,
    pub(super) pause: Option<String>,
    /// Why the server could not be used (a connection-level failure), if it could not.
    pub(super) problem: Option<String>,
    /// Set when the lane stopped early: what became of the rest of its share.
    pub(super) stop: Option<Delivery>,
}

/// Sends `batch` in order over `conn` (opening it when needed), classifying every outcome.
/// A connection failure or an authentication refusal stops the lane: the rest of its share
/// is released (after a backoff for a connection failure).
pub(super) async fn lane(
    smtp: &Smtp,
    conn: &mut Option<AsyncSmtpConnection>,
    batch: &[Claimed],
    clock: &dyn Clock,
    deadline: i64,
    backoff_base: u32,
) -> LaneOutcome {
    let mut out = LaneOutcome::default();
    let mut stop: Option<Delivery> = None;
    for m in batch {
        if let Some(d) = &stop {
            out.results.push((m.message_id, d.clone()));
            continue;
        }
        if clock.now().as_second() > deadline {
            stop = Some(Delivery::Release { not_before: None });
            out.results
                .push((m.message_id, Delivery::Release { not_before: None }));
            continue;
        }
        let to = match (m.raw.is_empty(), m.to.trim().parse::<Address>()) {
            (false, Ok(to)) => to,
            (_, Err(_)) => {
                let e = format!("invalid address '{}'", m.to);
                out.results.push((m.message_id, Delivery::Failed(e)));
                continue;
            }
            (true, Ok(_)) => {
                let e = format(&smtp.s, m, clock.now()).err().unwrap_or_default();
                out.results.push((m.message_id, Delivery::Failed(e)));
                continue;
            }
        };
        let sent = async {
            if conn.is_none() {
                *conn = Some(smtp.connect().await?);
            }
            match conn.as_mut() {
                Some(c) => smtp.send(c, to, &m.raw).await,
                None => Err(Fault::Connect("no connection".into())),
            }
        }
        .await;
        let d = match sent {
            Ok(()) => Delivery::Sent,
            Err(f) => {
                // A server that answered gets a short QUIT; one that did not (a timeout, a
                // lost connection) is dropped without waiting for anything more.
                if let Some(mut c) = conn.take() {
                    if f.answered() {
                        timeout(quit_wait(smtp.t), c.abort()).await.ok();
                    }
                }
                if matches!(f, Fault::Connect(_)) {
                    out.problem = Some(f.reason().to_string());
                }
                let later = clock.now().as_second() + outbox::backoff(backoff_base, m.attempts + 1);
                let (d, halt) = delivery(f, later);
                if let Some((rest, pause)) = halt {
                    stop = Some(rest);
                    out.pause = out.pause.or(pause);
                }
                d
            }
        };
        out.results.push((m.message_id, d));
    }
    out.stop = stop;
    out
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
