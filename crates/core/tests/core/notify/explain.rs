//! The explainer (issue 13): for one learner and one program, a sentence per rule saying
//! when it sent, when it will send, or why it did not, each reason as the runs decide it;
//! and the membership's timeline. One test per reason, on real stores.

use certdesk_core::api::explain::{explain, ExplainArgs, Explanation, ReasonKind};
use certdesk_core::api::send_policy::{self, SendPolicy};
use certdesk_core::mail::Security;
use certdesk_core::notify::send_window::SendWindow;
use certdesk_core::notify::{self, Recipients, RuleInput, Timing, Trigger};
use certdesk_core::ErrorKind;
use rusqlite::params;

use super::{rule, s, t, Fx, SmtpServer};

fn why(fx: &Fx, now: &str) -> Explanation {
    let args = ExplainArgs {
        learner: "E1".into(),
        program: "SAFE".into(),
        membership: None,
    };
    explain(&fx.db.reader().unwrap(), t(now), &args).unwrap()
}

/// The reason, instant and sentence of rule `id`.
fn of(e: &Explanation, id: i64) -> (ReasonKind, Option<String>, String) {
    let r = e.rules.iter().find(|r| r.rule_id == id).unwrap();
    (r.reason, r.at.clone(), r.sentence.clone())
}

fn welcome_to(recipients: Recipients) -> RuleInput {
    rule(Trigger::Assigned, Timing::On, 0, recipients, "Welcome", "x")
}

/// Ann (E1) assigned on Saturday 2027-01-02 10:00 UTC, with her "assigned" event.
fn ann(fx: &Fx) -> i64 {
    let ann = fx.learner("E1", "Ann <b>Lee</b>", "UTC");
    let a = fx.assign(ann, "2027-01-02T10:00:00Z", "in_progress");
    fx.event("assigned", a, 1, 0, "2027-01-02T10:00:00Z");
    a
}

/// A due-date reminder 7 days before, to the learner; Ann due on 2027-03-10.
fn due_reminder() -> (Fx, i64, i64) {
    let fx = Fx::new("program");
    let id = fx.rule(
        rule(
            Trigger::DueDate,
            Timing::Before,
            7,
            Recipients::Learner,
            "Due soon",
            "x",
        ),
        "2027-01-01T00:00:00Z",
    );
    let a = ann(&fx);
    fx.set(a, "due_at", Some(s("2027-03-10T23:59:59Z")));
    (fx, id, a)
}

#[test]
fn sent_says_when_and_the_timeline_lists_the_assignment_and_the_message() {
    let fx = Fx::welcome();
    ann(&fx);
    let srv = SmtpServer::start(&[]);
    fx.smtp(srv.port, Security::None, "");
    fx.run("2027-01-02T10:00:00Z");
    assert_eq!(fx.send("2027-01-02T10:01:00Z").sent, 1);
    let e = why(&fx, "2027-01-03T00:00:00Z");
    let (kind, at, sentence) = of(&e, 1);
    assert_eq!(kind, ReasonKind::Sent);
    assert_eq!(at.as_deref(), Some("2027-01-02T10:01:00Z"));
    assert_eq!(sentence, "Sent on 2027-01-02 10:01 UTC.");
    assert_eq!(e.learner, "Ann <b>Lee</b>");
    let kinds: Vec<&str> = e.timeline.iter().map(|l| l.kind.as_str()).collect();
    assert_eq!(kinds, ["assigned", "message_sent"]);
    assert!(
        e.timeline[1].text.contains("\"Welcome\""),
        "{:?}",
        e.timeline
    );
}

#[test]
fn scheduled_gives_the_next_send() {
    let (fx, id, _) = due_reminder();
    let (kind, at, sentence) = of(&why(&fx, "2027-03-01T00:00:00Z"), id);
    assert_eq!(kind, ReasonKind::Scheduled);
    assert!(at.unwrap().starts_with("2027-03-03"), "{sentence}");
    assert!(
        sentence.starts_with("Scheduled for 2027-03-03"),
        "{sentence}"
    );
    // A due date years ahead is scheduled too, not "no due date".
    let (kind, at, _) = of(&why(&fx, "2025-01-01T00:00:00Z"), id);
    assert_eq!(kind, ReasonKind::Scheduled);
    assert!(at.unwrap().starts_with("2027-03-03"));
}

#[test]
fn a_disabled_rule_says_so() {
    let fx = Fx::new("program");
    let id = fx.rule(
        RuleInput {
            enabled: false,
            ..welcome_to(Recipients::Learner)
        },
        "2027-01-01T00:00:00Z",
    );
    ann(&fx);
    let (kind, _, sentence) = of(&why(&fx, "2027-01-03T00:00:00Z"), id);
    assert_eq!(kind, ReasonKind::Disabled);
    assert_eq!(sentence, "Not sent: the rule is disabled.");
}

