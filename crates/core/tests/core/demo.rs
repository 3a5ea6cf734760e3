use certdesk_core::demo::{create_demo, DEMO_LEARNERS};
use certdesk_core::membership::status::{AssignmentStatus, ExceptionStatus};
use certdesk_core::report::dashboard::dashboard;
use certdesk_core::report::membership::{membership_page, MembershipQuery};
use certdesk_core::ErrorKind;
use jiff::Timestamp;

use crate::temp_db;

fn now() -> Timestamp {
    "2026-11-23T09:00:00Z".parse().unwrap()
}

fn demo() -> (tempfile::TempDir, certdesk_core::Db) {
    let (dir, db) = temp_db();
    create_demo(&mut db.writer().unwrap(), now()).unwrap();
    (dir, db)
}

#[test]
fn the_demo_has_learners_programs_and_every_state() {
    let (_dir, db) = demo();
    let d = dashboard(&db.reader().unwrap(), now()).unwrap();
    assert_eq!(d.learners as usize, DEMO_LEARNERS);
    assert_eq!(d.programs, 4);
    assert_eq!(d.certifications, 4);
    for s in &d.by_status {
        assert!(s.count > 0, "no assignment is {:?}", s.status);
    }
    assert!(d.raised_exceptions > 0);
    assert!(d.expiring_30_days > 0);
    let r = db.reader().unwrap();
    let kinds: i64 = r
        .query_row(
            "SELECT count(DISTINCT kind) FROM exception WHERE status = 'raised'",
            [],
            |x| x.get(0),
        )
        .unwrap();
    assert_eq!(kinds, 3, "a raised exception of each type");
    let no_manager: i64 = r
        .query_row(
            "SELECT count(*) FROM learner l WHERE id > 24 AND NOT EXISTS
               (SELECT 1 FROM manager_link WHERE learner_id = l.id)",
            [],
            |x| x.get(0),
        )
        .unwrap();
    assert_eq!(no_manager, 0, "every team member has a manager");
}

#[test]
fn the_demo_is_the_same_every_time() {
    let dump = |db: &certdesk_core::Db| -> Vec<String> {
        let r = db.reader().unwrap();
        let mut stmt = r
            .prepare(
                "SELECT l.full_name || '|' || l.time_zone || '|' || p.short_name || '|' || a.status || '|' ||
                        ifnull(a.due_at, '') || '|' || a.exception_status
                 FROM assignment a JOIN learner l ON l.id = a.learner_id JOIN program p ON p.id = a.program_id
                 ORDER BY a.id",
            )
            .unwrap();
        stmt.query_map([], |x| x.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let (_a, first) = demo();
    let (_b, second) = demo();
    assert_eq!(dump(&first), dump(&second));
}

#[test]
fn the_demo_goes_only_into_an_empty_store() {
    let (_dir, db) = demo();
    let err = create_demo(&mut db.writer().unwrap(), now()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotEmpty);
}

#[test]
fn the_dashboard_counts_what_the_store_holds() {
    let (_dir, db) = demo();
    let r = db.reader().unwrap();
    let d = dashboard(&r, now()).unwrap();
    let total: u32 = r
        .query_row("SELECT count(*) FROM assignment", [], |x| x.get(0))
        .unwrap();
    assert_eq!(d.assignments, total);
    // Mark one more exception raised and see the figure move.
    db.writer()
        .unwrap()
        .write(|tx| {
            Ok(tx.execute(
                "INSERT INTO exception (assignment_id, kind, raised_at, detail) VALUES (1, 'time_allowance', 0, 'x')",
                [],
            )?)
        })
        .unwrap();
    let after = dashboard(&db.reader().unwrap(), now()).unwrap();
    assert_eq!(after.raised_exceptions, d.raised_exceptions + 1);
}

#[test]
fn membership_pages_cover_every_row_once_in_name_order() {
    let (_dir, db) = demo();
    let r = db.reader().unwrap();
    let total: i64 = r
        .query_row("SELECT count(*) FROM assignment", [], |x| x.get(0))
        .unwrap();
    let total = total as usize;
    let mut q = MembershipQuery {
        limit: 97,
        ..Default::default()
    };
    let mut seen = Vec::new();
    loop {
        let page = membership_page(&r, &q).unwrap();
        seen.extend(
            page.rows
                .iter()
                .map(|row| (row.learner_name.clone(), row.assignment_id)),
        );
        match page.next {
            Some(next) => q.after = Some(next),
            None => break,
        }
    }
    assert_eq!(seen.len(), total);
    let mut ids: Vec<i64> = seen.iter().map(|s| s.1).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), total, "no row twice");
    assert!(
        seen.windows(2).all(|w| w[0].0 <= w[1].0),
        "sorted by learner name"
    );
}

#[test]
fn membership_filters_by_status_exception_and_text() {
    let (_dir, db) = demo();
    let r = db.reader().unwrap();
    let q = MembershipQuery {
        exception_status: Some(ExceptionStatus::Raised),
        limit: 500,
        ..Default::default()
    };
    let page = membership_page(&r, &q).unwrap();
    assert!(!page.rows.is_empty());
    assert!(page
        .rows
        .iter()
        .all(|x| x.exception_status == ExceptionStatus::Raised && !x.active));

    let q = MembershipQuery {
        status: Some(AssignmentStatus::WindowOpen),
        limit: 500,
        ..Default::default()
    };
    let page = membership_page(&r, &q).unwrap();
    assert!(!page.rows.is_empty());
    assert!(page
        .rows
        .iter()
        .all(|x| x.is_certification && x.expiry_date.is_some()));

    let q = MembershipQuery {
        text: Some("E10007".into()),
        ..Default::default()
    };
    let page = membership_page(&r, &q).unwrap();
    assert!(!page.rows.is_empty());
    assert!(page.rows.iter().all(|x| x.learner_id_number == "E10007"));
    assert!(page.rows.iter().all(|x| !x.managers.is_empty()) || page.rows[0].learner_id <= 24);

    let q = MembershipQuery {
        text: Some("100%_".into()),
        ..Default::default()
    };
    assert!(
        membership_page(&r, &q).unwrap().rows.is_empty(),
        "% and _ are matched literally"
    );
}
