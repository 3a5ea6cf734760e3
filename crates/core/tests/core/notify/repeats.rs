//! Repeat reminders, escalation to the managers' managers and "send at once" (issue 12):
//! the rule fields, their validation, rules files, and the placeholders.

use certdesk_core::notify::rules_file::{FileFormat, RulesFile};
use certdesk_core::notify::template::{render, Values};
use certdesk_core::notify::{Escalation, Recipients, RuleInput, Timing, Trigger};
use certdesk_core::Error;
use jiff::tz::TimeZone;

use super::{rule, Fx};

fn due_after(recipients: Recipients) -> RuleInput {
    rule(
        Trigger::DueDate,
        Timing::After,
        1,
        recipients,
        "Reminder %reminderno%: %programfullname% is %daysoverdue% days overdue",
        "Hello %userfullname%",
    )
}

fn with(mut r: RuleInput, every: u32, max: u32, escalation: Escalation, after: u32) -> RuleInput {
    r.repeat_every_days = every;
    r.repeat_max = max;
    r.escalation = escalation;
    r.escalate_after = after;
    r
}

#[test]
fn repeats_and_escalation_are_checked_against_the_trigger_and_recipients() {
    use Escalation::*;
    let assigned = rule(
        Trigger::Assigned,
        Timing::On,
        0,
        Recipients::Both,
        "Hi",
        "Hi",
    );
    let expiry = rule(
        Trigger::Expiry,
        Timing::Before,
        30,
        Recipients::Both,
        "Hi",
        "Hi",
    );
    // (rule, the field refused, or None when it is accepted)
    let cases: Vec<(RuleInput, Option<&str>)> = vec![
        (
            with(due_after(Recipients::Learner), 3, 2, None, 0),
            Option::None,
        ),
        (
            with(due_after(Recipients::Both), 3, 2, AfterRepeat, 2),
            Option::None,
        ),
        (
            with(due_after(Recipients::Managers), 0, 0, AfterOverdue, 10),
            Option::None,
        ),
        (with(expiry.clone(), 7, 3, Always, 0), Option::None),
        (with(assigned.clone(), 0, 0, Always, 0), Option::None),
        (with(assigned, 3, 2, None, 0), Some("repeat every")),
        (
            with(due_after(Recipients::Learner), 0, 2, None, 0),
            Some("repeat every"),
        ),
        (
            with(due_after(Recipients::Learner), 3, 0, None, 0),
            Some("repeat max"),
        ),
        (
            with(due_after(Recipients::Learner), 400, 1, None, 0),
            Some("repeat every"),
        ),
        (
            with(due_after(Recipients::Learner), 3, 53, None, 0),
            Some("repeat max"),
        ),
        (
            with(due_after(Recipients::Learner), 0, 0, Always, 0),
            Some("escalation"),
        ),
        (
            with(due_after(Recipients::Both), 3, 2, AfterRepeat, 3),
            Some("escalate after"),
        ),
        (
            with(due_after(Recipients::Both), 0, 0, AfterRepeat, 1),
            Some("escalate after"),
        ),
        (
            with(due_after(Recipients::Both), 0, 0, AfterOverdue, 0),
            Some("escalate after"),
        ),
        (
            with(due_after(Recipients::Both), 0, 0, Always, 4),
            Some("escalate after"),
        ),
        (with(expiry, 0, 0, AfterOverdue, 4), Some("escalation")),
    ];
    for (n, (input, refused)) in cases.into_iter().enumerate() {
        let got = input.validate("certification");
        match (refused, got) {
            (Option::None, Ok(())) => {}
            (Some(field), Err(Error::Invalid { field: f, .. })) => {
                assert_eq!(f, field, "case {n}")
            }
            (want, got) => panic!("case {n}: wanted {want:?}, got {got:?}"),
        }
    }
}

