//! The candidate query's first test of a row (issue 12): whether any message of the row's
//! sequence comes due in the run's range, worked out in SQL by a function of this module
//! (`certdesk_near`) before the row's other columns are.
//!
//! A group's window of event instants is wider than its messages' range: it holds every
//! repeat's look-back and the zones' slack, so most rows of a repeating rule have no message
//! due in this run (in the benchmark's large run, 54,000 of the 66,000 rows of its overdue
//! rule). Each such row used to be read whole (names, addresses, the look-ups in the log)
//! and then dropped; the function drops it after its instant, zones, rule and recipient
//! kind, with the same walk of the sequence as [`repeat::due`] ([`repeat::instants`]). It
//! only lets through: a row it keeps may still have nothing due (a repeat already logged).

use std::cell::RefCell;
use std::collections::HashMap;
use std::time::Instant;

use jiff::civil::Time;
use jiff::tz::TimeZone;
use rusqlite::functions::{Context as FnContext, FunctionFlags};
use rusqlite::Connection;

use super::repeat;
use super::rule::{Rule, RuleInput};
use crate::Result;

const NAME: &str = "certdesk_near";

/// The SQL of the test, for a query whose event instant is `at` (the columns are those of
/// `candidate_query.rs`: the rule `r`, the recipient kind `rk`, the learner `l` and the
/// recipient `m`).
pub(super) fn condition(at: &str) -> String {
    format!("{NAME}({at}, r.id, rk.value, l.time_zone, m.time_zone)")
}

/// One rule of the page being read: its timing and repeats, the lowest instant a message of
/// it may come due at and still be placed in the range (its low end less the longest hold of
/// a send window), and its send time.
struct RuleRange {
    input: RuleInput,
    lo: i64,
    send_time: Time,
}

/// The rules of the page being read on this thread, the range's high end, and when the page
/// stops reading.
struct Range {
    rules: HashMap<i64, RuleRange>,
    hi: i64,
    until: Option<Instant>,
}

thread_local! {
    static RANGE: RefCell<Option<Range>> = const { RefCell::new(None) };
    static ZONES: RefCell<HashMap<String, TimeZone>> = RefCell::new(HashMap::new());
}

/// The time zone named `name` (UTC for an unknown name), each looked up once per thread.
pub(super) fn zone(name: &str) -> TimeZone {
    ZONES.with(|z| {
        if let Some(tz) = z.borrow().get(name) {
            return tz.clone();
        }
        let tz = crate::time::zone(name).unwrap_or(TimeZone::UTC);
        z.borrow_mut().insert(name.to_string(), tz.clone());
        tz
    })
}

/// Makes the test known to `conn` (once per connection).
///
/// # Errors
/// Database errors.
pub(super) fn register(conn: &Connection) -> Result<()> {
    let known: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM pragma_function_list WHERE name = ?1)",
        [NAME],
        |r| r.get(0),
    )?;
    if !known {
        conn.create_scalar_function(NAME, 5, FunctionFlags::SQLITE_UTF8, |c| Ok(near(c)))?;
    }
    Ok(())
}

/// Runs `read` (the candidate query of a page) with the test set to the rules of `group`
/// (each with its lowest instant) and the range's high end `hi`. Past `until` (the page's
/// time to stop reading) every row passes: the page stops at the first row it then gets
/// (candidates.rs) and the next page goes on from there, so a page does not go on reading
/// rows the test drops, out of the page's sight, for longer than it should hold the lock.
pub(super) fn reading<T>(
    group: &[(&Rule, i64, Time)],
    max_hold: i64,
    (hi, until): (i64, Option<Instant>),
    read: impl FnOnce() -> T,
) -> T {
    let rules = group
        .iter()
        .map(|(rule, lo, send_time)| {
            let range = RuleRange {
                input: rule.input.clone(),
                lo: lo.saturating_sub(max_hold),
                send_time: *send_time,
            };
            (rule.id, range)
        })
        .collect();
    RANGE.with(|r| *r.borrow_mut() = Some(Range { rules, hi, until }));
    let out = read();
    RANGE.with(|r| r.borrow_mut().take());
    out
}

