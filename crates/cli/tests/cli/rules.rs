//! Notification rules and site administrators set up through the CLI alone, then `run` and
//! `send` against a real SMTP server on loopback: which mails arrive, to whom, with which
//! subject. And the rules files: defaults twice, export → import, a bad file refused whole.

use std::path::Path;

use serde_json::Value;

use crate::cli;
use crate::engine::{ok_json, setup, write};
use crate::smtp_server::SmtpServer;

/// `rules add --program P <args>` with `--now` at the setup instant; returns the rule id.
pub fn add(db: &Path, program: &str, args: &[&str]) -> i64 {
    let mut all = vec!["rules", "add", "--program", program];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--now", "2026-03-01T12:00:00Z"]);
    let v = ok_json(db, &all);
    assert_eq!(v["backfill"], 0, "a new rule sends nothing from the past");
    v["rule"]["id"].as_i64().unwrap()
}

/// Deletes every rule of `program` (an import gives a program the default rules): a test
/// then starts from none.
pub fn delete_rules(db: &Path, program: &str) {
    for r in ok_json(db, &["rules", "list", "--program", program])
        .as_array()
        .unwrap()
    {
        let id = r["id"].as_i64().unwrap().to_string();
        ok_json(db, &["rules", "delete", &id]);
    }
}

/// Runs and sends at `now`; returns the mails that arrived, as sorted "recipient: subject".
pub fn step(db: &Path, srv: &SmtpServer, seen: &mut usize, now: &str) -> Vec<String> {
    ok_json(db, &["run", "--now", now]);
    let sent = ok_json(db, &["send", "--now", now])["sent"]
        .as_u64()
        .unwrap() as usize;
    let got = srv.wait_for(*seen + sent);
    assert_eq!(got.len(), *seen + sent);
    let mut new: Vec<String> = got[*seen..]
        .iter()
        .flat_map(|m| {
            m.rcpt_tos
                .iter()
                .map(|to| format!("{to}: {}", m.subject()))
                .collect::<Vec<_>>()
        })
        .collect();
    *seen += sent;
    new.sort();
    new
}

pub fn learner_rule<'a>(
    trigger: &'a str,
    timing: &'a str,
    offset: &'a str,
    s: &'a str,
) -> Vec<&'a str> {
    let mut v = vec!["--trigger", trigger, "--timing", timing];
    if !offset.is_empty() {
        v.extend_from_slice(&["--offset", offset, "--unit", "day"]);
    }
    v.extend_from_slice(&[
        "--learner-subject",
        s,
        "--learner-body",
        "Hello %userfullname%",
    ]);
    v
}

