//! Each trigger end to end on a manual clock: what arrives at a real SMTP server, to whom,
//! with which subject and which rendered placeholders.

use certdesk_core::mail::Security;
use certdesk_core::notify::{Recipients, Timing, Trigger};
use rusqlite::params;

use super::{rule, s, Fx, SmtpServer};

fn fx_with_server(kind: &str) -> (Fx, SmtpServer) {
    let fx = Fx::new(kind);
    let srv = SmtpServer::start(&[]);
    fx.smtp(srv.port, Security::None, "");
    (fx, srv)
}

#[test]
fn assigned_arrives_with_placeholders_in_the_learners_time_zone() {
    let (fx, srv) = fx_with_server("program");
    fx.rule(
        rule(
            Trigger::Assigned,
            Timing::On,
            0,
            Recipients::Learner,
            "Welcome to %programfullname%, %userfullname%",
            "Id %useridnumber%. Due %duedate%. Do: %completioncriteria%. 100% sure.",
        ),
        "2027-01-01T00:00:00Z",
    );
    let ann = fx.learner("E1", "Ann Lee", "America/New_York");
    let a = fx.assign(ann, "2027-01-05T10:00:00Z", "not_started");
    // 03:00 UTC on the 20th is still the 19th in New York.
    fx.set(a, "due_at", Some(s("2027-03-20T03:00:00Z")));
    fx.event("assigned", a, 1, 0, "2027-01-05T10:00:00Z");
    let sum = fx.run("2027-01-05T10:01:00Z");
    assert_eq!(sum.notifications.queued, 1);
    assert_eq!(fx.send("2027-01-05T10:01:00Z").sent, 1);
    let got = srv.wait_for(1);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].rcpt_tos, ["e1@example.org"]);
    assert_eq!(got[0].subject(), "Welcome to Safety & Health, Ann Lee");
    let text = got[0].part("text/plain");
    assert!(
        text.contains("Id E1. Due 19 March 2027. Do: Basics: all of Fire drill. 100% sure."),
        "{text}"
    );
    let html = got[0].part("text/html");
    assert!(html.contains("Safety &amp; Health") || !html.contains("Safety & Health"));
    assert!(got[0].header("Message-ID").unwrap().starts_with("<1."));
}

#[test]
fn due_date_reminder_goes_to_learner_and_every_manager_once() {
    let (fx, srv) = fx_with_server("program");
    fx.rule(
        rule(
            Trigger::DueDate,
            Timing::Before,
            7,
            Recipients::Both,
            "%programfullname% due %duedate%",
            "Manager: %managername%",
        ),
        "2027-01-01T00:00:00Z",
    );
    let ann = fx.learner("E1", "Ann Lee", "UTC");
    let m1 = fx.learner("M1", "Meg One", "Europe/Paris");
    let m2 = fx.learner("M2", "Max Two", "UTC");
    fx.manage(ann, m1);
    fx.manage(ann, m2);
    let a = fx.assign(ann, "2027-01-02T00:00:00Z", "in_progress");
    fx.set(a, "due_at", Some(s("2027-02-10T12:00:00Z")));
    // Due on 10 February: 7 days before is 3 February at 08:00 in each recipient's zone.
    assert_eq!(
        fx.run("2027-02-03T06:59:00Z").notifications.queued,
        0,
        "not yet due"
    );
    assert_eq!(
        fx.run("2027-02-03T07:00:00Z").notifications.queued,
        1,
        "08:00 in Paris: Meg's copy"
    );
    let sum = fx.run("2027-02-03T08:00:00Z");
    assert_eq!(sum.notifications.queued, 2, "08:00 in UTC: Ann and Max");
    // A second run and a second send change nothing: exactly once.
    assert_eq!(fx.run("2027-02-04T12:00:00Z").notifications.queued, 0);
    fx.send("2027-02-03T12:00:00Z");
    fx.send("2027-02-03T12:05:00Z");
    let got = srv.wait_for(3);
    assert_eq!(got.len(), 3);
    let mut to: Vec<_> = got.iter().map(|r| r.rcpt_tos[0].clone()).collect();
    to.sort();
    assert_eq!(to, ["e1@example.org", "m1@example.org", "m2@example.org"]);
    let learner = got
        .iter()
        .find(|r| r.rcpt_tos[0] == "e1@example.org")
        .unwrap();
    assert_eq!(learner.subject(), "Safety & Health due 10 February 2027");
    assert!(learner
        .part("text/plain")
        .contains("Manager: Meg One, Max Two"));
    let meg = got
        .iter()
        .find(|r| r.rcpt_tos[0] == "m1@example.org")
        .unwrap();
    assert_eq!(
        meg.subject(),
        "Manager copy: Safety & Health due 10 February 2027"
    );
    assert!(meg.part("text/plain").contains("Your report Ann Lee"));
    // Nothing left to send.
    assert_eq!(fx.send("2027-02-05T00:00:00Z").sent, 0);
}

