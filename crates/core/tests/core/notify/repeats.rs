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