#[test]
fn a_rule_keeps_its_repeats_and_escalation_and_a_change_of_them_takes_effect_now() {
    let fx = Fx::new("program");
    let mut input = with(
        due_after(Recipients::Both),
        3,
        2,
        Escalation::AfterRepeat,
        1,
    );
    input.send_at_once = true;
    let id = fx.rule(input.clone(), "2027-01-01T00:00:00Z");
    let r = fx.db.reader().unwrap();
    let got = certdesk_core::notify::get_rule(&r, id).unwrap();
    assert_eq!(got.input, input);
    drop(r);
    input.repeat_max = 4;
    let saved = fx
        .db
        .writer()
        .unwrap()
        .write(|tx| {
            certdesk_core::notify::update_rule(tx, id, &input, super::t("2027-02-01T00:00:00Z"))
        })
        .unwrap();
    assert_eq!(saved.input.repeat_max, 4);
    assert_eq!(saved.effective_from, "2027-02-01T00:00:00Z");
}

#[test]
fn an_old_rules_file_without_the_new_fields_still_imports_and_a_new_one_round_trips() {
    let old = r#"{"rules": [{"trigger": "due_date", "timing": "before", "offset_amount": 7,
        "recipients": "learner", "learner_subject": "Due %duedate%"}]}"#;
    let file = RulesFile::parse(old, FileFormat::Json).unwrap();
    let input = RuleInput::from(file.rules[0].clone());
    assert_eq!((input.repeat_every_days, input.repeat_max), (0, 0));
    assert_eq!(input.escalation, Escalation::None);
    assert!(!input.send_at_once);
    // Written without the defaults, so an old file exported again is unchanged.
    assert!(!file.to_text(FileFormat::Json).unwrap().contains("repeat"));

    let mut new = with(
        due_after(Recipients::Both),
        3,
        2,
        Escalation::AfterRepeat,
        2,
    );
    new.send_at_once = true;
    for format in [FileFormat::Json, FileFormat::Toml] {
        let f = RulesFile {
            program: None,
            rules: vec![new.clone().into()],
            lines: Vec::new(),
        };
        let text = f.to_text(format).unwrap();
        let back = RulesFile::parse(&text, format).unwrap();
        assert_eq!(RuleInput::from(back.rules[0].clone()), new, "{format:?}");
    }
}

#[test]
fn reminder_number_and_days_left_or_overdue_are_counted_in_local_calendar_days() {
    let day = |s: &str| super::s(s);
    let sydney = TimeZone::get("Australia/Sydney").unwrap();
    let t = "%reminderno%|%daysleft%|%daysoverdue%";
    // (reminder number, due, sent, zone, expected)
    let cases = [
        (
            1,
            "2027-03-10T12:59:59Z",
            "2027-03-03T08:00:00Z",
            TimeZone::UTC,
            "1|7|0",
        ),
        (
            3,
            "2027-03-10T12:59:59Z",
            "2027-03-16T08:00:00Z",
            TimeZone::UTC,
            "3|0|6",
        ),
        (
            2,
            "2027-03-10T12:59:59Z",
            "2027-03-10T08:00:00Z",
            TimeZone::UTC,
            "2|0|0",
        ),
        // 23:30 UTC on 9 March is already 10 March in Sydney: the due day itself.
        (
            1,
            "2027-03-10T12:59:59Z",
            "2027-03-09T23:30:00Z",
            sydney.clone(),
            "1|0|0",
        ),
        (
            1,
            "2027-03-10T12:59:59Z",
            "2027-03-09T23:30:00Z",
            TimeZone::UTC,
            "1|1|0",
        ),
    ];
    for (no, due, sent, tz, want) in cases {
        let v = Values {
            reminder_no: no,
            deadline_at: Some(day(due)),
            sent_at: Some(day(sent)),
            ..Values::default()
        };
        assert_eq!(render(t, t, &v, &tz).text, want, "{due} {sent}");
    }
    // No date to count to: empty, and the reminder is the first.
    let r = render(t, t, &Values::default(), &TimeZone::UTC);
    assert_eq!(r.text, "1||");
}

/// (day the message was queued, recipient, subject, state, skip reason) of every message of
/// the log, oldest first, and its dedup key.
type Logged = (String, String, String, String, Option<String>, String);

