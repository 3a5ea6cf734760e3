//! Calendar arithmetic: month ends and DST, in the learner's time zone.

use certdesk_core::program::period::{parse_duration_secs, Period, Unit};
use jiff::tz::TimeZone;

use crate::fixture::t;

#[test]
fn month_ends_and_dst() {
    let london = TimeZone::get("Europe/London").unwrap();
    let new_york = TimeZone::get("America/New_York").unwrap();
    let utc = TimeZone::UTC;
    let cases: &[(&str, Period, i64, &TimeZone, &str)] = &[
        (
            "2027-01-31T10:00:00Z",
            Period::new(1, Unit::Month),
            1,
            &utc,
            "2027-02-28T10:00:00Z",
        ),
        (
            "2028-01-31T10:00:00Z",
            Period::new(1, Unit::Month),
            1,
            &utc,
            "2028-02-29T10:00:00Z",
        ),
        (
            "2027-01-31T10:00:00Z",
            Period::new(1, Unit::Month),
            2,
            &utc,
            "2027-03-31T10:00:00Z",
        ),
        (
            "2028-02-29T12:00:00Z",
            Period::new(1, Unit::Year),
            1,
            &utc,
            "2029-02-28T12:00:00Z",
        ),
        (
            "2027-03-31T12:00:00Z",
            Period::new(1, Unit::Month),
            -1,
            &utc,
            "2027-02-28T12:00:00Z",
        ),
        // 09:00 in London the day before the clocks go forward: 09:00 the next day (23 h).
        (
            "2026-03-28T09:00:00Z",
            Period::new(1, Unit::Day),
            1,
            &london,
            "2026-03-29T08:00:00Z",
        ),
        // A week across the autumn change keeps 09:00 local in New York.
        (
            "2026-10-29T13:00:00Z",
            Period::new(1, Unit::Week),
            1,
            &new_york,
            "2026-11-05T14:00:00Z",
        ),
        // A month in London across the spring change.
        (
            "2026-03-15T09:00:00Z",
            Period::new(1, Unit::Month),
            1,
            &london,
            "2026-04-15T08:00:00Z",
        ),
    ];
    for (at, period, times, tz, want) in cases {
        let got = period.add(t(at), tz, *times).unwrap();
        assert_eq!(got, t(want), "{at} + {times} x {period} in {tz:?}");
    }
}

#[test]
fn periods_and_durations_parse() {
    assert_eq!(
        Period::parse("3 months").unwrap(),
        Period::new(3, Unit::Month)
    );
    assert_eq!(Period::parse("1 year").unwrap(), Period::new(1, Unit::Year));
    assert_eq!(
        Period::parse("30 days").unwrap(),
        Period::new(30, Unit::Day)
    );
    assert!(Period::parse("three months").is_err());
    assert!(Period::parse("3 fortnights").is_err());
    assert_eq!(parse_duration_secs("90 minutes").unwrap(), 5400);
    assert_eq!(parse_duration_secs("2 hours").unwrap(), 7200);
    assert_eq!(parse_duration_secs("16").unwrap(), 16 * 3600);
    assert!(parse_duration_secs("2 lightyears").is_err());
    assert!(Period::new(2, Unit::Month)
        .longer_than(Period::new(1, Unit::Month))
        .unwrap());
    assert!(!Period::new(12, Unit::Month)
        .longer_than(Period::new(1, Unit::Year))
        .unwrap());
}
