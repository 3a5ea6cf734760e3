//! No stored value can panic the sender: header values with CR, LF, NUL or 2,000 characters
//! are refused when saved, and defended when sent (an old store's bad From name pauses the
//! queue with a reason; a bad subject is written as one clean line).

use certdesk_core::mail::{self, Security, SmtpSettings};
use certdesk_core::notify::{self, Recipients, Timing, Trigger};
use certdesk_core::Error;

use super::faults::queued;
use super::{rule, t, SmtpServer};

fn hostile() -> Vec<String> {
    vec![
        "Team\r\nBcc: evil@example.net".into(),
        "Team\nBcc: evil@example.net".into(),
        "Team\0".into(),
        "x".repeat(2000),
    ]
}

fn settings(port: u16, from_name: &str) -> SmtpSettings {
    SmtpSettings {
        host: "127.0.0.1".into(),
        port,
        security: Security::None,
        username: String::new(),
        from_address: "learning@certdesk.test".into(),
        from_name: from_name.into(),
        timeout_secs: 5,
        ca_cert_file: String::new(),
        allow_plain_auth: false,
    }
}

fn field(e: Error) -> String {
    match e {
        Error::Invalid { field, .. } => field,
        other => panic!("not an invalid-field error: {other:?}"),
    }
}

#[test]
fn hostile_from_names_and_subjects_are_refused_when_saved() {
    let fx = queued(0);
    for bad in hostile() {
        let e = fx
            .db
            .writer()
            .unwrap()
            .write(|tx| mail::save_settings(tx, &settings(25, &bad)))
            .unwrap_err();
        assert_eq!(field(e), "from name", "{bad:?}");
        let e = fx
            .db
            .writer()
            .unwrap()
            .write(|tx| {
                let input = rule(
                    Trigger::Assigned,
                    Timing::On,
                    0,
                    Recipients::Learner,
                    &bad,
                    "b",
                );
                notify::create_rule(tx, fx.program, &input, t("2027-01-01T00:00:00Z"))
            })
            .unwrap_err();
        assert_eq!(field(e), "learner subject", "{bad:?}");
    }
}

/// An old store (or a hand edit) with a line break in the From name: sending pauses with a
/// reason instead of panicking, a test send is refused, and saving good settings resumes.
#[test]
fn a_bad_stored_from_name_pauses_sending_with_a_reason() {
    let fx = queued(2);
    let srv = SmtpServer::start(&[]);
    let bad = serde_json::to_string(&settings(srv.port, "Team\r\nBcc: evil@example.net")).unwrap();
    fx.exec(
        "INSERT INTO setting (key, value) VALUES ('smtp.settings', ?1)",
        [bad],
    );
    for _ in 0..2 {
        let s = fx.send("2027-01-02T00:00:00Z");
        assert_eq!(s.sent, 0);
        let reason = s.paused_reason.unwrap();
        assert!(
            reason.contains("from name") && reason.contains("line break"),
            "{reason}"
        );
    }
    let st = mail::queue_status(&fx.db.reader().unwrap()).unwrap();
    assert_eq!(st.queued, 2);
    assert!(st.paused_reason.unwrap().contains("from name"));
    let saved = mail::load_settings(&fx.db.reader().unwrap())
        .unwrap()
        .unwrap();
    let e = mail::test_send(&saved, None, "me@example.org", t("2027-01-02T00:00:00Z"));
    assert_eq!(field(e.unwrap_err()), "from name");
    fx.smtp_settings(&settings(srv.port, "Learning team"));
    assert_eq!(fx.send("2027-01-02T00:00:00Z").sent, 2);
    for m in srv.wait_for(2) {
        assert_eq!(m.rcpt_tos.len(), 1);
        assert!(m.header("Bcc").is_none());
    }
}

/// Subjects stored with CR, LF, NUL or 2,000 characters (a learner's name pasted into one)
/// go out as one clean header line each, to their recipient only.
#[test]
fn hostile_stored_subjects_are_sent_as_one_clean_line() {
    let fx = queued(4);
    let srv = SmtpServer::start(&[]);
    fx.smtp(srv.port, Security::None, "");
    for (i, bad) in hostile().iter().enumerate() {
        fx.exec(
            "UPDATE message SET subject = ?2 WHERE id = (SELECT id FROM message ORDER BY id LIMIT 1 OFFSET ?1)",
            rusqlite::params![i as i64, bad],
        );
    }
    let s = fx.send("2027-01-02T00:00:00Z");
    assert_eq!((s.sent, s.failed), (4, 0), "{s:?}");
    let got = srv.wait_for(4);
    assert_eq!(got.len(), 4);
    for m in &got {
        assert_eq!(m.rcpt_tos.len(), 1);
        assert!(m.header("Bcc").is_none(), "{}", m.data);
        let head = m.data.split("\r\n\r\n").next().unwrap();
        assert!(head.lines().all(|l| l.len() <= 998 && !l.contains('\0')));
    }
    assert!(got
        .iter()
        .any(|m| m.subject().starts_with("Team  Bcc: evil")));
}
