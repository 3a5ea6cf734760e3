//! When a message is due (DOMAIN.md section 4): the local calendar day of its date in the
//! learner's zone, moved by the rule's offset, at the send time in the recipient's zone.

use certdesk_core::api::send_policy;
use certdesk_core::notify::send_time::{send_instant, RuleTiming};
use certdesk_core::notify::{OffsetUnit, Recipients, Timing, Trigger};
use jiff::civil::Time;
use jiff::tz::TimeZone;

use super::{rule, s, Fx};

fn tz(name: &str) -> TimeZone {
    TimeZone::get(name).unwrap()
}

fn at(trigger: Trigger, timing: Timing, n: i64, unit: OffsetUnit) -> RuleTiming {
    RuleTiming {
        trigger,
        timing,
        unit,
        n,
    }
}

/// A due date as the store keeps it: 23:59:59 local on that day.
fn end_of_day(date: &str, zone: &str) -> i64 {
    let d: jiff::civil::Date = date.parse().unwrap();
    d.at(23, 59, 59, 0)
        .to_zoned(tz(zone))
        .unwrap()
        .timestamp()
        .as_second()
}

#[test]
fn send_instants_follow_the_local_day_and_the_send_time() {
    use OffsetUnit::*;
    use Timing::*;
    use Trigger::*;
    let eight = Time::constant(8, 0, 0, 0);
    // (case, event, learner zone, recipient zone, rule, expected send instant)
    let cases = [
        (
            "7 days before 30 June, at 08:00 local (BST)",
            end_of_day("2027-06-30", "Europe/London"),
            "Europe/London",
            "Europe/London",
            at(DueDate, Before, 7, Day),
            "2027-06-23T07:00:00Z",
        ),
        (
            "on the due date",
            end_of_day("2027-06-30", "Europe/London"),
            "Europe/London",
            "Europe/London",
            at(DueDate, On, 0, Day),
            "2027-06-30T07:00:00Z",
        ),
        (
            "1 day after the due date",
            end_of_day("2027-06-30", "Europe/London"),
            "Europe/London",
            "Europe/London",
            at(DueDate, After, 1, Day),
            "2027-07-01T07:00:00Z",
        ),
        (
            "7 days before 2 April crosses the end of March: GMT then, BST on the day",
            end_of_day("2027-04-02", "Europe/London"),
            "Europe/London",
            "Europe/London",
            at(DueDate, Before, 7, Day),
            "2027-03-26T08:00:00Z",
        ),
        (
            "1 week before the Sunday the clocks go forward: 21 March, still GMT",
            end_of_day("2027-03-28", "Europe/London"),
            "Europe/London",
            "Europe/London",
            at(Expiry, Before, 1, Week),
            "2027-03-21T08:00:00Z",
        ),
        (
            "on the Sunday the clocks go forward (28 March 2027): 08:00 BST",
            end_of_day("2027-03-28", "Europe/London"),
            "Europe/London",
            "Europe/London",
            at(DueDate, On, 0, Day),
            "2027-03-28T07:00:00Z",
        ),
        (
            "1 week before 7 November: 31 October, the clocks went back at 02:00, so 08:00 GMT",
            end_of_day("2027-11-07", "Europe/London"),
            "Europe/London",
            "Europe/London",
            at(CourseSetDue, Before, 1, Week),
            "2027-10-31T08:00:00Z",
        ),
        (
            "1 day before 1 November (BST then GMT): 31 October at 08:00 GMT",
            end_of_day("2027-11-01", "Europe/London"),
            "Europe/London",
            "Europe/London",
            at(WindowOpen, Before, 1, Day),
            "2027-10-31T08:00:00Z",
        ),
        (
            "1 month before 31 March is the last day of February",
            end_of_day("2027-03-31", "UTC"),
            "UTC",
            "UTC",
            at(DueDate, Before, 1, Month),
            "2027-02-28T08:00:00Z",
        ),
        (
            "1 month before 31 March in a leap year",
            end_of_day("2028-03-31", "UTC"),
            "UTC",
            "UTC",
            at(DueDate, Before, 1, Month),
            "2028-02-29T08:00:00Z",
        ),
        (
            "learner in Sydney: 08:00 AEST on 23 June",
            end_of_day("2027-06-30", "Australia/Sydney"),
            "Australia/Sydney",
            "Australia/Sydney",
            at(DueDate, Before, 7, Day),
            "2027-06-22T22:00:00Z",
        ),
        (
            "their manager in London: 08:00 BST on 23 June (the learner's date)",
            end_of_day("2027-06-30", "Australia/Sydney"),
            "Australia/Sydney",
            "Europe/London",
            at(DueDate, Before, 7, Day),
            "2027-06-23T07:00:00Z",
        ),
        (
            "completed at 23:30 on 10 June in Sydney: 1 day after is 11 June at 08:00 there",
            crate::notify::s("2027-06-10T13:30:00Z"),
            "Australia/Sydney",
            "Australia/Sydney",
            at(Completed, After, 1, Day),
            "2027-06-10T22:00:00Z",
        ),
        (
            "on an event: the event instant itself",
            crate::notify::s("2027-06-10T13:30:17Z"),
            "Australia/Sydney",
            "Europe/London",
            at(Assigned, On, 0, Day),
            "2027-06-10T13:30:17Z",
        ),
    ];
    for (case, event, lz, rz, rule, want) in cases {
        let got = send_instant(event, &tz(lz), &tz(rz), rule, 0, eight);
        assert_eq!(got, Some(s(want)), "{case}");
    }
    // A send time that does not exist on the day the clocks go forward resolves later.
    let half_one = Time::constant(1, 30, 0, 0);
    let got = send_instant(
        end_of_day("2027-03-28", "Europe/London"),
        &tz("Europe/London"),
        &tz("Europe/London"),
        at(DueDate, On, 0, Day),
        0,
        half_one,
    );
    assert_eq!(got, Some(s("2027-03-28T01:30:00Z")), "02:30 BST");
}

