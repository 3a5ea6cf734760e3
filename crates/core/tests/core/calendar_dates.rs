//! Certification dates are local calendar days (DOMAIN.md section 3): what the membership
//! report shows on a day and what the engine does that day agree, across DST changes, month
//! ends, every recertification method, and in a store upgraded from the old instants.

use certdesk_core::program::certification::{
    certification_dates, CertSettings, Certifying, Method,
};
use certdesk_core::program::period::{Period, Unit};
use certdesk_core::report::membership::{membership_page, MembershipQuery, MembershipRow};
use certdesk_core::Db;
use jiff::{tz::TimeZone, Zoned};

use crate::fixture::{assign, complete, member, run, store, ts};

/// Unix seconds of a local date and time in a zone, e.g. `at("2027-02-01T00:00:01", NY)`.
fn at(local: &str, zone: &str) -> i64 {
    format!("{local}[{zone}]")
        .parse::<Zoned>()
        .unwrap()
        .timestamp()
        .as_second()
}

const NY: &str = "America/New_York";
const LONDON: &str = "Europe/London";

/// One certification program, no due date.
fn cert(method: &str, active: &str, window: &str) -> String {
    format!(
        r#"{{ "programs": [
  {{ "short_name": "C", "full_name": "Cert",
    "certification": {{ "active": "{active}", "window": "{window}", "method": "{method}", "min_active": "6 months" }},
    "certification_path": [ {{ "label": "I", "rule": "all", "courses": ["FA101"] }} ],
    "recertification_path": [ {{ "label": "R", "rule": "all", "courses": ["FA201"] }} ] }}
] }}"#
    )
}

fn learners(zone: &str) -> String {
    format!("id_number,full_name,email,time_zone\nL1,Lee One,lee@example.com,{zone}\nL2,Kim Two,kim@example.com,{zone}\n")
}

/// The membership report's row of learner `who`.
fn report_row(db: &Db, who: &str) -> MembershipRow {
    let page = membership_page(&db.reader().unwrap(), &MembershipQuery::default()).unwrap();
    page.rows
        .into_iter()
        .find(|r| r.learner_id_number == who)
        .unwrap()
}