#[test]
fn rules_and_admins_made_on_the_command_line_send_the_right_mails() {
    let (dir, db) = setup();
    let now = ["--now", "2026-03-01T12:00:00Z"];
    // The imported programs came with default rules: start from none.
    delete_rules(&db, "FA");
    assert_eq!(
        ok_json(&db, &["rules", "list", "--program", "FA"]),
        Value::Array(vec![])
    );
    let on = |t, s| learner_rule(t, "on", "", s);
    add(&db, "FA", &on("assigned", "assigned %useridnumber%"));
    add(&db, "FA", &on("completed", "completed %useridnumber%"));
    add(
        &db,
        "FA",
        &learner_rule("completed", "after", "1", "completed+1 %useridnumber%"),
    );
    add(
        &db,
        "FA",
        &on("course_set_completed", "set %setlabel% done %useridnumber%"),
    );
    let body = dir.path().join("due.txt");
    std::fs::write(&body, "%programfullname% is due on %duedate%.").unwrap();
    let body = body.display().to_string();
    let mut due = learner_rule("due_date", "before", "7", "due-7 %useridnumber%");
    due.extend_from_slice(&[
        "--recipients",
        "both",
        "--manager-subject",
        "due-7 %useridnumber% (manager)",
        "--manager-body-file",
        &body,
    ]);
    add(&db, "FA", &due);
    add(&db, "FA", &on("due_date", "due-today %useridnumber%"));
    let mut overdue = learner_rule("due_date", "after", "3", "");
    overdue.extend_from_slice(&[
        "--recipients",
        "managers",
        "--manager-subject",
        "overdue %useridnumber% (manager)",
    ]);
    add(&db, "FA", &overdue);
    add(&db, "FA", &on("unassigned", "unassigned %useridnumber%"));
    add(
        &db,
        "FA",
        &learner_rule("window_open", "before", "7", "window-7 %useridnumber%"),
    );
    add(&db, "FA", &on("window_open", "window-open %useridnumber%"));
    add(
        &db,
        "FA",
        &learner_rule("window_open", "after", "3", "window+3 %useridnumber%"),
    );
    let mut expiry = learner_rule("expiry", "before", "30", "expiry-30 %useridnumber%");
    expiry.extend_from_slice(&[
        "--recipients",
        "both",
        "--manager-subject",
        "expiry-30 %useridnumber% (manager)",
    ]);
    add(&db, "FA", &expiry);
    let mut failed = on("failed_recertify", "lapsed %useridnumber%");
    failed.extend_from_slice(&[
        "--recipients",
        "both",
        "--manager-subject",
        "lapsed %useridnumber% (manager)",
    ]);
    add(&db, "FA", &failed);
    // A timing the trigger does not allow is refused with the allowed ones.
    let out = cli(
        &db,
        &[
            "rules",
            "add",
            "--program",
            "FA",
            "--trigger",
            "assigned",
            "--timing",
            "before",
            "--offset",
            "2",
            "--learner-subject",
            "x",
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("allowed: on"));
    // RUSH gets only the exception alert, from a rules file (which replaces its defaults).
    let f = write(
        dir.path(),
        "rush.toml",
        "[[rules]]\ntrigger = \"exception\"\ntiming = \"on\"\nrecipients = \"admins\"\nlearner_subject = \"%exceptioncount% exception(s) in %programfullname%\"\nlearner_body = \"%exceptionlist%\"\n",
    );
    let v = ok_json(
        &db,
        &["rules", "import", &f, "--program", "RUSH", now[0], now[1]],
    );
    // Its default exception alert had the same key: updated in place; the others deleted.
    assert_eq!(
        (
            v[0]["added"].as_u64(),
            v[0]["updated"].as_u64(),
            v[0]["deleted"].as_u64()
        ),
        (Some(0), Some(1), Some(2))
    );
    assert_eq!(
        ok_json(&db, &["rules", "list", "--program", "RUSH"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    ok_json(
        &db,
        &[
            "admins",
            "add",
            "--name",
            "Ada Admin",
            "--email",
            "ada@example.com",
        ],
    );
    ok_json(
        &db,
        &[
            "admins",
            "add",
            "--name",
            "Bo Admin",
            "--email",
            "bo@example.com",
        ],
    );
    let srv = SmtpServer::start(&[]);
    let set = crate::smtp_set(&db, srv.port, &[]);
    assert!(set.status.success(), "{set:?}");

    ok_json(
        &db,
        &[
            "assign",
            "--program",
            "FA",
            "--learner",
            "L1,L2",
            now[0],
            now[1],
        ],
    );
    ok_json(
        &db,
        &[
            "assign",
            "--program",
            "RUSH",
            "--learner",
            "L1",
            now[0],
            now[1],
        ],
    );
    let mut seen = 0;
    let mut at = |now: &str| step(&db, &srv, &mut seen, now);
    assert_eq!(
        at("2026-03-01T13:00:00Z"),
        [
            "ada@example.com: 1 exception(s) in Rushed",
            "bo@example.com: 1 exception(s) in Rushed",
            "lee2@example.com: assigned L2",
            "lee@example.com: assigned L1",
        ]
    );
    ok_json(
        &db,
        &[
            "complete",
            "--learner",
            "L1",
            "--course",
            "FA101",
            "--at",
            "2026-03-10T09:00:00Z",
            "--now",
            "2026-03-10T10:00:00Z",
        ],
    );
    assert_eq!(
        at("2026-03-10T11:00:00Z"),
        [
            "lee@example.com: completed L1",
            "lee@example.com: set Initial done L1"
        ]
    );
    assert_eq!(
        at("2026-03-12T12:00:00Z"),
        ["lee@example.com: completed+1 L1"]
    );
    assert_eq!(
        at("2026-04-26T00:00:00Z"),
        [
            "lee2@example.com: due-7 L2",
            "mia@example.com: due-7 L2 (manager)"
        ],
        "L1 has completed: no reminder"
    );
    assert_eq!(
        at("2026-05-01T18:00:00Z"),
        ["lee2@example.com: due-today L2"]
    );
    assert_eq!(
        at("2026-05-04T18:00:00Z"),
        ["mia@example.com: overdue L2 (manager)"]
    );
    ok_json(
        &db,
        &[
            "unassign",
            "--program",
            "FA",
            "--learner",
            "L2",
            "--now",
            "2026-05-05T10:00:00Z",
        ],
    );
    assert_eq!(
        at("2026-05-05T11:00:00Z"),
        ["lee2@example.com: unassigned L2"]
    );
    assert_eq!(at("2027-02-24T00:00:00Z"), ["lee@example.com: window-7 L1"]);
    assert_eq!(
        at("2027-03-05T00:00:00Z"),
        [
            "lee@example.com: window+3 L1",
            "lee@example.com: window-open L1"
        ]
    );
    assert_eq!(
        at("2027-04-05T00:00:00Z"),
        [
            "lee@example.com: expiry-30 L1",
            "mia@example.com: expiry-30 L1 (manager)"
        ]
    );
    // Expired without recertifying: lapsed, and overdue since the expiry (the new due date).
    assert_eq!(
        at("2027-05-05T00:00:00Z"),
        [
            "lee@example.com: due-today L1",
            "lee@example.com: lapsed L1",
            "mia@example.com: lapsed L1 (manager)",
            "mia@example.com: overdue L1 (manager)",
        ]
    );
    // Every message is in the log; a state no message has is refused with the valid ones.
    let log = ok_json(
        &db,
        &[
            "log",
            "--program",
            "FA",
            "--state",
            "sent",
            "--limit",
            "100",
        ],
    );
    assert_eq!(log["entries"].as_array().unwrap().len(), 19);
    let out = cli(&db, &["log", "--state", "bogus"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("queued, sending, sent, failed, skipped"),
        "{err}"
    );
}

/// A program's rules (what the administrator edits), in a stable order: an import keeps
/// matched rules where they were and appends new ones.
fn rules_of(db: &Path, program: &str) -> Vec<String> {
    let mut all: Vec<String> = ok_json(db, &["rules", "list", "--program", program])
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["input"].to_string())
        .collect();
    all.sort();
    all
}

#[test]
fn rules_files_round_trip_and_a_bad_file_changes_nothing() {
    let (dir, db) = setup();
    let now = ["--now", "2026-03-01T12:00:00Z"];
    let before = rules_of(&db, "FA");
    assert_eq!(before.len(), 6, "a certification's defaults");
    let v = ok_json(
        &db,
        &["rules", "defaults", "--program", "FA", now[0], now[1]],
    );
    assert_eq!(v, Value::Array(vec![]), "the defaults are there already");
    let v = ok_json(
        &db,
        &["rules", "defaults", "--program", "FA", now[0], now[1]],
    );
    assert_eq!(v, Value::Array(vec![]));
    assert_eq!(rules_of(&db, "FA"), before);
    // Edit one and disable another, then export and apply to a second certification.
    let ids: Vec<String> = ok_json(&db, &["rules", "list", "--program", "FA"])
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].to_string())
        .collect();
    let v = ok_json(
        &db,
        &[
            "rules",
            "edit",
            &ids[1],
            "--offset",
            "14",
            "--learner-subject",
            "Two weeks to %duedate%",
            now[0],
            now[1],
        ],
    );
    assert_eq!(v["rule"]["input"]["offset_amount"], 14);
    let v = ok_json(&db, &["rules", "disable", &ids[0], now[0], now[1]]);
    assert_eq!(v["rule"]["input"]["enabled"], false);
    let shown = ok_json(&db, &["rules", "show", &ids[1]]);
    assert_eq!(shown["input"]["learner_subject"], "Two weeks to %duedate%");
    let edited = rules_of(&db, "FA");
    ok_json(
        &db,
        &[
            "import",
            "programs",
            &write(
                dir.path(),
                "fa2.json",
                r#"{ "programs": [
      { "short_name": "FA2", "full_name": "First Aid 2",
        "certification": { "active": "1 year", "window": "2 months", "method": "expiry_date" },
        "certification_path": [ { "label": "Initial", "rule": "all", "courses": ["FA101"] } ] } ] }"#,
            ),
            now[0],
            now[1],
        ],
    );
    for format in ["toml", "json"] {
        let out = cli(
            &db,
            &["rules", "export", "--program", "FA", "--format", format],
        );
        assert!(out.status.success());
        let f = write(
            dir.path(),
            &format!("fa.{format}"),
            &String::from_utf8(out.stdout).unwrap(),
        );
        let v = ok_json(
            &db,
            &["rules", "import", &f, "--program", "FA2", now[0], now[1]],
        );
        assert_eq!(v[0]["program"], "FA2");
        assert_eq!(rules_of(&db, "FA2"), edited, "{format}");
    }
    // The second import matched every rule: nothing added or deleted.
    let f = dir.path().join("fa.json").display().to_string();
    let v = ok_json(
        &db,
        &["rules", "import", &f, "--program", "FA2", now[0], now[1]],
    );
    assert_eq!(
        (
            v[0]["added"].as_u64(),
            v[0]["updated"].as_u64(),
            v[0]["deleted"].as_u64()
        ),
        (Some(0), Some(0), Some(0))
    );
    // An unknown placeholder in one rule refuses the whole file, for every program.
    let text = std::fs::read_to_string(&f)
        .unwrap()
        .replace("%duedate%", "%due_date%");
    let bad = write(dir.path(), "bad.json", &text);
    let rush_before = rules_of(&db, "RUSH");
    let out = cli(
        &db,
        &[
            "--json",
            "rules",
            "import",
            &bad,
            "--program",
            "FA2",
            "--program",
            "RUSH",
            now[0],
            now[1],
        ],
    );
    assert!(!out.status.success());
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"]["kind"], "rejected");
    let msg = err["error"]["message"].as_str().unwrap();
    assert!(msg.contains("unknown placeholder %due_date%"), "{msg}");
    assert!(msg.contains("certifications only (for RUSH)"), "{msg}");
    assert_eq!(rules_of(&db, "FA2"), edited, "nothing written");
    assert_eq!(rules_of(&db, "RUSH"), rush_before);
    // Enable, delete, placeholders, admins by email, smtp show without "(None)".
    let v = ok_json(&db, &["rules", "enable", &ids[0], now[0], now[1]]);
    assert_eq!(v["rule"]["input"]["enabled"], true);
    ok_json(&db, &["rules", "delete", &ids[0]]);
    assert_eq!(rules_of(&db, "FA").len(), 5);
    let p = ok_json(&db, &["placeholders"]);
    assert!(p.as_array().unwrap().contains(&Value::from("duedate")));
    ok_json(
        &db,
        &[
            "admins",
            "add",
            "--name",
            "Ada Admin",
            "--email",
            "ada@example.com",
        ],
    );
    let v = ok_json(&db, &["admins", "remove", "ADA@example.com"]);
    assert_eq!(v, Value::Array(vec![]));
    let out = cli(&db, &["admins", "remove", "nobody@example.com"]);
    assert!(!out.status.success());
    ok_json(
        &db,
        &[
            "smtp",
            "set",
            "--host",
            "mail.example.org",
            "--security",
            "none",
            "--from",
            "a@example.org",
        ],
    );
    let out = cli(&db, &["smtp", "show"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        !text.contains("None") && text.contains("user      not set"),
        "{text}"
    );
}

#[test]
fn rules_render_shows_an_unsaved_template_for_the_example_learner() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.sqlite");
    let v = ok_json(
        &db,
        &[
            "rules",
            "render",
            "--subject",
            "Hi %userfullname%",
            "--body",
            "<i>%duedate%</i> %nosuch%",
        ],
    );
    assert_eq!(v["subject"], "Hi Alex Example");
    assert_eq!(v["text"], "<i>7 March 2027</i> %nosuch%");
    assert!(v["html"]
        .as_str()
        .unwrap()
        .contains("&lt;i&gt;7 March 2027&lt;/i&gt;"));
}
