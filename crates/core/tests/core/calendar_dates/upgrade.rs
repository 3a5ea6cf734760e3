//! A store upgraded from the old instants (migration 010): its dates moved onto the calendar
//! once, in chunks, with the summary figures right.

use certdesk_core::Db;

use super::{cert, learners, walk, LONDON};
use crate::fixture::{assign, complete, member, run, store, ts};

/// Puts the dates of the store back as a store before calendar dates held them: the window
/// at 14:32 on its day and the expiry at 14:32 on its day (London in winter is UTC), with
/// the summary figures counted afresh as migration 005 would.
fn make_old_instants(db: &Db) {
    let w = db.writer().unwrap();
    let conn = w.conn();
    conn.execute_batch(
        "UPDATE assignment SET window_opens_at = window_opens_at + 52320,
             due_at = CASE WHEN due_at = expires_at THEN expires_at - 34079 ELSE due_at END,
             expires_at = expires_at - 34079;
         UPDATE certification_record SET window_opens_at = window_opens_at + 52320,
             expires_at = expires_at - 34079;
         DELETE FROM summary_expiry; DELETE FROM summary_due;
         INSERT INTO summary_expiry (day, program_id, memberships)
             SELECT expires_at / 86400, program_id, count(*) FROM assignment
             WHERE unassigned_at IS NULL AND status IN ('certified', 'window_open')
               AND expires_at IS NOT NULL GROUP BY 1, 2;
         INSERT INTO summary_due (day, program_id, memberships)
             SELECT due_at / 86400, program_id, count(*) FROM assignment
             WHERE unassigned_at IS NULL AND active = 1 AND status NOT IN ('complete', 'certified')
               AND due_at IS NOT NULL GROUP BY 1, 2;",
    )
    .unwrap();
}

#[test]
fn an_upgraded_store_moves_its_old_instants_onto_the_calendar_once() {
    let (dir, db) = store(
        &cert("completion_date", "1 year", "1 month"),
        &learners(LONDON),
    );
    assign(&db, "2026-01-05", "C", &["L1", "L2"]);
    // L1: window opens 1 January 2027, expires 1 February. L2: in its window since
    // 20 December 2026, expires 20 January 2027.
    complete(&db, "2026-02-02", "L1", "FA101", "2026-02-01T14:32:00Z");
    complete(&db, "2026-01-21", "L2", "FA101", "2026-01-20T14:32:00Z");
    run(&db, "2026-12-21");
    assert_eq!(member(&db, "L2", "C").unwrap().status, "window_open");
    make_old_instants(&db);
    assert_eq!(
        member(&db, "L1", "C").unwrap().window_opens_at,
        Some(ts("2027-01-01T14:32:00Z"))
    );
    // Migration 010 marks the store (run again here, as a schema-9 store runs it when
    // opened; rewinding user_version would re-run the later migrations too, and an ADD
    // COLUMN cannot run twice).
    let path = dir.path().join("certdesk.sqlite");
    drop(db);
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        let m010 = certdesk_core::store::MIGRATIONS
            .iter()
            .find(|m| m.contains("engine.calendar_dates_pending"))
            .unwrap();
        conn.execute_batch(m010).unwrap();
    }
    let db = Db::open(&path).unwrap();
    let pending = |db: &Db| {
        certdesk_core::membership::engine::calendar_dates_pending(&db.reader().unwrap()).unwrap()
    };
    assert!(pending(&db), "migration 010 marks a store with dates");

    // A run cut short after its first chunk (one membership per chunk here) leaves the rest
    // marked; the next run finishes the rewrite before it looks for windows and expiries.
    let chunking = certdesk_core::scheduler::Chunking {
        memberships: 1,
        ..Default::default()
    };
    let cut = certdesk_core::scheduler::run_in_chunks(
        &mut db.writer().unwrap(),
        crate::fixture::t("2026-12-31T12:00:00Z"),
        &chunking,
        &mut || Err(certdesk_core::Error::invalid("test", "stop here")),
    );
    assert!(cut.is_err());
    assert!(pending(&db), "one chunk done, one to go");
    assert_eq!(
        member(&db, "L1", "C").unwrap().window_opens_at,
        Some(ts("2027-01-01T00:00:00Z")),
        "L1 (the first membership) is on the calendar"
    );
    assert_eq!(
        member(&db, "L2", "C").unwrap().expires_at,
        Some(ts("2027-01-20T14:32:00Z")),
        "L2 not yet"
    );
    crate::summary::assert_summary_is_a_full_count(&db, "half way");

    // The first run at 00:00:01 on 1 January opens L1's window: the report's day.
    walk(&db, "L1", LONDON, &[("2027-01-01T00:00:01", "window_open")]);
    assert!(!pending(&db), "done once");
    crate::summary::assert_summary_is_a_full_count(&db, "after normalising");
    let l2 = member(&db, "L2", "C").unwrap();
    assert_eq!(l2.expires_at, Some(ts("2027-01-20T23:59:59Z")));
    assert_eq!(
        l2.due_at, l2.expires_at,
        "the due date moved with the expiry"
    );
    let r = db.reader().unwrap();
    let previous: Option<i64> = r
        .query_row(
            "SELECT expires_at FROM certification_record WHERE assignment_id = ?1 AND cycle = 1",
            [l2.id],
            |x| x.get(0),
        )
        .unwrap();
    assert_eq!(previous, Some(ts("2027-01-20T23:59:59Z")));
    drop(r);
    // L2 is valid through the whole of 20 January (the old instant expired it at 14:32).
    walk(
        &db,
        "L2",
        LONDON,
        &[
            ("2027-01-20T23:59:59", "window_open"),
            ("2027-01-21T00:00:00", "expired"),
        ],
    );
    crate::summary::assert_summary_is_a_full_count(&db, "after expiry");
    let s = run(&db, "2027-01-21T00:00:00Z");
    assert_eq!(s.engine, Default::default(), "a second run changes nothing");
}

#[test]
fn a_new_store_is_not_marked() {
    let (_dir, db) = crate::temp_db();
    assert!(
        !certdesk_core::membership::engine::calendar_dates_pending(&db.reader().unwrap()).unwrap()
    );
}
