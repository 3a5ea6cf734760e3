//! The engine's commands on temporary files: imports (good and malformed), assign,
//! complete, run, exceptions and the membership report.

use std::path::Path;

use serde_json::Value;

use crate::cli;

const COURSES: &str =
    "short_name,full_name\nFA101,First Aid\nFA201,First Aid Refresher\nLONG1,Long Course\n";

const PROGRAMS: &str = r#"{ "programs": [
  { "short_name": "FA", "full_name": "First Aid at Work",
    "due": { "rule": "relative", "after": "60 days", "event": "assignment" },
    "certification": { "active": "1 year", "window": "2 months", "method": "expiry_date" },
    "certification_path": [ { "label": "Initial", "rule": "all", "min_time": "8 hours", "courses": ["FA101"] } ],
    "recertification_path": [ { "label": "Refresher", "rule": "all", "courses": ["FA201"] } ] },
  { "short_name": "RUSH", "full_name": "Rushed",
    "due": { "rule": "fixed", "date": "2026-03-02" },
    "certification_path": [ { "label": "Long", "rule": "all", "min_time": "40 hours", "courses": ["LONG1"] } ] }
] }"#;

const LEARNERS: &str = "id_number,full_name,email,time_zone,managers,groups
M1,Mia Manager,mia@example.com,Europe/Berlin,,Leads
L1,Lee One,lee@example.com,Europe/London,M1,Crew
L2,Lee Two,lee2@example.com,Asia/Tokyo,M1,Crew
";

pub fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

pub fn ok_json(db: &Path, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = cli(db, &all);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

pub fn setup() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.sqlite");
    let now = ["--now", "2026-03-01T12:00:00Z"];
    let f = write(dir.path(), "courses.csv", COURSES);
    ok_json(&db, &["import", "courses", &f]);
    let f = write(dir.path(), "programs.json", PROGRAMS);
    let v = ok_json(&db, &["import", "programs", &f, now[0], now[1]]);
    assert_eq!(v["created"], 2);
    let f = write(dir.path(), "learners.csv", LEARNERS);
    let v = ok_json(&db, &["import", "learners", &f, now[0], now[1]]);
    assert_eq!(v["created"], 3);
    (dir, db)
}

#[test]
fn a_certification_from_import_to_expiry_on_the_command_line() {
    let (dir, db) = setup();
    let f = write(
        dir.path(),
        "assignments.csv",
        "learner,group,program,due\n,Crew,FA,\nL1,,RUSH,\n",
    );
    let v = ok_json(
        &db,
        &["import", "assignments", &f, "--now", "2026-03-01T12:00:00Z"],
    );
    assert_eq!(v["created"], 3);
    assert_eq!(v["exceptions"], 1, "RUSH leaves 36 hours for 40");
    let f = write(
        dir.path(),
        "completions.csv",
        "learner,course,completed_at\nL1,FA101,2026-03-10\n",
    );
    ok_json(&db, &["import", "completions", &f, "--now", "2026-03-20"]);
    ok_json(
        &db,
        &[
            "complete",
            "--learner",
            "L2",
            "--course",
            "FA101",
            "--at",
            "2026-03-11",
            "--now",
            "2026-03-20",
        ],
    );
    // Both certified on time: the expiry-date method counts from the due date (30 April),
    // so the window opens at the end of February 2027.
    let v = ok_json(&db, &["run", "--now", "2027-03-05"]);
    assert_eq!(v["engine"]["windows_opened"], 2);
    let v = ok_json(&db, &["run", "--now", "2027-03-05"]);
    assert_eq!(v["engine"]["windows_opened"], 0, "idempotent");
    ok_json(
        &db,
        &[
            "complete",
            "--learner",
            "L1",
            "--course",
            "FA201",
            "--now",
            "2027-03-10",
        ],
    );
    let v = ok_json(&db, &["run", "--now", "2027-06-01"]);
    assert_eq!(v["engine"]["expired"], 1);
    let rows = ok_json(&db, &["report", "memberships", "--program", "FA"]);
    let status: Vec<(String, String)> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["learner_id_number"].as_str().unwrap().to_string(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        status,
        vec![
            ("L1".into(), "certified".into()),
            ("L2".into(), "expired".into())
        ]
    );
    // CSV report: a header and one line per membership (3 incl. RUSH).
    let out = cli(&db, &["report", "memberships", "--format", "csv"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("learner_id_number,learner_name,"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 4, "{text}");
}

#[test]
fn exceptions_are_listed_and_resolved() {
    let (_dir, db) = setup();
    ok_json(
        &db,
        &[
            "assign",
            "--program",
            "RUSH",
            "--learner",
            "L1,L2",
            "--now",
            "2026-03-01T12:00:00Z",
        ],
    );
    let list = ok_json(&db, &["exceptions", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[0]["kind"], "time_allowance");
    let id = list[0]["id"].as_i64().unwrap().to_string();
    let v = ok_json(
        &db,
        &[
            "exceptions",
            "resolve",
            "--action",
            "dismiss",
            "--select",
            &id,
            "--dry-run",
        ],
    );
    assert_eq!(v["changed"], 1);
    assert_eq!(
        ok_json(&db, &["exceptions", "list"])
            .as_array()
            .unwrap()
            .len(),
        2,
        "dry run"
    );
    let v = ok_json(
        &db,
        &[
            "exceptions",
            "resolve",
            "--action",
            "set_realistic_due_date",
            "--select",
            "time_allowance",
        ],
    );
    assert_eq!(v["changed"], 2);
    assert_eq!(
        ok_json(&db, &["exceptions", "list"])
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let out = cli(
        &db,
        &[
            "exceptions",
            "resolve",
            "--action",
            "shrug",
            "--select",
            "all",
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an action"));
}

#[test]
fn malformed_csv_names_every_bad_line_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.sqlite");
    let f = write(
        dir.path(),
        "learners.csv",
        "id_number,full_name,email,time_zone\nL1,Good,g@example.com,UTC\nL2,Bad Zone,b@example.com,Nowhere/Land\nL3,\"unterminated,x@example.com,UTC\n",
    );
    let out = cli(&db, &["--json", "import", "learners", &f]);
    assert!(!out.status.success());
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"]["kind"], "rejected");
    let msg = err["error"]["message"].as_str().unwrap();
    assert!(msg.contains("line 3"), "{msg}");
    let v = ok_json(&db, &["dashboard"]);
    assert_eq!(v["learners"], 0, "nothing written");
    // Unknown names on the command line are named too.
    let out = cli(&db, &["assign", "--program", "NOPE", "--learner", "L1"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("program not found: NOPE"));
    let out = cli(&db, &["import", "courses", "/no/such/file.csv"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
}
