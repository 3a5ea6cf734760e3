//! The HR drop folder (issue 14 part 5): files dropped by an HR system are taken in order
//! once quiet, imported whole or rejected whole with a report, never imported twice, and a
//! rejection mails the site administrators once.

use std::path::Path;
use std::time::SystemTime;

use certdesk_core::api::drop_folder as api;
use certdesk_core::enrolment::drop_folder::{HrFileKind, HrOutcome};
use certdesk_core::notify::admins::add_site_admin;
use certdesk_core::{scheduler, Db, ErrorKind};
use jiff::{SignedDuration, Timestamp};

use crate::fixture::{member, store, t};

const PROGRAMS: &str = r#"{ "programs": [
  { "short_name": "BASIC", "full_name": "Basics",
    "due": { "rule": "relative", "after": "1 month", "event": "assignment" },
    "certification_path": [ { "label": "S", "rule": "all", "courses": ["SAFE1"] } ] }
] }"#;

const NOW: &str = "2026-11-30T12:00:00Z";

const LEARNERS: &str = "id_number,full_name,email,time_zone
H1,Hana One,h1@x.org,Europe/London
H2,Hal Two,h2@x.org,UTC
";

/// A store with the program and no learners, and an empty drop folder set in it.
fn setup() -> (tempfile::TempDir, Db, std::path::PathBuf) {
    let (dir, db) = store(PROGRAMS, "id_number,full_name,email\n");
    let folder = dir.path().join("hr");
    std::fs::create_dir(&folder).unwrap();
    let set = api::set_folder(&mut db.writer().unwrap(), Some(folder.to_str().unwrap()));
    assert_eq!(set.unwrap().as_deref(), folder.to_str());
    (dir, db, folder)
}

/// Drops `name` with `content`, last modified `age` seconds before [`NOW`].
fn put(folder: &Path, name: &str, content: &str, age: i64) {
    let path = folder.join(name);
    std::fs::write(&path, content).unwrap();
    let at = t(NOW) - SignedDuration::from_secs(age);
    let f = std::fs::File::options().write(true).open(&path).unwrap();
    f.set_modified(SystemTime::from(at)).unwrap();
}

fn sync(db: &Db, now: Timestamp) -> certdesk_core::enrolment::drop_folder::HrSync {
    api::sync(&mut db.writer().unwrap(), now).unwrap()
}

fn count(db: &Db, sql: &str) -> i64 {
    db.reader()
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

fn read(path: impl AsRef<Path>) -> String {
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn a_good_file_is_imported_and_moved_to_processed_with_its_report() {
    let (_dir, db, folder) = setup();
    put(&folder, "learners.csv", LEARNERS, 60);
    let s = sync(&db, t(NOW));
    assert_eq!(s.files.len(), 1);
    let f = &s.files[0];
    assert_eq!(
        (f.kind, f.outcome, f.rows, f.problems),
        (HrFileKind::Learners, HrOutcome::Imported, 2, 0)
    );
    assert_eq!(f.summary.unwrap().created, 2);
    assert_eq!(f.moved_to.as_deref(), Some("processed/learners.csv"));
    assert_eq!(count(&db, "SELECT count(*) FROM learner"), 2);
    assert!(!folder.join("learners.csv").exists());
    assert_eq!(read(folder.join("processed/learners.csv")), LEARNERS);
    let report = read(folder.join("processed/learners.csv.report.txt"));
    assert!(report.contains("Imported 2 rows: 2 created"), "{report}");
    // Listed with its report; nothing left to take.
    let list = api::files(&db.reader().unwrap()).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].outcome, HrOutcome::Imported);
    assert_eq!(
        api::report(&db.reader().unwrap(), list[0].id).unwrap(),
        report
    );
    assert!(sync(&db, t(NOW)).files.is_empty());
}

#[test]
fn a_bad_file_imports_nothing_is_rejected_with_every_bad_row_and_mails_admins_once() {
    let (_dir, db, folder) = setup();
    db.writer()
        .unwrap()
        .write(|tx| {
            add_site_admin(tx, "Ada Admin", "ada@x.org")?;
            add_site_admin(tx, "Bo Admin", "bo@x.org")
        })
        .unwrap();
    let bad = "id_number,full_name,email,time_zone
H1,Hana One,h1@x.org,Europe/London
H2,Hal Two,not-an-address,UTC
H3,,h3@x.org,UTC
H4,Hu Four,h4@x.org,Mars/Olympus
";
    put(&folder, "learners-2026-11-30.csv", bad, 60);
    let s = sync(&db, t(NOW));
    let f = &s.files[0];
    assert_eq!((f.outcome, f.rows, f.problems), (HrOutcome::Rejected, 4, 3));
    assert_eq!(
        f.moved_to.as_deref(),
        Some("rejected/learners-2026-11-30.csv")
    );
    // Nothing imported, not even the good first row.
    assert_eq!(count(&db, "SELECT count(*) FROM learner"), 0);
    let report = read(folder.join("rejected/learners-2026-11-30.csv.report.txt"));
    for want in [
        "line 3: 'not-an-address' is not an email address",
        "line 4: full_name is empty",
        "line 5: 'Mars/Olympus' is not a time zone",
        "3 problem(s)",
    ] {
        assert!(report.contains(want), "{want} missing from:\n{report}");
    }
    assert!(!report.contains("line 2"), "{report}");
    // One message to each administrator, queued in the outbox, naming the file and count.
    let mails = "SELECT count(*) FROM message m JOIN outbox o ON o.message_id = m.id
                 WHERE m.trigger = 'hr_file' AND m.recipient_kind = 'admin'";
    assert_eq!(count(&db, mails), 2);
    let subject: String = db
        .reader()
        .unwrap()
        .query_row(
            "SELECT subject FROM message WHERE recipient_email = 'ada@x.org'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        subject,
        "CertDesk: HR file learners-2026-11-30.csv rejected (3 problems)"
    );
    // Later syncs and runs do not mail again.
    sync(&db, t(NOW) + SignedDuration::from_hours(1));
    scheduler::run(
        &mut db.writer().unwrap(),
        t(NOW) + SignedDuration::from_hours(2),
    )
    .unwrap();
    assert_eq!(count(&db, mails), 2);
}

