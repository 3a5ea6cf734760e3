//! Rules and selection without a server: validation, backfill, catch-up, skips, inactive
//! learners, preview, log and resend.

use certdesk_core::mail::{self, LogFilter};
use certdesk_core::notify::{self, Recipients, Timing, Trigger};
use certdesk_core::ErrorKind;
use rusqlite::params;

use super::{rule, s, t, Fx};

#[test]
fn an_unknown_placeholder_is_refused_by_name() {
    let fx = Fx::new("program");
    let e = fx
        .db
        .writer()
        .unwrap()
        .write(|tx| {
            notify::create_rule(
                tx,
                fx.program,
                &rule(
                    Trigger::Assigned,
                    Timing::On,
                    0,
                    Recipients::Learner,
                    "Hi %usrfullname%",
                    "x",
                ),
                t("2027-01-01T00:00:00Z"),
            )
        })
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnknownPlaceholder);
    assert!(e.to_string().contains("%usrfullname%"), "{e}");
}

#[test]
fn timing_and_recipients_are_checked_per_trigger() {
    let fx = Fx::new("program");
    let bad = [
        rule(
            Trigger::Assigned,
            Timing::Before,
            3,
            Recipients::Learner,
            "x",
            "x",
        ),
        rule(
            Trigger::DueDate,
            Timing::Before,
            0,
            Recipients::Learner,
            "x",
            "x",
        ),
        rule(
            Trigger::Expiry,
            Timing::Before,
            3,
            Recipients::Learner,
            "x",
            "x",
        ),
        rule(
            Trigger::Exception,
            Timing::On,
            0,
            Recipients::Learner,
            "x",
            "x",
        ),
    ];
    for r in bad {
        let e = fx
            .db
            .writer()
            .unwrap()
            .write(|tx| notify::create_rule(tx, fx.program, &r, t("2027-01-01T00:00:00Z")))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Invalid, "{r:?}");
    }
}

#[test]
fn default_rules_of_a_certification() {
    let fx = Fx::new("certification");
    let ids = fx
        .db
        .writer()
        .unwrap()
        .write(|tx| notify::create_default_rules(tx, fx.program, t("2027-01-01T00:00:00Z")))
        .unwrap();
    let rules = notify::list_rules(&fx.db.reader().unwrap(), fx.program).unwrap();
    assert_eq!(ids.len(), rules.len());
    let triggers: Vec<_> = rules.iter().map(|r| r.input.trigger).collect();
    assert_eq!(
        triggers,
        [
            Trigger::Assigned,
            Trigger::DueDate,
            Trigger::Expiry,
            Trigger::WindowOpen,
            Trigger::FailedRecertify,
            Trigger::Exception
        ]
    );
}

#[test]
fn no_surprise_backfill_unless_asked_after_seeing_the_count() {
    let fx = Fx::new("program");
    let ann = fx.learner("E1", "Ann Lee", "UTC");
    let a = fx.assign(ann, "2027-01-02T00:00:00Z", "in_progress");
    fx.set(a, "due_at", Some(s("2027-02-10T00:00:00Z")));
    // The rule is made on 5 February: its 7-days-before instant (3 February) has passed.
    let id = fx.rule(
        rule(
            Trigger::DueDate,
            Timing::Before,
            7,
            Recipients::Learner,
            "Due",
            "x",
        ),
        "2027-02-05T00:00:00Z",
    );
    assert_eq!(fx.run("2027-02-05T00:00:00Z").notifications.queued, 0);
    let n =
        notify::backfill_count(&fx.db.reader().unwrap(), id, t("2027-02-05T00:00:00Z")).unwrap();
    assert_eq!(n, 1);
    fx.db
        .writer()
        .unwrap()
        .write(|tx| notify::backfill(tx, id))
        .unwrap();
    assert_eq!(fx.run("2027-02-05T00:01:00Z").notifications.queued, 1);
    // Retiming the rule never re-sends what was sent.
    let mut r = notify::list_rules(&fx.db.reader().unwrap(), fx.program)
        .unwrap()
        .remove(0);
    r.input.offset_amount = 6;
    fx.db
        .writer()
        .unwrap()
        .write(|tx| notify::update_rule(tx, id, &r.input, t("2027-02-05T00:02:00Z")))
        .unwrap();
    assert_eq!(fx.run("2027-02-06T00:00:00Z").notifications.queued, 0);
}