#[test]
fn completed_after_one_day_and_course_set_completed_with_its_label() {
    let (fx, srv) = fx_with_server("program");
    fx.rule(
        rule(
            Trigger::Completed,
            Timing::After,
            1,
            Recipients::Learner,
            "Well done %userfullname%",
            "Done.",
        ),
        "2027-01-01T00:00:00Z",
    );
    fx.rule(
        rule(
            Trigger::CourseSetCompleted,
            Timing::On,
            0,
            Recipients::Learner,
            "Set %setlabel% done",
            "Set %setlabel%.",
        ),
        "2027-01-01T00:00:00Z",
    );
    let ann = fx.learner("E1", "Ann Lee", "UTC");
    let a = fx.assign(ann, "2027-01-02T00:00:00Z", "complete");
    fx.event("course_set_completed", a, 1, 1, "2027-01-10T09:00:00Z");
    fx.event("completed", a, 1, 0, "2027-01-10T09:00:00Z");
    assert_eq!(fx.run("2027-01-10T09:30:00Z").notifications.queued, 1);
    assert_eq!(fx.run("2027-01-11T09:00:00Z").notifications.queued, 1);
    fx.send("2027-01-11T09:00:00Z");
    let got = srv.wait_for(2);
    // Several connections deliver at once: compare in sorted order.
    let mut subjects: Vec<_> = got.iter().map(|r| r.subject()).collect();
    subjects.sort();
    assert_eq!(subjects, ["Set Basics done", "Well done Ann Lee"]);
}

#[test]
fn course_set_due_skips_completed_sets() {
    let (fx, srv) = fx_with_server("program");
    fx.rule(
        rule(
            Trigger::CourseSetDue,
            Timing::On,
            0,
            Recipients::Learner,
            "%setlabel% is due",
            "x",
        ),
        "2027-01-01T00:00:00Z",
    );
    let ann = fx.learner("E1", "Ann Lee", "UTC");
    let bob = fx.learner("E2", "Bob Ray", "UTC");
    let a = fx.assign(ann, "2027-01-02T00:00:00Z", "in_progress");
    let b = fx.assign(bob, "2027-01-02T00:00:00Z", "in_progress");
    for (id, done) in [(a, None), (b, Some(s("2027-01-05T00:00:00Z")))] {
        fx.exec(
            "INSERT INTO course_set_progress (assignment_id, cycle, course_set_id, current_at, due_at, completed_at) VALUES (?1, 1, 1, ?2, ?3, ?4)",
            params![id, s("2027-01-02T00:00:00Z"), s("2027-01-09T00:00:00Z"), done],
        );
    }
    // Due on 9 January: "on" goes at the send time (08:00) of that day.
    assert_eq!(fx.run("2027-01-09T07:59:00Z").notifications.queued, 0);
    assert_eq!(fx.run("2027-01-09T08:00:00Z").notifications.queued, 1);
    fx.send("2027-01-09T08:00:00Z");
    let got = srv.wait_for(1);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].rcpt_tos, ["e1@example.org"]);
    assert_eq!(got[0].subject(), "Basics is due");
}

