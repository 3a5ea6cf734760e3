//! Assignment episodes (DOMAIN.md section 4, rule 1): a learner unassigned and assigned
//! again is told again, once per episode; a store upgraded in place re-sends nothing.

use certdesk_core::api::enrolment::{assign_learners, record_completion, unassign_learners};
use certdesk_core::notify::{Recipients, Timing, Trigger};
use certdesk_core::store::{APPLICATION_ID, MIGRATIONS};
use certdesk_core::Db;
use rusqlite::params;

use super::{rule, t, Fx};

/// Assigned, unassigned and "7 days before the due date" rules to the learner, in effect
/// from 2027-01-01.
fn fx_with_rules() -> (Fx, i64) {
    let fx = Fx::new("program");
    for (trigger, timing, n, subject) in [
        (
            Trigger::Assigned,
            Timing::On,
            0,
            "Welcome to %programfullname%",
        ),
        (
            Trigger::Unassigned,
            Timing::On,
            0,
            "You left %programfullname%",
        ),
        (Trigger::DueDate, Timing::Before, 7, "Due on %duedate%"),
    ] {
        fx.rule(
            rule(trigger, timing, n, Recipients::Learner, subject, "Hello"),
            "2027-01-01T00:00:00Z",
        );
    }
    let ann = fx.learner("E1", "Ann Lee", "UTC");
    (fx, ann)
}

fn assign(fx: &Fx, learner: i64, now: &str, due: &str) {
    assign_learners(
        &mut fx.db.writer().unwrap(),
        t(now),
        fx.program,
        &[learner],
        Some(due),
    )
    .unwrap();
}

fn unassign(fx: &Fx, learner: i64, now: &str) {
    let s = unassign_learners(&mut fx.db.writer().unwrap(), t(now), fx.program, &[learner]);
    assert_eq!(s.unwrap().ended, 1);
}

fn subjects(fx: &Fx) -> Vec<String> {
    fx.log()
        .into_iter()
        .map(|(state, _, subject, _)| format!("{state}: {subject}"))
        .collect()
}

