//! The outbox against a misbehaving server: down then up, 451, 550, 535, silence, a drop
//! after DATA, STARTTLS with AUTH, and two senders racing.

use std::collections::HashSet;
use std::time::Duration;

use certdesk_core::mail::{self, send_due, Security, SendOptions, SmtpSettings};
use certdesk_core::notify::{Recipients, Timing, Trigger};
use certdesk_core::ManualClock;

use super::{opts, rule, t, Fx, SmtpServer};
use crate::smtp_server::self_signed;

/// A program with `n` learners whose "assigned" message is queued at 2027-01-02.
pub(super) fn queued(n: usize) -> Fx {
    let fx = Fx::new("program");
    fx.rule(
        rule(
            Trigger::Assigned,
            Timing::On,
            0,
            Recipients::Learner,
            "Welcome %userfullname%",
            "Hello",
        ),
        "2027-01-01T00:00:00Z",
    );
    for i in 0..n {
        let l = fx.learner(&format!("E{i}"), &format!("Learner {i}"), "UTC");
        let a = fx.assign(l, "2027-01-02T00:00:00Z", "not_started");
        fx.event("assigned", a, 1, 0, "2027-01-02T00:00:00Z");
    }
    assert_eq!(
        fx.run("2027-01-02T00:00:00Z").notifications.queued as usize,
        n
    );
    fx
}