#[test]
fn catch_up_sends_what_came_due_while_closed_and_logs_reminders_whose_event_passed() {
    let fx = Fx::new("program");
    fx.rule(
        rule(
            Trigger::DueDate,
            Timing::Before,
            7,
            Recipients::Learner,
            "Due %duedate%",
            "x",
        ),
        "2027-01-01T00:00:00Z",
    );
    let ann = fx.learner("E1", "Ann Lee", "UTC");
    let bob = fx.learner("E2", "Bob Ray", "UTC");
    let a = fx.assign(ann, "2027-01-02T00:00:00Z", "in_progress");
    let b = fx.assign(bob, "2027-01-02T00:00:00Z", "in_progress");
    fx.set(a, "due_at", Some(s("2027-02-10T00:00:00Z")));
    fx.set(b, "due_at", Some(s("2027-01-20T00:00:00Z")));
    // The app was closed from 1 January to 5 February.
    let sum = fx.run("2027-02-05T00:00:00Z");
    assert_eq!(
        (sum.notifications.queued, sum.notifications.skipped),
        (1, 1)
    );
    let log = fx.log();
    assert_eq!(log[0].1, "e2@example.org");
    assert_eq!(log[0].0, "skipped");
    assert!(log[0].3.as_deref().unwrap().contains("already passed"));
    assert_eq!(log[1].0, "queued");
    assert_eq!(
        fx.run("2027-02-06T00:00:00Z").notifications,
        Default::default()
    );
}

#[test]
fn inactive_learners_get_nothing_until_made_active() {
    let fx = Fx::new("program");
    fx.rule(
        rule(
            Trigger::Assigned,
            Timing::On,
            0,
            Recipients::Both,
            "Welcome",
            "x",
        ),
        "2027-01-01T00:00:00Z",
    );
    let ann = fx.learner("E1", "Ann Lee", "UTC");
    let bob = fx.learner("E2", "Bob Ray", "UTC");
    fx.exec("UPDATE learner SET suspended = 1 WHERE id = ?1", [bob]);
    let a = fx.assign(ann, "2027-01-02T00:00:00Z", "not_started");
    let b = fx.assign(bob, "2027-01-02T00:00:00Z", "not_started");
    fx.exec(
        "UPDATE assignment SET exception_status = 'raised' WHERE id = ?1",
        [a],
    );
    fx.event("assigned", a, 1, 0, "2027-01-02T00:00:00Z");
    fx.event("assigned", b, 1, 0, "2027-01-02T00:00:00Z");
    assert_eq!(
        fx.run("2027-01-02T00:00:00Z").notifications,
        Default::default()
    );
    // "Assign" on the exception: Ann now gets what active learners got; she has no manager.
    fx.exec(
        "UPDATE assignment SET exception_status = 'resolved_assigned' WHERE id = ?1",
        [a],
    );
    let sum = fx.run("2027-01-03T00:00:00Z").notifications;
    assert_eq!((sum.queued, sum.skipped), (1, 1));
    let log = fx.log();
    assert_eq!(log[1].3.as_deref(), Some("the learner has no manager"));
}

#[test]
fn preview_renders_a_rule_for_a_chosen_learner() {
    let fx = Fx::new("program");
    let id = fx.rule(
        rule(
            Trigger::DueDate,
            Timing::Before,
            7,
            Recipients::Both,
            "Due %duedate%",
            "Hi %userfullname%, manager %managername%",
        ),
        "2027-01-01T00:00:00Z",
    );
    let ann = fx.learner("E1", "Ann <Lee>", "Asia/Tokyo");
    let m = fx.learner("M1", "Meg One", "UTC");
    fx.manage(ann, m);
    let a = fx.assign(ann, "2027-01-02T00:00:00Z", "in_progress");
    fx.set(a, "due_at", Some(s("2027-02-10T20:00:00Z")));
    let p = notify::preview(&fx.db.reader().unwrap(), id, ann).unwrap();
    let l = p.learner.unwrap();
    assert_eq!(l.subject, "Due 11 February 2027");
    assert_eq!(l.text, "Hi Ann <Lee>, manager Meg One");
    assert!(l.html.contains("Ann &lt;Lee&gt;"));
    assert_eq!(
        p.manager.unwrap().subject,
        "Manager copy: Due 10 February 2027"
    );
}

