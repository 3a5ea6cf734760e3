//! Calendar periods ("3 months", "1 year") and the arithmetic the engine does with them.
//!
//! Every period is added in the learner's time zone with jiff, so "1 month" after 31 January
//! is the end of February and "1 day" across a DST change keeps the local time of day.
//! Repeated steps are always computed from their anchor (`anchor + n × period`), never by
//! adding to an earlier result, so month ends do not drift.

use jiff::{civil::Date, tz::TimeZone, Span, Timestamp};
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The unit of a calendar period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Day,
    Week,
    Month,
    Year,
}

impl Unit {
    /// The name the store keeps.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Day => "day",
            Unit::Week => "week",
            Unit::Month => "month",
            Unit::Year => "year",
        }
    }

    /// Parses `day`, `days`, `week`, `weeks`, `month`, `months`, `year` or `years`.
    pub fn parse(s: &str) -> Result<Unit> {
        match s.trim().to_ascii_lowercase().trim_end_matches('s') {
            "day" => Ok(Unit::Day),
            "week" => Ok(Unit::Week),
            "month" => Ok(Unit::Month),
            "year" => Ok(Unit::Year),
            _ => Err(Error::invalid(
                "unit",
                format!("'{s}' is not a unit (day, week, month or year)"),
            )),
        }
    }
}

/// A calendar period: a whole number of days, weeks, months or years.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
pub struct Period {
    pub amount: i32,
    pub unit: Unit,
}

impl Period {
    /// A period of `amount` `unit`s.
    pub fn new(amount: i32, unit: Unit) -> Period {
        Period { amount, unit }
    }

    /// Reads a period as the store keeps it (an amount and a unit name).
    pub fn from_store(amount: i64, unit: &str) -> Result<Period> {
        let amount = i32::try_from(amount)
            .map_err(|_| Error::invalid("period", format!("{amount} is out of range")))?;
        Ok(Period::new(amount, Unit::parse(unit)?))
    }

    /// Parses `"3 months"`, `"1 year"`, `"30 days"` or `"8 weeks"`.
    pub fn parse(s: &str) -> Result<Period> {
        let bad = || {
            Error::invalid(
                "period",
                format!("'{s}' is not a period (e.g. '30 days', '3 months', '1 year')"),
            )
        };
        let mut parts = s.split_whitespace();
        let amount: i32 = parts.next().ok_or_else(bad)?.parse().map_err(|_| bad())?;
        let unit = Unit::parse(parts.next().ok_or_else(bad)?).map_err(|_| bad())?;
        if parts.next().is_some() || amount < 0 {
            return Err(bad());
        }
        Period::new(amount, unit).within_limit()
    }

    /// The longest period a program may use: 100 years (in any unit). A longer one is a
    /// typing mistake, and a due date or expiry that far out cannot be computed.
    pub const MAX_YEARS: i32 = 100;

    /// This period, when it is at most [`Period::MAX_YEARS`] long.
    ///
    /// # Errors
    /// [`Error::Invalid`] (field `period`) for a longer one.
    pub fn within_limit(self) -> Result<Period> {
        let max = match self.unit {
            Unit::Day => 36_525,
            Unit::Week => 5_218,
            Unit::Month => 12 * Self::MAX_YEARS,
            Unit::Year => Self::MAX_YEARS,
        };
        if self.amount.unsigned_abs() > max as u32 {
            return Err(Error::invalid(
                "period",
                format!("'{self}' is too long (at most {} years)", Self::MAX_YEARS),
            ));
        }
        Ok(self)
    }

    /// The jiff span of `times` of this period.
    pub fn span(self, times: i64) -> Result<Span> {
        let n = i64::from(self.amount)
            .checked_mul(times)
            .ok_or_else(|| Error::invalid("period", "too many periods"))?;
        let span = match self.unit {
            Unit::Day => Span::new().try_days(n),
            Unit::Week => Span::new().try_weeks(n),
            Unit::Month => Span::new().try_months(n),
            Unit::Year => Span::new().try_years(n),
        };
        span.map_err(|e| Error::invalid("period", e.to_string()))
    }

    /// `at + times × self`, in the calendar of `tz`. Negative `times` go back.
    pub fn add(self, at: Timestamp, tz: &TimeZone, times: i64) -> Result<Timestamp> {
        let zoned = at.to_zoned(tz.clone());
        zoned
            .checked_add(self.span(times)?)
            .map(|z| z.timestamp())
            .map_err(|e| Error::invalid("date", e.to_string()))
    }

    /// The same on stored unix seconds.
    pub fn add_secs(self, at: i64, tz: &TimeZone, times: i64) -> Result<i64> {
        Ok(self
            .add(crate::time::from_secs(at)?, tz, times)?
            .as_second())
    }

    /// `date + times × self` on the calendar (a month after 31 January is the last day of
    /// February). Negative `times` go back.
    pub fn add_date(self, date: Date, times: i64) -> Result<Date> {
        date.checked_add(self.span(times)?)
            .map_err(|e| Error::invalid("date", e.to_string()))
    }

    /// Whether this period is longer than `other`, measured from a fixed reference date.
    pub fn longer_than(self, other: Period) -> Result<bool> {
        let tz = TimeZone::UTC;
        let base = Timestamp::UNIX_EPOCH;
        Ok(self.add(base, &tz, 1)? > other.add(base, &tz, 1)?)
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let plural = if self.amount == 1 { "" } else { "s" };
        write!(f, "{} {}{plural}", self.amount, self.unit.as_str())
    }
}

/// Parses a length of time made of fixed units, for minimum times: `"90 minutes"`, `"2 hours"`,
/// `"3 days"`, `"1 week"`, or a bare number of hours. Returns seconds.
pub fn parse_duration_secs(s: &str) -> Result<i64> {
    let bad = || {
        Error::invalid(
            "duration",
            format!("'{s}' is not a duration (e.g. '90 minutes', '2 hours', '3 days')"),
        )
    };
    let mut parts = s.split_whitespace();
    let amount: f64 = parts.next().ok_or_else(bad)?.parse().map_err(|_| bad())?;
    let unit = parts.next().unwrap_or("hours").to_ascii_lowercase();
    if parts.next().is_some() || !(0.0..=1.0e7).contains(&amount) {
        return Err(bad());
    }
    let per = match unit.trim_end_matches('s') {
        "minute" | "min" => 60.0,
        "hour" | "h" => 3600.0,
        "day" => 86_400.0,
        "week" => 604_800.0,
        _ => return Err(bad()),
    };
    Ok((amount * per).round() as i64)
}
