//! When a message is due (DOMAIN.md section 4, "When a message is due"): the one place that
//! turns a rule's event instant into the instant its message is due for one recipient.
//!
//! A trigger tied to a date (due dates, expiry, window open) is due on the local calendar
//! day of its date in the learner's zone, moved by the rule's offset (calendar-aware), at the
//! store's send time in the recipient's zone. "After N" of an event is due on the local day N
//! after the event at the send time; "on" an event goes at the event instant.

use jiff::civil::{Date, Time};
use jiff::{tz::TimeZone, Span, Timestamp};
use rusqlite::Connection;

use super::rule::{OffsetUnit, Timing, Trigger};
use crate::store::setting::{get_setting, set_setting};
use crate::{Error, Result};

/// The store's send time when none is set.
pub const DEFAULT_SEND_TIME: &str = "08:00";
const SEND_TIME: &str = "notify.send_time";

/// The most a send instant lies from its event instant beyond the rule's offset: the time of
/// day of the event in the learner's zone (under a day), the send time in the recipient's
/// zone, and the difference of the two zones (up to 26 hours), with a margin.
pub const ZONE_SLACK_SECS: i64 = 52 * 3600;

/// The same for a learner's own copy, sent at the send time in the learner's zone (the zone
/// whose calendar day the event falls on): under a day from the event's time of day, and an
/// hour for a change of UTC offset between the event and the send, with a margin. A run reads
/// about half the due dates for its learner copies that it reads for its manager copies.
pub const LEARNER_SLACK_SECS: i64 = 26 * 3600;

/// Whether a trigger's event is a calendar date (its message goes at the send time of that
/// local day, whatever the timing) rather than an instant.
pub fn is_dated(trigger: Trigger) -> bool {
    matches!(
        trigger,
        Trigger::DueDate | Trigger::CourseSetDue | Trigger::Expiry | Trigger::WindowOpen
    )
}

/// The inputs of [`send_instant`] that come from the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleTiming {
    pub trigger: Trigger,
    pub timing: Timing,
    pub unit: OffsetUnit,
    pub n: i64,
}

fn span(unit: OffsetUnit, n: i64) -> Span {
    match unit {
        OffsetUnit::Day => Span::new().days(n),
        OffsetUnit::Week => Span::new().weeks(n),
        OffsetUnit::Month => Span::new().months(n),
    }
}

/// The instant (unix seconds) a message is due for one recipient: `event_at` is the rule's
/// event instant, `learner` the learner's zone (whose calendar day the event falls on),
/// `recipient` the zone of whoever receives this copy, `repeat_days` how many days after the
/// first send a repeat goes (0 for the first). Always computed from the event itself, never
/// from another reminder. A local time that does not exist or exists twice across a change
/// of UTC offset resolves as jiff's compatible disambiguation (the later instant in a gap,
/// the earlier in a fold). `None` only for an instant out of range.
pub fn send_instant(
    event_at: i64,
    learner: &TimeZone,
    recipient: &TimeZone,
    rule: RuleTiming,
    repeat_days: i64,
    send_time: Time,
) -> Option<i64> {
    let event = Timestamp::from_second(event_at).ok()?;
    if rule.timing == Timing::On && !is_dated(rule.trigger) {
        let at = event
            .to_zoned(learner.clone())
            .checked_add(Span::new().days(repeat_days))
            .ok()?;
        return Some(at.timestamp().as_second());
    }
    let day: Date = event.to_zoned(learner.clone()).date();
    let s = span(rule.unit, rule.n);
    let moved = match rule.timing {
        Timing::Before => day.checked_sub(s).ok()?,
        Timing::After => day.checked_add(s).ok()?,
        Timing::On => day,
    };
    let moved = moved.checked_add(Span::new().days(repeat_days)).ok()?;
    let at = moved
        .to_datetime(send_time)
        .to_zoned(recipient.clone())
        .ok()?;
    Some(at.timestamp().as_second())
}

/// A send time written `HH:MM` (24-hour clock).
///
/// # Errors
/// [`Error::Invalid`] (field `send time`) for anything else.
pub fn parse_time(s: &str) -> Result<Time> {
    let bad = || {
        Error::invalid(
            "send time",
            format!(
                "'{}' is not a time of day (expected HH:MM, e.g. 08:00)",
                s.trim()
            ),
        )
    };
    let (h, m) = s.trim().split_once(':').ok_or_else(bad)?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return Err(bad());
    }
    let h: i8 = h.parse().map_err(|_| bad())?;
    let m: i8 = m.parse().map_err(|_| bad())?;
    Time::new(h, m, 0, 0).map_err(|_| bad())
}

/// A time of day as `HH:MM`.
pub fn format_time(t: Time) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// The store's send time ([`DEFAULT_SEND_TIME`] when none is set or it cannot be read).
///
/// # Errors
/// Database errors.
pub fn send_time(conn: &Connection) -> Result<Time> {
    let stored = get_setting(conn, SEND_TIME)?;
    let default = Time::constant(8, 0, 0, 0);
    Ok(stored.and_then(|s| parse_time(&s).ok()).unwrap_or(default))
}

/// Sets the store's send time (`HH:MM`); returns it as stored.
///
/// # Errors
/// [`Error::Invalid`] for a malformed time; nothing is written then.
pub fn set_send_time(conn: &Connection, value: &str) -> Result<String> {
    let t = format_time(parse_time(value)?);
    set_setting(conn, SEND_TIME, &t)?;
    Ok(t)
}
