//! Catching up (DOMAIN.md section 4, rule 3): a backdated completion's messages go at the
//! next run, and a message older than the catch-up horizon is logged as skipped with that
//! reason, once, never sent and never dropped silently.

use certdesk_core::api::enrolment::{assign_learners, record_completion};
use certdesk_core::api::settings::{catch_up_days, set_catch_up_days};
use certdesk_core::notify::{Recipients, Timing, Trigger};

use super::{rule, s, t, Fx};

fn learner_rule(fx: &Fx, trigger: Trigger, timing: Timing, n: u32, subject: &str, at: &str) {
    fx.rule(
        rule(trigger, timing, n, Recipients::Learner, subject, "Hello"),
        at,
    );
}

fn assign(fx: &Fx, learner: i64, now: &str) {
    assign_learners(
        &mut fx.db.writer().unwrap(),
        t(now),
        fx.program,
        &[learner],
        None,
    )
    .unwrap();
}

fn complete(fx: &Fx, learner: i64, now: &str, at: &str) {
    record_completion(&mut fx.db.writer().unwrap(), t(now), learner, 1, t(at)).unwrap();
}

fn rescan_mark(fx: &Fx) -> Option<String> {
    use rusqlite::OptionalExtension;
    fx.db
        .reader()
        .unwrap()
        .query_row(
            "SELECT value FROM setting WHERE key = 'notify.rescan_from'",
            [],
            |r| r.get(0),
        )
        .optional()
        .unwrap()
}

/// (state, subject, reason) of every message.
fn log(fx: &Fx) -> Vec<(String, String, Option<String>)> {
    fx.log().into_iter().map(|(a, _, c, d)| (a, c, d)).collect()
}

fn queued(subject: &str) -> (String, String, Option<String>) {
    ("queued".into(), subject.into(), None)
}

fn too_old(subject: &str, days: u32) -> (String, String, Option<String>) {
    (
        "skipped".into(),
        subject.into(),
        Some(format!("older than the catch-up horizon of {days} days")),
    )
}

#[test]
fn a_backdated_completion_is_told_at_the_next_run_not_the_hourly_sweep() {
    let fx = Fx::new("program");
    learner_rule(
        &fx,
        Trigger::Completed,
        Timing::On,
        0,
        "Completed",
        "2027-01-01T00:00:00Z",
    );
    learner_rule(
        &fx,
        Trigger::Completed,
        Timing::After,
        1,
        "A day later",
        "2027-01-01T00:00:00Z",
    );
    let ann = fx.learner("E1", "Ann Lee", "UTC");
    assign(&fx, ann, "2027-02-01T09:00:00Z");
    // T: a run that sweeps the horizon; the next sweep is an hour later.
    fx.run("2027-03-10T09:00:00Z");
    assert!(log(&fx).is_empty());
    // T+5 min: the completion is recorded, dated three days ago.
    complete(&fx, ann, "2027-03-10T09:05:00Z", "2027-03-07T09:00:00Z");
    let sum = fx.run("2027-03-10T09:10:00Z");
    assert_eq!(sum.notifications.queued, 2);
    assert_eq!(log(&fx), [queued("Completed"), queued("A day later")]);
    // Done: the next runs scan from their previous run again, and send nothing twice.
    assert_eq!(rescan_mark(&fx), None);
    fx.run("2027-03-10T09:20:00Z");
    fx.run("2027-03-10T10:30:00Z");
    assert_eq!(log(&fx).len(), 2);
}