#[test]
fn the_same_content_is_never_imported_twice() {
    let (_dir, db, folder) = setup();
    put(&folder, "learners.csv", LEARNERS, 60);
    sync(&db, t(NOW));
    // HR renames H1 in the store's copy meanwhile; the same file again must not undo it.
    db.writer()
        .unwrap()
        .write(|tx| {
            tx.execute(
                "UPDATE learner SET full_name = 'Hana Renamed' WHERE id_number = 'H1'",
                [],
            )?;
            Ok(())
        })
        .unwrap();
    put(&folder, "learners.csv", LEARNERS, 60);
    let s = sync(&db, t(NOW) + SignedDuration::from_mins(5));
    let f = &s.files[0];
    assert_eq!(f.outcome, HrOutcome::Duplicate);
    assert_eq!(f.moved_to.as_deref(), Some("rejected/learners.csv"));
    let report = read(folder.join("rejected/learners.csv.report.txt"));
    assert!(report.contains("imported from learners.csv"), "{report}");
    let name: String = db
        .reader()
        .unwrap()
        .query_row(
            "SELECT full_name FROM learner WHERE id_number = 'H1'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(name, "Hana Renamed");
    // A new content under the same name is imported, beside the first in processed/.
    put(
        &folder,
        "learners.csv",
        &format!("{LEARNERS}H3,Hu Three,h3@x.org,UTC\n"),
        60,
    );
    let s = sync(&db, t(NOW) + SignedDuration::from_mins(10));
    assert_eq!(s.files[0].outcome, HrOutcome::Imported);
    assert_eq!(
        s.files[0].moved_to.as_deref(),
        Some("processed/learners.20261130T121000Z.csv")
    );
    assert!(folder.join("processed/learners.csv").exists());
    assert_eq!(count(&db, "SELECT count(*) FROM learner"), 3);
}

#[test]
fn a_file_still_being_written_waits_until_it_is_quiet() {
    let (_dir, db, folder) = setup();
    put(&folder, "learners.csv", LEARNERS, 5);
    put(
        &folder,
        "assignments.csv.part",
        "learner,program\nH1,BASIC\n",
        600,
    );
    put(&folder, ".learners.csv.x1y2", LEARNERS, 600);
    let s = sync(&db, t(NOW));
    assert!(s.files.is_empty(), "{s:?}");
    assert_eq!(s.waiting, vec!["learners.csv".to_string()]);
    assert!(folder.join("learners.csv").exists());
    assert_eq!(count(&db, "SELECT count(*) FROM learner"), 0);
    // 30 seconds after its last change it is taken, once; the temporary names never are.
    let later = t(NOW) + SignedDuration::from_secs(25);
    let s = sync(&db, later);
    assert_eq!(s.files.len(), 1);
    assert_eq!(s.files[0].outcome, HrOutcome::Imported);
    assert!(folder.join("assignments.csv.part").exists());
    assert!(folder.join(".learners.csv.x1y2").exists());
}

#[test]
fn files_are_taken_learners_then_assignments_then_completions_in_one_run() {
    let (_dir, db, folder) = setup();
    // Dropped in the "wrong" order: completions first, learners last.
    put(
        &folder,
        "completions.csv",
        "learner,course,completed_at\nH1,SAFE1,2026-11-20\n",
        300,
    );
    put(
        &folder,
        "assignments.csv",
        "learner,program\nH1,BASIC\nH2,BASIC\n",
        200,
    );
    put(
        &folder,
        "learners-b.csv",
        "id_number,full_name,email\nH2,Hal Two,h2@x.org\n",
        150,
    );
    put(
        &folder,
        "learners-a.csv",
        "id_number,full_name,email\nH1,Hana One,h1@x.org\n",
        100,
    );
    put(&folder, "notes.txt", "not ours", 600);
    let run = scheduler::run(&mut db.writer().unwrap(), t(NOW)).unwrap();
    let taken: Vec<(&str, HrOutcome)> = run
        .hr_files
        .iter()
        .map(|f| (f.name.as_str(), f.outcome))
        .collect();
    assert_eq!(
        taken,
        vec![
            ("learners-b.csv", HrOutcome::Imported),
            ("learners-a.csv", HrOutcome::Imported),
            ("assignments.csv", HrOutcome::Imported),
            ("completions.csv", HrOutcome::Imported),
        ]
    );
    assert_eq!(run.hr_folder_error, None);
    // The same run's engine step saw them: H1 completed the program, H2 is assigned.
    assert_eq!(member(&db, "H1", "BASIC").unwrap().status, "complete");
    assert!(member(&db, "H2", "BASIC").is_some());
    assert!(folder.join("notes.txt").exists());
}

#[test]
fn a_folder_that_cannot_be_reached_is_a_clear_error_and_loses_nothing() {
    let (dir, db, folder) = setup();
    let elsewhere = dir.path().join("unmounted");
    std::fs::rename(&folder, &elsewhere).unwrap();
    let err = api::sync(&mut db.writer().unwrap(), t(NOW)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.to_string().contains("drop folder"), "{err}");
    // A run goes on without it and says why.
    let run = scheduler::run(&mut db.writer().unwrap(), t(NOW)).unwrap();
    assert!(run.hr_files.is_empty());
    assert!(run.hr_folder_error.unwrap().contains("drop folder"));
    // Back again: what was dropped meanwhile is taken.
    put(&elsewhere, "learners.csv", LEARNERS, 60);
    std::fs::rename(&elsewhere, &folder).unwrap();
    assert_eq!(sync(&db, t(NOW)).files[0].outcome, HrOutcome::Imported);
    // Setting a folder that is not one, or a relative path, is refused.
    let mut w = db.writer().unwrap();
    for bad in [elsewhere.to_str().unwrap(), "hr/drop"] {
        let e = api::set_folder(&mut w, Some(bad)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Invalid, "{bad}");
    }
    assert_eq!(api::set_folder(&mut w, None).unwrap(), None);
    assert_eq!(sync(&db, t(NOW)), Default::default());
}

#[test]
fn a_file_that_cannot_be_moved_after_its_import_is_not_imported_again() {
    let (_dir, db, folder) = setup();
    // A file named `processed` where the folder should be: the move fails.
    std::fs::write(folder.join("processed"), "in the way").unwrap();
    put(&folder, "learners.csv", LEARNERS, 60);
    let s = sync(&db, t(NOW));
    let f = &s.files[0];
    assert_eq!(f.outcome, HrOutcome::Imported);
    assert_eq!(f.moved_to, None);
    assert!(f.move_error.is_some());
    assert!(folder.join("learners.csv").exists());
    let report = api::report(&db.reader().unwrap(), f.id).unwrap();
    assert!(report.contains("could not be moved"), "{report}");
    // The next sync finds it again: a duplicate, set aside in rejected/, not imported twice.
    let s = sync(&db, t(NOW) + SignedDuration::from_mins(1));
    assert_eq!(s.files[0].outcome, HrOutcome::Duplicate);
    assert!(folder.join("rejected/learners.csv").exists());
    assert_eq!(count(&db, "SELECT count(*) FROM learner"), 2);
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM hr_file WHERE outcome = 'imported'"
        ),
        1
    );
}

