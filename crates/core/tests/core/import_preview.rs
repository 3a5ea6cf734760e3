//! The desktop's import wizard and roster: a preview that lists bad rows and counts without
//! writing, then the import of a clean file; a group or a roster assigned to a program.

use std::io::Write;

use certdesk_core::{enrolment, import, names, program, ErrorKind};

use crate::fixture::{assign, member, store, t, Member};
use crate::lifecycle::FIRST_AID;

fn count(db: &certdesk_core::Db, sql: &str) -> i64 {
    db.reader()
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

/// Writes `text` to a CSV file in `dir` and returns its path.
fn csv_file(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::File::create(&path)
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    path.to_string_lossy().into_owned()
}

const STAFF: &str = "id_number,full_name,email,time_zone,groups
M1,Mia Manager,mia@x.org,Europe/Berlin,Crew
L1,Lee One,lee@x.org,Europe/London,Crew
L2,Lee Two,lee2@x.org,UTC,
";

#[test]
fn learner_preview_lists_bad_rows_and_counts_and_writes_nothing() {
    let (dir, db) = store(FIRST_AID, STAFF);
    let before = count(&db, "SELECT count(*) FROM learner");
    let path = csv_file(
        &dir,
        "learners.csv",
        "id_number,full_name,email,time_zone,managers
L1,Lee Renamed,lee@x.org,Europe/London,M1
N1,New One,new1@x.org,Asia/Tokyo,M1
N2,,n2@x.org,UTC,
N3,Bad Mail,nope,UTC,
N4,Bad Zone,n4@x.org,Mars/Olympus,
N5,No Boss,n5@x.org,UTC,NOBODY
N1,Twice,twice@x.org,UTC,
",
    );
    let preview = certdesk_core::enrolment::learners::preview_learners(
        &db.reader().unwrap(),
        import::open(&path).unwrap(),
    )
    .unwrap();
    let lines: Vec<(u32, &str)> = preview
        .problems
        .iter()
        .map(|p| (p.line, p.message.as_str()))
        .collect();
    assert_eq!(
        lines,
        vec![
            (4, "full_name is empty"),
            (5, "'nope' is not an email address"),
            (
                6,
                "'Mars/Olympus' is not a time zone (use an IANA name such as Europe/London)"
            ),
            (
                7,
                "manager 'NOBODY' is neither in the file nor in the store"
            ),
            (8, "id_number 'N1' appears twice in the file"),
        ]
    );
    assert_eq!(
        (preview.rows, preview.good, preview.new, preview.updated),
        (7, 2, 1, 1)
    );
    assert_eq!(count(&db, "SELECT count(*) FROM learner"), before);
    // A file with bad rows is refused whole.
    let err = db
        .writer()
        .unwrap()
        .write(|tx| {
            certdesk_core::enrolment::learners::learners(tx, t("2026-03-01"), import::open(&path)?)
        })
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Rejected);
    assert_eq!(count(&db, "SELECT count(*) FROM learner"), before);
}

#[test]
fn a_clean_learner_file_previews_then_imports_its_rows() {
    let (dir, db) = store(FIRST_AID, STAFF);
    let path = csv_file(
        &dir,
        "learners.csv",
        "id_number,full_name,email,managers\nL2,Lee Renamed,lee2@x.org,M1\nN1,New One,n1@x.org,M1\n",
    );
    let preview = certdesk_core::enrolment::learners::preview_learners(
        &db.reader().unwrap(),
        import::open(&path).unwrap(),
    )
    .unwrap();
    assert!(preview.problems.is_empty());
    assert_eq!((preview.good, preview.new, preview.updated), (2, 1, 1));
    let s = db
        .writer()
        .unwrap()
        .write(|tx| {
            certdesk_core::enrolment::learners::learners(tx, t("2026-03-01"), import::open(&path)?)
        })
        .unwrap();
    assert_eq!((s.created, s.updated), (1, 1));
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM manager_link k JOIN learner l ON l.id = k.learner_id
             WHERE l.id_number IN ('L2', 'N1')"
        ),
        2
    );
    let name: String = db
        .reader()
        .unwrap()
        .query_row(
            "SELECT full_name FROM learner WHERE id_number = 'N1'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(name, "New One");
}

