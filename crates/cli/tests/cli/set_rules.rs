//! Course set rules set up through the CLI alone: `course_set_due` before, on and after a
//! set's due date, and `course_set_completed` some days after, with the mails that arrive at
//! a real SMTP server on loopback on each run.

use crate::engine::{ok_json, setup, write};
use crate::rules::{add, delete_rules, learner_rule as rule, step};
use crate::smtp_server::SmtpServer;

/// Two sets done one after the other: each is due when it becomes current + its minimum time.
const SETS: &str = r#"{ "programs": [
  { "short_name": "SETS", "full_name": "Two Sets",
    "due": { "rule": "relative", "after": "60 days", "event": "assignment" },
    "certification_path": [
      { "label": "Theory", "rule": "all", "min_time": "3 days", "operator": "then",
        "courses": ["FA101"] },
      { "label": "Practical", "rule": "all", "min_time": "5 days", "courses": ["FA201"] } ] }
] }"#;

#[test]
fn course_set_rules_made_on_the_command_line_send_the_right_mails() {
    let (dir, db) = setup();
    let now = ["--now", "2026-03-01T12:00:00Z"];
    let f = write(dir.path(), "sets.json", SETS);
    ok_json(&db, &["import", "programs", &f, now[0], now[1]]);
    // The import came with default rules: start from none.
    delete_rules(&db, "SETS");
    add(
        &db,
        "SETS",
        &rule(
            "course_set_due",
            "before",
            "1",
            "%setlabel% due tomorrow %useridnumber%",
        ),
    );
    add(
        &db,
        "SETS",
        &rule(
            "course_set_due",
            "on",
            "",
            "%setlabel% due today %useridnumber%",
        ),
    );
    let mut overdue = rule(
        "course_set_due",
        "after",
        "2",
        "%setlabel% overdue %useridnumber%",
    );
    overdue.extend_from_slice(&[
        "--recipients",
        "both",
        "--manager-subject",
        "%setlabel% overdue %useridnumber% (manager)",
    ]);
    add(&db, "SETS", &overdue);
    add(
        &db,
        "SETS",
        &rule(
            "course_set_completed",
            "after",
            "2",
            "%setlabel% done +2 %useridnumber%",
        ),
    );
    let srv = SmtpServer::start(&[]);
    let set = crate::smtp_set(&db, srv.port, &[]);
    assert!(set.status.success(), "{set:?}");
    // Assigned at noon on 1 March: Theory (3 days) is due at noon on 4 March.
    ok_json(
        &db,
        &[
            "assign",
            "--program",
            "SETS",
            "--learner",
            "L1,L2",
            now[0],
            now[1],
        ],
    );
    let mut seen = 0;
    let mut at = |now: &str| step(&db, &srv, &mut seen, now);
    assert!(at("2026-03-01T13:00:00Z").is_empty());
    // L1 finishes Theory on 2 March at 09:00: Practical (5 days) is due on 7 March at 09:00.
    ok_json(
        &db,
        &[
            "complete",
            "--learner",
            "L1",
            "--course",
            "FA101",
            "--at",
            "2026-03-02T09:00:00Z",
            "--now",
            "2026-03-02T10:00:00Z",
        ],
    );
    // Reminders go on the local day at 08:00 in each recipient's zone: L2 is in Tokyo
    // (UTC+9), L1 in London (UTC), their manager Mia in Berlin (UTC+1).
    assert!(at("2026-03-02T22:59:00Z").is_empty(), "a minute early");
    assert_eq!(
        at("2026-03-02T23:00:00Z"),
        ["lee2@example.com: Theory due tomorrow L2"],
        "L1 has done Theory: no reminder"
    );
    assert_eq!(
        at("2026-03-03T23:00:00Z"),
        ["lee2@example.com: Theory due today L2"]
    );
    assert_eq!(
        at("2026-03-04T08:00:00Z"),
        ["lee@example.com: Theory done +2 L1"]
    );
    assert_eq!(
        at("2026-03-05T23:00:00Z"),
        ["lee2@example.com: Theory overdue L2"]
    );
    assert_eq!(
        at("2026-03-06T07:00:00Z"),
        ["mia@example.com: Theory overdue L2 (manager)"]
    );
    assert_eq!(
        at("2026-03-06T08:00:00Z"),
        ["lee@example.com: Practical due tomorrow L1"]
    );
    assert_eq!(
        at("2026-03-07T08:00:00Z"),
        ["lee@example.com: Practical due today L1"]
    );
    // L1 finishes Practical a day late, before its overdue mail: none is sent.
    ok_json(
        &db,
        &[
            "complete",
            "--learner",
            "L1",
            "--course",
            "FA201",
            "--at",
            "2026-03-08T09:00:00Z",
            "--now",
            "2026-03-08T10:00:00Z",
        ],
    );
    assert!(at("2026-03-09T12:00:00Z").is_empty(), "Practical is done");
    assert_eq!(
        at("2026-03-10T08:00:00Z"),
        ["lee@example.com: Practical done +2 L1"]
    );
    // L2 never finished Theory, so Practical never became current: nothing more, ever.
    assert!(at("2026-06-01T00:00:00Z").is_empty());
}
