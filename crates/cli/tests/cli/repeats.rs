//! Repeat reminders and escalation set up with `rules add` / `rules edit`, then `run` and
//! `send` day by day against a real SMTP server on loopback (issue 12).

use std::path::Path;

use certdesk_core::Db;

use crate::engine::ok_json;
use crate::rules::step;
use crate::smtp_server::SmtpServer;
use crate::{cli, smtp_set};

/// Program P (id 1) with one course set; Ann (E1, due 10 February 2027), her manager Meg
/// (M1) and Meg's manager Bea (B1), all in UTC.
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
                     ('M1', 'Meg One', 'm1@example.org', 'UTC'),
                     ('B1', 'Bea Boss', 'b1@example.org', 'UTC');
                 INSERT INTO manager_link (learner_id, manager_id) VALUES (1, 2), (2, 3);
                 INSERT INTO assignment (learner_id, program_id, assigned_at, status, due_at)
                     VALUES (1, 1, 1798848000, 'in_progress', 1802303999);",
            )?;
            Ok(())
        })
        .unwrap();
}

#[test]
fn rules_made_with_repeat_and_escalation_options_deliver_on_their_days() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.sqlite");
    store(&db);
    let srv = SmtpServer::start(&[]);
    assert!(smtp_set(&db, srv.port, &[]).status.success());
    let now = ["--now", "2027-01-01T00:00:00Z"];
    let added = ok_json(
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
            "both",
            "--learner-subject",
            "Reminder %reminderno%: %daysoverdue% days overdue",
            "--learner-body",
            "Hello %userfullname%",
            "--manager-subject",
            "Copy %reminderno% for %userfullname%",
            "--manager-body",
            "Hello %managername%",
            "--repeat-every",
            "3",
            "--repeat-max",
            "1",
            "--escalation",
            "always",
            "--send-at-once",
            now[0],
            now[1],
        ],
    );
    let input = &added["rule"]["input"];
    assert_eq!(input["repeat_every_days"], 3);
    assert_eq!(input["repeat_max"], 1);
    assert_eq!(input["escalation"], "always");
    assert_eq!(input["send_at_once"], true);
    let id = added["rule"]["id"].as_i64().unwrap().to_string();
    // Two repeats, the managers' managers from the second on.
    let edited = ok_json(
        &db,
        &[
            "rules",
            "edit",
            &id,
            "--repeat-max",
            "2",
            "--escalation",
            "after_repeat",
            "--escalate-after",
            "2",
            "--send-at-once",
            "false",
            now[0],
            now[1],
        ],
    );
    let input = &edited["rule"]["input"];
    assert_eq!(
        (
            &input["repeat_max"],
            &input["escalation"],
            &input["escalate_after"]
        ),
        (&2.into(), &"after_repeat".into(), &2.into())
    );
    assert_eq!(input["send_at_once"], false);
    let shown = cli(&db, &["rules", "show", &id]);
    let shown = String::from_utf8_lossy(&shown.stdout);
    assert!(
        shown.contains("repeats every 3 days, at most 2 times"),
        "{shown}"
    );
    assert!(shown.contains("from repeat 2"), "{shown}");
    // A repeat number beyond the rule's repeats is refused, naming the field.
    let bad = cli(&db, &["rules", "edit", &id, "--escalate-after", "3"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("escalate after"));

    // The next sends, as the rule editor's preview shows them.
    let next = ok_json(
        &db,
        &["rules", "next", &id, "--now", "2027-02-01T00:00:00Z"],
    );
    let next = next.as_array().unwrap();
    assert_eq!(next.len(), 5);
    assert_eq!(next[0]["at"], "2027-02-11T08:00:00Z");
    assert_eq!(next[0]["email"], "e1@example.org");
    assert_eq!(next[4]["at"], "2027-02-17T08:00:00Z");
    assert_eq!(next[4]["reminder_no"], 3);
    let mut seen = 0;
    let mut got = Vec::new();
    for day in 9..=19 {
        let at = format!("2027-02-{day:02}T09:00:00Z");
        for mail in step(&db, &srv, &mut seen, &at) {
            got.push(format!("{day}: {mail}"));
        }
        // A second run the same day sends nothing again.
        assert!(step(&db, &srv, &mut seen, &at.replace("09:00", "17:00")).is_empty());
    }
    assert_eq!(
        got,
        [
            "11: e1@example.org: Reminder 1: 1 days overdue",
            "11: m1@example.org: Copy 1 for Ann Lee",
            "14: e1@example.org: Reminder 2: 4 days overdue",
            "14: m1@example.org: Copy 2 for Ann Lee",
            "17: b1@example.org: Copy 3 for Ann Lee",
            "17: e1@example.org: Reminder 3: 7 days overdue",
            "17: m1@example.org: Copy 3 for Ann Lee",
        ]
    );
}
