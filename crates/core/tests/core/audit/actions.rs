//! An entry for each kind of change a person makes, one test per area of `api/`, with the
//! values before and after; none for automatic work or a change that failed.

use certdesk_core::api;
use certdesk_core::api::send_policy::SendPolicy;
use certdesk_core::exception::action::{ExceptionAction, Selection};
use certdesk_core::mail::{Security, SmtpSettings};
use certdesk_core::notify::digest_template::DigestTemplate;
use certdesk_core::{names, Db};
use serde_json::{json, Value};

use super::{actions_after, alice_db, entries, file, AT};
use crate::fixture::{t, COURSES};

const PROGRAMS: &str = r#"{ "programs": [
  { "short_name": "RUSH", "full_name": "Rushed Program",
    "due": { "rule": "fixed", "date": "2026-03-02" },
    "certification_path": [
      { "label": "Long", "rule": "all", "min_time": "40 hours", "courses": ["LONG1"] } ] },
  { "short_name": "SAFE", "full_name": "Safety",
    "due": { "rule": "fixed", "date": "2026-12-01" },
    "certification_path": [ { "label": "S", "rule": "all", "courses": ["SAFE1"] } ] }
] }"#;

const LEARNERS: &str = "id_number,full_name,email,time_zone,groups
L1,Lee One,l1@x.org,UTC,Crew
L2,Lee Two,l2@x.org,UTC,Crew
L3,Lee Three,l3@x.org,UTC,
";

const NOW: &str = "2026-03-01T12:00:00Z";

fn json_of(s: &Option<String>) -> Value {
    s.as_deref()
        .map_or(Value::Null, |s| serde_json::from_str(s).unwrap())
}

/// Courses, programs and learners imported through `api/` (each recorded).
fn imported() -> (tempfile::TempDir, Db) {
    let (dir, db) = alice_db();
    let mut w = db.writer().unwrap();
    let courses = file(dir.path(), "courses.csv", COURSES);
    api::imports::courses(&mut w, &courses).unwrap();
    api::programs::import(&mut w, PROGRAMS, t(NOW)).unwrap();
    let learners = file(dir.path(), "learners.csv", LEARNERS);
    api::imports::learners(&mut w, t(NOW), &learners).unwrap();
    (dir, db)
}

fn id(db: &Db, f: impl FnOnce(&rusqlite::Connection) -> certdesk_core::Result<i64>) -> i64 {
    f(&db.reader().unwrap()).unwrap()
}

#[test]
fn imports_are_recorded_with_their_counts_by_the_os_user_at_the_clock() {
    let (dir, db) = imported();
    let mut w = db.writer().unwrap();
    let assignments = file(dir.path(), "a.csv", "learner,program\nL1,SAFE\nL3,SAFE\n");
    api::imports::assignments(&mut w, t(NOW), &assignments).unwrap();
    let done = file(
        dir.path(),
        "c.csv",
        "learner,course,completed_at\nL1,SAFE1,2026-02-01\n",
    );
    api::imports::completions(&mut w, t(NOW), &done).unwrap();
    let roster = file(dir.path(), "r.csv", "id_number\nL2\n");
    let rush = id(&db, |c| names::program(c, "RUSH"));
    api::enrolment::assign_roster(&mut w, t(NOW), rush, &roster, None).unwrap();
    let hol = file(dir.path(), "h.csv", "date,name\n2026-12-25,Christmas\n");
    api::send_policy::import_holidays(&mut w, None, std::path::Path::new(&hol)).unwrap();
    let all = entries(&db);
    let lines: Vec<String> = all.iter().map(|e| e.action.clone()).collect();
    assert_eq!(
        lines,
        [
            "import.courses",
            "import.programs",
            "import.learners",
            "import.assignments",
            "import.completions",
            "import.roster",
            "import.holidays"
        ]
    );
    assert!(all.iter().all(|e| e.os_user == "alice" && e.at == AT));
    assert_eq!(
        all[2].subject,
        dir.path().join("learners.csv").display().to_string()
    );
    assert_eq!(json_of(&all[2].after)["created"], 3);
    assert_eq!(json_of(&all[3].after)["rows"], 2);
    assert_eq!(json_of(&all[5].after)["result"]["added"], 1);
    assert_eq!(json_of(&all[6].after)["dates"], 1);
}