pub(super) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn outbox_row(fx: &Fx) -> (String, u32, Option<String>) {
    fx.db
        .reader()
        .unwrap()
        .query_row(
            "SELECT state, attempts, last_error FROM outbox ORDER BY message_id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap()
}

#[test]
fn server_down_then_up_delivers_later_and_loses_nothing() {
    let fx = queued(3);
    let port = free_port();
    fx.smtp(port, Security::None, "");
    let s1 = fx.send("2027-01-02T00:00:00Z");
    assert_eq!((s1.sent, s1.retried), (0, 1));
    assert_eq!(outbox_row(&fx).0, "queued");
    let srv = SmtpServer::start(&["--port", &port.to_string()]);
    assert_eq!(
        fx.send("2027-01-02T00:00:30Z").sent,
        0,
        "not before the backoff"
    );
    assert_eq!(fx.send("2027-01-02T00:01:01Z").sent, 3);
    assert_eq!(srv.wait_for(3).len(), 3);
}

#[test]
fn a_451_is_retried() {
    let fx = queued(1);
    let srv = SmtpServer::start(&["--fail-code", "451", "--fail-count", "1"]);
    fx.smtp(srv.port, Security::None, "");
    assert_eq!(fx.send("2027-01-02T00:00:00Z").retried, 1);
    let (state, attempts, err) = outbox_row(&fx);
    assert_eq!((state.as_str(), attempts), ("queued", 1));
    assert!(err.unwrap().contains("451"));
    assert_eq!(fx.send("2027-01-02T00:01:00Z").sent, 1);
    assert_eq!(srv.wait_for(1).len(), 1);
}

#[test]
fn a_550_fails_and_is_not_retried() {
    let fx = queued(1);
    let srv = SmtpServer::start(&["--fail-code", "550", "--fail-count", "1"]);
    fx.smtp(srv.port, Security::None, "");
    assert_eq!(fx.send("2027-01-02T00:00:00Z").failed, 1);
    assert_eq!(fx.send("2027-01-03T00:00:00Z").sent, 0);
    assert_eq!(outbox_row(&fx).0, "failed");
    assert_eq!(fx.log()[0].0, "failed");
    assert!(srv.received().is_empty());
}

#[test]
fn a_535_pauses_the_queue_until_resumed() {
    let fx = queued(2);
    let srv = SmtpServer::start(&["--auth", "clerk:right"]);
    fx.smtp(srv.port, Security::None, "clerk");
    let clock = ManualClock::new(t("2027-01-02T00:00:00Z"));
    let wrong = SendOptions {
        password: Some("wrong".into()),
        ..opts()
    };
    let s = send_due(&fx.db, &clock, &wrong).unwrap();
    assert!(
        s.paused_reason
            .as_deref()
            .unwrap_or_default()
            .contains("535"),
        "{s:?} {:?}",
        outbox_row(&fx)
    );
    let st = mail::queue_status(&fx.db.reader().unwrap()).unwrap();
    assert_eq!(st.queued, 2);
    assert!(st.paused_reason.is_some());
    let right = SendOptions {
        password: Some("right".into()),
        ..opts()
    };
    assert_eq!(send_due(&fx.db, &clock, &right).unwrap().sent, 0, "paused");
    fx.db.writer().unwrap().write(mail::resume).unwrap();
    assert_eq!(send_due(&fx.db, &clock, &right).unwrap().sent, 2);
    assert_eq!(srv.wait_for(2).len(), 2);
}

#[test]
fn a_silent_server_times_out_instead_of_hanging() {
    let fx = queued(1);
    let srv = SmtpServer::start(&["--silent"]);
    fx.smtp(srv.port, Security::None, "");
    let quick = SendOptions {
        step_timeout: Some(Duration::from_millis(300)),
        ..opts()
    };
    let s = send_due(&fx.db, &ManualClock::new(t("2027-01-02T00:00:00Z")), &quick).unwrap();
    assert_eq!(s.retried, 1);
    let (state, _, err) = outbox_row(&fx);
    assert_eq!(state, "queued");
    assert!(err.unwrap().contains("no answer"));
}

#[test]
fn a_drop_after_data_is_retried_with_the_same_message_id() {
    let fx = queued(1);
    let srv = SmtpServer::start(&["--drop-after-data", "1"]);
    fx.smtp(srv.port, Security::None, "");
    assert_eq!(fx.send("2027-01-02T00:00:00Z").retried, 1);
    assert_eq!(fx.send("2027-01-02T00:01:00Z").sent, 1);
    let got = srv.wait_for(1);
    let dropped = srv.dropped();
    assert_eq!(dropped.len(), 1);
    assert_eq!(got[0].header("Message-ID"), dropped[0].header("Message-ID"));
    assert_eq!(got[0].data, dropped[0].data, "the very same bytes");
}

#[test]
fn starttls_with_auth() {
    let fx = queued(1);
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed(dir.path());
    let srv = SmtpServer::start(&[
        "--tls",
        cert.to_str().unwrap(),
        key.to_str().unwrap(),
        "--auth",
        "clerk:s3cret",
    ]);
    fx.smtp_settings(&SmtpSettings {
        host: "localhost".into(),
        port: srv.port,
        security: Security::Starttls,
        username: "clerk".into(),
        from_address: "learning@certdesk.test".into(),
        from_name: String::new(),
        timeout_secs: 5,
        ca_cert_file: cert.display().to_string(),
        allow_plain_auth: false,
    });
    let o = SendOptions {
        password: Some("s3cret".into()),
        ..opts()
    };
    let s = send_due(&fx.db, &ManualClock::new(t("2027-01-02T00:00:00Z")), &o).unwrap();
    assert_eq!(s.sent, 1, "{s:?} {:?}", outbox_row(&fx));
    assert_eq!(srv.wait_for(1)[0].subject(), "Welcome Learner 0");
}

#[test]
fn two_senders_racing_send_each_message_exactly_once() {
    let fx = queued(120);
    let srv = SmtpServer::start(&[]);
    fx.smtp(srv.port, Security::None, "");
    let small = SendOptions { batch: 7, ..opts() };
    std::thread::scope(|sc| {
        for _ in 0..2 {
            let db = fx.db.clone();
            let o = small.clone();
            sc.spawn(move || {
                send_due(&db, &ManualClock::new(t("2027-01-02T00:00:00Z")), &o).unwrap()
            });
        }
    });
    let got = srv.wait_for(120);
    assert_eq!(got.len(), 120);
    let ids: HashSet<_> = got
        .iter()
        .map(|r| r.header("Message-ID").unwrap())
        .collect();
    assert_eq!(ids.len(), 120);
    assert_eq!(
        mail::queue_status(&fx.db.reader().unwrap()).unwrap().sent,
        120
    );
}

#[test]
fn two_runs_racing_queue_each_message_once() {
    let fx = Fx::new("program");
    fx.rule(
        rule(
            Trigger::Assigned,
            Timing::On,
            0,
            Recipients::Both,
            "Welcome",
            "Hello",
        ),
        "2027-01-01T00:00:00Z",
    );
    for i in 0..40 {
        let l = fx.learner(&format!("E{i}"), &format!("Learner {i}"), "UTC");
        let a = fx.assign(l, "2027-01-02T00:00:00Z", "not_started");
        fx.event("assigned", a, 1, 0, "2027-01-02T00:00:00Z");
    }
    let queued: u32 = std::thread::scope(|sc| {
        let hs: Vec<_> = (0..2)
            .map(|_| {
                let db = fx.db.clone();
                sc.spawn(move || {
                    certdesk_core::scheduler::run(
                        &mut db.writer().unwrap(),
                        t("2027-01-02T00:00:00Z"),
                    )
                    .unwrap()
                    .notifications
                })
            })
            .collect();
        hs.into_iter()
            .map(|h| h.join().unwrap())
            .map(|n| n.queued + n.skipped)
            .sum()
    });
    // 40 learner messages and 40 "no manager" skips, once each.
    assert_eq!(queued, 80);
    assert_eq!(fx.log().len(), 80);
}

#[test]
fn implicit_tls() {
    let fx = queued(2);
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed(dir.path());
    let srv = SmtpServer::start(&[
        "--implicit-tls",
        cert.to_str().unwrap(),
        key.to_str().unwrap(),
    ]);
    fx.smtp_settings(&SmtpSettings {
        host: "localhost".into(),
        port: srv.port,
        security: Security::Tls,
        username: String::new(),
        from_address: "learning@certdesk.test".into(),
        from_name: String::new(),
        timeout_secs: 5,
        ca_cert_file: cert.display().to_string(),
        allow_plain_auth: false,
    });
    let s = fx.send("2027-01-02T00:00:00Z");
    assert_eq!(s.sent, 2, "{s:?} {:?}", outbox_row(&fx));
    assert_eq!(srv.wait_for(2).len(), 2);
}

#[test]
fn an_untrusted_certificate_is_refused_and_retried_later() {
    let fx = queued(1);
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed(dir.path());
    let srv = SmtpServer::start(&["--tls", cert.to_str().unwrap(), key.to_str().unwrap()]);
    fx.smtp(srv.port, Security::Starttls, "");
    let s = fx.send("2027-01-02T00:00:00Z");
    assert_eq!((s.sent, s.retried), (0, 1));
    assert!(srv.received().is_empty());
}
