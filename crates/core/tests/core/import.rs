//! Imports: every bad row reported with its line number, nothing written when any is bad.

use certdesk_core::{Error, ErrorKind};

use crate::fixture::{member, store, t, ONE_LEARNER};
use crate::lifecycle::FIRST_AID;
use crate::temp_db;

fn count(db: &certdesk_core::Db, table: &str) -> i64 {
    db.reader()
        .unwrap()
        .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

#[test]
fn learners_with_managers_groups_and_dates() {
    let (_dir, db) = temp_db();
    let csv = "id_number,full_name,email,time_zone,managers,groups,date:hire_date
M1,Mia Manager,mia@x.org,Europe/Berlin,,Leaders,2020-01-01
L1,Lee One,lee@x.org,Asia/Tokyo,M1,Staff;Warehouse,2026-02-01
L2,Lee Two,lee2@x.org,,M1;L1,Staff,
";
    let s = db
        .writer()
        .unwrap()
        .write(|tx| {
            certdesk_core::enrolment::learners::learners(tx, t("2026-03-01"), csv.as_bytes())
        })
        .unwrap();
    assert_eq!((s.rows, s.created, s.updated), (3, 3, 0));
    assert_eq!(count(&db, "manager_link"), 3);
    assert_eq!(count(&db, "learner_group"), 3);
    assert_eq!(count(&db, "group_member"), 4);
    assert_eq!(count(&db, "learner_date"), 2);
    // Again, with a change: matched by id number, updated.
    let csv = "id_number,full_name,email\nL1,Lee Renamed,lee@x.org\n";
    let s = db
        .writer()
        .unwrap()
        .write(|tx| {
            certdesk_core::enrolment::learners::learners(tx, t("2026-03-01"), csv.as_bytes())
        })
        .unwrap();
    assert_eq!((s.created, s.updated), (0, 1));
    let (name, zone): (String, String) = db
        .reader()
        .unwrap()
        .query_row(
            "SELECT full_name, time_zone FROM learner WHERE id_number = 'L1'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (name.as_str(), zone.as_str()),
        ("Lee Renamed", "Asia/Tokyo"),
        "absent columns are kept"
    );
}

#[test]
fn every_bad_row_is_reported_and_nothing_is_written() {
    let (_dir, db) = temp_db();
    let csv = "id_number,full_name,email,time_zone,managers
L1,Good Row,good@x.org,UTC,
,No Id,x@x.org,UTC,
L3,Bad Zone,l3@x.org,Mars/Olympus,
L4,Bad Mail,not-an-email,UTC,
L5,Bad Manager,l5@x.org,UTC,NOBODY
L6,Too,many,fields,here,and,more
L1,Twice,twice@x.org,UTC,
";
    let err = db
        .writer()
        .unwrap()
        .write(|tx| {
            certdesk_core::enrolment::learners::learners(tx, t("2026-03-01"), csv.as_bytes())
        })
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Rejected);
    let Error::Rejected { problems, .. } = &err else {
        panic!("{err}")
    };
    let lines: Vec<u32> = problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, vec![3, 4, 5, 6, 7, 8], "{err}");
    assert!(
        err.to_string()
            .contains("line 4: 'Mars/Olympus' is not a time zone"),
        "{err}"
    );
    assert_eq!(count(&db, "learner"), 0, "nothing written");
}

