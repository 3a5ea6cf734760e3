//! Readers reuse a few open connections (store/pool.rs): a reused one is never stuck in an
//! old snapshot, and never keeps the write-ahead log from being checkpointed.

use certdesk_core::store::{IDLE_READERS, READER_CACHE_KIB};

use crate::temp_db;

/// `PRAGMA cache_size` is a setting of one connection: it tells connections apart.
fn mark(conn: &rusqlite::Connection, n: i64) {
    conn.pragma_update(None, "cache_size", n).unwrap();
}

fn marked(conn: &rusqlite::Connection) -> i64 {
    conn.query_row("PRAGMA cache_size", [], |r| r.get(0))
        .unwrap()
}

fn learners(conn: &rusqlite::Connection) -> i64 {
    conn.query_row("SELECT count(*) FROM learner", [], |r| r.get(0))
        .unwrap()
}

fn add_learner(db: &certdesk_core::Db, n: i64) {
    db.writer()
        .unwrap()
        .write(|tx| {
            tx.execute(
                "INSERT INTO learner (id_number, full_name, email) VALUES (?1, 'L', ?1 || '@x')",
                [format!("E{n}")],
            )?;
            Ok(())
        })
        .unwrap();
}

#[test]
fn a_dropped_reader_is_reused_and_sees_later_writes() {
    let (_dir, db) = temp_db();
    let first = db.reader().unwrap();
    mark(&first, -1234);
    assert_eq!(learners(&first), 0);
    drop(first);
    add_learner(&db, 1);
    let again = db.reader().unwrap();
    assert_eq!(marked(&again), -1234, "the idle connection was reused");
    assert_eq!(learners(&again), 1, "the reused connection sees the write");
    // A clone of the store shares its idle readers.
    drop(again);
    assert_eq!(marked(&db.clone().reader().unwrap()), -1234);
}

#[test]
fn readers_in_use_at_once_are_separate_connections() {
    let (_dir, db) = temp_db();
    let a = db.reader().unwrap();
    mark(&a, -1111);
    let b = db.reader().unwrap();
    assert_ne!(marked(&b), -1111);
}

#[test]
fn a_reader_dropped_inside_a_read_transaction_is_not_reused() {
    let (_dir, db) = temp_db();
    let stuck = db.reader().unwrap();
    mark(&stuck, -4321);
    stuck.execute_batch("BEGIN").unwrap();
    assert_eq!(learners(&stuck), 0); // the snapshot starts here
    drop(stuck);

    add_learner(&db, 1);
    let r = db.reader().unwrap();
    assert_ne!(
        marked(&r),
        -4321,
        "the connection left in a transaction was closed"
    );
    assert_eq!(
        learners(&r),
        1,
        "the next reader sees the write, not an old snapshot"
    );
    drop(r);

    // Nothing pins the write-ahead log: a full checkpoint finishes and empties it.
    let w = db.writer().unwrap();
    let (busy, log, done): (i64, i64, i64) = w
        .conn()
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    assert_eq!((busy, log, done), (0, 0, 0));
}

#[test]
fn at_most_a_few_idle_readers_are_kept() {
    let (_dir, db) = temp_db();
    let many: Vec<_> = (0..IDLE_READERS + 3)
        .map(|_| db.reader().unwrap())
        .collect();
    for (i, r) in many.iter().enumerate() {
        mark(r, 1000 + i as i64); // a new reader's is negative (KiB)
    }
    drop(many);
    let again: Vec<_> = (0..IDLE_READERS + 3)
        .map(|_| db.reader().unwrap())
        .collect();
    let reused = again.iter().filter(|r| marked(r) >= 1000).count();
    assert_eq!(reused, IDLE_READERS);
}

#[test]
fn a_new_reader_has_a_small_page_cache_and_keeps_it_when_reused() {
    let (_dir, db) = temp_db();
    let r = db.reader().unwrap();
    assert_eq!(marked(&r), -READER_CACHE_KIB, "KiB, not the default 2 MiB");
    assert_eq!(learners(&r), 0);
    drop(r);
    add_learner(&db, 1);
    // The same connection, reused: its cache size stays, and it sees the write.
    let again = db.reader().unwrap();
    assert_eq!(marked(&again), -READER_CACHE_KIB);
    assert_eq!(learners(&again), 1);
}
