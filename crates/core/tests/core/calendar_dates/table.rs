//! The dates `certification_dates` gives on DST days and month ends, each method.

use certdesk_core::program::certification::{
    certification_dates, CertSettings, Certifying, Method,
};
use certdesk_core::program::period::{Period, Unit};
use jiff::tz::TimeZone;

use super::{at, LONDON, NY};
use crate::fixture::ts;

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