fn keys(fx: &Fx) -> Vec<String> {
    let r = fx.db.reader().unwrap();
    let mut st = r
        .prepare("SELECT dedup_key FROM message ORDER BY id")
        .unwrap();
    st.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn assigned_again_is_told_again_once_per_episode() {
    let (fx, ann) = fx_with_rules();
    assign(&fx, ann, "2027-02-01T09:00:00Z", "2027-03-01");
    fx.run("2027-02-01T09:01:00Z");
    fx.run("2027-02-23T09:00:00Z");
    unassign(&fx, ann, "2027-02-24T10:00:00Z");
    fx.run("2027-02-24T10:01:00Z");
    assert_eq!(
        subjects(&fx),
        [
            "queued: Welcome to Safety & Health",
            "queued: Due on 1 March 2027",
            "queued: You left Safety & Health",
        ]
    );

    // Assigned again, with a new due date: the second episode is told everything again.
    assign(&fx, ann, "2027-03-10T09:00:00Z", "2027-04-01");
    fx.run("2027-03-10T09:01:00Z");
    // Runs an hour apart sweep the whole horizon: still nothing twice.
    fx.run("2027-03-10T10:30:00Z");
    fx.run("2027-03-26T09:00:00Z");
    fx.run("2027-03-26T10:30:00Z");
    unassign(&fx, ann, "2027-03-27T10:00:00Z");
    fx.run("2027-03-27T10:01:00Z");
    fx.run("2027-03-27T11:30:00Z");
    assert_eq!(
        subjects(&fx)[3..],
        [
            "queued: Welcome to Safety & Health",
            "queued: Due on 1 April 2027",
            "queued: You left Safety & Health",
        ]
    );
    // Episode 1's keys are those written before episodes existed; episode 2's end in `.e2`.
    let k = keys(&fx);
    assert!(k[..3].iter().all(|k| !k.contains(".e")), "{k:?}");
    assert!(k[3..].iter().all(|k| k.ends_with(".l.e2")), "{k:?}");

    // A third episode: told again once more.
    assign(&fx, ann, "2027-05-01T09:00:00Z", "2027-09-01");
    fx.run("2027-05-01T09:01:00Z");
    fx.run("2027-05-01T10:30:00Z");
    assert_eq!(subjects(&fx)[6..], ["queued: Welcome to Safety & Health"]);
    assert!(keys(&fx)[6].ends_with(".l.e3"));
}

#[test]
fn assigned_again_keeps_the_cycle_and_does_not_retell_a_completion() {
    let (fx, ann) = fx_with_rules();
    fx.rule(
        rule(
            Trigger::Completed,
            Timing::On,
            0,
            Recipients::Learner,
            "Well done",
            "Hello",
        ),
        "2027-01-01T00:00:00Z",
    );
    assign(&fx, ann, "2027-02-01T09:00:00Z", "2027-03-01");
    record_completion(
        &mut fx.db.writer().unwrap(),
        t("2027-02-02T09:00:00Z"),
        ann,
        1,
        t("2027-02-02T08:00:00Z"),
    )
    .unwrap();
    fx.run("2027-02-02T09:01:00Z");
    unassign(&fx, ann, "2027-02-10T10:00:00Z");
    fx.run("2027-02-10T10:01:00Z");
    assign(&fx, ann, "2027-02-11T09:00:00Z", "2027-03-01");
    fx.run("2027-02-11T09:01:00Z");
    fx.run("2027-02-23T09:00:00Z");
    // Complete stays complete: no reminder of the due date, no second "well done".
    assert_eq!(
        subjects(&fx),
        [
            "queued: Welcome to Safety & Health",
            "queued: Well done",
            "queued: You left Safety & Health",
            "queued: Welcome to Safety & Health",
        ]
    );
    let (status, cycle, episode): (String, i64, i64) = fx
        .db
        .reader()
        .unwrap()
        .query_row(
            "SELECT status, cycle, episode FROM assignment WHERE learner_id = ?1",
            [ann],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((status.as_str(), cycle, episode), ("complete", 1, 2));
}

/// A store written before episodes existed (schema just below the episode migration), with
/// a welcome already sent under the old key, is upgraded in place: nothing is sent again,
/// and the learner's next episode is told.
#[test]
fn a_store_upgraded_in_place_sends_nothing_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sqlite");
    let before = MIGRATIONS
        .iter()
        .position(|m| m.contains("ADD COLUMN episode"))
        .unwrap();
    let old_key = {
        let conn = rusqlite::Connection::open(&path).unwrap();
        for m in &MIGRATIONS[..before] {
            conn.execute_batch(m).unwrap();
        }
        conn.pragma_update(None, "user_version", before as i64)
            .unwrap();
        conn.pragma_update(None, "application_id", APPLICATION_ID)
            .unwrap();
        conn.execute_batch(
            "INSERT INTO program (id, short_name, full_name, kind) VALUES (1, 'SAFE', 'Safety', 'program');
             INSERT INTO learner (id, id_number, full_name, email, time_zone)
                 VALUES (7, 'E1', 'Ann Lee', 'e1@example.org', 'UTC');
             INSERT INTO assignment (id, learner_id, program_id, assigned_at, status)
                 VALUES (3, 7, 1, 1801472400, 'not_started');
             INSERT INTO assignment_source (assignment_id, source, assigned_at)
                 VALUES (3, 'individual', 1801472400);
             INSERT INTO notification_rule (id, program_id, trigger, recipients, learner_subject,
                 learner_body, effective_from)
                 VALUES (5, 1, 'assigned', 'learner', 'Welcome', 'Hello', 1798761600);
             INSERT INTO event (kind, assignment_id, cycle, course_set_id, occurred_at)
                 VALUES ('assigned', 3, 1, 0, 1801472400);",
        )
        .unwrap();
        let key = "5.3.1.0.l";
        conn.execute(
            "INSERT INTO message (dedup_key, rule_id, assignment_id, recipient_kind,
                 recipient_email, subject, body_html, body_text, state, created_at, sent_at)
             VALUES (?1, 5, 3, 'learner', 'e1@example.org', 'Welcome', '', 'Hello', 'sent', ?2, ?2)",
            params![key, 1801472460],
        )
        .unwrap();
        key
    };
    let db = Db::open(&path).unwrap();
    let fx = Fx {
        _dir: dir,
        db,
        program: 1,
    };
    // 2027-02-01T09:00Z was the assignment; runs later that day and an hour apart.
    fx.run("2027-02-01T12:00:00Z");
    fx.run("2027-02-01T13:30:00Z");
    assert_eq!(keys(&fx), [old_key], "nothing sent again after the upgrade");

    unassign(&fx, 7, "2027-02-02T09:00:00Z");
    assign(&fx, 7, "2027-02-03T09:00:00Z", "2027-06-01");
    fx.run("2027-02-03T09:01:00Z");
    assert_eq!(keys(&fx), [old_key, "5.3.1.0.l.e2"]);
}