/// `certdesk_near(at, rule, kind, learner zone, recipient zone)`: whether any message of the
/// sequence comes due within its rule's range. True when it cannot tell (no range set, an
/// unknown rule, a value of the wrong type): the run then reads the row as before.
fn near(c: &FnContext) -> bool {
    let (Ok(at), Ok(rule)) = (c.get::<i64>(0), c.get::<i64>(1)) else {
        return true;
    };
    let text = |i| c.get_raw(i).as_str().ok();
    let learner = zone(text(3).unwrap_or_default());
    // A manager copy without a manager: UTC, as the run takes it.
    let recipient = if text(2) == Some("l") {
        learner.clone()
    } else {
        zone(text(4).unwrap_or("UTC"))
    };
    RANGE.with(|r| {
        let r = r.borrow();
        let Some(range) = r.as_ref() else {
            return true;
        };
        if range.until.is_some_and(|u| Instant::now() >= u) {
            return true;
        }
        let Some(rr) = range.rules.get(&rule) else {
            return true;
        };
        let near = (rr.lo, range.hi);
        let any = repeat::instants(&rr.input, at, (&learner, &recipient), near, rr.send_time)
            .any(|(_, due)| (near.0..=near.1).contains(&due));
        any
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::rule::{Digest, Escalation, OffsetUnit, Recipients, Timing, Trigger};

    /// "3 days after the due date, then every 3 days, at most 10 times", at 08:00.
    fn overdue(id: i64) -> Rule {
        Rule {
            id,
            program_id: 1,
            input: RuleInput {
                trigger: Trigger::DueDate,
                timing: Timing::After,
                offset_amount: 3,
                offset_unit: OffsetUnit::Day,
                recipients: Recipients::Both,
                learner_subject: String::new(),
                learner_body: String::new(),
                manager_subject: String::new(),
                manager_body: String::new(),
                enabled: true,
                repeat_every_days: 3,
                repeat_max: 10,
                escalation: Escalation::None,
                escalate_after: 0,
                send_at_once: false,
                digest: Digest::default(),
            },
            effective_from: String::new(),
        }
    }

    fn s(at: &str) -> i64 {
        at.parse::<jiff::Timestamp>().expect("instant").as_second()
    }

    /// Whether the test keeps a row due on `due` (a date's instant), for a recipient in
    /// `zone`, in a run over one day up to `hi`.
    fn kept(conn: &Connection, due: &str, zone: &str, kind: &str, hi: &str) -> bool {
        let rule = overdue(7);
        let eight = Time::constant(8, 0, 0, 0);
        reading(&[(&rule, s(hi) - 86_400, eight)], 0, (s(hi), None), || {
            conn.query_row(
                "SELECT certdesk_near(?1, 7, ?2, ?3, ?3)",
                rusqlite::params![s(due), kind, zone],
                |r| r.get(0),
            )
            .expect("near")
        })
    }

    #[test]
    fn a_row_is_kept_only_when_one_of_its_messages_is_due_in_the_range() {
        let conn = Connection::open_in_memory().expect("open");
        register(&conn).expect("register");
        register(&conn).expect("a second time changes nothing");
        let hi = "2027-06-20T12:00:00Z"; // the run covers 19 June 12:00 to 20 June 12:00 UTC
                                         // Due 2 June: messages on 5, 8, .. 20 June at 08:00, the last in range.
        assert!(kept(&conn, "2027-06-02T00:00:00Z", "UTC", "l", hi));
        assert!(kept(&conn, "2027-06-02T00:00:00Z", "UTC", "m", hi));
        // Due 1 June: 19 June 08:00 is before the range, 22 June after it.
        assert!(!kept(&conn, "2027-06-01T00:00:00Z", "UTC", "l", hi));
        // Due 3 June: 18 and 21 June. In Sydney 08:00 on 21 June is 22:00 UTC on 20 June:
        // still after the range. In New York that instant is still 2 June, so its messages
        // go on 5, 8, .. 20 June at 08:00 there: 12:00 UTC, the range's end.
        assert!(!kept(&conn, "2027-06-03T00:00:00Z", "UTC", "l", hi));
        assert!(!kept(
            &conn,
            "2027-06-03T00:00:00Z",
            "Australia/Sydney",
            "l",
            hi
        ));
        assert!(kept(
            &conn,
            "2027-06-03T00:00:00Z",
            "America/New_York",
            "l",
            hi
        ));
        // Due long ago, every repeat sent already; due next month, none yet.
        assert!(!kept(&conn, "2027-01-02T00:00:00Z", "UTC", "l", hi));
        assert!(!kept(&conn, "2027-07-02T00:00:00Z", "UTC", "l", hi));
    }

    #[test]
    fn a_row_it_cannot_judge_is_kept() {
        let conn = Connection::open_in_memory().expect("open");
        register(&conn).expect("register");
        let near = |sql: &str| -> bool { conn.query_row(sql, [], |r| r.get(0)).expect("near") };
        // No page being read, or a rule the page does not have: the run reads the row.
        assert!(near("SELECT certdesk_near(0, 7, 'l', 'UTC', NULL)"));
        let rule = overdue(7);
        let eight = Time::constant(8, 0, 0, 0);
        reading(&[(&rule, 0, eight)], 0, (1, None), || {
            assert!(near("SELECT certdesk_near(0, 8, 'l', 'UTC', NULL)"));
            assert!(near("SELECT certdesk_near(NULL, 7, 'l', 'UTC', NULL)"));
            // A row with nothing due in range is dropped ...
            assert!(!near(
                "SELECT certdesk_near(100000000, 7, 'l', 'UTC', NULL)"
            ));
        });
        // ... but once the page's time to stop reading has come, it passes, so that the
        // page stops at it rather than going on reading rows it drops.
        reading(&[(&rule, 0, eight)], 0, (1, Some(Instant::now())), || {
            assert!(near("SELECT certdesk_near(100000000, 7, 'l', 'UTC', NULL)"));
        });
    }
}
