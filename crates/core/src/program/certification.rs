//! Certification settings and the dates a certification gets when a learner certifies:
//! `expires = base + active period`, `window opens = expires − window period`, with the base
//! set by the recertification date method (DOMAIN.md section 3). Both are local calendar
//! days in the learner's zone: the window opens at the start of its day, the certification
//! holds through the last second of its expiry day.

use jiff::{civil::Date, tz::TimeZone};
use serde::{Deserialize, Serialize};

use crate::program::period::Period;
use crate::time::{day_start, end_of_day, local_day};
use crate::{Error, Result};

/// How the next expiry date is set when a learner (re)certifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// From the completion date.
    CompletionDate,
    /// From the previous expiry date when recertified inside the window (first cycle: the due
    /// date when on time), else from the completion date.
    ExpiryDate,
    /// Fixed anniversaries: the previous expiry (else the due date, else the completion date)
    /// moved on by whole active periods until at least the minimum active period remains.
    FixedExpiryDate,
}

impl Method {
    /// The name the store keeps.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::CompletionDate => "completion_date",
            Method::ExpiryDate => "expiry_date",
            Method::FixedExpiryDate => "fixed_expiry_date",
        }
    }

    /// Parses a stored or typed method name.
    pub fn parse(s: &str) -> Result<Method> {
        match s.trim() {
            "completion_date" => Ok(Method::CompletionDate),
            "expiry_date" => Ok(Method::ExpiryDate),
            "fixed_expiry_date" | "fixed" => Ok(Method::FixedExpiryDate),
            _ => Err(Error::invalid(
                "method",
                format!("'{s}' is not a recertification method (completion_date, expiry_date, fixed_expiry_date)"),
            )),
        }
    }
}

/// The settings that make a program a certification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct CertSettings {
    pub active: Period,
    pub window: Period,
    pub method: Method,
    /// For the fixed method: the least time a new certification must last.
    pub min_active: Option<Period>,
}

impl CertSettings {
    /// Reads settings from `active_amount, active_unit, window_amount, window_unit, method,
    /// min_active_amount, min_active_unit` starting at column `at`.
    pub(crate) fn from_row(r: &rusqlite::Row<'_>, at: usize) -> Result<CertSettings> {
        let min = match (
            r.get::<_, Option<i64>>(at + 5)?,
            r.get::<_, Option<String>>(at + 6)?,
        ) {
            (Some(a), Some(u)) => Some(Period::from_store(a, &u)?),
            _ => None,
        };
        Ok(CertSettings {
            active: Period::from_store(r.get(at)?, &r.get::<_, String>(at + 1)?)?,
            window: Period::from_store(r.get(at + 2)?, &r.get::<_, String>(at + 3)?)?,
            method: Method::parse(&r.get::<_, String>(at + 4)?)?,
            min_active: min,
        })
    }

    /// Checks the settings an administrator typed.
    ///
    /// # Errors
    /// [`Error::Invalid`] when the active period is not positive or the window is longer.
    pub fn validate(&self) -> Result<()> {
        if self.active.amount <= 0 {
            return Err(Error::invalid(
                "active period",
                "must be at least one day, week, month or year",
            ));
        }
        if self.window.amount < 0 || self.window.longer_than(self.active)? {
            return Err(Error::invalid(
                "window period",
                format!(
                    "the window ({}) must not be longer than the active period ({})",
                    self.window, self.active
                ),
            ));
        }
        Ok(())
    }
}

/// What is known when a learner certifies at `completed_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Certifying {
    pub completed_at: i64,
    /// The assignment's due date (first cycle only).
    pub due_at: Option<i64>,
    /// The expiry of the certification being renewed, if any.
    pub previous_expiry: Option<i64>,
    /// Whether this renews a certification inside its window (before it expired).
    pub in_window: bool,
}

/// The dates of a new certification: `(window opens, expires)`, both unix seconds, on the
/// learner's calendar (DOMAIN.md section 3, "Dates are local calendar days"): the expiry
/// date is `base + active period` and the window date `expiry date − window period`, both
/// local dates in `tz`; the window opens at the first second of its date and the
/// certification expires after the last second of its expiry date.
///
/// # Errors
/// Only for dates outside jiff's range.
pub fn certification_dates(s: &CertSettings, tz: &TimeZone, c: &Certifying) -> Result<(i64, i64)> {
    let expiry = expiry_date(s, tz, c)?;
    let window = s.window.add_date(expiry, -1)?;
    Ok((day_start(window, tz)?, end_of_day(expiry, tz)?))
}

/// The expiry date (in `tz`) of a new certification, by the method of `s`.
fn expiry_date(s: &CertSettings, tz: &TimeZone, c: &Certifying) -> Result<Date> {
    let done = c.completed_at;
    match s.method {
        Method::CompletionDate => s.active.add_date(local_day(done, tz)?, 1),
        Method::ExpiryDate => {
            // On time: completed on or before the due date's local day (it holds all day).
            let base = match (c.previous_expiry, c.due_at) {
                (None, Some(due)) if local_day(done, tz)? <= local_day(due, tz)? => due,
                (None, _) => done,
                (Some(prev), _) if c.in_window => prev,
                (Some(_), _) => done,
            };
            s.active.add_date(local_day(base, tz)?, 1)
        }
        Method::FixedExpiryDate => {
            let anchor = local_day(c.previous_expiry.or(c.due_at).unwrap_or(done), tz)?;
            let done = local_day(done, tz)?;
            let least = match s.min_active {
                Some(min) => min.add_date(done, 1)?,
                None => done,
            };
            fixed_expiry(s.active, anchor, least)
        }
    }
}

/// The first `anchor + n × active` (n ≥ 1) on or after `least`, each computed from the
/// anchor so that month ends do not drift.
fn fixed_expiry(active: Period, anchor: Date, least: Date) -> Result<Date> {
    let first = active.add_date(anchor, 1)?;
    if first >= least {
        return Ok(first);
    }
    // Jump close to the answer, then walk: a learner may be years late.
    let days = |from: Date, to: Date| -> Result<i64> {
        from.until(to)
            .map(|span| i64::from(span.get_days()))
            .map_err(|e| Error::invalid("date", e.to_string()))
    };
    let step = days(anchor, first)?.max(1);
    let mut n = (days(anchor, least)? / step).max(1);
    loop {
        let at = active.add_date(anchor, n)?;
        if at >= least {
            // Step back while the previous period would still do (the jump may overshoot).
            let mut best = at;
            let mut m = n - 1;
            while m >= 1 {
                let earlier = active.add_date(anchor, m)?;
                if earlier < least {
                    break;
                }
                best = earlier;
                m -= 1;
            }
            return Ok(best);
        }
        n += 1;
    }
}
