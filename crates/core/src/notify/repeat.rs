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

/// The messages of a sequence (its first and each repeat: number k, the instant it comes
/// due) that may lie within `near`, in order: the repeats surely before `near` (sent by an
/// earlier run) or after it are passed over without working out their local day. The one
/// walk of a sequence's instants, for [`due`] and for the candidate query's first test
/// (`near.rs`).
pub(super) fn instants<'a>(
    i: &'a RuleInput,
    event_at: i64,
    (learner, recipient): (&'a TimeZone, &'a TimeZone),
    near: (i64, i64),
    send_time: Time,
) -> impl Iterator<Item = (u32, i64)> + 'a {
    let every = i64::from(i.repeat_every_days);
    let last = if every > 0 { i.repeat_max } else { 0 };
    let first = (last > 0)
        .then(|| send_instant(event_at, learner, recipient, timing(i), 0, send_time))
        .flatten();
    (0..=last)
        .map(move |k| (k, every * i64::from(k)))
        // Surely after the range: so are the later ones.
        .take_while(move |(_, days)| {
            first.is_none_or(|f| f + days * 86_400 - NEAR_MARGIN_SECS <= near.1)
        })
        // Surely before the range.
        .filter(move |(_, days)| {
            first.is_none_or(|f| f + days * 86_400 + NEAR_MARGIN_SECS >= near.0)
        })
        .filter_map(move |(k, days)| {
            send_instant(event_at, learner, recipient, timing(i), days, send_time).map(|at| (k, at))
        })
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
    let last = if i.repeat_every_days > 0 {
        i.repeat_max
    } else {
        0
    };
    let escalating = |k: u32| escalates(i, k, s.event_at, s.learner, send_time);
    let first_escalating = (0..=last).find(|&k| escalating(k));
    let mut out = Vec::new();
    // The repeats of this sequence already in the log, read once when first needed.
    let mut repeats_logged: Option<Vec<u32>> = None;
    for (k, at) in instants(i, s.event_at, (s.learner, s.recipient), s.near, send_time) {
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
        let send_at = match place(at) {
            Place::Before => continue,
            Place::After => break,
            Place::In(send_at) => send_at,
        };
        let key = dedup_key(s.base, k);
        let logged = if k == 0 {
            s.first_logged
        } else {
            if repeats_logged.is_none() {
                repeats_logged = Some(logged_repeats(conn, s.base)?);
            }
            repeats_logged.as_ref().is_some_and(|l| l.contains(&k))
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

/// The repeats (k ≥ 1) of the sequence whose first message has key `base` that are in the
/// message log, or listed (to be listed) in a manager digest (`digest.rs`: a manager copy of
/// a digest rule is an item under its own key): one range of each key index
/// (`base.r<k>` sorts between `base.r` and `base.s`) rather than a look-up per repeat.
fn logged_repeats(conn: &Connection, base: &str) -> Result<Vec<u32>> {
    let mut st = conn.prepare_cached(
        "SELECT dedup_key FROM message WHERE dedup_key > ?1 AND dedup_key < ?2
         UNION ALL
         SELECT dedup_key FROM digest_item WHERE dedup_key > ?1 AND dedup_key < ?2",
    )?;
    let (from, to) = (format!("{base}.r"), format!("{base}.s"));
    let mut rows = st.query([&from, &to])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let key = r.get_ref(0)?.as_str().unwrap_or_default();
        // Only `base.r<k>`: another sequence's key cannot start with `base.r`.
        let k = key.strip_prefix(from.as_str()).and_then(|k| {
            (k.bytes().all(|b| b.is_ascii_digit()) && !k.starts_with('0'))
                .then(|| k.parse::<u32>().ok())
                .flatten()
        });
        out.extend(k);
    }
    Ok(out)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The repeats in the log are read off one key range: `base.r1` and `base.r10` are told
    /// apart, a digest item counts, another episode's or recipient's repeats do not.
    #[test]
    fn the_logged_repeats_of_a_sequence_are_its_own_and_only_its_own() {
        let dir = tempfile::tempdir().expect("dir");
        let db = crate::Db::open(dir.path().join("s.sqlite")).expect("open");
        let w = db.writer().expect("writer");
        let conn = w.conn();
        conn.execute_batch(
            "INSERT INTO learner (id, id_number, full_name, email, time_zone)
                 VALUES (7, 'M7', 'Meg', 'm7@example.org', 'UTC');",
        )
        .expect("learner");
        for key in [
            "1.2.0.0.l.r1",
            "1.2.0.0.l.r10",
            "1.2.0.0.l.e2.r3",
            "1.2.0.0.m7.r2",
            "1.2.0.0.l",
            "11.2.0.0.l.r5",
        ] {
            conn.execute(
                "INSERT INTO message (dedup_key, recipient_kind, recipient_email, subject,
                    body_html, body_text, state, created_at, trigger)
                 VALUES (?1, 'learner', '', '', '', '', 'skipped', 0, 'due_date')",
                [key],
            )
            .expect("message");
        }
        conn.execute_batch(
            "INSERT INTO digest_item (dedup_key, manager_id, frequency, trigger, program_name,
                learner_name, learner_id_number, event_at, due_at, digest_at, created_at)
             VALUES ('1.2.0.0.l.r4', 7, 'daily', 'due_date', 'P', 'L', 'E1', 0, 0, 0, 0);",
        )
        .expect("digest item");
        let mut got = logged_repeats(conn, "1.2.0.0.l").expect("logged");
        got.sort_unstable();
        assert_eq!(got, vec![1, 4, 10]);
        assert_eq!(logged_repeats(conn, "1.2.0.0.m7").expect("m7"), vec![2]);
        assert_eq!(logged_repeats(conn, "1.2.0.0.l.e2").expect("e2"), vec![3]);
        assert!(logged_repeats(conn, "1.2.0.0.m").expect("m").is_empty());
    }
}
