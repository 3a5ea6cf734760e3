//! Repeat reminders and escalation (issue 12): which messages of one candidate row are due.
//!
//! A rule that repeats every N days, at most M times, sends its first message (repeat 0) and
//! then repeat k (1..=M) N×k calendar days later, at the same send time in the recipient's
//! zone ([`send_instant`] with `repeat_days`). Each has its own dedup key: the first
//! message's key is the one every message always had, byte for byte; repeat k appends
//! `.r<k>` ([`dedup_key`]). Repeats stop when the trigger's condition stops holding (the
//! program complete, the certification renewed): the candidate query checks it at each run.
//!
//! An escalating rule also copies the learner's managers' managers: from the first message
//! (always), from the first message sent N or more local days after the due date (after N
//! days overdue), or from repeat K on (after the K-th repeat). A learner whose managers have
//! no manager gets one skipped line in the log, at the first message that would escalate;
//! so does a manager copy for a learner without a manager, at the first message.

use jiff::civil::Time;
use jiff::{tz::TimeZone, Timestamp};
use rusqlite::Connection;

use super::candidate_query::Kind;
use super::rule::{Escalation, RuleInput};
use super::send_time::{send_instant, RuleTiming};
use crate::Result;

/// The dedup key of message `k` of a sequence whose first message has key `base`
/// (`rule.assignment.cycle.set.recipient`, the form candidate_query.rs builds in SQL).
pub(super) fn dedup_key(base: &str, k: u32) -> String {
    if k == 0 {
        base.to_string()
    } else {
        format!("{base}.r{k}")
    }
}

/// One message of a row that is due: its number in the sequence (0: the first), the instant
/// it came due, its send instant (later when a send window held it) and its dedup key (not
/// yet in the log).
pub(super) struct Due {
    pub k: u32,
    pub due_at: i64,
    pub send_at: i64,
    pub key: String,
}

/// Where a message due at some instant falls for this run: before its range (sent by an
/// earlier run), in it (at this send instant), or after it (a later run's, as are the
/// sequence's later messages).
pub(super) enum Place {
    Before,
    In(i64),
    After,
}

/// What [`due`] needs of one candidate row.
pub(super) struct Seq<'a> {
    pub base: &'a str,
    pub event_at: i64,
    pub learner: &'a TimeZone,
    pub recipient: &'a TimeZone,
    /// The first message's key is already in the log (the query's flag).
    pub first_logged: bool,
    /// A second-level copy without a second-level manager.
    pub no_recipient: bool,
    /// The instants a message may come due at and still be placed in the run's range (its
    /// low end less the longest hold of a send window): the repeats of a long sequence far
    /// outside it are passed over without working out their local day.
    pub near: (i64, i64),
}

/// How far a repeat's instant lies at most from the first message's moved by its whole days
/// in seconds: the changes of UTC offset in between (an hour in most zones, a whole day where
/// a zone crossed the date line), with a margin.
const NEAR_MARGIN_SECS: i64 = 2 * 86_400;

fn timing(i: &RuleInput) -> RuleTiming {
    RuleTiming {
        trigger: i.trigger,
        timing: i.timing,
        unit: i.offset_unit,
        n: i64::from(i.offset_amount),
    }
}

/// The messages of the sequence `s` for recipient kind `kind` that `place` puts in this
/// run's range and whose dedup key is not in the log, in order.
///
/// # Errors
/// Database errors of the look-up in the log.
pub(super) fn due(
    conn: &Connection,
    i: &RuleInput,
    s: &Seq,
    kind: Kind,
    send_time: Time,
    mut place: impl FnMut(i64) -> Place,
) -> Result<Vec<Due>> {
    let every = i64::from(i.repeat_every_days);
    let last = if every > 0 { i.repeat_max } else { 0 };
    let escalating = |k: u32| escalates(i, k, s.event_at, s.learner, send_time);
    let first_escalating = (0..=last).find(|&k| escalating(k));
    let first = (last > 0)
        .then(|| send_instant(s.event_at, s.learner, s.recipient, timing(i), 0, send_time))
        .flatten();
    let mut out = Vec::new();
    for k in 0..=last {
        if kind == Kind::Second
            && (!escalating(k) || (s.no_recipient && Some(k) != first_escalating))
        {
            continue;
        }
        // A manager copy for a learner without a manager is logged as skipped once, at the
        // first message, not again at every repeat.
        if kind == Kind::Manager && s.no_recipient && k > 0 {
            break;
        }
        let days = every * i64::from(k);
        // Surely before the range (sent by an earlier run), or surely after it.
        if let Some(first) = first {
            let about = first + days * 86_400;
            if about + NEAR_MARGIN_SECS < s.near.0 {
                continue;
            }
            if about - NEAR_MARGIN_SECS > s.near.1 {
                break;
            }
        }
        let Some(at) = send_instant(
            s.event_at,
            s.learner,
            s.recipient,
            timing(i),
            days,
            send_time,
        ) else {
            continue;
        };
        let send_at = match place(at) {
            Place::Before => continue,
            Place::After => break,
            Place::In(send_at) => send_at,
        };
        let key = dedup_key(s.base, k);
        let logged = if k == 0 {
            s.first_logged
        } else {
            logged(conn, &key)?
        };
        if !logged {
            out.push(Due {
                k,
                due_at: at,
                send_at,
                key,
            });
        }
    }
    Ok(out)
}

/// Whether `key` is in the message log, or listed (to be listed) in a manager digest
/// (`digest.rs`: a manager copy of a digest rule is an item under its own key).
fn logged(conn: &Connection, key: &str) -> Result<bool> {
    let mut st = conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM message WHERE dedup_key = ?1)
             OR EXISTS (SELECT 1 FROM digest_item WHERE dedup_key = ?1)",
    )?;
    Ok(st.query_row([key], |r| r.get(0))?)
}

/// Whether message `k` of a sequence goes to the managers' managers too.
fn escalates(i: &RuleInput, k: u32, event_at: i64, tz: &TimeZone, send_time: Time) -> bool {
    match i.escalation {
        Escalation::None => false,
        Escalation::Always => true,
        Escalation::AfterRepeat => k >= i.escalate_after,
        Escalation::AfterOverdue => {
            let days = i64::from(i.repeat_every_days) * i64::from(k);
            days_after_event(i, event_at, tz, days, send_time)
                .is_some_and(|d| d >= i64::from(i.escalate_after))
        }
    }
}

/// The local calendar days (learner's zone) from the event's day to the day message
/// `repeat_days` after the first goes (negative before the event).
pub(super) fn days_after_event(
    i: &RuleInput,
    event_at: i64,
    tz: &TimeZone,
    repeat_days: i64,
    send_time: Time,
) -> Option<i64> {
    let at = send_instant(event_at, tz, tz, timing(i), repeat_days, send_time)?;
    let day = |s: i64| {
        Timestamp::from_second(s)
            .ok()
            .map(|t| t.to_zoned(tz.clone()).date())
    };
    let (event, sent) = (day(event_at)?, day(at)?);
    event.until(sent).ok().map(|s| i64::from(s.get_days()))
}

/// How much earlier than a repeat's send instant the first message of its sequence goes, at
/// most (the event window is widened by this so repeats are found): M×N days and an hour
/// for a change of UTC offset in between.
pub(super) fn lookback_secs(i: &RuleInput) -> i64 {
    let days = i64::from(i.repeat_every_days) * i64::from(i.repeat_max);
    if days == 0 {
        0
    } else {
        days * 86_400 + 3_600
    }
}
