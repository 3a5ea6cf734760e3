//! `forecast`: what the next days send, as JSON and as text, with its filters; after a run
//! has sent the first message, the forecast no longer lists it (issue 13).

use std::path::Path;

use certdesk_core::Db;

use crate::cli;
use crate::engine::ok_json;

/// Program P with Ann (E1, due 10 February 2027) and Bob (E2, due 20 February), in UTC.
fn store(path: &Path) {
    let db = Db::open(path).unwrap();
    db.writer()
        .unwrap()
        .write(|tx| {
            tx.execute_batch(
                "INSERT INTO program (short_name, full_name, kind) VALUES ('P', 'Induction', 'program');
                 INSERT INTO course (short_name, full_name) VALUES ('C1', 'Fire drill');
                 INSERT INTO course_set (program_id, path, position, label, rule)
                     VALUES (1, 'certification', 1, 'Basics', 'all');
                 INSERT INTO course_set_course VALUES (1, 1);
                 INSERT INTO learner (id_number, full_name, email, time_zone) VALUES
                     ('E1', 'Ann Lee', 'e1@example.org', 'UTC'),
                     ('E2', 'Bob Ray', 'e2@example.org', 'America/New_York');
                 INSERT INTO assignment (learner_id, program_id, assigned_at, status, due_at)
                     VALUES (1, 1, 1798848000, 'in_progress', 1802303999),
                            (2, 1, 1798848000, 'in_progress', 1803167999);",
            )?;
            Ok(())
        })
        .unwrap();
}

#[test]
fn forecast_lists_the_days_and_messages_the_runs_will_send() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.sqlite");
    store(&db);
    // "1 day after the due date", repeating every 3 days at most twice.
    ok_json(
        &db,
        &[
            "rules",
            "add",
            "--program",
            "P",
            "--trigger",
            "due_date",
            "--timing",
            "after",
            "--offset",
            "1",
            "--unit",
            "day",
            "--recipients",
            "learner",
            "--learner-subject",
            "Reminder %reminderno%",
            "--learner-body",
            "Hello %userfullname%",
            "--repeat-every",
            "3",
            "--repeat-max",
            "2",
            "--now",
            "2027-01-01T00:00:00Z",
        ],
    );
    let now = "2027-02-05T00:00:00Z";
    let f = ok_json(&db, &["forecast", "--days", "14", "--now", now]);
    assert_eq!(f["days"].as_array().unwrap().len(), 14);
    // Ann on the 11th, 14th and 17th of February; Bob on the 21st is past the 18th.
    assert_eq!(f["total"], 3);
    let at: Vec<&str> = f["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["at"].as_str().unwrap())
        .collect();
    assert_eq!(
        at,
        [
            "2027-02-11T08:00:00Z",
            "2027-02-14T08:00:00Z",
            "2027-02-17T08:00:00Z"
        ]
    );
    assert_eq!(f["messages"][2]["reminder_no"], 3);
    assert_eq!(f["messages"][0]["learner_id_number"], "E1");
    // Filters: a learner, a day, a trigger.
    let bob = ok_json(
        &db,
        &["forecast", "--days", "30", "--learner", "E2", "--now", now],
    );
    assert_eq!(bob["total"], 3);
    // At the send time on Bob's own clock, which the list shows beside the instant.
    assert_eq!(bob["messages"][0]["at"], "2027-02-21T13:00:00Z");
    assert_eq!(
        bob["messages"][0]["local_at"],
        "2027-02-21 08:00 America/New_York"
    );
    let day = ok_json(
        &db,
        &[
            "forecast",
            "--days",
            "14",
            "--day",
            "2027-02-14",
            "--now",
            now,
        ],
    );
    assert_eq!(day["messages"].as_array().unwrap().len(), 1);
    let expiry = ok_json(&db, &["forecast", "--trigger", "expiry", "--now", now]);
    assert_eq!(expiry["total"], 0);
    // As text: one line per day with its count, then the messages.
    let text = cli(&db, &["forecast", "--days", "14", "--now", now]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.starts_with("3 messages from"), "{text}");
    assert!(text.contains("2027-02-11       1  #"), "{text}");
    assert!(text.contains("Ann Lee (E1) -> e1@example.org #1"), "{text}");
    // An unknown program is refused.
    let bad = cli(&db, &["forecast", "--program", "NOPE", "--now", now]);
    assert!(!bad.status.success());
    // Once the run has sent the first, the forecast goes on from the next.
    ok_json(&db, &["run", "--now", "2027-02-11T08:00:00Z"]);
    let after = ok_json(
        &db,
        &["forecast", "--days", "14", "--now", "2027-02-11T08:00:00Z"],
    );
    assert_eq!(after["total"], 4);
    assert_eq!(after["messages"][0]["at"], "2027-02-14T08:00:00Z");
}
