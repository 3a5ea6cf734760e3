//! One learner through a certification's whole life, and run(now) idempotence.

use crate::fixture::{assign, complete, events, member, run, store, ts, ONE_LEARNER};

pub const FIRST_AID: &str = r#"{ "programs": [
  { "short_name": "FA", "full_name": "First Aid at Work",
    "certification": { "active": "1 year", "window": "2 months", "method": "expiry_date" },
    "certification_path": [ { "label": "Initial", "rule": "all", "courses": ["FA101"] } ],
    "recertification_path": [ { "label": "Refresher", "rule": "all", "courses": ["FA201"] } ] }
] }"#;

#[test]
fn assign_certify_window_recertify_window_expire_recertify() {
    let (_dir, db) = store(FIRST_AID, ONE_LEARNER);
    // Assigned: newly assigned on the certification path.
    assign(&db, "2026-01-10T09:00:00Z", "FA", &["L1"]);
    let m = member(&db, "L1", "FA").unwrap();
    assert_eq!(
        (m.status.as_str(), m.cycle, m.active),
        ("not_started", 1, true)
    );

    // Certified: expires a year on, window opens two months before.
    complete(
        &db,
        "2026-02-01T12:00:00Z",
        "L1",
        "FA101",
        "2026-02-01T10:00:00Z",
    );
    let m = member(&db, "L1", "FA").unwrap();
    assert_eq!(m.status, "certified");
    // Dates are London calendar days: valid through the whole of 1 February 2027, the window
    // opens at the start of 1 December.
    assert_eq!(m.expires_at, Some(ts("2027-02-01T23:59:59Z")));
    assert_eq!(m.window_opens_at, Some(ts("2026-12-01T00:00:00Z")));
    assert_eq!(
        m.due_at, m.expires_at,
        "a certified learner is due at expiry"
    );

    // Nothing happens before the window opens.
    assert_eq!(run(&db, "2026-11-30").engine.windows_opened, 0);
    // A refresher done before the window does not count for the new cycle.
    complete(&db, "2026-11-30", "L1", "FA201", "2026-11-25");
    assert_eq!(member(&db, "L1", "FA").unwrap().status, "certified");

    // Window opens: a new cycle on the recertification path, progress reset.
    let s = run(&db, "2026-12-02");
    assert_eq!(s.engine.windows_opened, 1);
    let m = member(&db, "L1", "FA").unwrap();
    assert_eq!((m.status.as_str(), m.cycle), ("window_open", 2));

    // Recertified inside the window: the expiry-date method keeps the anniversary.
    complete(
        &db,
        "2027-01-10T12:00:00Z",
        "L1",
        "FA201",
        "2027-01-10T09:00:00Z",
    );
    let m = member(&db, "L1", "FA").unwrap();
    assert_eq!((m.status.as_str(), m.cycle), ("certified", 2));
    assert_eq!(m.expires_at, Some(ts("2028-02-01T23:59:59Z")));

    // Window again, then expiry without recertifying: back to the certification path, overdue.
    assert_eq!(run(&db, "2027-12-02").engine.windows_opened, 1);
    let s = run(&db, "2028-02-02");
    assert_eq!(s.engine.expired, 1);
    let m = member(&db, "L1", "FA").unwrap();
    assert_eq!((m.status.as_str(), m.cycle), ("expired", 3));
    assert_eq!(
        m.due_at,
        Some(ts("2028-02-01T23:59:59Z")),
        "overdue since expiry"
    );
    assert_eq!(m.expires_at, None);

    // The refresher no longer suffices; the certification path does. After expiry the
    // new certification counts from its completion.
    complete(&db, "2028-02-20", "L1", "FA201", "2028-02-20");
    assert_eq!(member(&db, "L1", "FA").unwrap().status, "expired");
    complete(
        &db,
        "2028-03-01T12:00:00Z",
        "L1",
        "FA101",
        "2028-03-01T10:00:00Z",
    );
    let m = member(&db, "L1", "FA").unwrap();
    assert_eq!((m.status.as_str(), m.cycle), ("certified", 3));
    assert_eq!(m.expires_at, Some(ts("2029-03-01T23:59:59Z")));

    // Every cycle is kept as history.
    let r = db.reader().unwrap();
    let mut stmt = r
        .prepare("SELECT cycle, state, completed_at, expires_at FROM certification_record WHERE assignment_id = ?1 ORDER BY cycle")
        .unwrap();
    let history: Vec<(i64, String, Option<i64>, Option<i64>)> = stmt
        .query_map([m.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        history,
        vec![
            (
                1,
                "certified".into(),
                Some(ts("2026-02-01T10:00:00Z")),
                Some(ts("2027-02-01T23:59:59Z"))
            ),
            (
                2,
                "certified".into(),
                Some(ts("2027-01-10T09:00:00Z")),
                Some(ts("2028-02-01T23:59:59Z"))
            ),
            (
                3,
                "certified".into(),
                Some(ts("2028-03-01T10:00:00Z")),
                Some(ts("2029-03-01T23:59:59Z"))
            ),
        ]
    );
    let kinds: Vec<(String, i64)> = events(&db, m.id)
        .into_iter()
        .filter(|e| e.0 != "course_set_completed")
        .collect();
    let want: Vec<(String, i64)> = [
        ("assigned", 1),
        ("completed", 1),
        ("window_open", 2),
        ("completed", 2),
        ("window_open", 3),
        ("failed_recertify", 3),
        ("completed", 3),
    ]
    .into_iter()
    .map(|(k, c)| (k.to_string(), c))
    .collect();
    assert_eq!(kinds, want);
}

#[test]
fn a_long_closed_app_catches_up_in_one_run() {
    let (_dir, db) = store(FIRST_AID, ONE_LEARNER);
    assign(&db, "2026-01-10", "FA", &["L1"]);
    complete(&db, "2026-02-01", "L1", "FA101", "2026-02-01");
    // Closed for over a year: the window opened and the certification expired meanwhile.
    let s = run(&db, "2027-06-01");
    assert_eq!((s.engine.windows_opened, s.engine.expired), (1, 1));
    assert_eq!(member(&db, "L1", "FA").unwrap().status, "expired");
}

#[test]
fn run_twice_at_the_same_now_changes_nothing() {
    let learners = "id_number,full_name,email\nL1,A,a@x.org\nL2,B,b@x.org\nL3,C,c@x.org\n";
    let (_dir, db) = store(FIRST_AID, learners);
    assign(&db, "2026-01-10", "FA", &["L1", "L2", "L3"]);
    complete(&db, "2026-02-01", "L1", "FA101", "2026-02-01");
    complete(&db, "2026-03-01", "L2", "FA101", "2026-03-01");
    let dump = || -> Vec<String> {
        let r = db.reader().unwrap();
        let mut out = Vec::new();
        for sql in [
            "SELECT id || status || cycle || ifnull(due_at,'') || ifnull(expires_at,'') FROM assignment ORDER BY id",
            "SELECT assignment_id || cycle || state || path FROM certification_record ORDER BY 1",
            "SELECT kind || assignment_id || cycle || course_set_id || occurred_at FROM event ORDER BY id",
            "SELECT assignment_id || cycle || course_set_id || current_at FROM course_set_progress ORDER BY 1",
        ] {
            let mut stmt = r.prepare(sql).unwrap();
            let rows: Vec<String> = stmt
                .query_map([], |x| x.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            out.extend(rows);
        }
        out
    };
    let first = run(&db, "2027-01-15");
    assert_eq!(first.engine.windows_opened, 2);
    let before = dump();
    let second = run(&db, "2027-01-15");
    assert_eq!(second.engine, Default::default());
    assert_eq!(dump(), before);
}

/// A certification with the given method, one year active, one month window.
fn cert(method: &str) -> String {
    format!(
        r#"{{ "programs": [
  {{ "short_name": "C", "full_name": "Cert",
    "due": {{ "rule": "fixed", "date": "2026-06-30" }},
    "certification": {{ "active": "1 year", "window": "1 month", "method": "{method}", "min_active": "6 months" }},
    "certification_path": [ {{ "label": "I", "rule": "all", "courses": ["FA101"] }} ],
    "recertification_path": [ {{ "label": "R", "rule": "all", "courses": ["FA201"] }} ] }}
] }}"#
    )
}

