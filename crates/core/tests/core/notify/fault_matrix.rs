//! The fault matrix (docs/NOTIFICATIONS.md, "What each server fault does"): two queued
//! messages against a scripted server (`tests/smtp/scripted.py`) that fails at one exact
//! step; each case must end in its documented state within a bounded time: queued for a
//! retry at a known instant, failed with the server's reply, paused with a reason, or
//! "outcome unknown" only where the whole message was written and no reply came.

use std::time::{Duration, Instant};

use certdesk_core::mail::{self, send_due, Security, SendOptions, SendSummary, SmtpSettings};
use certdesk_core::ManualClock;

use super::faults::{free_port, queued};
use super::{opts, s, t, Fx, SmtpServer};
use crate::smtp_server::self_signed;

const NOW: &str = "2027-01-02T00:00:00Z";
/// Every step's timeout in the matrix.
const STEP: Duration = Duration::from_millis(500);
/// The longest any case may take: a few step timeouts, never a full default timeout.
const BOUND: Duration = Duration::from_secs(4);

/// One outbox row: state, attempts, last error, next attempt (seconds).
#[derive(Debug)]
struct Row {
    state: String,
    attempts: u32,
    error: String,
    next: i64,
}

fn rows(fx: &Fx) -> Vec<Row> {
    let r = fx.db.reader().unwrap();
    let mut st = r
        .prepare(
            "SELECT state, attempts, last_error, next_attempt_at FROM outbox ORDER BY message_id",
        )
        .unwrap();
    st.query_map([], |r| {
        Ok(Row {
            state: r.get(0)?,
            attempts: r.get(1)?,
            error: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
            next: r.get(3)?,
        })
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

/// The result of one case: the store, the pass's summary, its rows, the queue's pause.
struct Ran {
    fx: Fx,
    sum: SendSummary,
    rows: Vec<Row>,
    paused: Option<String>,
}

/// Sends two queued messages with `settings` (the port filled in) and checks the bound.
fn send_with(port: u16, settings: Option<SmtpSettings>, security: Security, user: &str) -> Ran {
    let fx = queued(2);
    match settings {
        Some(st) => fx.smtp_settings(&SmtpSettings { port, ..st }),
        None => fx.smtp(port, security, user),
    }
    let o = SendOptions {
        step_timeout: Some(STEP),
        connections: 1,
        password: Some("pw".into()),
        ..opts()
    };
    let start = Instant::now();
    let sum = send_due(&fx.db, &ManualClock::new(t(NOW)), &o).unwrap();
    let took = start.elapsed();
    assert!(took < BOUND, "took {took:?}: {sum:?} {:?}", rows(&fx));
    let paused = mail::queue_status(&fx.db.reader().unwrap())
        .unwrap()
        .paused_reason;
    let rows = rows(&fx);
    Ran {
        fx,
        sum,
        rows,
        paused,
    }
}

fn case(fault: &str) -> (Ran, SmtpServer) {
    let srv = SmtpServer::scripted(&["--fault", fault]);
    (send_with(srv.port, None, Security::None, ""), srv)
}

/// The same case against a server that offers PIPELINING: the envelope goes in one write
/// (the server saw RCPT TO before it answered MAIL FROM), and the fault ends the same way.
fn pipelined(fault: &str) -> (Ran, SmtpServer) {
    let srv = SmtpServer::scripted(&["--fault", fault, "--pipelining"]);
    let r = send_with(srv.port, None, Security::None, "");
    assert!(
        srv.events().contains(&"PIPELINED".to_string()),
        "{:?}",
        srv.events()
    );
    (r, srv)
}

/// Runs `check` on `fault` without and with PIPELINING.
fn both(fault: &str, check: impl Fn(Ran, SmtpServer)) {
    let (r, srv) = case(fault);
    check(r, srv);
    let (r, srv) = pipelined(fault);
    check(r, srv);
}

/// The first message is queued again for a retry after the first backoff (60 s), with an
/// error containing `why` and never "outcome unknown"; the second waits as long without an
/// attempt; the pass reports the server problem.
fn server_unusable(r: &Ran, why: &str) {
    let (m1, m2) = (&r.rows[0], &r.rows[1]);
    assert_eq!(
        (m1.state.as_str(), m1.attempts),
        ("queued", 1),
        "{r:?}",
        r = r.rows
    );
    assert_eq!(m1.next, s(NOW) + 60);
    assert!(m1.error.contains(why), "{:?}", m1.error);
    assert!(!m1.error.contains("unknown"), "{:?}", m1.error);
    assert_eq!((m2.state.as_str(), m2.attempts), ("queued", 0));
    assert!(m2.next >= s(NOW) + 60, "the rest waits too");
    assert_eq!((r.sum.sent, r.sum.retried), (0, 1));
    assert!(r.sum.server_problem.as_deref().unwrap().contains(why));
    assert!(r.paused.is_none());
}

/// The first message met the fault; the second went out on a new connection.
fn second_sent(r: &Ran, srv: &SmtpServer) {
    assert_eq!(r.rows[1].state, "sent", "{:?}", r.rows);
    let got = srv.wait_for(1);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].rcpt_tos, vec!["e1@example.org".to_string()]);
}

#[test]
fn connection_refused_is_retried_later() {
    let r = send_with(free_port(), None, Security::None, "");
    server_unusable(&r, "cannot connect");
}

#[test]
fn a_421_greeting_is_retried_later() {
    let (r, srv) = case("greeting-421");
    server_unusable(&r, "421");
    assert!(srv.events().is_empty());
}

#[test]
fn a_451_at_rcpt_retries_that_message_only() {
    both("rcpt-451", |r, srv| {
        let m1 = &r.rows[0];
        assert_eq!((m1.state.as_str(), m1.attempts), ("queued", 1));
        assert!(m1.error.contains("451"), "{m1:?}");
        assert_eq!(m1.next, s(NOW) + 60);
        second_sent(&r, &srv);
    });
}

#[test]
fn a_550_at_rcpt_fails_that_message_only() {
    both("rcpt-550", |r, srv| {
        let m1 = &r.rows[0];
        assert_eq!(m1.state, "failed");
        assert!(m1.error.contains("refused the recipient"), "{m1:?}");
        assert!(m1.error.contains("550") && m1.error.contains("mailbox unavailable"));
        assert_eq!(r.fx.log()[0].0, "failed");
        second_sent(&r, &srv);
    });
}

/// Every message would get the same answer: nothing is failed, the queue pauses.
#[test]
fn a_550_at_mail_from_pauses_the_queue_and_fails_nothing() {
    both("mail-550", |r, srv| {
        let reason = r.paused.as_deref().unwrap();
        assert!(
            reason.contains("sender") && reason.contains("550"),
            "{reason}"
        );
        assert_eq!(r.sum.paused_reason.as_deref(), Some(reason));
        for m in &r.rows {
            assert_eq!((m.state.as_str(), m.attempts), ("queued", 0), "{m:?}");
        }
        assert_eq!(srv.events().iter().filter(|e| *e == "MAIL").count(), 1);
        assert!(srv.received().is_empty());
    });
}

#[test]
fn a_535_pauses_the_queue() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed(dir.path());
    let srv = SmtpServer::scripted(&[
        "--fault",
        "auth-535",
        "--starttls",
        cert.to_str().unwrap(),
        key.to_str().unwrap(),
    ]);
    let st = SmtpSettings {
        host: "localhost".into(),
        port: 0,
        security: Security::Starttls,
        username: "clerk".into(),
        from_address: "learning@certdesk.test".into(),
        from_name: String::new(),
        timeout_secs: 5,
        ca_cert_file: cert.display().to_string(),
        allow_plain_auth: false,
    };
    let r = send_with(srv.port, Some(st), Security::Starttls, "clerk");
    assert!(
        r.paused.as_deref().unwrap().contains("535"),
        "{:?}",
        r.paused
    );
    for m in &r.rows {
        assert_eq!((m.state.as_str(), m.attempts), ("queued", 0), "{m:?}");
    }
    assert!(srv.events().contains(&"AUTH".to_string()));
}

