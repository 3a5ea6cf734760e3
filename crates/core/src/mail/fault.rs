//! How an SMTP failure is classified for the outbox: what the server said (or did not say)
//! and where in the conversation it happened decide whether the message is retried, failed,
//! the queue paused, or the outcome is unknown. The table is in docs/NOTIFICATIONS.md.
//!
//! The rule that keeps "outcome unknown" honest: only a failure after the message's last
//! byte was written (no reply to the final dot, or the connection lost then) can mean the
//! server took the message. Everything before that is a plain retry.

use std::future::Future;
use std::time::Duration;

use lettre::transport::smtp::Error as SmtpError;
use tokio::time::error::Elapsed;
use tokio::time::timeout;

/// Why a step failed, as the outbox must treat it.
#[derive(Debug)]
pub(super) enum Fault {
    /// 530/535 and friends: the login is wrong; pause the queue.
    Auth(String),
    /// A 5xx to MAIL FROM: the server refuses our sender address; pause the queue (every
    /// message would get the same answer).
    Sender(String),
    /// No usable server (refused, offline, silent, slow, TLS, a 4xx greeting or MAIL FROM,
    /// no reply before the message was sent): retry later, forever; the rest waits too.
    Connect(String),
    /// A 4xx for this message (RCPT, DATA or after the message): retry it, at most 10 times.
    Transient(String),
    /// A 5xx for this message (RCPT, DATA or after the message): fail it.
    Permanent(String),
    /// The whole message was written and no reply came (timeout, connection lost): the
    /// server may have it. Retry at most 3 times with the same bytes and Message-ID.
    Unknown(String),
}

impl Fault {
    /// The reason, as logged.
    pub(super) fn reason(&self) -> &str {
        match self {
            Fault::Auth(e)
            | Fault::Sender(e)
            | Fault::Connect(e)
            | Fault::Transient(e)
            | Fault::Permanent(e)
            | Fault::Unknown(e) => e,
        }
    }

    /// Whether the server answered the failed step (so a QUIT may still be answered);
    /// otherwise the connection is dropped without waiting for anything more.
    pub(super) fn answered(&self) -> bool {
        matches!(
            self,
            Fault::Auth(_) | Fault::Sender(_) | Fault::Transient(_) | Fault::Permanent(_)
        )
    }
}

/// Where in the conversation a step failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stage {
    /// TCP, TLS, greeting, EHLO, STARTTLS, AUTH.
    Connect,
    MailFrom,
    Rcpt,
    /// The DATA command (no message byte sent yet).
    Data,
    /// The message has been written in full; waiting for the final reply.
    Sent,
}

/// One line: server replies can span several.
fn one_line(s: &str) -> String {
    s.split(['\r', '\n'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Classifies `e`, the failure of a step at `stage`.
pub(super) fn classify(e: &SmtpError, stage: Stage) -> Fault {
    let code = e.status().map(|c| c.to_string());
    let text = one_line(&e.to_string());
    if matches!(code.as_deref(), Some("530" | "534" | "535" | "538")) {
        return Fault::Auth(format!("the server refused authentication: {text}"));
    }
    let replied = e.is_permanent() || e.is_transient();
    match stage {
        Stage::Connect => Fault::Connect(text),
        Stage::MailFrom if e.is_permanent() => Fault::Sender(format!(
            "the server refuses the sender (From) address: {text}"
        )),
        Stage::MailFrom => Fault::Connect(text),
        Stage::Rcpt if replied => {
            let t = format!("the server refused the recipient: {text}");
            if e.is_permanent() {
                Fault::Permanent(t)
            } else {
                Fault::Transient(t)
            }
        }
        _ if e.is_permanent() => Fault::Permanent(text),
        _ if e.is_transient() => Fault::Transient(text),
        Stage::Sent if !replied => Fault::Unknown(format!(
            "outcome unknown (the message was sent, then {text})"
        )),
        _ => Fault::Connect(text),
    }
}

/// The fault of a step at `stage` that got no reply within its time.
fn timed_out(t: Duration, what: &str, stage: Stage) -> Fault {
    let msg = format!(
        "no answer from the server within {}s ({what})",
        t.as_secs_f32()
    );
    if stage == Stage::Sent {
        Fault::Unknown(format!("outcome unknown: {msg}"))
    } else {
        Fault::Connect(msg)
    }
}

/// The result of a step `what` at `stage` that had `t` to finish, classified.
pub(super) fn judge<T>(
    r: std::result::Result<std::result::Result<T, SmtpError>, Elapsed>,
    t: Duration,
    what: &str,
    stage: Stage,
) -> std::result::Result<T, Fault> {
    match r {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(classify(&e, stage)),
        Err(_) => Err(timed_out(t, what, stage)),
    }
}

/// Runs one SMTP step `what` at `stage` within `t`, classifying its failure.
pub(super) async fn step_at<T>(
    t: Duration,
    what: &str,
    f: impl Future<Output = std::result::Result<T, SmtpError>>,
    stage: Stage,
) -> std::result::Result<T, Fault> {
    judge(timeout(t, f).await, t, what, stage)
}

/// The wait for a QUIT after a failure the server answered: short, so an abort never costs
/// another full step timeout.
pub(super) fn quit_wait(t: Duration) -> Duration {
    t.min(Duration::from_secs(1))
}
