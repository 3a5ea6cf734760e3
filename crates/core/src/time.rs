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

/// The years a date typed by an administrator may fall in: a year past 2200 (or before 1900)
/// is a typing mistake, and every later computation from it (a due date plus a period)
/// would fail.
pub const YEARS: std::ops::RangeInclusive<i16> = 1900..=2200;

/// A calendar date written `YYYY-MM-DD`, in the years of [`YEARS`].
///
/// # Errors
/// [`Error::Invalid`] (field `date`) for anything else.
pub fn parse_date(s: &str) -> Result<Date> {
    let d = s.trim().parse::<Date>().map_err(|_| {
        Error::invalid("date", format!("'{s}' is not a date (expected YYYY-MM-DD)"))
    })?;
    in_range(d, s)
}

fn in_range(d: Date, s: &str) -> Result<Date> {
    if YEARS.contains(&d.year()) {
        Ok(d)
    } else {
        Err(Error::invalid(
            "date",
            format!(
                "'{}' is out of range (years {} to {})",
                s.trim(),
                YEARS.start(),
                YEARS.end()
            ),
        ))
    }
}

/// The reason of an [`Error::Invalid`] (the message of any other error).
pub fn reason(e: &Error) -> String {
    match e {
        Error::Invalid { reason, .. } => reason.clone(),
        other => other.to_string(),
    }
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

/// The first second of `date` in `tz` (the first that exists, when a DST change skips
/// midnight).
pub fn day_start(date: Date, tz: &TimeZone) -> Result<i64> {
    date.to_zoned(tz.clone())
        .map(|z| z.timestamp().as_second())
        .map_err(|e| Error::invalid("date", e.to_string()))
}

/// The calendar date of stored seconds `s` in `tz`.
pub fn local_day(s: i64, tz: &TimeZone) -> Result<Date> {
    Ok(from_secs(s)?.to_zoned(tz.clone()).date())
}

/// Reads an instant written RFC 3339 with its offset (`2027-01-10T09:00:00Z`,
/// `...+01:00`) or a bare date `YYYY-MM-DD` (the start of that day in `tz`).
///
/// # Errors
/// [`Error::Invalid`] (field `instant`) for anything else, notably a date and time without
/// an offset: which zone it meant is unknown, so it is refused rather than cut to a date.
pub fn parse_instant(s: &str, tz: &TimeZone) -> Result<Timestamp> {
    let s = s.trim();
    if let Ok(t) = s.parse::<Timestamp>() {
        in_range(t.to_zoned(TimeZone::UTC).date(), s)?;
        return Ok(t);
    }
    if s.len() > 10 {
        let reason = if s.parse::<jiff::civil::DateTime>().is_ok() {
            format!("'{s}' has no UTC offset; add one, e.g. {s}Z or {s}+01:00")
        } else {
            format!("'{s}' is not an instant (RFC 3339, e.g. 2027-01-10T09:00:00Z) or a date (YYYY-MM-DD)")
        };
        return Err(Error::invalid("instant", reason));
    }
    let date = parse_date(s)?;
    date.to_zoned(tz.clone())
        .map(|z| z.timestamp())
        .map_err(|e| Error::invalid("instant", e.to_string()))
}

/// A period of whole UTC days typed `YYYY-MM-DD` (both ends included, either open), as the
/// audit and message-log exports take it: `[start, end)` in stored seconds.
///
/// # Errors
/// [`Error::Invalid`] (field `date`) for a malformed date, or `to` before `from`.
pub fn utc_days(from: Option<&str>, to: Option<&str>) -> Result<(Option<i64>, Option<i64>)> {
    let given = |s: Option<&str>| s.map(str::trim).filter(|s| !s.is_empty()).map(parse_date);
    let start = given(from).transpose()?;
    let last = given(to).transpose()?;
    if let (Some(a), Some(b)) = (start, last) {
        if b < a {
            return Err(Error::invalid("date", format!("{b} is before {a}")));
        }
    }
    let start = start.map(|d| day_start(d, &TimeZone::UTC)).transpose()?;
    let end = last
        .map(|d| end_of_day(d, &TimeZone::UTC).map(|s| s + 1))
        .transpose()?;
    Ok((start, end))
}