#[test]
fn a_completion_backdated_beyond_the_horizon_is_logged_as_skipped_once() {
    let fx = Fx::new("program");
    learner_rule(
        &fx,
        Trigger::Completed,
        Timing::On,
        0,
        "Completed",
        "2026-01-01T00:00:00Z",
    );
    // A rule made yesterday does not log skips for the past (no surprise backfill).
    learner_rule(
        &fx,
        Trigger::Completed,
        Timing::After,
        1,
        "New rule",
        "2027-03-09T00:00:00Z",
    );
    let ann = fx.learner("E1", "Ann Lee", "UTC");
    assign(&fx, ann, "2026-06-01T09:00:00Z");
    fx.run("2027-03-10T09:00:00Z");
    assert_eq!(catch_up_days(&fx.db.reader().unwrap()).unwrap(), 60);
    complete(&fx, ann, "2027-03-10T09:05:00Z", "2026-11-20T09:00:00Z");
    let sum = fx.run("2027-03-10T09:10:00Z");
    assert_eq!(
        (sum.notifications.queued, sum.notifications.skipped),
        (0, 1)
    );
    assert_eq!(log(&fx), [too_old("Completed", 60)]);
    // Logged once: later runs and sweeps, even with a longer horizon, never send it.
    set_catch_up_days(&mut fx.db.writer().unwrap(), 365).unwrap();
    fx.run("2027-03-10T10:30:00Z");
    fx.run("2027-03-11T10:30:00Z");
    assert_eq!(log(&fx), [too_old("Completed", 60)]);
}

#[test]
fn a_store_closed_longer_than_the_horizon_logs_what_it_missed() {
    let fx = Fx::new("program");
    learner_rule(
        &fx,
        Trigger::DueDate,
        Timing::On,
        0,
        "Due %duedate%",
        "2027-01-01T00:00:00Z",
    );
    assert_eq!(
        set_catch_up_days(&mut fx.db.writer().unwrap(), 10).unwrap(),
        10
    );
    let due = |name: &str, at: &str, status: &str| {
        let l = fx.learner(name, name, "UTC");
        let a = fx.assign(l, "2027-01-05T00:00:00Z", status);
        fx.set(a, "due_at", Some(s(at)));
    };
    due("OLD", "2027-02-15T12:00:00Z", "in_progress");
    due("DONE", "2027-02-20T12:00:00Z", "complete");
    due("AWAY", "2027-02-21T12:00:00Z", "in_progress");
    fx.exec(
        "UPDATE learner SET suspended = 1 WHERE id_number = 'AWAY'",
        [],
    );
    due("RECENT", "2027-03-25T12:00:00Z", "in_progress");
    due("LATER", "2027-04-20T12:00:00Z", "in_progress");
    fx.run("2027-02-01T09:00:00Z");
    // A rule made while the store was closed does not log skips for its past either.
    learner_rule(
        &fx,
        Trigger::DueDate,
        Timing::After,
        1,
        "Overdue",
        "2027-03-01T00:00:00Z",
    );
    // Closed for two months; the horizon is 10 days (from 22 March).
    let sum = fx.run("2027-04-01T09:00:00Z");
    assert_eq!(
        (sum.notifications.queued, sum.notifications.skipped),
        (2, 1)
    );
    assert_eq!(
        log(&fx),
        [
            too_old("Due 15 February 2027", 10),
            queued("Due 25 March 2027"),
            queued("Overdue"),
        ]
    );
    fx.run("2027-04-01T10:30:00Z");
    fx.run("2027-04-22T13:00:00Z");
    assert_eq!(log(&fx).len(), 5, "{:?}", log(&fx));
    assert_eq!(
        log(&fx)[3..],
        [queued("Due 20 April 2027"), queued("Overdue")]
    );
}

#[test]
fn the_horizon_is_1_to_365_days() {
    let fx = Fx::new("program");
    let mut w = fx.db.writer().unwrap();
    for bad in [0, 366] {
        let e = set_catch_up_days(&mut w, bad).unwrap_err();
        assert_eq!(e.kind(), certdesk_core::ErrorKind::Invalid);
    }
    assert_eq!(set_catch_up_days(&mut w, 365).unwrap(), 365);
    assert_eq!(catch_up_days(&fx.db.reader().unwrap()).unwrap(), 365);
}