#[test]
fn certification_triggers_expiry_window_failure_and_unassigned() {
    let (fx, srv) = fx_with_server("certification");
    fx.rule(
        rule(
            Trigger::WindowOpen,
            Timing::Before,
            2,
            Recipients::Learner,
            "Window opens %windowopendate%",
            "x",
        ),
        "2027-01-01T00:00:00Z",
    );
    fx.rule(
        rule(
            Trigger::WindowOpen,
            Timing::On,
            0,
            Recipients::Learner,
            "Window open, expires %expirydate%",
            "x",
        ),
        "2027-01-01T00:00:00Z",
    );
    fx.rule(
        rule(
            Trigger::Expiry,
            Timing::Before,
            30,
            Recipients::Learner,
            "Expires %expirydate%",
            "x",
        ),
        "2027-01-01T00:00:00Z",
    );
    fx.rule(
        rule(
            Trigger::FailedRecertify,
            Timing::On,
            0,
            Recipients::Learner,
            "Expired: %certificationfullname%",
            "x",
        ),
        "2027-01-01T00:00:00Z",
    );
    fx.rule(
        rule(
            Trigger::Unassigned,
            Timing::On,
            0,
            Recipients::Learner,
            "Removed from %programfullname%",
            "x",
        ),
        "2027-01-01T00:00:00Z",
    );
    let ann = fx.learner("E1", "Ann Lee", "UTC");
    let a = fx.assign(ann, "2027-01-02T00:00:00Z", "certified");
    fx.set(a, "window_opens_at", Some(s("2027-03-01T00:00:00Z")));
    fx.set(a, "expires_at", Some(s("2027-04-01T00:00:00Z")));
    // Two days before the window, at the send time (08:00): certified.
    assert_eq!(fx.run("2027-02-27T07:59:00Z").notifications.queued, 0);
    assert_eq!(fx.run("2027-02-27T08:00:00Z").notifications.queued, 1);
    // The engine opens the window; "on" goes out, and 30 days before expiry (2 March).
    fx.exec(
        "UPDATE assignment SET status = 'window_open' WHERE id = ?1",
        [a],
    );
    assert_eq!(fx.run("2027-03-01T08:00:00Z").notifications.queued, 1);
    assert_eq!(fx.run("2027-03-02T08:00:00Z").notifications.queued, 1);
    // Expiry passes without recertification.
    fx.exec(
        "UPDATE assignment SET status = 'expired' WHERE id = ?1",
        [a],
    );
    fx.event("failed_recertify", a, 1, 0, "2027-04-01T00:00:00Z");
    assert_eq!(fx.run("2027-04-01T00:00:00Z").notifications.queued, 1);
    // Unassigned: sent although the membership is no longer active.
    fx.exec(
        "UPDATE assignment SET active = 0, unassigned_at = ?2 WHERE id = ?1",
        params![a, s("2027-04-02T00:00:00Z")],
    );
    fx.event("unassigned", a, 1, 0, "2027-04-02T00:00:00Z");
    assert_eq!(fx.run("2027-04-02T00:00:00Z").notifications.queued, 1);
    fx.send("2027-04-02T00:00:00Z");
    let got = srv.wait_for(5);
    // Several connections deliver at once: compare in sorted order.
    let mut subjects: Vec<_> = got.iter().map(|r| r.subject()).collect();
    subjects.sort();
    assert_eq!(
        subjects,
        [
            "Expired: Safety & Health",
            "Expires 1 April 2027",
            "Removed from Safety & Health",
            "Window open, expires 1 April 2027",
            "Window opens 1 March 2027",
        ]
    );
}

#[test]
fn exception_alert_once_per_program_per_run_to_every_admin() {
    let (fx, srv) = fx_with_server("program");
    fx.exception_alerts_to_two_admins();
    let ann = fx.learner("E1", "Ann Lee", "UTC");
    let bob = fx.learner("E2", "Bob Ray", "UTC");
    let a = fx.assign(ann, "2027-01-02T00:00:00Z", "not_started");
    let b = fx.assign(bob, "2027-01-02T00:00:00Z", "not_started");
    for (id, kind) in [(a, "time_allowance"), (b, "completion_time_unknown")] {
        fx.exec(
            "INSERT INTO exception (assignment_id, kind, raised_at, detail) VALUES (?1, ?2, ?3, 'needs 10 days')",
            params![id, kind, s("2027-01-02T00:00:00Z")],
        );
    }
    assert_eq!(fx.run("2027-01-02T00:01:00Z").notifications.alerts, 2);
    assert_eq!(
        fx.run("2027-01-02T00:02:00Z").notifications.alerts,
        0,
        "already alerted"
    );
    fx.send("2027-01-02T00:02:00Z");
    let got = srv.wait_for(2);
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].subject(), "2 new exceptions in Safety & Health");
    let text = got[0].part("text/plain");
    assert!(
        text.contains("Ann Lee (E1): time allowance: needs 10 days"),
        "{text}"
    );
    assert!(
        text.contains("Bob Ray (E2): completion time unknown"),
        "{text}"
    );
    let mut to: Vec<_> = got.iter().map(|r| r.rcpt_tos[0].clone()).collect();
    to.sort();
    assert_eq!(to, ["ada@example.org", "ben@example.org"]);
}