#[test]
fn a_rule_created_after_the_event_is_not_backfilled_until_asked() {
    let fx = Fx::new("program");
    let id = fx.rule(welcome_to(Recipients::Learner), "2027-01-05T00:00:00Z");
    ann(&fx);
    let (kind, _, sentence) = of(&why(&fx, "2027-01-06T00:00:00Z"), id);
    assert_eq!(kind, ReasonKind::NotBackfilled);
    assert!(sentence.contains("not backfilled"), "{sentence}");
    // The run agrees: nothing is queued.
    assert_eq!(fx.run("2027-01-06T00:00:00Z").notifications.queued, 0);
    fx.db
        .writer()
        .unwrap()
        .write(|tx| notify::backfill(tx, id))
        .unwrap();
    assert_eq!(
        of(&why(&fx, "2027-01-06T00:00:00Z"), id).0,
        ReasonKind::DueNow
    );
    assert_eq!(fx.run("2027-01-06T00:01:00Z").notifications.queued, 1);
    assert_eq!(
        of(&why(&fx, "2027-01-06T00:02:00Z"), id).0,
        ReasonKind::Queued
    );
}

#[test]
fn a_suspended_learner_gets_nothing() {
    let (fx, id, _) = due_reminder();
    fx.exec(
        "UPDATE learner SET suspended = 1 WHERE id_number = 'E1'",
        [],
    );
    let (kind, _, sentence) = of(&why(&fx, "2027-03-01T00:00:00Z"), id);
    assert_eq!(kind, ReasonKind::Suspended);
    assert_eq!(sentence, "Not sent: the learner is suspended.");
    assert_eq!(fx.run("2027-03-05T00:00:00Z").notifications.queued, 0);
}

fn exception(fx: &Fx, a: i64, status: &str) {
    fx.exec(
        "INSERT INTO exception (assignment_id, kind, raised_at, detail, status, handled_at)
         VALUES (?1, 'duplicate_course', ?2, 'C1 twice', ?3, CASE WHEN ?3 = 'raised' THEN NULL ELSE ?2 + 60 END)",
        params![a, s("2027-02-01T00:00:00Z"), status],
    );
    fx.exec(
        "UPDATE assignment SET exception_status = ?2 WHERE id = ?1",
        params![a, status],
    );
}

#[test]
fn a_raised_exception_holds_the_reminders() {
    let (fx, id, a) = due_reminder();
    exception(&fx, a, "raised");
    let e = why(&fx, "2027-03-01T00:00:00Z");
    assert_eq!(of(&e, id).0, ReasonKind::ExceptionRaised);
    assert!(e.timeline.iter().any(|l| l.kind == "exception_raised"));
}

#[test]
fn a_dismissed_exception_stops_the_reminders() {
    let (fx, id, a) = due_reminder();
    exception(&fx, a, "dismissed");
    let e = why(&fx, "2027-03-01T00:00:00Z");
    assert_eq!(of(&e, id).0, ReasonKind::ExceptionDismissed);
    let handled = e.timeline.iter().find(|l| l.kind == "exception_handled");
    assert!(handled.unwrap().text.contains("dismissed"));
}

#[test]
fn an_already_complete_learner_gets_no_due_reminder() {
    let (fx, id, a) = due_reminder();
    fx.exec(
        "UPDATE assignment SET status = 'complete', completed_at = ?2 WHERE id = ?1",
        params![a, s("2027-02-01T00:00:00Z")],
    );
    let (kind, _, sentence) = of(&why(&fx, "2027-03-01T00:00:00Z"), id);
    assert_eq!(kind, ReasonKind::AlreadyComplete);
    assert!(sentence.contains("already completed"), "{sentence}");
}

#[test]
fn a_manager_copy_without_a_manager_is_skipped_before_and_after_the_run() {
    let fx = Fx::new("program");
    let id = fx.rule(welcome_to(Recipients::Managers), "2027-01-01T00:00:00Z");
    ann(&fx);
    let (kind, _, sentence) = of(&why(&fx, "2027-01-02T10:00:00Z"), id);
    assert_eq!(kind, ReasonKind::NoManager);
    assert!(
        sentence.contains("the learner has no manager"),
        "{sentence}"
    );
    assert_eq!(fx.run("2027-01-02T10:00:00Z").notifications.skipped, 1);
    let e = why(&fx, "2027-01-02T11:00:00Z");
    assert_eq!(of(&e, id).0, ReasonKind::NoManager);
    assert!(e.timeline.iter().any(|l| l.kind == "message_skipped"));
}

#[test]
fn a_send_older_than_the_catch_up_horizon_is_not_made() {
    let fx = Fx::welcome();
    ann(&fx);
    // The store was not run for five months: the welcome is older than 60 days.
    let (kind, _, sentence) = of(&why(&fx, "2027-06-01T00:00:00Z"), 1);
    assert_eq!(kind, ReasonKind::OutsideHorizon);
    assert!(sentence.contains("catch-up horizon"), "{sentence}");
}