/// The instant each event kind of a membership happened, in order.
fn event_instants(db: &Db, assignment: i64) -> Vec<(String, i64)> {
    let r = db.reader().unwrap();
    let mut stmt = r
        .prepare("SELECT kind, occurred_at FROM event WHERE assignment_id = ?1 AND kind IN ('window_open', 'failed_recertify') ORDER BY occurred_at, id")
        .unwrap();
    stmt.query_map([assignment], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// Runs the scheduler at each local instant in turn and checks the status it leaves.
fn walk(db: &Db, who: &str, zone: &str, steps: &[(&str, &str)]) {
    for (local, status) in steps {
        let now = jiff::Timestamp::from_second(at(local, zone)).unwrap();
        certdesk_core::scheduler::run(&mut db.writer().unwrap(), now).unwrap();
        let m = member(db, who, "C").unwrap();
        assert_eq!(m.status, *status, "{who} at {local} ({zone})");
    }
}

#[test]
fn the_window_opens_and_the_certification_expires_on_the_days_the_report_shows() {
    // The issue's example: the report says the window opens on 1 February; completed at
    // 14:32 local, which used to open the window at 14:32 that day.
    let (_dir, db) = store(&cert("completion_date", "1 year", "1 month"), &learners(NY));
    assign(&db, "2026-02-01", "C", &["L1"]);
    complete(
        &db,
        "2026-03-02",
        "L1",
        "FA101",
        "2026-03-01T14:32:00-05:00",
    );
    let row = report_row(&db, "L1");
    assert_eq!(row.window_opens_date.as_deref(), Some("2027-02-01"));
    assert_eq!(row.expiry_date.as_deref(), Some("2027-03-01"));
    assert_eq!(row.due_date.as_deref(), Some("2027-03-01"), "due at expiry");
    let m = member(&db, "L1", "C").unwrap();
    assert_eq!(m.window_opens_at, Some(at("2027-02-01T00:00:00", NY)));
    assert_eq!(m.expires_at, Some(at("2027-03-01T23:59:59", NY)));
    assert_eq!(m.due_at, m.expires_at);

    walk(
        &db,
        "L1",
        NY,
        &[
            ("2027-01-31T23:59:59", "certified"),
            ("2027-02-01T00:00:01", "window_open"),
            ("2027-02-01T14:32:00", "window_open"),
            // Valid through the whole expiry day, expired from the start of the next.
            ("2027-03-01T23:59:59", "window_open"),
            ("2027-03-02T00:00:00", "expired"),
        ],
    );
    assert_eq!(
        event_instants(&db, m.id),
        vec![
            ("window_open".into(), at("2027-02-01T00:00:00", NY)),
            ("failed_recertify".into(), at("2027-03-02T00:00:00", NY)),
        ],
        "the window opens at the start of its day; failure to recertify at the start of the day after expiry"
    );
    let row = report_row(&db, "L1");
    assert_eq!(
        row.due_date.as_deref(),
        Some("2027-03-01"),
        "overdue since expiry"
    );
    assert_eq!(row.expiry_date, None);
}

#[test]
fn a_renewal_on_the_expiry_day_still_counts() {
    let (_dir, db) = store(&cert("expiry_date", "1 year", "1 month"), &learners(LONDON));
    assign(&db, "2026-02-01", "C", &["L1"]);
    complete(&db, "2026-03-02", "L1", "FA101", "2026-03-01T09:00:00Z");
    walk(&db, "L1", LONDON, &[("2027-02-01T00:00:00", "window_open")]);
    // 23:30 on the expiry day, recorded the next morning (after the run that expired it
    // would have come): inside the window, so the anniversary is kept.
    walk(&db, "L1", LONDON, &[("2027-03-01T23:59:59", "window_open")]);
    complete(
        &db,
        "2027-03-02T09:00:00Z",
        "L1",
        "FA201",
        "2027-03-01T23:30:00Z",
    );
    let m = member(&db, "L1", "C").unwrap();
    assert_eq!((m.status.as_str(), m.cycle), ("certified", 2));
    assert_eq!(m.expires_at, Some(at("2028-03-01T23:59:59", LONDON)));
}

struct Cycles {
    method: &'static str,
    first: &'static str,
    renewal: &'static str,
    /// (window opens, expiry) local dates after the first certification and the renewal.
    dates: [(&'static str, &'static str); 2],
}

#[test]
fn each_method_across_two_cycles_stays_on_its_days() {
    // Completed at 00:30 BST on 1 April 2026 (23:30 UTC on 31 March): the local day counts.
    let first = "2026-03-31T23:30:00Z";
    let cases = [
        Cycles {
            method: "completion_date",
            first,
            renewal: "2027-03-10T12:00:00Z",
            dates: [("2027-03-01", "2027-04-01"), ("2028-02-10", "2028-03-10")],
        },
        Cycles {
            // Renewed inside the window: the previous expiry (now the end of its day) is the
            // base, and the anniversary does not move a day.
            method: "expiry_date",
            first,
            renewal: "2027-03-10T12:00:00Z",
            dates: [("2027-03-01", "2027-04-01"), ("2028-03-01", "2028-04-01")],
        },
        Cycles {
            method: "fixed_expiry_date",
            first,
            renewal: "2027-03-10T12:00:00Z",
            dates: [("2027-03-01", "2027-04-01"), ("2028-03-01", "2028-04-01")],
        },
        Cycles {
            // Late (after expiry): from the completion again.
            method: "expiry_date",
            first,
            renewal: "2027-05-10T12:00:00Z",
            dates: [("2027-03-01", "2027-04-01"), ("2028-04-10", "2028-05-10")],
        },
        Cycles {
            // Late by less than the minimum active period: the next anniversary but one.
            method: "fixed_expiry_date",
            first,
            renewal: "2027-12-10T12:00:00Z",
            dates: [("2027-03-01", "2027-04-01"), ("2029-03-01", "2029-04-01")],
        },
    ];
    for c in cases {
        let what = format!("{} renewed {}", c.method, c.renewal);
        let (_dir, db) = store(&cert(c.method, "1 year", "1 month"), &learners(LONDON));
        assign(&db, "2026-01-05", "C", &["L1"]);
        complete(&db, c.first, "L1", "FA101", c.first);
        for (cycle, (window, expiry)) in c.dates.iter().enumerate() {
            if cycle == 1 {
                run(&db, c.renewal);
                let late = ts(c.renewal) > at(&format!("{}T23:59:59", c.dates[0].1), LONDON);
                let course = if late { "FA101" } else { "FA201" };
                complete(&db, c.renewal, "L1", course, c.renewal);
            }
            let m = member(&db, "L1", "C").unwrap();
            assert_eq!(m.status, "certified", "{what}, cycle {cycle}");
            assert_eq!(
                m.window_opens_at,
                Some(at(&format!("{window}T00:00:00"), LONDON)),
                "{what}, cycle {cycle}: window"
            );
            assert_eq!(
                m.expires_at,
                Some(at(&format!("{expiry}T23:59:59"), LONDON)),
                "{what}, cycle {cycle}: expiry"
            );
            let row = report_row(&db, "L1");
            assert_eq!(row.window_opens_date.as_deref(), Some(*window), "{what}");
            assert_eq!(row.expiry_date.as_deref(), Some(*expiry), "{what}");
        }
    }
}

struct Dates {
    what: &'static str,
    zone: &'static str,
    active: Period,
    window: Period,
    method: Method,
    completed: &'static str,
    previous_expiry: Option<&'static str>,
    due: Option<&'static str>,
    /// Local date and time the window opens and the last second of validity.
    opens: &'static str,
    expires: &'static str,
}

#[test]
fn dst_days_and_month_ends() {
    let year = Period::new(1, Unit::Year);
    let month = Period::new(1, Unit::Month);
    let week = Period::new(1, Unit::Week);
    let cases = [
        Dates {
            what: "New York: expiry on the day clocks go forward (23 hours)",
            zone: NY,
            active: year,
            window: week,
            method: Method::CompletionDate,
            completed: "2026-03-14T12:00:00-04:00",
            previous_expiry: None,
            due: None,
            opens: "2027-03-07T00:00:00",
            expires: "2027-03-14T23:59:59",
        },
        Dates {
            what: "New York: window on the day clocks go back",
            zone: NY,
            active: year,
            window: week,
            method: Method::CompletionDate,
            completed: "2026-11-14T20:00:00-05:00",
            previous_expiry: None,
            due: None,
            opens: "2027-11-07T00:00:00",
            expires: "2027-11-14T23:59:59",
        },
        Dates {
            what: "London: expiry on the day clocks go back (25 hours)",
            zone: LONDON,
            active: year,
            window: week,
            method: Method::CompletionDate,
            completed: "2026-10-31T12:00:00Z",
            previous_expiry: None,
            due: None,
            opens: "2027-10-24T00:00:00",
            expires: "2027-10-31T23:59:59",
        },
        Dates {
            what: "London: window on the day clocks go forward",
            zone: LONDON,
            active: year,
            window: week,
            method: Method::CompletionDate,
            completed: "2026-04-04T09:00:00Z",
            previous_expiry: None,
            due: None,
            opens: "2027-03-28T00:00:00",
            expires: "2027-04-04T23:59:59",
        },
        Dates {
            what: "one month after 31 January is the end of February",
            zone: LONDON,
            active: month,
            window: week,
            method: Method::CompletionDate,
            completed: "2027-01-31T15:00:00Z",
            previous_expiry: None,
            due: None,
            opens: "2027-02-21T00:00:00",
            expires: "2027-02-28T23:59:59",
        },
        Dates {
            what: "in a leap year, 29 February",
            zone: NY,
            active: month,
            window: month,
            method: Method::CompletionDate,
            completed: "2028-01-31T22:00:00-05:00",
            previous_expiry: None,
            due: None,
            opens: "2028-01-29T00:00:00",
            expires: "2028-02-29T23:59:59",
        },
        Dates {
            what: "a month before 31 March is the end of February",
            zone: LONDON,
            active: year,
            window: month,
            method: Method::CompletionDate,
            completed: "2026-03-31T10:00:00Z",
            previous_expiry: None,
            due: None,
            opens: "2027-02-28T00:00:00",
            expires: "2027-03-31T23:59:59",
        },
        Dates {
            what: "expiry-date method from a stored end-of-day expiry",
            zone: NY,
            active: month,
            window: week,
            method: Method::ExpiryDate,
            completed: "2027-02-25T10:00:00-05:00",
            previous_expiry: Some("2027-02-28T23:59:59-05:00"),
            due: None,
            opens: "2027-03-21T00:00:00",
            expires: "2027-03-28T23:59:59",
        },
        Dates {
            what: "fixed method from a stored end-of-day expiry across a DST change",
            zone: LONDON,
            active: month,
            window: week,
            method: Method::FixedExpiryDate,
            completed: "2027-03-25T10:00:00Z",
            previous_expiry: Some("2027-03-31T22:59:59Z"),
            due: None,
            opens: "2027-04-23T00:00:00",
            expires: "2027-04-30T23:59:59",
        },
        Dates {
            what: "expiry-date method, first cycle: done later on the due day is on time",
            zone: NY,
            active: year,
            window: month,
            method: Method::ExpiryDate,
            completed: "2026-06-30T16:00:00-04:00",
            previous_expiry: None,
            // A due date counted from an assignment instant (10:00 on 30 June).
            due: Some("2026-06-30T10:00:00-04:00"),
            opens: "2027-05-30T00:00:00",
            expires: "2027-06-30T23:59:59",
        },
        Dates {
            what: "expiry-date method, first cycle: the day after the due day is late",
            zone: NY,
            active: year,
            window: month,
            method: Method::ExpiryDate,
            completed: "2026-07-01T00:00:00-04:00",
            previous_expiry: None,
            due: Some("2026-06-30T23:59:59-04:00"),
            opens: "2027-06-01T00:00:00",
            expires: "2027-07-01T23:59:59",
        },
    ];
    for c in cases {
        let first_cycle = c.previous_expiry.is_none();
        let s = CertSettings {
            active: c.active,
            window: c.window,
            method: c.method,
            min_active: None,
        };
        let tz = TimeZone::get(c.zone).unwrap();
        let (opens, expires) = certification_dates(
            &s,
            &tz,
            &Certifying {
                completed_at: ts(c.completed),
                due_at: c.due.map(ts),
                previous_expiry: c.previous_expiry.map(ts),
                in_window: !first_cycle,
            },
        )
        .unwrap();
        assert_eq!(opens, at(c.opens, c.zone), "{}: window opens", c.what);
        assert_eq!(expires, at(c.expires, c.zone), "{}: expires", c.what);
    }
}

#[test]
fn across_a_dst_change_the_engine_expires_at_local_midnight() {
    // Expiry on 14 March 2027, the 23-hour day in New York.
    let (_dir, db) = store(&cert("completion_date", "1 year", "1 week"), &learners(NY));
    assign(&db, "2026-02-01", "C", &["L1"]);
    complete(
        &db,
        "2026-03-15",
        "L1",
        "FA101",
        "2026-03-14T12:00:00-04:00",
    );
    walk(
        &db,
        "L1",
        NY,
        &[
            ("2027-03-06T23:59:59", "certified"),
            ("2027-03-07T00:00:00", "window_open"),
            ("2027-03-14T23:59:59", "window_open"),
            ("2027-03-15T00:00:00", "expired"),
        ],
    );
}

/// Puts the dates of the store back as a store before calendar dates held them: the window
/// at 14:32 on its day and the expiry at 14:32 on its day (London in winter is UTC; the expiry moves from 23:59:59 to 14:32:00), with
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
    // Migration 010 marks the store (run again here, as on opening an older store).
    let path = dir.path().join("certdesk.sqlite");
    drop(db);
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        let latest = certdesk_core::store::LATEST_VERSION;
        conn.pragma_update(None, "user_version", latest - 1)
            .unwrap();
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