#[test]
fn assignments_and_completions_from_csv() {
    let learners =
        "id_number,full_name,email,groups\nL1,A,a@x.org,Crew\nL2,B,b@x.org,Crew\nL3,C,c@x.org,\n";
    let (_dir, db) = store(FIRST_AID, learners);
    let csv = "learner,group,program,due\nL3,,FA,2026-06-30\n,Crew,FA,\n";
    let s = db
        .writer()
        .unwrap()
        .write(|tx| {
            certdesk_core::enrolment::records::assignments(tx, t("2026-03-01"), csv.as_bytes())
        })
        .unwrap();
    assert_eq!(s.created, 3);
    assert_eq!(count(&db, "assignment_source"), 3);
    // A learner who joins the group later is assigned too.
    let csv = "id_number,full_name,email,groups\nL4,D,d@x.org,Crew\n";
    db.writer()
        .unwrap()
        .write(|tx| {
            certdesk_core::enrolment::learners::learners(tx, t("2026-03-02"), csv.as_bytes())
        })
        .unwrap();
    assert!(member(&db, "L4", "FA").is_some());
    let bad = "learner,course,completed_at\nL1,FA101,2026-03-01\nL9,FA101,2026-03-01\nL2,NOPE,2026-03-01\nL2,FA101,2099-01-01\nL2,FA101,yesterday\n";
    let err = db
        .writer()
        .unwrap()
        .write(|tx| {
            certdesk_core::enrolment::records::completions(tx, t("2026-03-05"), bad.as_bytes())
        })
        .unwrap_err();
    let Error::Rejected { problems, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(
        problems.iter().map(|p| p.line).collect::<Vec<_>>(),
        vec![3, 4, 5, 6]
    );
    assert_eq!(count(&db, "course_completion"), 0);
    let good = "learner,course,completed_at\nL1,FA101,2026-03-01\nL3,FA101,2026-03-02T10:00:00Z\n";
    db.writer()
        .unwrap()
        .write(|tx| {
            certdesk_core::enrolment::records::completions(tx, t("2026-03-05"), good.as_bytes())
        })
        .unwrap();
    assert_eq!(member(&db, "L1", "FA").unwrap().status, "certified");
    assert_eq!(member(&db, "L3", "FA").unwrap().status, "certified");
    assert_eq!(member(&db, "L2", "FA").unwrap().status, "not_started");
}

#[test]
fn programs_json_errors_name_the_program_and_line() {
    let (_dir, db) = store(FIRST_AID, ONE_LEARNER);
    let bad = r#"{ "programs": [
  { "short_name": "OK", "full_name": "Fine",
    "certification_path": [ { "label": "A", "rule": "all", "courses": ["FA101"] } ] },
  { "short_name": "BAD", "full_name": "Broken",
    "certification": { "active": "1 year", "window": "13 months", "method": "sometimes" },
    "certification_path": [ { "label": "A", "rule": "most", "courses": ["NOPE"] } ] }
] }"#;
    let err = certdesk_core::api::programs::import(&mut db.writer().unwrap(), bad, t("2026-03-01"))
        .unwrap_err();
    let msg = err.to_string();
    // Each problem: the line and short name of its program, then the editor's field.
    assert!(msg.contains("line 4: BAD cert.method:"), "{msg}");
    assert!(msg.contains("sometimes"), "{msg}");
    assert!(
        msg.contains("line 4: BAD certification_path.0.rule: certification path set 1 ('A'): 'most' is not a rule"),
        "{msg}"
    );
    assert!(
        msg.contains("BAD certification_path.0.courses: certification path set 1 ('A'): course 'NOPE' not found"),
        "{msg}"
    );
    assert!(!msg.contains("OK:"), "{msg}");
    assert_eq!(count(&db, "program"), 1, "nothing written");
    let syntax = "{ \"programs\": [ { \"short_name\": \"X\",\n \"full_name\": } ] }";
    let err =
        certdesk_core::api::programs::import(&mut db.writer().unwrap(), syntax, t("2026-03-01"))
            .unwrap_err();
    assert!(err.to_string().contains("line 2"), "{err}");
}

#[test]
fn programs_json_problems_use_the_editors_fields_and_reasons() {
    let (_dir, db) = store(FIRST_AID, ONE_LEARNER);
    let bad = r#"{ "programs": [
  { "short_name": "SELF", "full_name": "",
    "due": { "rule": "relative", "after": "2 weeks", "event": "program_completion", "program": "SELF" },
    "certification_path": [ { "label": "", "rule": "at_least", "courses": ["FA101"] } ],
    "recertification_path": [ { "label": "R", "rule": "all", "courses": ["FA101"] } ] },
  { "short_name": "SELF", "full_name": "Again",
    "certification_path": [ { "label": "A", "rule": "all", "courses": ["FA101"] } ] },
  { "short_name": "fa", "full_name": "Clash", "due": { "rule": "fixed", "date": "2026-02-30" },
    "certification_path": [] }
] }"#;
    let err = certdesk_core::api::programs::import(&mut db.writer().unwrap(), bad, t("2026-03-01"))
        .unwrap_err();
    let msg = err.to_string();
    for expected in [
        "line 2: SELF full_name: the name is empty",
        "line 2: SELF due.program_id: a due date cannot count from completing the program itself",
        "line 2: SELF certification_path.0.label: certification path set 1 (''): the label is empty",
        "line 2: SELF certification_path.0.rule: certification path set 1 (''): 'at least N' needs N between 1 and its number of courses (1)",
        "line 2: SELF recertification_path: only a certification has a recertification path",
        "line 6: SELF short_name: appears twice in the file",
        "line 8: fa short_name: 'fa' is already the short name of First Aid at Work",
        "line 8: fa due.date: '2026-02-30' is not a date (YYYY-MM-DD)",
        "line 8: fa certification_path: add at least one course set",
    ] {
        assert!(msg.contains(expected), "{expected} not in {msg}");
    }
    assert_eq!(count(&db, "program"), 1, "nothing written");
}

