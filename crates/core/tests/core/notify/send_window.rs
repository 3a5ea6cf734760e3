//! The send window: working hours, working days and holidays hold a message until the next
//! allowed moment in its recipient's zone; a program can override the store's window.

use certdesk_core::api::send_policy::{self, SendPolicy};
use certdesk_core::notify::send_window::{ProgramWindow, SendWindow};
use certdesk_core::notify::{Recipients, Timing, Trigger};
use certdesk_core::{Error, ErrorKind};

use super::{rule, s, t, Fx};

fn on_window(fx: &Fx) {
    let p = SendPolicy {
        send_time: "08:00".into(),
        window: SendWindow {
            enabled: true,
            ..SendWindow::default()
        },
    };
    send_policy::set_policy(&mut fx.db.writer().unwrap(), &p).unwrap();
}

/// A store with the window on (08:00-18:00 Mon-Fri), and a rule "on the due date".
fn due_on(zone: &str, due_end_of_day: &str) -> Fx {
    let fx = Fx::new("program");
    on_window(&fx);
    fx.rule(
        rule(
            Trigger::DueDate,
            Timing::On,
            0,
            Recipients::Learner,
            "Due",
            "x",
        ),
        "2027-01-01T00:00:00Z",
    );
    let ann = fx.learner("E1", "Ann Lee", zone);
    let a = fx.assign(ann, "2027-01-02T00:00:00Z", "in_progress");
    fx.set(a, "due_at", Some(s(due_end_of_day)));
    fx
}

fn import(fx: &Fx, program: Option<&str>, name: &str, text: &str) -> Result<u32, Error> {
    let path = fx._dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    send_policy::import_holidays(&mut fx.db.writer().unwrap(), program, &path)
}

#[test]
fn a_message_outside_the_window_waits_for_the_next_allowed_moment() {
    // (case, learner zone, due date as stored, send time, last run before, release)
    let cases = [
        (
            "Saturday 5 June: held to Monday 08:00",
            "UTC",
            "2027-06-05T23:59:59Z",
            "08:00",
            "2027-06-07T07:59:00Z",
            "2027-06-07T08:00:00Z",
        ),
        (
            "a weekday at 08:00: at once",
            "UTC",
            "2027-06-08T23:59:59Z",
            "08:00",
            "2027-06-08T07:59:00Z",
            "2027-06-08T08:00:00Z",
        ),
        (
            "send time 06:30 on a Tuesday: held to 08:00",
            "UTC",
            "2027-06-08T23:59:59Z",
            "06:30",
            "2027-06-08T07:59:00Z",
            "2027-06-08T08:00:00Z",
        ),
        (
            "send time 19:00 on Friday: held to Monday 08:00",
            "UTC",
            "2027-06-04T23:59:59Z",
            "19:00",
            "2027-06-07T07:59:00Z",
            "2027-06-07T08:00:00Z",
        ),
        (
            "Sunday in Sydney: Monday 08:00 there (Sunday 22:00 UTC)",
            "Australia/Sydney",
            "2027-06-06T13:59:59Z",
            "08:00",
            "2027-06-06T21:59:00Z",
            "2027-06-06T22:00:00Z",
        ),
    ];
    for (case, zone, due, time, before, release) in cases {
        let fx = due_on(zone, due);
        send_policy::set_send_time(&mut fx.db.writer().unwrap(), time).unwrap();
        assert_eq!(fx.run(before).notifications.queued, 0, "{case}");
        assert_eq!(fx.run(release).notifications.queued, 1, "{case}");
    }
}

#[test]
fn holidays_hold_too_and_the_dashboard_counts_what_is_held() {
    // Due Friday 24 December; Friday and Monday 27 are holidays: Tuesday 28 at 08:00.
    let fx = due_on("Europe/London", "2027-12-24T23:59:59Z");
    let csv = "date,name\n2027-12-24,Christmas Eve\n2027-12-27,Christmas (substitute)\n";
    assert_eq!(import(&fx, None, "h.csv", csv).unwrap(), 2);
    let listed = send_policy::holidays(&fx.db.reader().unwrap(), None).unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].date, "2027-12-24");
    assert_eq!(listed[0].name, "Christmas Eve");
    let held = |now: &str| send_policy::held_now(&fx.db.reader().unwrap(), t(now)).unwrap();
    assert_eq!(held("2027-12-24T07:00:00Z").count, 0, "not yet due");
    assert_eq!(fx.run("2027-12-24T09:00:00Z").notifications.queued, 0);
    let h = held("2027-12-25T12:00:00Z");
    assert_eq!(h.count, 1);
    assert_eq!(h.until, Some(s("2027-12-28T08:00:00Z")));
    assert_eq!(fx.run("2027-12-28T07:59:00Z").notifications.queued, 0);
    assert_eq!(fx.run("2027-12-28T08:00:00Z").notifications.queued, 1);
    assert_eq!(held("2027-12-28T08:01:00Z").count, 0, "released and queued");
    assert_eq!(
        send_policy::clear_holidays(&mut fx.db.writer().unwrap(), None).unwrap(),
        2
    );
}