fn logged(fx: &Fx) -> Vec<Logged> {
    let r = fx.db.reader().unwrap();
    let mut st = r
        .prepare(
            "SELECT date(created_at, 'unixepoch'), recipient_email, subject, state, skip_reason,
                    dedup_key
             FROM message ORDER BY id",
        )
        .unwrap();
    st.query_map([], |r| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
        ))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

/// Runs the scheduler twice a day (09:00 and 15:00 UTC) on each day from `from` for `days`
/// days, calling `each` before the runs of each day.
fn run_days(fx: &Fx, from: &str, days: i64, mut each: impl FnMut(&str)) {
    let d0: jiff::civil::Date = from.parse().unwrap();
    for n in 0..days {
        let d = d0
            .checked_add(jiff::Span::new().days(n))
            .unwrap()
            .to_string();
        each(&d);
        fx.run(&format!("{d}T09:00:00Z"));
        fx.run(&format!("{d}T15:00:00Z"));
    }
}

/// A program due on 10 February 2027 (23:59:59 UTC) for learners in UTC, and a rule sent
/// 1 day after the due date to `recipients`, repeating every 3 days at most 2 times.
fn overdue_rule(fx: &Fx, recipients: Recipients, escalation: Escalation, after: u32) -> i64 {
    let mut r = with(due_after(recipients), 3, 2, escalation, after);
    r.manager_subject = "Manager %reminderno%: %userfullname% %daysoverdue% days late".into();
    fx.rule(r, "2027-01-01T00:00:00Z")
}

fn member(fx: &Fx, idn: &str, name: &str) -> (i64, i64) {
    let l = fx.learner(idn, name, "UTC");
    let a = fx.assign(l, "2027-01-02T00:00:00Z", "in_progress");
    fx.set(a, "due_at", Some(super::s("2027-02-10T23:59:59Z")));
    (l, a)
}

#[test]
fn repeats_go_on_their_days_numbered_once_each_and_stop_at_completion() {
    let fx = Fx::new("program");
    let rule = overdue_rule(&fx, Recipients::Learner, Escalation::None, 0);
    let (_, ann) = member(&fx, "E1", "Ann Lee");
    let (_, bob) = member(&fx, "E2", "Bob Ray");
    // An old store already sent Bob's first message under the key every message had.
    fx.exec(
        "INSERT INTO message (dedup_key, rule_id, assignment_id, recipient_kind, recipient_email,
            subject, body_html, body_text, state, created_at)
         VALUES (?1, ?2, ?3, 'learner', 'e2@example.org', 'old', '', '', 'sent', 0)",
        rusqlite::params![format!("{rule}.{bob}.1.0.l"), rule, bob],
    );
    let (_, cat) = member(&fx, "E3", "Cat Day");
    run_days(&fx, "2027-02-08", 20, |day| {
        if day == "2027-02-15" {
            // Cat completes after her first repeat: no more repeats.
            fx.set(cat, "completed_at", Some(super::s("2027-02-15T08:30:00Z")));
            fx.exec(
                "UPDATE assignment SET status = 'complete' WHERE id = ?1",
                [cat],
            );
        }
    });
    let _ = ann;
    let got: Vec<(String, String, String)> = logged(&fx)
        .into_iter()
        .filter(|m| m.2 != "old")
        .map(|(day, to, subject, state, _, _)| {
            assert_eq!(state, "queued");
            (day, to, subject)
        })
        .collect();
    let m = |day: &str, who: &str, no: u32, late: u32| {
        (
            day.to_string(),
            format!("{who}@example.org"),
            format!("Reminder {no}: Safety & Health is {late} days overdue"),
        )
    };
    let mut want = vec![
        m("2027-02-11", "e1", 1, 1),
        m("2027-02-11", "e3", 1, 1),
        m("2027-02-14", "e1", 2, 4),
        m("2027-02-14", "e2", 2, 4),
        m("2027-02-14", "e3", 2, 4),
        m("2027-02-17", "e1", 3, 7),
        m("2027-02-17", "e2", 3, 7),
    ];
    let mut got_sorted = got.clone();
    got_sorted.sort();
    want.sort();
    assert_eq!(got_sorted, want, "{got:#?}");
    // The keys: the first message's is the old form, a repeat's adds .r<k>.
    let keys: Vec<String> = logged(&fx).into_iter().map(|m| m.5).collect();
    assert!(keys.contains(&format!("{rule}.{ann}.1.0.l")));
    assert!(keys.contains(&format!("{rule}.{ann}.1.0.l.r1")));
    assert!(keys.contains(&format!("{rule}.{ann}.1.0.l.r2")));
    assert!(!keys
        .iter()
        .any(|k| k.ends_with(".r0") || k.ends_with(".r3")));
}