#[test]
fn a_missing_file_is_a_clear_error() {
    let err = import::open("/nonexistent/learners.csv").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Invalid);
    assert!(
        err.to_string().contains("/nonexistent/learners.csv"),
        "{err}"
    );
    assert_eq!(import::open("  ").unwrap_err().kind(), ErrorKind::Invalid);
}

#[test]
fn a_group_assigned_from_the_list_makes_its_members_members() {
    let (_dir, db) = store(FIRST_AID, STAFF);
    let groups = program::catalog::groups(&db.reader().unwrap()).unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!((groups[0].name.as_str(), groups[0].members), ("Crew", 2));
    let s = db
        .writer()
        .unwrap()
        .write(|tx| {
            let p = names::program(tx, "FA")?;
            enrolment::assign_group(tx, t("2026-03-01"), p, groups[0].id, None)
        })
        .unwrap();
    assert_eq!((s.added, s.already), (2, 0));
    assert!(member(&db, "M1", "FA").is_some());
    assert!(member(&db, "L1", "FA").is_some());
    assert!(member(&db, "L2", "FA").is_none());
}

#[test]
fn a_roster_previews_its_bad_rows_then_assigns_like_the_cli() {
    let (dir, db) = store(FIRST_AID, STAFF);
    let p = names::program(&db.reader().unwrap(), "FA").unwrap();
    assign(&db, "2026-03-01", "FA", &["L1"]);
    let bad = csv_file(&dir, "bad.csv", "id_number\nL1\nM1\nNOBODY\nM1\n\n");
    let preview = certdesk_core::enrolment::roster::preview_roster(
        &db.reader().unwrap(),
        p,
        import::open(&bad).unwrap(),
    )
    .unwrap();
    let lines: Vec<(u32, &str)> = preview
        .problems
        .iter()
        .map(|p| (p.line, p.message.as_str()))
        .collect();
    assert_eq!(
        lines,
        vec![
            (4, "no learner has id number 'NOBODY'"),
            (5, "id_number 'M1' already appears on line 3"),
        ]
    );
    assert_eq!(
        (preview.rows, preview.good, preview.new, preview.updated),
        (4, 2, 1, 1)
    );
    let err = db
        .writer()
        .unwrap()
        .write(|tx| {
            certdesk_core::enrolment::roster::assign_roster(
                tx,
                t("2026-03-02"),
                p,
                None,
                import::open(&bad)?,
            )
        })
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Rejected);
    assert!(member(&db, "M1", "FA").is_none(), "nothing written");

    let good = csv_file(&dir, "good.csv", "id_number\nM1\nL2\n");
    let s = db
        .writer()
        .unwrap()
        .write(|tx| {
            certdesk_core::enrolment::roster::assign_roster(
                tx,
                t("2026-03-02"),
                p,
                None,
                import::open(&good)?,
            )
        })
        .unwrap();
    assert_eq!((s.added, s.already), (2, 0));
    // The same state as assigning them one by one (the CLI's `assign`).
    let (_dir2, twin) = store(FIRST_AID, STAFF);
    assign(&twin, "2026-03-02", "FA", &["M1", "L2"]);
    let state = |db: &certdesk_core::Db, who: &str| -> Member {
        Member {
            id: 0,
            ..member(db, who, "FA").unwrap()
        }
    };
    assert_eq!(state(&db, "M1"), state(&twin, "M1"));
    assert_eq!(state(&db, "L2"), state(&twin, "L2"));
    assert_eq!(
        count(&db, "SELECT count(*) FROM event WHERE kind = 'assigned'"),
        3
    );
}