#[test]
fn importing_a_program_again_keeps_unchanged_course_sets() {
    let (_dir, db) = store(FIRST_AID, ONE_LEARNER);
    let ids = || -> Vec<i64> {
        let r = db.reader().unwrap();
        let mut stmt = r.prepare("SELECT id FROM course_set ORDER BY id").unwrap();
        stmt.query_map([], |x| x.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let before = ids();
    let s =
        certdesk_core::api::programs::import(&mut db.writer().unwrap(), FIRST_AID, t("2026-03-01"))
            .unwrap();
    assert_eq!((s.created, s.updated), (0, 1));
    assert_eq!(ids(), before, "same sets, same ids");
    let changed = FIRST_AID.replace(
        "\"Refresher\", \"rule\": \"all\"",
        "\"Refresher\", \"rule\": \"any\"",
    );
    certdesk_core::api::programs::import(&mut db.writer().unwrap(), &changed, t("2026-03-01"))
        .unwrap();
    assert_eq!(ids()[0], before[0], "the certification path is unchanged");
    let rule: String = db
        .reader()
        .unwrap()
        .query_row(
            "SELECT rule FROM course_set WHERE path = 'recertification'",
            [],
            |x| x.get(0),
        )
        .unwrap();
    assert_eq!(rule, "any", "the recertification path was replaced");
}

#[test]
fn a_new_program_gets_the_default_rules_once() {
    let (_dir, db) = store(FIRST_AID, ONE_LEARNER);
    let rules = || -> Vec<String> {
        let r = db.reader().unwrap();
        let mut stmt = r
            .prepare("SELECT trigger FROM notification_rule ORDER BY trigger")
            .unwrap();
        stmt.query_map([], |x| x.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let first = rules();
    for trigger in [
        "assigned",
        "due_date",
        "expiry",
        "window_open",
        "failed_recertify",
        "exception",
    ] {
        assert!(
            first.iter().any(|t| t == trigger),
            "no default {trigger} rule in {first:?}"
        );
    }
    certdesk_core::api::programs::import(&mut db.writer().unwrap(), FIRST_AID, t("2026-03-01"))
        .unwrap();
    assert_eq!(rules(), first, "importing the program again adds no rules");
}

#[test]
fn a_refused_programs_file_does_not_wait_for_the_write_lock() {
    let (_dir, db) = store(FIRST_AID, ONE_LEARNER);
    // Another writer holds the write lock (a long import, a run) for the whole test.
    let other = rusqlite::Connection::open(db.path()).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let bad = r#"{ "programs": [
  { "short_name": "LATER", "full_name": "Counts from a program later in the file",
    "due": { "rule": "relative", "after": "2 weeks", "event": "program_completion", "program": "NEW" },
    "certification_path": [ { "label": "A", "rule": "all", "courses": ["FA101"] } ] },
  { "short_name": "NEW", "full_name": "New", "certification_path": [] },
  { "short_name": "new", "full_name": "Same name, other case",
    "certification_path": [ { "label": "A", "rule": "all", "courses": ["FA101"] } ] }
] }"#;
    let started = std::time::Instant::now();
    let err = certdesk_core::api::programs::import(&mut db.writer().unwrap(), bad, t("2026-03-01"))
        .unwrap_err();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "refused without waiting for the lock: {:?}",
        started.elapsed()
    );
    assert_eq!(err.kind(), ErrorKind::Rejected, "{err}");
    let msg = err.to_string();
    for expected in [
        "line 5: NEW certification_path: add at least one course set",
        "line 5: NEW short_name: 'NEW' is already the short name of Same name, other case",
        "line 6: new short_name: 'new' is already the short name of New",
    ] {
        assert!(msg.contains(expected), "{expected} not in {msg}");
    }
    // The program later in the file is known: counting from it is no problem.
    assert!(!msg.contains("LATER"), "{msg}");
    other.execute_batch("ROLLBACK").unwrap();
    // Once fixed, the file is written, the due date counting from the program after it.
    let good = bad
        .replace("\"certification_path\": [] }", "\"certification_path\": [ { \"label\": \"A\", \"rule\": \"all\", \"courses\": [\"FA101\"] } ] }")
        .replace("\"short_name\": \"new\"", "\"short_name\": \"OTHER\"");
    let s = certdesk_core::api::programs::import(&mut db.writer().unwrap(), &good, t("2026-03-01"))
        .unwrap();
    assert_eq!((s.created, s.updated), (3, 0));
    let counts_from: String = db
        .reader()
        .unwrap()
        .query_row(
            "SELECT n.short_name FROM program p JOIN program n ON n.id = p.due_event_program_id
             WHERE p.short_name = 'LATER'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(counts_from, "NEW");
}