#[test]
fn escalation_copies_the_managers_managers_from_where_the_rule_says() {
    use Escalation::*;
    // (escalation, from, the days the second-level manager gets a copy)
    let cases: [(Escalation, u32, &[&str]); 3] = [
        (Always, 0, &["2027-02-11", "2027-02-14", "2027-02-17"]),
        (AfterRepeat, 2, &["2027-02-17"]),
        (AfterOverdue, 4, &["2027-02-14", "2027-02-17"]),
    ];
    for (escalation, after, days) in cases {
        let fx = Fx::new("program");
        overdue_rule(&fx, Recipients::Managers, escalation, after);
        let (ann, _) = member(&fx, "E1", "Ann Lee");
        let (bob, _) = member(&fx, "E2", "Bob Ray");
        let boss = fx.learner("B1", "Big Boss", "UTC");
        let mgr = fx.learner("M1", "Meg One", "UTC");
        let mgr2 = fx.learner("M2", "Max Two", "UTC");
        // Ann: two managers with the same boss (one copy for the boss); Bob: a manager
        // without a manager.
        fx.manage(ann, mgr);
        fx.manage(ann, mgr2);
        fx.manage(mgr, boss);
        fx.manage(mgr2, boss);
        let bob_mgr = fx.learner("M3", "Mo Three", "UTC");
        fx.manage(bob, bob_mgr);
        run_days(&fx, "2027-02-08", 20, |_| {});
        let log = logged(&fx);
        let boss_days: Vec<&str> = log
            .iter()
            .filter(|m| m.1 == "b1@example.org")
            .map(|m| m.0.as_str())
            .collect();
        assert_eq!(boss_days, days, "{escalation:?}");
        let first = days[0];
        let no = 1 + ["2027-02-11", "2027-02-14", "2027-02-17"]
            .iter()
            .position(|d| *d == first)
            .unwrap();
        assert!(
            log.iter().any(|m| m.1 == "b1@example.org"
                && m.2 == format!("Manager {no}: Ann Lee {} days late", 1 + 3 * (no - 1))),
            "{log:#?}"
        );
        // The managers get all three; Bob's missing second level is logged once, skipped.
        for who in ["m1@example.org", "m2@example.org", "m3@example.org"] {
            assert_eq!(log.iter().filter(|m| m.1 == who).count(), 3, "{who}");
        }
        let skipped: Vec<&Logged> = log.iter().filter(|m| m.3 == "skipped").collect();
        assert_eq!(skipped.len(), 1, "{escalation:?}: {skipped:#?}");
        assert_eq!(skipped[0].0, first);
        assert_eq!(
            skipped[0].4.as_deref(),
            Some("the learner's managers have no manager")
        );
    }
}

