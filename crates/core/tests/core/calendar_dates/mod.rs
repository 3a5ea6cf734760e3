//! Certification dates are local calendar days (DOMAIN.md section 3): what the membership
//! report shows on a day and what the engine does that day agree, across DST changes, month
//! ends, every recertification method, and in a store upgraded from the old instants.

use certdesk_core::report::membership::{membership_page, MembershipQuery, MembershipRow};
use certdesk_core::Db;
use jiff::Zoned;

use crate::fixture::{assign, complete, member, run, store, ts};

mod table;
mod upgrade;

/// Unix seconds of a local date and time in a zone, e.g. `at("2027-02-01T00:00:01", NY)`.
pub(crate) fn at(local: &str, zone: &str) -> i64 {
    format!("{local}[{zone}]")
        .parse::<Zoned>()
        .unwrap()
        .timestamp()
        .as_second()
}

pub(crate) const NY: &str = "America/New_York";
pub(crate) const LONDON: &str = "Europe/London";

/// One certification program, no due date.
pub(crate) fn cert(method: &str, active: &str, window: &str) -> String {
    format!(
        r#"{{ "programs": [
  {{ "short_name": "C", "full_name": "Cert",
    "certification": {{ "active": "{active}", "window": "{window}", "method": "{method}", "min_active": "6 months" }},
    "certification_path": [ {{ "label": "I", "rule": "all", "courses": ["FA101"] }} ],
    "recertification_path": [ {{ "label": "R", "rule": "all", "courses": ["FA201"] }} ] }}
] }}"#
    )
}

pub(crate) fn learners(zone: &str) -> String {
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
pub(crate) fn walk(db: &Db, who: &str, zone: &str, steps: &[(&str, &str)]) {
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
