//! A writer waiting for the write lock says so (store/waiting.rs): a chunked run pauses
//! between its transactions only while someone waits, and the mark goes once the writer
//! got in.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use certdesk_core::store::Waiters;

use crate::temp_db;

fn path_of(db: &certdesk_core::Db) -> String {
    db.writer().unwrap().conn().path().unwrap().to_string()
}

fn insert(w: &mut certdesk_core::Writer, value: &str) {
    w.write(|tx| {
        tx.execute(
            "INSERT INTO setting (key, value) VALUES ('test.waiting', ?1)
               ON CONFLICT (key) DO UPDATE SET value = ?1",
            [value],
        )?;
        Ok(())
    })
    .unwrap();
}

#[test]
fn a_writer_waiting_for_the_lock_is_seen_until_it_gets_in() {
    let (_dir, db) = temp_db();
    let path = path_of(&db);
    let waiters = Waiters::new(Some(&path));
    // Nobody waits: a write that finds the lock free leaves no mark.
    insert(&mut db.writer().unwrap(), "free");
    assert!(!waiters.any());

    // Another connection holds the lock; a writer asks for it and waits.
    let holder = rusqlite::Connection::open(&path).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let (done_tx, done) = mpsc::channel();
    let waiting = db.clone();
    let writer = std::thread::spawn(move || {
        insert(&mut waiting.writer().unwrap(), "waited");
        done_tx.send(()).unwrap();
    });
    let t = Instant::now();
    while !waiters.any() {
        assert!(
            t.elapsed() < Duration::from_secs(5),
            "the waiting writer never said so"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    assert!(done.try_recv().is_err(), "it cannot have written yet");

    // The lock goes free: the writer gets in, writes, and its mark is gone.
    holder.execute_batch("COMMIT").unwrap();
    done.recv_timeout(Duration::from_secs(5)).unwrap();
    writer.join().unwrap();
    assert!(!waiters.any());
    let value: String = db
        .reader()
        .unwrap()
        .query_row(
            "SELECT value FROM setting WHERE key = 'test.waiting'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(value, "waited");
}

#[test]
fn a_run_pauses_for_nobody_unless_it_cannot_tell() {
    let (_dir, db) = temp_db();
    let path = path_of(&db);
    // Nobody waits, and the run has just begun: it goes straight on.
    let mut w = Waiters::new(Some(&path));
    let t = Instant::now();
    w.pause(Duration::from_millis(40), Duration::from_millis(3));
    assert!(t.elapsed() < Waiters::QUIET_MAX, "{:?}", t.elapsed());
    // A store without a file beside it (in memory) cannot say who waits: the run pauses
    // after every transaction, as long as it held the lock, at most `max`.
    for store in [None, Some("")] {
        let mut w = Waiters::new(store);
        assert!(w.any());
        let t = Instant::now();
        w.pause(Duration::from_millis(40), Duration::from_millis(3));
        assert!(t.elapsed() >= Duration::from_millis(3));
    }
}