#[test]
fn assign_unassign_and_completions_name_the_program_and_learners() {
    let (_dir, db) = imported();
    let mut w = db.writer().unwrap();
    let safe = id(&db, |c| names::program(c, "SAFE"));
    let (l1, l3) = (
        id(&db, |c| names::learner(c, "L1")),
        id(&db, |c| names::learner(c, "L3")),
    );
    let crew: i64 = db
        .reader()
        .unwrap()
        .query_row(
            "SELECT id FROM learner_group WHERE name = 'Crew'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let skip = entries(&db).len();
    api::enrolment::assign_learners(&mut w, t(NOW), safe, &[l1, l3], Some("2026-06-30")).unwrap();
    api::enrolment::unassign_learners(&mut w, t(NOW), safe, &[l3]).unwrap();
    api::enrolment::assign_group(&mut w, t(NOW), safe, crew, None).unwrap();
    api::enrolment::unassign_group(&mut w, t(NOW), safe, crew).unwrap();
    let course = id(&db, |c| names::course(c, "SAFE1"));
    api::enrolment::record_completion(&mut w, t(NOW), l1, course, t("2026-02-20")).unwrap();
    assert_eq!(
        actions_after(&db, skip),
        [
            "enrolment.assign SAFE",
            "enrolment.unassign SAFE",
            "enrolment.assign_group SAFE",
            "enrolment.unassign_group SAFE",
            &format!("enrolment.complete learner {l1}")
        ]
    );
    let e = &entries(&db)[skip];
    let after = json_of(&e.after);
    assert_eq!(after["learners"], json!([l1, l3]));
    assert_eq!(after["due"], "2026-06-30");
    assert_eq!(after["result"]["added"], 2);
}

#[test]
fn a_program_edit_records_only_the_fields_that_changed() {
    let (_dir, db) = imported();
    let mut w = db.writer().unwrap();
    let safe = id(&db, |c| names::program(c, "SAFE"));
    let mut draft = api::catalog::program_draft(&db.reader().unwrap(), safe).unwrap();
    draft.full_name = "Safety at Work".into();
    let skip = entries(&db).len();
    api::programs::save(&mut w, &draft, t(NOW)).unwrap();
    let e = &entries(&db)[skip];
    assert_eq!(
        (e.action.as_str(), e.subject.as_str()),
        ("programs.save", "SAFE")
    );
    assert_eq!(json_of(&e.before), json!({ "full_name": "Safety" }));
    assert_eq!(json_of(&e.after), json!({ "full_name": "Safety at Work" }));
    api::catalog::add_course(&mut w, "NEW1", "A New Course").unwrap();
    assert_eq!(actions_after(&db, skip + 1), ["courses.add NEW1"]);
}

#[test]
fn rule_edits_record_the_changed_fields_and_template_edits_too() {
    let (_dir, db) = imported();
    let mut w = db.writer().unwrap();
    let safe = id(&db, |c| names::program(c, "SAFE"));
    let skip = entries(&db).len();
    api::rules::defaults(&mut w, safe, t(NOW)).unwrap();
    let rule = api::rules::list(w.conn(), safe).unwrap()[0].clone();
    let mut input = rule.input.clone();
    input.learner_subject = "Please start %programfullname%".into();
    api::rules::save(&mut w, safe, Some(rule.id), &input, t(NOW)).unwrap();
    api::rules::set_enabled(&mut w, rule.id, false, t(NOW)).unwrap();
    api::rules::delete(&mut w, rule.id).unwrap();
    let digest = DigestTemplate {
        subject: "Your team's week".into(),
        body: "%learnerlist%".into(),
    };
    api::digest::set_template(&mut w, &digest).unwrap();
    let all = entries(&db);
    let got: Vec<&str> = all[skip..].iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        got,
        [
            "rules.defaults",
            "rules.save",
            "rules.disable",
            "rules.delete",
            "templates.digest"
        ]
    );
    let edit = &all[skip + 1];
    assert!(
        edit.subject.starts_with(&format!("SAFE rule {}", rule.id)),
        "{}",
        edit.subject
    );
    assert_eq!(
        json_of(&edit.before),
        json!({ "learner_subject": rule.input.learner_subject })
    );
    assert_eq!(
        json_of(&edit.after),
        json!({ "learner_subject": "Please start %programfullname%" })
    );
    assert_eq!(json_of(&all[skip + 2].after), json!({ "enabled": false }));
    assert_eq!(json_of(&all[skip + 4].after)["subject"], "Your team's week");
}