#[test]
fn a_learner_called_script_arrives_escaped_in_the_html_part() {
    let (fx, srv) = fx_with_server("program");
    fx.rule(
        rule(
            Trigger::Assigned,
            Timing::On,
            0,
            Recipients::Learner,
            "Hi %userfullname%",
            "Hello %userfullname%",
        ),
        "2027-01-01T00:00:00Z",
    );
    let x = fx.learner("E1", "<script>alert(1)</script>", "UTC");
    let a = fx.assign(x, "2027-01-02T00:00:00Z", "not_started");
    fx.event("assigned", a, 1, 0, "2027-01-02T00:00:00Z");
    fx.run("2027-01-02T00:00:00Z");
    fx.send("2027-01-02T00:00:00Z");
    let got = srv.wait_for(1);
    let html = got[0].part("text/html");
    assert!(
        html.contains("Hello &lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(!html.contains("<script>"));
    assert_eq!(got[0].part("text/plain"), "Hello <script>alert(1)</script>");
}

#[test]
fn tick_runs_then_sends_and_waits_quietly_without_smtp_settings() {
    let fx = Fx::welcome();
    let ann = fx.learner("E1", "Ann Lee", "UTC");
    let a = fx.assign(ann, "2027-01-02T00:00:00Z", "not_started");
    fx.event("assigned", a, 1, 0, "2027-01-02T00:00:00Z");
    let clock = certdesk_core::ManualClock::new(super::t("2027-01-02T00:00:00Z"));
    let tick = certdesk_core::scheduler::tick(&fx.db, &clock, &super::opts()).unwrap();
    assert_eq!(tick.run.notifications.queued, 1);
    assert_eq!(tick.send, None, "no SMTP server yet: the message waits");
    let srv = SmtpServer::start(&[]);
    fx.smtp(srv.port, Security::None, "");
    let tick = certdesk_core::scheduler::tick(&fx.db, &clock, &super::opts()).unwrap();
    assert_eq!(tick.send.unwrap().sent, 1);
    // A resend is a new message with its own Message-ID.
    let id = fx
        .db
        .reader()
        .unwrap()
        .query_row("SELECT id FROM message", [], |r| r.get::<_, i64>(0))
        .unwrap();
    fx.db
        .writer()
        .unwrap()
        .write(|tx| certdesk_core::mail::resend(tx, id, super::t("2027-01-02T00:05:00Z")))
        .unwrap();
    assert_eq!(fx.send("2027-01-02T00:05:00Z").sent, 1);
    let got = srv.wait_for(2);
    assert_eq!(got.len(), 2);
    assert_ne!(got[0].header("Message-ID"), got[1].header("Message-ID"));
    assert_eq!(got[0].subject(), got[1].subject());
}

#[test]
fn test_send_reaches_the_server_and_reports_a_refusal() {
    let srv = SmtpServer::start(&["--fail-code", "550", "--fail-count", "1"]);
    let settings = certdesk_core::mail::SmtpSettings {
        host: "127.0.0.1".into(),
        port: srv.port,
        security: Security::None,
        username: String::new(),
        from_address: "learning@certdesk.test".into(),
        from_name: String::new(),
        timeout_secs: 5,
        ca_cert_file: String::new(),
        allow_plain_auth: false,
    };
    let now = super::t("2027-01-02T00:00:00Z");
    let e = certdesk_core::mail::test_send(&settings, None, "me@example.org", now).unwrap_err();
    assert_eq!(e.kind(), certdesk_core::ErrorKind::Smtp);
    assert!(e.to_string().contains("550"), "{e}");
    certdesk_core::mail::test_send(&settings, None, "me@example.org", now).unwrap();
    let got = srv.wait_for(1);
    assert_eq!(got[0].subject(), "CertDesk test message");
    assert_eq!(got[0].rcpt_tos, ["me@example.org"]);
}

#[test]
fn a_rule_test_send_delivers_each_recipients_version_to_the_given_address_only() {
    let fx = Fx::new("program");
    let rule_id = fx.rule(
        rule(
            Trigger::Assigned,
            Timing::On,
            0,
            Recipients::Both,
            "Welcome to %programfullname%, %userfullname%",
            "Hello %userfullname% <b>",
        ),
        "2027-01-01T00:00:00Z",
    );
    let ann = fx.learner("E1", "Ann <Lee>", "UTC");
    let boss = fx.learner("M1", "Mo Boss", "UTC");
    fx.manage(ann, boss);
    let now = super::t("2027-01-02T00:00:00Z");
    let conn = fx.db.reader().unwrap();
    let e = certdesk_core::notify::send_rule_test(&conn, rule_id, ann, "me@example.org", now)
        .unwrap_err();
    assert_eq!(e.kind(), certdesk_core::ErrorKind::SmtpNotConfigured);

    let srv = SmtpServer::start(&[]);
    fx.smtp(srv.port, Security::None, "");
    let sent =
        certdesk_core::notify::send_rule_test(&conn, rule_id, ann, "me@example.org", now).unwrap();
    assert_eq!(sent, 2, "the learner's and the manager's version");
    let got = srv.wait_for(2);
    assert!(got.iter().all(|m| m.rcpt_tos == ["me@example.org"]));
    let mut subjects: Vec<String> = got.iter().map(|m| m.subject()).collect();
    subjects.sort();
    assert!(
        subjects[0].starts_with("[Test, learner's message] Welcome to "),
        "{subjects:?}"
    );
    assert!(subjects[0].ends_with(", Ann <Lee>"), "{subjects:?}");
    assert!(
        subjects[1].starts_with("[Test, manager's message] "),
        "{subjects:?}"
    );
    let html = got[0].part("text/html");
    assert!(
        html.contains("Ann &lt;Lee&gt;") && html.contains("&lt;b&gt;"),
        "{html}"
    );
    assert!(
        fx.log().is_empty(),
        "a test is not logged and queues nothing"
    );
}