#[test]
fn each_method_through_the_engine_early_and_late() {
    // (method, first completion, renewal, expiry after the first, after the renewal)
    // Expiry dates are local days (UTC learner here), valid through their last second. The
    // fixed due date is 30 June 2026: on time, the expiry-date and fixed methods count from it.
    let cases = [
        (
            "completion_date",
            "2026-03-10",
            "2027-03-01",
            "2027-03-10",
            "2028-03-01",
        ),
        (
            "expiry_date",
            "2026-03-10",
            "2027-06-10",
            "2027-06-30",
            "2028-06-30",
        ),
        (
            "fixed_expiry_date",
            "2026-03-10",
            "2027-06-10",
            "2027-06-30",
            "2028-06-30",
        ),
        // Late: renewed after the certification expired.
        (
            "completion_date",
            "2026-03-10",
            "2027-05-01",
            "2027-03-10",
            "2028-05-01",
        ),
        (
            "expiry_date",
            "2026-03-10",
            "2027-09-01",
            "2027-06-30",
            "2028-09-01",
        ),
        (
            "fixed_expiry_date",
            "2026-03-10",
            "2028-03-01",
            "2027-06-30",
            "2029-06-30",
        ),
    ];
    for (method, first, renewal, expiry1, expiry2) in cases {
        let what = format!("{method}, renewed {renewal}");
        let learners = "id_number,full_name,email\nL1,A,a@x.org\n";
        let (_dir, db) = store(&cert(method), learners);
        assign(&db, "2026-01-05", "C", &["L1"]);
        complete(&db, first, "L1", "FA101", first);
        let end_of_day = |d: &str| ts(d) + 86_399;
        assert_eq!(
            member(&db, "L1", "C").unwrap().expires_at,
            Some(end_of_day(expiry1)),
            "{what}"
        );
        run(&db, renewal);
        // After expiry the renewal needs the certification path.
        let course = if ts(renewal) > end_of_day(expiry1) {
            "FA101"
        } else {
            "FA201"
        };
        complete(&db, renewal, "L1", course, renewal);
        let m = member(&db, "L1", "C").unwrap();
        assert_eq!(m.status, "certified", "{what}");
        assert_eq!(m.expires_at, Some(end_of_day(expiry2)), "{what}");
    }
}