#[test]
fn an_unsaved_template_renders_for_the_example_learner_with_its_html_escaped() {
    let r = certdesk_core::api::rules::render_example(
        "Due %DueDate%",
        "Hi %userfullname%, <b>%daysleft% days</b> left.\n\n%nosuch% and 100%% sure",
    );
    assert_eq!(r.subject, "Due 7 March 2027");
    assert_eq!(
        r.text,
        "Hi Alex Example, <b>7 days</b> left.\n\n%nosuch% and 100% sure"
    );
    assert!(r.html.contains("&lt;b&gt;7 days&lt;/b&gt;"), "{}", r.html);
    assert!(
        !r.html.contains("<b>"),
        "typed markup stays text: {}",
        r.html
    );
}

#[test]
fn log_pages_by_key_and_resend_is_a_new_explicit_message() {
    let fx = Fx::new("program");
    fx.rule(
        rule(
            Trigger::Assigned,
            Timing::On,
            0,
            Recipients::Learner,
            "Welcome %userfullname%",
            "x",
        ),
        "2027-01-01T00:00:00Z",
    );
    for i in 0..5 {
        let l = fx.learner(&format!("E{i}"), &format!("L {i}"), "UTC");
        let a = fx.assign(l, "2027-01-02T00:00:00Z", "not_started");
        fx.event("assigned", a, 1, 0, "2027-01-02T00:00:00Z");
    }
    fx.run("2027-01-02T00:00:00Z");
    let r = fx.db.reader().unwrap();
    let p1 = mail::list_messages(
        &r,
        &LogFilter {
            limit: Some(3),
            ..LogFilter::default()
        },
    )
    .unwrap();
    assert_eq!(p1.entries.len(), 3);
    assert_eq!(p1.entries[0].trigger.as_deref(), Some("assigned"));
    let p2 = mail::list_messages(
        &r,
        &LogFilter {
            limit: Some(3),
            before_id: p1.next_before_id,
            ..LogFilter::default()
        },
    )
    .unwrap();
    assert_eq!(p2.entries.len(), 2);
    assert_eq!(p2.next_before_id, None);
    let first = p2.entries[1].id;
    let new = fx
        .db
        .writer()
        .unwrap()
        .write(|tx| mail::resend(tx, first, t("2027-01-03T00:00:00Z")))
        .unwrap();
    let page = mail::list_messages(
        &r,
        &LogFilter {
            limit: Some(1),
            ..LogFilter::default()
        },
    )
    .unwrap();
    assert_eq!(page.entries[0].id, new);
    assert_eq!(page.entries[0].resend_of, Some(first));
    assert_eq!(page.entries[0].state, "queued");
    assert_ne!(
        page.entries[0].message_id_header,
        p2.entries[1].message_id_header
    );
    let _ = params![];
}

#[test]
fn a_run_minutes_after_the_last_still_catches_a_learner_made_active_by_an_exception_action() {
    let fx = Fx::welcome();
    let ann = fx.learner("E1", "Ann Lee", "UTC");
    let a = fx.assign(ann, "2027-01-02T00:00:00Z", "not_started");
    fx.exec(
        "UPDATE assignment SET exception_status = 'raised' WHERE id = ?1",
        [a],
    );
    let x = fx.exec_id(
        "INSERT INTO exception (assignment_id, kind, raised_at, detail) VALUES (?1, 'time_allowance', ?2, '')",
        params![a, s("2027-01-02T00:00:00Z")],
    );
    fx.event("assigned", a, 1, 0, "2027-01-02T00:00:00Z");
    assert_eq!(fx.run("2027-01-02T00:00:00Z").notifications.queued, 0);
    assert_eq!(fx.run("2027-01-02T00:10:00Z").notifications.queued, 0);
    // The administrator assigns anyway at 00:15; the run at 00:20 sends the welcome.
    fx.exec(
        "UPDATE exception SET status = 'resolved_assigned', handled_at = ?2 WHERE id = ?1",
        params![x, s("2027-01-02T00:15:00Z")],
    );
    fx.exec(
        "UPDATE assignment SET exception_status = 'resolved_assigned' WHERE id = ?1",
        [a],
    );
    assert_eq!(fx.run("2027-01-02T00:20:00Z").notifications.queued, 1);
}
