use certdesk_core::store::{APPLICATION_ID, LATEST_VERSION};
use certdesk_core::{Db, ErrorKind};

use crate::temp_db;

const TABLES: &[&str] = &[
    "learner",
    "learner_date",
    "manager_link",
    "site_admin",
    "learner_group",
    "group_member",
    "course",
    "program",
    "certification_settings",
    "course_set",
    "course_set_course",
    "assignment",
    "assignment_source",
    "course_completion",
    "certification_record",
    "exception",
    "event",
    "notification_rule",
    "message",
    "outbox",
    "setting",
];

#[test]
fn migrations_build_every_table_on_an_empty_file() {
    let (_dir, db) = temp_db();
    let r = db.reader().unwrap();
    let version: i64 = r
        .query_row("PRAGMA user_version", [], |x| x.get(0))
        .unwrap();
    assert_eq!(version, LATEST_VERSION);
    let app: i64 = r
        .query_row("PRAGMA application_id", [], |x| x.get(0))
        .unwrap();
    assert_eq!(app, APPLICATION_ID);
    for t in TABLES {
        let n: i64 = r
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1",
                [t],
                |x| x.get(0),
            )
            .unwrap();
        assert_eq!(n, 1, "table {t} missing");
    }
    let mode: String = r
        .query_row("PRAGMA journal_mode", [], |x| x.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let fk: i64 = r
        .query_row("PRAGMA foreign_keys", [], |x| x.get(0))
        .unwrap();
    assert_eq!(fk, 1);
    let problems: Vec<String> = r
        .prepare("PRAGMA integrity_check")
        .unwrap()
        .query_map([], |x| x.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(problems, ["ok"]);
}

#[test]
fn reopening_applies_nothing_twice_and_keeps_data() {
    let (dir, db) = temp_db();
    db.writer()
        .unwrap()
        .write(|tx| {
            Ok(tx.execute(
                "INSERT INTO course (short_name, full_name) VALUES ('C1', 'One')",
                [],
            )?)
        })
        .unwrap();
    let again = Db::open(dir.path().join("certdesk.sqlite")).unwrap();
    let n: i64 = again
        .reader()
        .unwrap()
        .query_row("SELECT count(*) FROM course", [], |x| x.get(0))
        .unwrap();
    assert_eq!(n, 1);
}

#[test]
fn a_file_that_is_not_a_store_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.sqlite");
    std::fs::write(&text, "these are my notes, not a database ".repeat(100)).unwrap();
    let err = Db::open(&text).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotAStore, "{err}");
    assert!(std::fs::read_to_string(&text)
        .unwrap()
        .starts_with("these are my notes"));

    let other = dir.path().join("other.sqlite");
    let conn = rusqlite::Connection::open(&other).unwrap();
    conn.execute_batch("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
        .unwrap();
    drop(conn);
    assert_eq!(Db::open(&other).unwrap_err().kind(), ErrorKind::NotAStore);
}

#[test]
fn a_store_from_a_newer_version_is_refused_with_its_version() {
    let (dir, db) = temp_db();
    let path = db.path().to_path_buf();
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", LATEST_VERSION + 5)
        .unwrap();
    drop(conn);
    let err = Db::open(&path).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NewerSchema);
    assert!(
        err.to_string()
            .contains(&format!("schema {}", LATEST_VERSION + 5)),
        "{err}"
    );
    drop(dir);
}

#[test]
fn a_failed_write_leaves_nothing_behind() {
    let (_dir, db) = temp_db();
    let mut w = db.writer().unwrap();
    let result = w.write(|tx| {
        tx.execute(
            "INSERT INTO course (short_name, full_name) VALUES ('C1', 'One')",
            [],
        )?;
        tx.execute(
            "INSERT INTO course (short_name, full_name) VALUES ('C1', 'Duplicate')",
            [],
        )?;
        Ok(())
    });
    assert!(result.is_err());
    let n: i64 = db
        .reader()
        .unwrap()
        .query_row("SELECT count(*) FROM course", [], |x| x.get(0))
        .unwrap();
    assert_eq!(n, 0);
}

#[test]
fn the_reader_cannot_write() {
    let (_dir, db) = temp_db();
    let r = db.reader().unwrap();
    assert!(r
        .execute(
            "INSERT INTO course (short_name, full_name) VALUES ('C1', 'One')",
            []
        )
        .is_err());
}