#[test]
fn the_folder_setting_and_each_imported_file_are_in_the_audit_trail_a_rejection_is_not() {
    let (_dir, db, folder) = setup();
    put(&folder, "learners.csv", LEARNERS, 60);
    put(
        &folder,
        "assignments.csv",
        "learner,program\nH9,BASIC\n",
        60,
    );
    sync(&db, t(NOW));
    let rows: Vec<(String, String)> = db
        .reader()
        .unwrap()
        .prepare("SELECT action, subject FROM audit_entry ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let actions: Vec<&str> = rows.iter().map(|(a, _)| a.as_str()).collect();
    // The fixture's program import first, then the folder and the one file imported.
    assert_eq!(
        actions,
        ["import.programs", "settings.drop_folder", "import.hr_drop"]
    );
    assert_eq!(rows[2].1, "learners.csv");
    let v = certdesk_core::api::audit::verify(&db.reader().unwrap()).unwrap();
    assert!(v.problem.is_none(), "{v:?}");
}

#[test]
fn the_report_of_a_rejected_file_lists_every_bad_row_past_the_first_hundred() {
    let (_dir, db, folder) = setup();
    let mut bad = String::from("id_number,full_name,email\n");
    for i in 0..250 {
        bad.push_str(&format!("X{i},Bad {i},not-an-address-{i}\n"));
    }
    put(&folder, "learners.csv", &bad, 60);
    let s = sync(&db, t(NOW));
    assert_eq!(
        (s.files[0].outcome, s.files[0].problems),
        (HrOutcome::Rejected, 250)
    );
    let report = read(folder.join("rejected/learners.csv.report.txt"));
    for line in [2, 101, 102, 251] {
        assert!(
            report.contains(&format!("line {line}: ")),
            "line {line}:\n{report}"
        );
    }
    assert!(!report.contains("more problems"), "{report}");
}