#[test]
fn sydney_learner_and_london_manager_each_get_theirs_at_eight_local() {
    let fx = Fx::new("program");
    fx.rule(
        rule(
            Trigger::DueDate,
            Timing::Before,
            7,
            Recipients::Both,
            "Due %duedate%",
            "x",
        ),
        "2027-01-01T00:00:00Z",
    );
    let ann = fx.learner("E1", "Ann Lee", "Australia/Sydney");
    let meg = fx.learner("M1", "Meg One", "Europe/London");
    fx.manage(ann, meg);
    let a = fx.assign(ann, "2027-01-02T00:00:00Z", "in_progress");
    fx.set(
        a,
        "due_at",
        Some(end_of_day("2027-06-30", "Australia/Sydney")),
    );
    let queued = |now: &str| fx.run(now).notifications.queued;
    assert_eq!(queued("2027-06-22T21:59:00Z"), 0, "07:59 in Sydney");
    assert_eq!(queued("2027-06-22T22:00:00Z"), 1, "08:00 in Sydney: Ann");
    assert_eq!(queued("2027-06-23T06:59:00Z"), 0, "07:59 in London");
    assert_eq!(queued("2027-06-23T07:00:00Z"), 1, "08:00 in London: Meg");
    assert_eq!(queued("2027-06-24T07:00:00Z"), 0, "once each");
    let log = fx.log();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].1, "e1@example.org");
    assert_eq!(log[1].1, "m1@example.org");
    assert_eq!(log[0].2, "Due 30 June 2027");
}

#[test]
fn on_an_event_goes_at_the_first_run_after_it() {
    let fx = Fx::welcome();
    let ann = fx.learner("E1", "Ann Lee", "Australia/Sydney");
    let a = fx.assign(ann, "2027-01-05T15:10:00Z", "not_started");
    fx.event("assigned", a, 1, 0, "2027-01-05T15:10:00Z");
    assert_eq!(fx.run("2027-01-05T15:09:00Z").notifications.queued, 0);
    // 02:11 in Sydney: not held for the send time.
    assert_eq!(fx.run("2027-01-05T15:11:00Z").notifications.queued, 1);
}

#[test]
fn the_send_time_moves_date_reminders_and_is_validated() {
    let fx = Fx::new("program");
    let mut w = fx.db.writer().unwrap();
    let r = fx.db.reader().unwrap();
    assert_eq!(send_policy::send_time(&r).unwrap(), "08:00");
    for bad in ["8", "25:00", "08:60", "8:5", "noon", ""] {
        let e = send_policy::set_send_time(&mut w, bad).unwrap_err();
        assert_eq!(e.kind(), certdesk_core::ErrorKind::Invalid, "{bad}");
    }
    assert_eq!(send_policy::set_send_time(&mut w, "9:30").unwrap(), "09:30");
    assert_eq!(send_policy::send_time(&r).unwrap(), "09:30");
    fx.rule(
        rule(
            Trigger::DueDate,
            Timing::On,
            0,
            Recipients::Learner,
            "Due today",
            "x",
        ),
        "2027-01-01T00:00:00Z",
    );
    let ann = fx.learner("E1", "Ann Lee", "UTC");
    let a = fx.assign(ann, "2027-01-02T00:00:00Z", "in_progress");
    fx.set(a, "due_at", Some(end_of_day("2027-02-10", "UTC")));
    assert_eq!(fx.run("2027-02-10T09:29:00Z").notifications.queued, 0);
    assert_eq!(fx.run("2027-02-10T09:30:00Z").notifications.queued, 1);
}

/// A learner's copy can go almost 25 hours before its date moved by the offset (a due date
/// is the last second of its day; the send time at midnight, on the day the clocks go back):
/// the run still finds it at the minute it is due, once.
#[test]
fn a_learner_copy_25_hours_from_its_date_is_found_at_its_minute() {
    let fx = Fx::new("program");
    let mut w = fx.db.writer().unwrap();
    send_policy::set_send_time(&mut w, "00:00").unwrap();
    fx.rule(
        rule(
            Trigger::DueDate,
            Timing::Before,
            1,
            Recipients::Learner,
            "Due tomorrow",
            "x",
        ),
        "2027-01-01T00:00:00Z",
    );
    let ann = fx.learner("E1", "Ann Lee", "Europe/London");
    let a = fx.assign(ann, "2027-01-02T00:00:00Z", "in_progress");
    fx.set(a, "due_at", Some(end_of_day("2027-11-01", "Europe/London")));
    // Midnight of 31 October in London (summer time until 02:00 that night).
    assert_eq!(fx.run("2027-10-30T22:59:00Z").notifications.queued, 0);
    assert_eq!(fx.run("2027-10-30T23:00:00Z").notifications.queued, 1);
    assert_eq!(fx.run("2027-10-31T23:00:00Z").notifications.queued, 0);
    assert_eq!(fx.log().len(), 1);
}
