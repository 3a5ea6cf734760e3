//! The recertification date methods, on time, early and late; fixed anniversaries.

use certdesk_core::program::certification::{
    certification_dates, CertSettings, Certifying, Method,
};
use certdesk_core::program::period::{Period, Unit};
use certdesk_core::time::day_start;
use jiff::tz::TimeZone;

use crate::fixture::ts;

fn settings(method: Method, min_active: Option<Period>) -> CertSettings {
    CertSettings {
        active: Period::new(1, Unit::Year),
        window: Period::new(1, Unit::Month),
        method,
        min_active,
    }
}

struct Case {
    what: &'static str,
    method: Method,
    min_active: Option<Period>,
    completed: &'static str,
    due: Option<&'static str>,
    previous_expiry: Option<&'static str>,
    in_window: bool,
    expires: &'static str,
}

#[test]
fn each_method_on_time_early_and_late() {
    use Method::*;
    let six_months = Some(Period::new(6, Unit::Month));
    let cases = [
        // Completion date: always from the completion.
        Case {
            what: "completion, first",
            method: CompletionDate,
            min_active: None,
            completed: "2026-03-10",
            due: Some("2026-06-30"),
            previous_expiry: None,
            in_window: false,
            expires: "2027-03-10",
        },
        Case {
            what: "completion, early in window",
            method: CompletionDate,
            min_active: None,
            completed: "2027-06-05",
            due: None,
            previous_expiry: Some("2027-06-30"),
            in_window: true,
            expires: "2028-06-05",
        },
        Case {
            what: "completion, late",
            method: CompletionDate,
            min_active: None,
            completed: "2027-09-01",
            due: None,
            previous_expiry: Some("2027-06-30"),
            in_window: false,
            expires: "2028-09-01",
        },
        // Expiry date: first cycle from the due date when on time.
        Case {
            what: "expiry, first, early",
            method: ExpiryDate,
            min_active: None,
            completed: "2026-03-10",
            due: Some("2026-06-30"),
            previous_expiry: None,
            in_window: false,
            expires: "2027-06-30",
        },
        Case {
            what: "expiry, first, on the due date",
            method: ExpiryDate,
            min_active: None,
            completed: "2026-06-30",
            due: Some("2026-06-30"),
            previous_expiry: None,
            in_window: false,
            expires: "2027-06-30",
        },
        Case {
            what: "expiry, first, late",
            method: ExpiryDate,
            min_active: None,
            completed: "2026-08-01",
            due: Some("2026-06-30"),
            previous_expiry: None,
            in_window: false,
            expires: "2027-08-01",
        },
        Case {
            what: "expiry, first, no due date",
            method: ExpiryDate,
            min_active: None,
            completed: "2026-03-10",
            due: None,
            previous_expiry: None,
            in_window: false,
            expires: "2027-03-10",
        },
        Case {
            what: "expiry, renewed early in window",
            method: ExpiryDate,
            min_active: None,
            completed: "2027-06-05",
            due: None,
            previous_expiry: Some("2027-06-30"),
            in_window: true,
            expires: "2028-06-30",
        },
        Case {
            what: "expiry, renewed after expiry",
            method: ExpiryDate,
            min_active: None,
            completed: "2027-08-15",
            due: None,
            previous_expiry: Some("2027-06-30"),
            in_window: false,
            expires: "2028-08-15",
        },
        // Fixed: anniversaries of the previous expiry, moved on by whole periods.
        Case {
            what: "fixed, renewed early",
            method: FixedExpiryDate,
            min_active: six_months,
            completed: "2027-06-05",
            due: None,
            previous_expiry: Some("2027-06-30"),
            in_window: true,
            expires: "2028-06-30",
        },
        Case {
            what: "fixed, two years late",
            method: FixedExpiryDate,
            min_active: six_months,
            completed: "2029-02-01",
            due: None,
            previous_expiry: Some("2027-06-30"),
            in_window: false,
            expires: "2030-06-30",
        },
        Case {
            what: "fixed, late by less than the minimum",
            method: FixedExpiryDate,
            min_active: six_months,
            completed: "2028-03-01",
            due: None,
            previous_expiry: Some("2027-06-30"),
            in_window: false,
            expires: "2029-06-30",
        },
        Case {
            what: "fixed, minimum pushes a whole period on",
            method: FixedExpiryDate,
            min_active: Some(Period::new(13, Unit::Month)),
            completed: "2027-06-10",
            due: None,
            previous_expiry: Some("2027-06-30"),
            in_window: true,
            expires: "2029-06-30",
        },
        Case {
            what: "fixed, first cycle from the due date",
            method: FixedExpiryDate,
            min_active: six_months,
            completed: "2026-03-10",
            due: Some("2026-06-30"),
            previous_expiry: None,
            in_window: false,
            expires: "2027-06-30",
        },
        Case {
            what: "fixed, first cycle late against the due date",
            method: FixedExpiryDate,
            min_active: six_months,
            completed: "2027-01-15",
            due: Some("2026-06-30"),
            previous_expiry: None,
            in_window: false,
            expires: "2028-06-30",
        },
        Case {
            what: "fixed, first cycle without due date",
            method: FixedExpiryDate,
            min_active: None,
            completed: "2026-03-10",
            due: None,
            previous_expiry: None,
            in_window: false,
            expires: "2027-03-10",
        },
    ];
    let tz = TimeZone::UTC;
    for c in cases {
        let s = settings(c.method, c.min_active);
        let (window, expires) = certification_dates(
            &s,
            &tz,
            &Certifying {
                completed_at: ts(c.completed),
                due_at: c.due.map(ts),
                previous_expiry: c.previous_expiry.map(ts),
                in_window: c.in_window,
            },
        )
        .unwrap();
        // Valid through the whole expiry day; the window opens at the start of the day a
        // month before it.
        assert_eq!(expires, ts(c.expires) + 86_399, "{}: expiry", c.what);
        let expiry_day: jiff::civil::Date = c.expires.parse().unwrap();
        let want_window = day_start(s.window.add_date(expiry_day, -1).unwrap(), &tz).unwrap();
        assert_eq!(window, want_window, "{}: window = expiry - 1 month", c.what);
    }
}

#[test]
fn fixed_method_keeps_month_end_anniversaries() {
    // A monthly certification anchored on 31 January: the anniversaries are each month's
    // last day computed from the anchor, not 28 March after a February step.
    let s = CertSettings {
        active: Period::new(1, Unit::Month),
        window: Period::new(7, Unit::Day),
        method: Method::FixedExpiryDate,
        min_active: None,
    };
    let (_, expires) = certification_dates(
        &s,
        &TimeZone::UTC,
        &Certifying {
            completed_at: ts("2027-03-15"),
            due_at: None,
            previous_expiry: Some(ts("2027-01-31")),
            in_window: false,
        },
    )
    .unwrap();
    assert_eq!(expires, ts("2027-03-31") + 86_399, "the end of 31 March");
}

#[test]
fn a_window_longer_than_the_active_period_is_refused() {
    let mut s = settings(Method::CompletionDate, None);
    s.window = Period::new(13, Unit::Month);
    assert!(s.validate().is_err());
    s.window = Period::new(12, Unit::Month);
    assert!(s.validate().is_ok());
}
