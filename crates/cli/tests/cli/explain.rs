//! `explain`: a learner's timeline in a program and one sentence per rule, as JSON and as
//! text; after the run sends the reminder, the sentence says so (issue 13).

use certdesk_core::Db;

use crate::cli;
use crate::engine::ok_json;

#[test]
fn explain_gives_the_timeline_and_a_reason_per_rule() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.sqlite");
    Db::open(&db)
        .unwrap()
        .writer()
        .unwrap()
        .write(|tx| {
            tx.execute_batch(
                "INSERT INTO program (short_name, full_name, kind) VALUES ('P', 'Induction', 'program');
                 INSERT INTO learner (id_number, full_name, email, time_zone) VALUES
                     ('E1', 'Ann Lee', 'e1@example.org', 'UTC');
                 INSERT INTO assignment (learner_id, program_id, assigned_at, status, due_at)
                     VALUES (1, 1, 1798848000, 'in_progress', 1802303999);",
            )?;
            Ok(())
        })
        .unwrap();
    // "1 day after the due date" (10 February 2027) to the learner, and a disabled one.
    for (timing, disabled) in [("after", false), ("before", true)] {
        let mut args = vec![
            "rules",
            "add",
            "--program",
            "P",
            "--trigger",
            "due_date",
            "--timing",
            timing,
            "--offset",
            "1",
            "--unit",
            "day",
            "--recipients",
            "learner",
            "--learner-subject",
            "Reminder",
            "--learner-body",
            "Hello",
            "--now",
            "2027-01-01T00:00:00Z",
        ];
        if disabled {
            args.push("--disabled");
        }
        ok_json(&db, &args);
    }
    let now = "2027-02-05T00:00:00Z";
    let e = ok_json(
        &db,
        &["explain", "--learner", "E1", "--program", "P", "--now", now],
    );
    assert_eq!(e["learner"], "Ann Lee");
    assert_eq!(e["rules"][0]["reason"], "scheduled");
    assert_eq!(e["rules"][0]["at"], "2027-02-11T08:00:00Z");
    assert_eq!(e["rules"][1]["reason"], "disabled");
    let kinds: Vec<&str> = e["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["assigned", "due"]);
    // As text: the timeline, then a sentence per rule.
    let out = cli(
        &db,
        &["explain", "--learner", "E1", "--program", "P", "--now", now],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Scheduled for 2027-02-11 08:00 UTC"),
        "{text}"
    );
    assert!(text.contains("Not sent: the rule is disabled."), "{text}");
    // The program by its id; after the run, the reminder is queued.
    ok_json(&db, &["run", "--now", "2027-02-11T08:00:00Z"]);
    let e = ok_json(
        &db,
        &[
            "explain",
            "--learner",
            "E1",
            "--program",
            "1",
            "--now",
            "2027-02-11T09:00:00Z",
        ],
    );
    assert_eq!(e["rules"][0]["reason"], "queued");
    // Or by the membership, as a log line names it.
    let m = ok_json(&db, &["explain", "--membership", "1", "--now", now]);
    assert_eq!(m["learner_id_number"], "E1");
    let bad = cli(
        &db,
        &[
            "explain",
            "--learner",
            "NOPE",
            "--program",
            "P",
            "--now",
            now,
        ],
    );
    assert!(!bad.status.success());
}