#[test]
fn a_bulk_exception_action_and_its_undo_record_counts_and_the_batch() {
    let (_dir, db) = imported();
    let mut w = db.writer().unwrap();
    let rush = id(&db, |c| names::program(c, "RUSH"));
    let ids: Vec<i64> = ["L1", "L2", "L3"]
        .iter()
        .map(|l| id(&db, |c| names::learner(c, l)))
        .collect();
    api::enrolment::assign_learners(&mut w, t(NOW), rush, &ids, None).unwrap();
    let skip = entries(&db).len();
    let all = Selection {
        all: true,
        kind: None,
        ids: vec![],
    };
    let out = api::exceptions::apply(
        &mut w,
        t(NOW),
        &all,
        ExceptionAction::Dismiss,
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(out.changed, 3);
    let batch = out.batch.unwrap();
    api::exceptions::undo(&mut w, t(NOW), batch, false).unwrap();
    let e = entries(&db);
    assert_eq!(
        actions_after(&db, skip),
        [
            "exceptions.apply dismiss",
            &format!("exceptions.undo batch {batch}")
        ]
    );
    let after = json_of(&e[skip].after);
    assert_eq!(
        (
            after["changed"].clone(),
            after["batch"].clone(),
            after["all"].clone()
        ),
        (json!(3), json!(batch), json!(true))
    );
    assert_eq!(json_of(&e[skip + 1].after)["restored"], 3);
    // The scheduler's run is no person's change.
    api::scheduler::run(&mut w, t("2026-03-02T00:00:00Z")).unwrap();
    assert_eq!(entries(&db).len(), skip + 2);
}

#[test]
fn settings_admins_sending_and_smtp_are_recorded_with_before_and_after() {
    let (_dir, db) = alice_db();
    let mut w = db.writer().unwrap();
    api::settings::set_run_interval(&mut w, 15).unwrap();
    api::settings::set_catch_up_days(&mut w, 9).unwrap();
    api::settings::set_close_to_tray(&mut w, true).unwrap();
    let mut policy = api::send_policy::policy(&db.reader().unwrap()).unwrap();
    policy.send_time = "07:15".into();
    api::send_policy::set_policy(&mut w, &SendPolicy { ..policy }).unwrap();
    api::admins::add(&mut w, "Ada Admin", "ada@x.org").unwrap();
    api::admins::remove(&mut w, "ada@x.org").unwrap();
    api::messages::pause(&mut w, "mail server moves", t(NOW)).unwrap();
    api::messages::resume(&mut w).unwrap();
    let smtp = SmtpSettings {
        host: "mail.example.org".into(),
        port: 587,
        security: Security::Starttls,
        username: String::new(),
        from_address: "learning@example.org".into(),
        from_name: "Learning".into(),
        timeout_secs: 30,
        ca_cert_file: String::new(),
        allow_plain_auth: false,
    };
    api::smtp::save(&mut w, &smtp, None).unwrap();
    let e = entries(&db);
    let got: Vec<String> = e
        .iter()
        .map(|e| format!("{} {}", e.action, e.subject))
        .collect();
    assert_eq!(
        got,
        [
            "settings.run_interval store",
            "settings.catch_up_days store",
            "settings.close_to_tray store",
            "settings.send_policy store",
            "admins.add ada@x.org",
            "admins.remove ada@x.org",
            "sending.pause sending",
            "sending.resume sending",
            "settings.smtp mail.example.org"
        ]
    );
    assert_eq!(json_of(&e[0].after), json!(15));
    assert_eq!(json_of(&e[1].after), json!(9));
    assert_eq!(json_of(&e[3].before), json!({ "send_time": "08:00" }));
    assert_eq!(json_of(&e[3].after), json!({ "send_time": "07:15" }));
    assert_eq!(json_of(&e[5].before)["full_name"], "Ada Admin");
    assert_eq!(
        json_of(&e[7].before),
        json!({ "paused": "mail server moves" })
    );
    assert_eq!(json_of(&e[8].after)["host"], "mail.example.org");
}

#[test]
fn a_backup_and_a_restore_are_recorded_and_the_restore_keeps_the_trail() {
    let (dir, db) = alice_db();
    let mut w = db.writer().unwrap();
    api::settings::set_run_interval(&mut w, 15).unwrap();
    let path = dir.path().join("b.sqlite").display().to_string();
    api::store::backup(&db, &path).unwrap();
    api::settings::set_run_interval(&mut w, 20).unwrap();
    api::store::restore(&db, &path, t(NOW)).unwrap();
    assert_eq!(
        actions_after(&db, 0),
        [
            "settings.run_interval store".to_string(),
            format!("store.backup {path}"),
            "settings.run_interval store".to_string(),
            format!("store.restore {path}")
        ]
    );
    // The restored content is the backup's (15), the trail the store's own, unbroken.
    assert_eq!(
        api::settings::run_interval(&db.reader().unwrap()).unwrap(),
        15
    );
    let v = api::audit::verify(&db.reader().unwrap()).unwrap();
    assert!(v.ok, "{v:?}");
    assert_eq!(v.count, 4);
}

#[test]
fn a_change_that_fails_leaves_no_entry() {
    let (dir, db) = imported();
    let mut w = db.writer().unwrap();
    let before = entries(&db).len();
    assert!(api::settings::set_run_interval(&mut w, 0).is_err());
    assert!(api::admins::add(&mut w, "", "not an address").is_err());
    let bad = file(dir.path(), "bad.csv", "learner,program\nL9,NOPE\n");
    assert!(api::imports::assignments(&mut w, t(NOW), &bad).is_err());
    assert!(api::rules::delete(&mut w, 999).is_err());
    let sel = Selection {
        all: false,
        kind: None,
        ids: vec![12345],
    };
    let e = api::exceptions::apply(
        &mut w,
        t(NOW),
        &sel,
        ExceptionAction::Dismiss,
        &mut |_, _| {},
    );
    assert!(e.is_err());
    assert_eq!(entries(&db).len(), before);
    assert!(api::audit::verify(&db.reader().unwrap()).unwrap().ok);
}