#[test]
fn a_programs_own_window_replaces_the_stores() {
    let fx = due_on("UTC", "2027-06-05T23:59:59Z"); // a Saturday
    let own = ProgramWindow {
        window: SendWindow {
            enabled: true,
            start: "09:00".into(),
            end: "17:00".into(),
            days: vec!["sat".into()],
        },
        own_holidays: false,
    };
    let mut w = fx.db.writer().unwrap();
    let saved = send_policy::set_program_window(&mut w, "SAFE", Some(&own)).unwrap();
    assert_eq!(saved, Some(own));
    assert_eq!(fx.run("2027-06-05T08:59:00Z").notifications.queued, 0);
    assert_eq!(fx.run("2027-06-05T09:00:00Z").notifications.queued, 1);
    send_policy::set_program_window(&mut w, "SAFE", None).unwrap();
    let r = fx.db.reader().unwrap();
    assert_eq!(send_policy::program_window(&r, "SAFE").unwrap(), None);
}

#[test]
fn bad_windows_are_refused() {
    let fx = Fx::new("program");
    let mut w = fx.db.writer().unwrap();
    let bad = |window: SendWindow| SendPolicy {
        send_time: "08:00".into(),
        window,
    };
    for (case, window) in [
        (
            "end before start",
            SendWindow {
                start: "18:00".into(),
                end: "08:00".into(),
                ..SendWindow::default()
            },
        ),
        (
            "no day",
            SendWindow {
                days: vec![],
                ..SendWindow::default()
            },
        ),
        (
            "unknown day",
            SendWindow {
                days: vec!["someday".into()],
                ..SendWindow::default()
            },
        ),
    ] {
        let e = send_policy::set_policy(&mut w, &bad(window)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Invalid, "{case}");
    }
    let r = fx.db.reader().unwrap();
    assert_eq!(
        send_policy::policy(&r).unwrap().window,
        SendWindow::default()
    );
    assert!(!SendWindow::default().enabled, "off by default");
}

#[test]
fn holidays_import_from_ics_or_csv_all_or_nothing() {
    let fx = Fx::new("program");
    let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20271225\r\n\
               SUMMARY:Christmas Day\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\n\
               DTSTART:20270101T000000Z\r\nSUMMARY:New Year\\, at last\r\nEND:VEVENT\r\n\
               END:VCALENDAR\r\n";
    assert_eq!(import(&fx, None, "h.ics", ics).unwrap(), 2);
    let csv = "2027-05-03\n2027-13-01,Bad month\nnot a date\n";
    let e = import(&fx, Some("SAFE"), "h.csv", csv).unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("line 2") && msg.contains("line 3"), "{msg}");
    let r = fx.db.reader().unwrap();
    assert!(send_policy::holidays(&r, Some("SAFE")).unwrap().is_empty());
    let store = send_policy::holidays(&r, None).unwrap();
    let days: Vec<_> = store
        .iter()
        .map(|h| (h.date.as_str(), h.name.as_str()))
        .collect();
    assert_eq!(
        days,
        [
            ("2027-01-01", "New Year, at last"),
            ("2027-12-25", "Christmas Day")
        ]
    );
    let bad_ics = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:2027-12-25\nEND:VEVENT\nEND:VCALENDAR\n";
    let e = import(&fx, None, "bad.ics", bad_ics).unwrap_err();
    assert!(e.to_string().contains("line 3"), "{e}");
    assert_eq!(send_policy::holidays(&r, None).unwrap().len(), 2);
}

#[test]
fn a_long_weekend_is_found_however_it_starts() {
    // Due Saturday 29 May 2027; Monday 31 May is a holiday: held to Tuesday 1 June 08:00.
    // Selection must look back far enough for the whole hold (weekend + holiday).
    let fx = due_on("UTC", "2027-05-29T23:59:59Z");
    let csv = "2027-05-31,Spring bank holiday\n";
    assert_eq!(import(&fx, None, "h.csv", csv).unwrap(), 1);
    assert_eq!(fx.run("2027-05-29T09:00:00Z").notifications.queued, 0);
    assert_eq!(fx.run("2027-06-01T07:30:00Z").notifications.queued, 0);
    // A run half an hour after the last looks only at send instants since then: the
    // selection reaches back over the whole hold (weekend + holiday) to find Saturday's.
    assert_eq!(fx.run("2027-06-01T08:00:00Z").notifications.queued, 1);
}