#[test]
fn the_scans_of_run_use_their_indexes() {
    let (_dir, db) = store(FIRST_AID, ONE_LEARNER);
    let r = db.reader().unwrap();
    for (sql, index) in [
        (
            "SELECT id FROM assignment WHERE status = 'certified' AND window_opens_at <= 1 AND unassigned_at IS NULL",
            "assignment_status_window",
        ),
        (
            "SELECT id FROM assignment WHERE status = 'window_open' AND expires_at < 1 AND unassigned_at IS NULL",
            "assignment_status_expires",
        ),
    ] {
        let mut stmt = r.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let plan: Vec<String> = stmt
            .query_map([], |x| x.get(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(plan.iter().any(|p| p.contains(index)), "{sql}: {plan:?}");
    }
}

#[test]
fn the_demo_store_is_already_up_to_date_and_advances_cleanly() {
    let (_dir, db) = crate::temp_db();
    let now = crate::fixture::t("2026-11-23T09:00:00Z");
    certdesk_core::demo::create_demo(&mut db.writer().unwrap(), now).unwrap();
    let advance = |at| {
        db.writer()
            .unwrap()
            .write(|tx| certdesk_core::membership::engine::advance(tx, at))
            .unwrap()
    };
    assert_eq!(
        advance(now),
        Default::default(),
        "nothing is due in the demo"
    );
    let later = crate::fixture::t("2027-12-31");
    let s = advance(later);
    assert!(s.windows_opened > 0 && s.expired > 0, "{s:?}");
    assert_eq!(advance(later), Default::default());
}