#[test]
fn silent_after_greeting_is_a_retry_not_an_unknown_outcome() {
    let (r, _srv) = case("silent-after-greeting");
    server_unusable(&r, "no answer");
}

#[test]
fn silent_at_the_data_command_is_a_retry_not_an_unknown_outcome() {
    both("silent-at-data", |r, srv| {
        server_unusable(&r, "(DATA)");
        assert!(!srv.events().contains(&"BODY".to_string()));
    });
}

#[test]
fn silent_after_the_whole_message_is_an_unknown_outcome() {
    let (r, srv) = case("silent-after-data");
    let m1 = &r.rows[0];
    assert_eq!((m1.state.as_str(), m1.attempts), ("queued", 1));
    assert!(m1.error.contains("outcome unknown"), "{m1:?}");
    assert_eq!(m1.next, s(NOW) + 60);
    second_sent(&r, &srv);
    assert_eq!(srv.events().iter().filter(|e| *e == "BODY").count(), 2);
}

#[test]
fn a_drop_before_the_final_250_is_an_unknown_outcome() {
    let (r, srv) = case("drop-before-250");
    let m1 = &r.rows[0];
    assert_eq!((m1.state.as_str(), m1.attempts), ("queued", 1));
    assert!(m1.error.contains("outcome unknown"), "{m1:?}");
    second_sent(&r, &srv);
}

/// A reply dribbled a byte a second cannot hold the sender: each step has its own bound.
#[test]
fn one_byte_a_second_times_out_at_the_greeting() {
    let (r, _srv) = case("slow");
    server_unusable(&r, "no answer");
}

#[test]
fn implicit_tls_against_a_plain_server_is_retried_later() {
    let srv = SmtpServer::scripted(&["--fault", "none"]);
    let r = send_with(srv.port, None, Security::Tls, "");
    let m1 = &r.rows[0];
    assert_eq!((m1.state.as_str(), m1.attempts), ("queued", 1), "{m1:?}");
    assert_eq!(r.rows[1].attempts, 0);
    assert!(r.sum.server_problem.is_some());
    assert!(srv.received().is_empty());
}

#[test]
fn starttls_expected_but_not_offered_is_retried_later() {
    let srv = SmtpServer::scripted(&["--fault", "none"]);
    let r = send_with(srv.port, None, Security::Starttls, "");
    server_unusable(&r, "STARTTLS");
    assert!(
        !srv.events().contains(&"MAIL".to_string()),
        "nothing in clear"
    );
}

/// The scripted server itself delivers when it has no fault (the matrix's control case).
#[test]
fn the_scripted_server_without_a_fault_takes_both() {
    both("none", |r, srv| {
        assert_eq!(r.sum.sent, 2, "{:?}", r.rows);
        assert_eq!(srv.wait_for(2).len(), 2);
    });
}
