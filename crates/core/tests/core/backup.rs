use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use certdesk_core::demo::create_demo;
use certdesk_core::store::backup::{backup, restore};
use certdesk_core::store::LATEST_VERSION;
use certdesk_core::ErrorKind;
use jiff::Timestamp;

use crate::temp_db;

fn now() -> Timestamp {
    "2026-11-23T09:00:00Z".parse().unwrap()
}

/// Marks one more message sent, as the sender does after the server accepted it.
fn send_one(w: &mut certdesk_core::Writer, n: i64) {
    w.write(|tx| {
        tx.execute(
            "INSERT INTO message (dedup_key, recipient_kind, recipient_email, subject, body_html, body_text,
                                  state, created_at, sent_at)
             VALUES (?1, 'learner', 'a@example.com', 's', 'h', 't', 'sent', 0, ?2)",
            rusqlite::params![format!("k{n}"), n],
        )?;
        Ok(())
    })
    .unwrap();
}

fn sent(db: &certdesk_core::Db) -> i64 {
    db.reader()
        .unwrap()
        .query_row(
            "SELECT count(*) FROM message WHERE state = 'sent'",
            [],
            |r| r.get(0),
        )
        .unwrap()
}

#[test]
fn a_backup_taken_while_sending_keeps_everything_sent_before_it() {
    let (dir, db) = temp_db();
    create_demo(&mut db.writer().unwrap(), now()).unwrap();
    let mut w = db.writer().unwrap();
    for n in 0..50 {
        send_one(&mut w, n);
    }
    // The sender keeps going on another thread while the backup runs.
    let stop = Arc::new(AtomicBool::new(false));
    let sender = {
        let (db, stop) = (db.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut w = db.writer().unwrap();
            let mut n = 1000;
            while !stop.load(Ordering::Relaxed) {
                send_one(&mut w, n);
                n += 1;
            }
        })
    };
    let before = sent(&db);
    let copy = dir.path().join("backup.sqlite");
    let summary = backup(&db, &copy).unwrap();
    stop.store(true, Ordering::Relaxed);
    sender.join().unwrap();
    assert!(
        summary.messages_sent as i64 >= before,
        "the copy holds every message sent before it started"
    );
    assert!(summary.learners > 100);

    // Restoring the backup into a fresh store gives back those messages and learners.
    let (_other, target) = temp_db();
    let restored = restore(&target, &copy).unwrap();
    assert_eq!(restored.messages_sent, summary.messages_sent);
    assert_eq!(sent(&target), summary.messages_sent as i64);
    let learners: u32 = target
        .reader()
        .unwrap()
        .query_row("SELECT count(*) FROM learner", [], |r| r.get(0))
        .unwrap();
    assert_eq!(learners, summary.learners);
}

#[test]
fn a_restore_replaces_what_changed_after_the_backup() {
    let (dir, db) = temp_db();
    create_demo(&mut db.writer().unwrap(), now()).unwrap();
    let copy = dir.path().join("before.sqlite");
    backup(&db, &copy).unwrap();
    db.writer()
        .unwrap()
        .write(|tx| Ok(tx.execute("DELETE FROM exception", [])?))
        .unwrap();
    restore(&db, &copy).unwrap();
    let raised: i64 = db
        .reader()
        .unwrap()
        .query_row("SELECT count(*) FROM exception", [], |r| r.get(0))
        .unwrap();
    assert!(
        raised > 0,
        "the exceptions deleted after the backup are back"
    );
}

#[test]
fn a_restore_refuses_a_file_that_is_not_a_store_and_changes_nothing() {
    let (dir, db) = temp_db();
    create_demo(&mut db.writer().unwrap(), now()).unwrap();
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "not a database at all ".repeat(200)).unwrap();
    let err = restore(&db, &notes).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotAStore, "{err}");

    let other = dir.path().join("other.sqlite");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE invoices (id INTEGER)")
        .unwrap();
    assert_eq!(
        restore(&db, &other).unwrap_err().kind(),
        ErrorKind::NotAStore
    );

    let learners: i64 = db
        .reader()
        .unwrap()
        .query_row("SELECT count(*) FROM learner", [], |r| r.get(0))
        .unwrap();
    assert!(learners > 100, "the store is untouched");
}

#[test]
fn a_restore_refuses_a_backup_from_a_newer_version() {
    let (dir, db) = temp_db();
    let copy = dir.path().join("newer.sqlite");
    backup(&db, &copy).unwrap();
    rusqlite::Connection::open(&copy)
        .unwrap()
        .pragma_update(None, "user_version", LATEST_VERSION + 1)
        .unwrap();
    let err = restore(&db, &copy).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NewerSchema);
    assert!(err.to_string().contains("newer"), "{err}");
}
