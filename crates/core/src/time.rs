//! Conversions between the store's unix seconds and calendar values.

use jiff::{civil::Date, tz::TimeZone, Timestamp};

use crate::{Error, Result};

/// Seconds since the epoch, as the store keeps instants.
pub fn secs(t: Timestamp) -> i64 {
    t.as_second()
}

/// An instant from stored seconds.
pub fn from_secs(s: i64) -> Result<Timestamp> {
    Timestamp::from_second(s).map_err(|e| Error::invalid("instant", e.to_string()))
}

/// An IANA time zone by name, with a clear error for a name we do not know.
pub fn zone(name: &str) -> Result<TimeZone> {
    TimeZone::get(name)
        .map_err(|_| Error::invalid("time zone", format!("unknown time zone '{name}'")))
}

/// A calendar date written `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Result<Date> {
    s.trim()
        .parse::<Date>()
        .map_err(|_| Error::invalid("date", format!("'{s}' is not a date (expected YYYY-MM-DD)")))
}

/// The calendar date of an instant in a zone, for display.
pub fn local_date(s: i64, zone_name: &str) -> Result<String> {
    let tz = zone(zone_name)?;
    Ok(from_secs(s)?.to_zoned(tz).date().to_string())
}

/// The last second of `date` in `tz`: a due date typed as a date includes that whole day.
pub fn end_of_day(date: Date, tz: &TimeZone) -> Result<i64> {
    let next = date
        .tomorrow()
        .and_then(|d| d.to_zoned(tz.clone()))
        .map_err(|e| Error::invalid("date", e.to_string()))?;
    Ok(next.timestamp().as_second() - 1)
}
