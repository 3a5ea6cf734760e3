//! Sending times on the command line: `settings send-policy`, `program-window` and
//! `holidays`, and a reminder due on a Saturday held to Monday morning, end to end against a
//! real SMTP server on loopback.

use crate::cli;
use crate::engine::{ok_json, setup, write};
use crate::rules::{add, delete_rules, learner_rule as rule, step};
use crate::smtp_server::SmtpServer;

const SAT: &str = r#"{ "programs": [
  { "short_name": "SAT", "full_name": "Due on a Saturday",
    "due": { "rule": "relative", "after": "31 days", "event": "assignment" },
    "certification_path": [ { "label": "Basics", "rule": "all", "courses": ["FA101"] } ] }
] }"#;

#[test]
fn a_reminder_due_on_a_saturday_goes_on_monday_at_eight_in_the_learners_zone() {
    let (dir, db) = setup();
    let now = ["--now", "2026-03-01T12:00:00Z"];
    let f = write(dir.path(), "sat.json", SAT);
    ok_json(&db, &["import", "programs", &f, now[0], now[1]]);
    delete_rules(&db, "SAT");
    add(
        &db,
        "SAT",
        &rule("due_date", "on", "", "Due today: %duedate%"),
    );
    let p = ok_json(
        &db,
        &[
            "settings",
            "send-policy",
            "set",
            "--window",
            "on",
            "--hours",
            "08:00-18:00",
        ],
    );
    assert_eq!(p["send_time"], "08:00");
    assert_eq!(p["window"]["enabled"], true);
    assert_eq!(
        p["window"]["days"],
        serde_json::json!(["mon", "tue", "wed", "thu", "fri"])
    );
    let srv = SmtpServer::start(&[]);
    assert!(crate::smtp_set(&db, srv.port, &[]).status.success());
    // Lee One is in London (BST: UTC+1 in May): due 31 days after 1 April, Saturday 2 May.
    ok_json(
        &db,
        &[
            "assign",
            "--program",
            "SAT",
            "--learner",
            "L1",
            "--now",
            "2026-04-01T12:00:00Z",
        ],
    );
    let mut seen = 0;
    let mut at = |now: &str| step(&db, &srv, &mut seen, now);
    assert!(
        at("2026-05-02T07:00:00Z").is_empty(),
        "Saturday 08:00: held"
    );
    assert!(at("2026-05-02T15:00:00Z").is_empty(), "Saturday afternoon");
    let d = ok_json(&db, &["dashboard", "--now", "2026-05-03T12:00:00Z"]);
    assert_eq!(d["held"]["count"], 1, "{d}");
    assert!(
        at("2026-05-04T06:59:00Z").is_empty(),
        "Monday 07:59 in London"
    );
    assert_eq!(
        at("2026-05-04T07:00:00Z"),
        ["lee@example.com: Due today: 2 May 2026"],
        "Monday 08:00 in London"
    );
}

#[test]
fn settings_for_sending_times_show_set_and_refuse_clearly() {
    let (dir, db) = setup();
    let p = ok_json(&db, &["settings", "send-policy", "show"]);
    assert_eq!(p["send_time"], "08:00");
    assert_eq!(p["window"]["enabled"], false, "off by default");
    let bad = cli(
        &db,
        &["settings", "send-policy", "set", "--hours", "18:00-08:00"],
    );
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("must come after"));
    let bad = cli(
        &db,
        &["settings", "send-policy", "set", "--send-time", "8h"],
    );
    assert!(!bad.status.success());
    let p = ok_json(
        &db,
        &["settings", "send-policy", "set", "--send-time", "7:30"],
    );
    assert_eq!(p["send_time"], "07:30");

    let w = ok_json(
        &db,
        &[
            "settings",
            "program-window",
            "set",
            "--program",
            "FA",
            "--days",
            "sat,sun",
            "--window",
            "on",
            "--own-send-time",
            "9:15",
        ],
    );
    assert_eq!(w["window"]["days"], serde_json::json!(["sat", "sun"]));
    assert_eq!(w["own_holidays"], false);
    assert_eq!(w["send_time"], "09:15");
    let w = ok_json(
        &db,
        &["settings", "program-window", "show", "--program", "FA"],
    );
    assert_eq!(w["window"]["enabled"], true);
    assert_eq!(w["send_time"], "09:15");
    let w = ok_json(
        &db,
        &["settings", "program-window", "clear", "--program", "FA"],
    );
    assert!(w.is_null());

    let f = write(dir.path(), "bad.csv", "2026-12-25,Christmas\n2026-02-30\n");
    let bad = cli(&db, &["settings", "holidays", "import", &f]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("line 2"));
    let f = write(
        dir.path(),
        "ok.csv",
        "2026-12-25,Christmas\n2026-12-26,Boxing Day\n",
    );
    let v = ok_json(
        &db,
        &["settings", "holidays", "import", &f, "--program", "FA"],
    );
    assert_eq!(v["imported"], 2);
    let list = ok_json(&db, &["settings", "holidays", "list", "--program", "FA"]);
    assert_eq!(list[1]["name"], "Boxing Day");
    assert_eq!(
        ok_json(&db, &["settings", "holidays", "list"]),
        serde_json::json!([])
    );
    let v = ok_json(&db, &["settings", "holidays", "clear", "--program", "FA"]);
    assert_eq!(v["cleared"], 2);
}