#[test]
fn a_rule_sent_at_once_goes_outside_the_window_and_its_repeats_are_held_like_others() {
    use certdesk_core::api::send_policy::{self, SendPolicy};
    use certdesk_core::notify::send_window::SendWindow;
    // The window is on (08:00-18:00 Mon-Fri). Due Friday 4 June 2027: "1 day after" falls
    // on Saturday 5 June, its repeat 3 days later on Tuesday 8 June.
    // (send at once, the days the learner's messages are queued)
    let cases: [(bool, &[&str]); 2] = [
        (true, &["2027-06-05", "2027-06-08"]),
        (false, &["2027-06-07", "2027-06-08"]),
    ];
    for (at_once, days) in cases {
        let fx = Fx::new("program");
        let p = SendPolicy {
            send_time: "08:00".into(),
            window: SendWindow {
                enabled: true,
                ..SendWindow::default()
            },
        };
        send_policy::set_policy(&mut fx.db.writer().unwrap(), &p).unwrap();
        let mut r = with(due_after(Recipients::Learner), 3, 1, Escalation::None, 0);
        r.send_at_once = at_once;
        fx.rule(r, "2027-01-01T00:00:00Z");
        let l = fx.learner("E1", "Ann Lee", "UTC");
        let a = fx.assign(l, "2027-01-02T00:00:00Z", "in_progress");
        fx.set(a, "due_at", Some(super::s("2027-06-04T23:59:59Z")));
        run_days(&fx, "2027-06-03", 8, |_| {});
        let got: Vec<String> = logged(&fx).into_iter().map(|m| m.0).collect();
        assert_eq!(got, days, "send at once: {at_once}");
    }
}

#[test]
fn the_preview_lists_the_next_sends_the_runs_then_make() {
    use certdesk_core::api::rules;
    let fx = Fx::new("program");
    let rule = overdue_rule(&fx, Recipients::Both, Escalation::AfterRepeat, 2);
    let (ann, _) = member(&fx, "E1", "Ann Lee");
    let mgr = fx.learner("M1", "Meg One", "UTC");
    let boss = fx.learner("B1", "Big Boss", "UTC");
    fx.manage(ann, mgr);
    fx.manage(mgr, boss);
    let next = |now: &str, n: usize| -> Vec<(String, String, u32)> {
        rules::next_sends(&fx.db.reader().unwrap(), rule, super::t(now), n)
            .unwrap()
            .into_iter()
            .map(|x| (x.at, x.email, x.reminder_no))
            .collect()
    };
    let at = |d: &str| format!("2027-02-{d}T08:00:00Z");
    let n = |d: &str, who: &str, no: u32| (at(d), format!("{who}@example.org"), no);
    assert_eq!(
        next("2027-02-01T00:00:00Z", 10),
        [
            n("11", "e1", 1),
            n("11", "m1", 1),
            n("14", "e1", 2),
            n("14", "m1", 2),
            n("17", "e1", 3),
            n("17", "m1", 3),
            n("17", "b1", 3),
        ]
    );
    assert_eq!(next("2027-02-01T00:00:00Z", 2).len(), 2);
    // What the preview said is what the runs send, on those days.
    run_days(&fx, "2027-02-10", 9, |_| {});
    let sent: Vec<(String, String)> = logged(&fx).into_iter().map(|m| (m.0, m.1)).collect();
    assert_eq!(sent.len(), 7);
    assert!(sent.contains(&("2027-02-17".into(), "b1@example.org".into())));
    // After the last repeat, nothing more.
    assert!(next("2027-02-18T00:00:00Z", 10).is_empty());
}

/// A repeating rule to learner and managers, for a learner without a manager: the learner
/// gets every repeat, the missing manager copy is logged as skipped once, not at each repeat.
#[test]
fn a_missing_manager_is_logged_once_however_often_the_rule_repeats() {
    let fx = Fx::new("program");
    overdue_rule(&fx, Recipients::Both, Escalation::None, 0);
    member(&fx, "E1", "Ann Lee");
    run_days(&fx, "2027-02-08", 20, |_| {});
    let log = logged(&fx);
    let queued = log.iter().filter(|m| m.3 == "queued").count();
    let skipped: Vec<_> = log.iter().filter(|m| m.3 == "skipped").collect();
    assert_eq!(queued, 3, "the first message and two repeats: {log:?}");
    assert_eq!(skipped.len(), 1, "{log:?}");
    assert_eq!(skipped[0].4.as_deref(), Some("the learner has no manager"));
}