#[test]
fn held_by_the_send_window_until_monday() {
    let fx = Fx::welcome();
    let p = SendPolicy {
        send_time: "08:00".into(),
        window: SendWindow {
            enabled: true,
            ..SendWindow::default()
        },
    };
    send_policy::set_policy(&mut fx.db.writer().unwrap(), &p).unwrap();
    ann(&fx);
    // Saturday noon: due since 10:00, held to Monday 08:00 (the window is Mon-Fri).
    let (kind, at, sentence) = of(&why(&fx, "2027-01-02T12:00:00Z"), 1);
    assert_eq!(kind, ReasonKind::Held);
    assert_eq!(at.as_deref(), Some("2027-01-04T08:00:00Z"));
    assert_eq!(
        sentence,
        "Held by the send window until 2027-01-04 08:00 UTC."
    );
    assert_eq!(fx.run("2027-01-02T12:00:00Z").notifications.queued, 0);
}

#[test]
fn a_failed_delivery_gives_the_servers_reply() {
    let fx = Fx::welcome();
    ann(&fx);
    let srv = SmtpServer::start(&["--fail-code", "550", "--fail-count", "1"]);
    fx.smtp(srv.port, Security::None, "");
    fx.run("2027-01-02T10:00:00Z");
    assert_eq!(fx.send("2027-01-02T10:01:00Z").failed, 1);
    let e = why(&fx, "2027-01-02T11:00:00Z");
    let (kind, _, sentence) = of(&e, 1);
    assert_eq!(kind, ReasonKind::DeliveryFailed);
    assert!(sentence.contains("550"), "{sentence}");
    let failed = e.timeline.iter().find(|l| l.kind == "message_failed");
    assert!(failed.unwrap().text.contains("550"));
}

#[test]
fn no_event_yet_and_not_a_member() {
    let fx = Fx::new("program");
    let id = fx.rule(
        rule(
            Trigger::Completed,
            Timing::On,
            0,
            Recipients::Learner,
            "Well done",
            "x",
        ),
        "2027-01-01T00:00:00Z",
    );
    ann(&fx);
    let (kind, _, sentence) = of(&why(&fx, "2027-01-03T00:00:00Z"), id);
    assert_eq!(kind, ReasonKind::NoEvent);
    assert_eq!(
        sentence,
        "Not sent: the learner has not completed the program."
    );
    fx.learner("E2", "Bob", "UTC");
    let args = ExplainArgs {
        learner: "E2".into(),
        program: "SAFE".into(),
        membership: None,
    };
    let err = explain(&fx.db.reader().unwrap(), t("2027-01-03T00:00:00Z"), &args).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[test]
fn the_timeline_lists_episodes_courses_cycles_and_dates_in_time_order() {
    let fx = Fx::new("certification");
    let a = ann(&fx);
    fx.exec(
        "INSERT INTO event (kind, assignment_id, cycle, course_set_id, occurred_at, episode)
         VALUES ('unassigned', ?1, 1, 0, ?2, 1), ('assigned', ?1, 1, 0, ?3, 2),
                ('course_set_completed', ?1, 1, 1, ?4, 2)",
        params![
            a,
            s("2027-01-05T00:00:00Z"),
            s("2027-01-10T00:00:00Z"),
            s("2027-01-20T00:00:00Z")
        ],
    );
    fx.exec(
        "INSERT INTO course_completion (learner_id, course_id, completed_at)
         SELECT learner_id, 1, ?2 FROM assignment WHERE id = ?1",
        params![a, s("2027-01-20T00:00:00Z")],
    );
    fx.exec(
        "INSERT INTO certification_record (assignment_id, cycle, path, state, started_at,
            completed_at, window_opens_at, expires_at)
         VALUES (?1, 1, 'certification', 'certified', ?2, ?3, ?4, ?5)",
        params![
            a,
            s("2027-01-10T00:00:00Z"),
            s("2027-01-20T00:00:00Z"),
            s("2027-12-01T00:00:00Z"),
            s("2028-01-20T00:00:00Z")
        ],
    );
    let e = why(&fx, "2027-02-01T00:00:00Z");
    let kinds: Vec<&str> = e.timeline.iter().map(|l| l.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "assigned",
            "unassigned",
            "reassigned",
            "cycle_started",
            "course_set_completed",
            "course_completed",
            "certified",
            "window_opens",
            "expires"
        ]
    );
    assert!(e.timeline[5].text.contains("Fire drill"));
    assert!(e.timeline[7].future && !e.timeline[6].future);
    let at: Vec<&str> = e.timeline.iter().map(|l| l.at.as_str()).collect();
    let mut sorted = at.clone();
    sorted.sort();
    assert_eq!(at, sorted);
}
