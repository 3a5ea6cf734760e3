//! Manager digests with the rest of issue 12: a digest rule's repeats and a learner's later
//! assignment episodes are items of their own (each under its message's full dedup key),
//! escalation copies go in the second-level manager's digest, the digest moment follows the
//! store's send time and is held by the send window, and a copy older than the catch-up
//! horizon is logged as skipped, not listed.

use certdesk_core::api::enrolment::{assign_learners, record_completion, unassign_learners};
use certdesk_core::api::send_policy::{self, SendPolicy};
use certdesk_core::notify::digest::{Digest, DigestFrequency};
use certdesk_core::notify::send_window::SendWindow;
use certdesk_core::notify::{Escalation, Recipients, RuleInput, Timing, Trigger};

use super::{rule, t, Fx};

fn digest(frequency: DigestFrequency, weekday: Option<u8>) -> Digest {
    Digest { frequency, weekday }
}

/// "1 day after the due date" to the learner and managers, repeating every day at most
/// twice, the manager copies in `d`.
fn overdue(d: Digest, escalation: Escalation) -> RuleInput {
    RuleInput {
        repeat_every_days: 1,
        repeat_max: 2,
        escalation,
        digest: d,
        manager_subject: "Manager %reminderno%: %userfullname%".into(),
        ..rule(
            Trigger::DueDate,
            Timing::After,
            1,
            Recipients::Both,
            "Reminder %reminderno%: %programfullname% is overdue",
            "Hello %userfullname%",
        )
    }
}

fn assign(fx: &Fx, learner: i64, now: &str, due: &str) {
    let mut w = fx.db.writer().unwrap();
    assign_learners(&mut w, t(now), fx.program, &[learner], Some(due)).unwrap();
}

/// Runs at 08:00 and again at 09:30 (an hourly sweep) UTC each day from 1 March 2027 for
/// `days` days, calling `before` with the day first.
fn run_days(fx: &Fx, days: u32, mut before: impl FnMut(&str)) {
    for d in 1..=days {
        let day = format!("2027-03-{d:02}");
        before(&day);
        fx.run(&format!("{day}T08:00:00Z"));
        fx.run(&format!("{day}T09:30:00Z"));
    }
}

/// The digest items' (dedup key, manager id, reminder number), in key order.
fn items(fx: &Fx) -> Vec<(String, i64, i64)> {
    let r = fx.db.reader().unwrap();
    let mut st = r
        .prepare("SELECT dedup_key, manager_id, reminder_no FROM digest_item ORDER BY dedup_key")
        .unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// (recipient, created at, text) of every digest, oldest first.
fn digests(fx: &Fx) -> Vec<(String, i64, String)> {
    let r = fx.db.reader().unwrap();
    let mut st = r
        .prepare(
            "SELECT recipient_email, created_at, body_text FROM message
             WHERE trigger = 'digest' ORDER BY id",
        )
        .unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// (state, recipient, subject) of every message that is not a digest.
fn singles(fx: &Fx) -> Vec<(String, String, String)> {
    fx.log()
        .into_iter()
        .map(|(state, to, subject, _)| (state, to, subject))
        .filter(|(_, _, subject)| !subject.starts_with("CertDesk:"))
        .collect()
}

#[test]
fn repeats_and_a_second_episode_are_items_of_their_own_in_one_weekly_digest() {
    let fx = Fx::new("program");
    let r = fx.rule(
        overdue(digest(DigestFrequency::Weekly, Some(1)), Escalation::None),
        "2027-01-01T00:00:00Z",
    );
    let ann = fx.learner("E1", "Ann Lee", "UTC");
    let mo = fx.learner("M1", "Mo Manager", "UTC");
    fx.manage(ann, mo);
    // Episode 1 due Monday 1 March: messages on the 2nd, 3rd and 4th. Unassigned on the
    // 4th after them and assigned again, due that day: episode 2 on the 5th, 6th and 7th.
    assign(&fx, ann, "2027-02-20T09:00:00Z", "2027-03-01");
    // The rule preview shows the manager's copies at the digest's moment.
    let next: Vec<(String, String, u32)> = certdesk_core::api::rules::next_sends(
        &fx.db.reader().unwrap(),
        r,
        t("2027-02-21T00:00:00Z"),
        10,
    )
    .unwrap()
    .into_iter()
    .map(|x| (x.at, x.email, x.reminder_no))
    .collect();
    let n = |day: u32, who: &str, no: u32| {
        (
            format!("2027-03-0{day}T08:00:00Z"),
            format!("{who}@example.org"),
            no,
        )
    };
    let want = [
        n(2, "e1", 1),
        n(3, "e1", 2),
        n(4, "e1", 3),
        n(8, "m1", 1),
        n(8, "m1", 2),
        n(8, "m1", 3),
    ];
    assert_eq!(next, want);
    run_days(&fx, 8, |day| {
        if day == "2027-03-05" {
            let mut w = fx.db.writer().unwrap();
            let s = unassign_learners(&mut w, t("2027-03-04T10:00:00Z"), fx.program, &[ann]);
            assert_eq!(s.unwrap().ended, 1);
            drop(w);
            assign(&fx, ann, "2027-03-04T11:00:00Z", "2027-03-04");
        }
    });
    // The learner is told six times, as without a digest; the manager never singly.
    let learner: Vec<String> = singles(&fx)
        .into_iter()
        .map(|(state, to, subject)| {
            assert_eq!((state.as_str(), to.as_str()), ("queued", "e1@example.org"));
            subject
        })
        .collect();
    let reminder = |n: u32| format!("Reminder {n}: Safety & Health is overdue");
    let want: Vec<String> = [1, 2, 3, 1, 2, 3].into_iter().map(reminder).collect();
    assert_eq!(learner, want);

    // Six items, each under its message's full key: episode part, then repeat part.
    let a: i64 = fx
        .db
        .reader()
        .unwrap()
        .query_row(
            "SELECT id FROM assignment WHERE learner_id = ?1",
            [ann],
            |x| x.get(0),
        )
        .unwrap();
    let base = format!("{r}.{a}.1.0.m{mo}");
    let mut want_keys: Vec<(String, i64, i64)> = [
        ("", 1),
        (".r1", 2),
        (".r2", 3),
        (".e2", 1),
        (".e2.r1", 2),
        (".e2.r2", 3),
    ]
    .into_iter()
    .map(|(tail, no)| (format!("{base}{tail}"), mo, no))
    .collect();
    want_keys.sort();
    assert_eq!(items(&fx), want_keys);

    // One digest, on Monday 8 March at 08:00, listing all six; nothing more after it.
    fx.run("2027-03-09T08:00:00Z");
    fx.run("2027-03-15T08:00:00Z");
    let d = digests(&fx);
    assert_eq!(d.len(), 1, "{d:#?}");
    let (to, at, text) = &d[0];
    assert_eq!(
        (to.as_str(), *at),
        ("m1@example.org", super::s("2027-03-08T08:00:00Z"))
    );
    assert_eq!(text.matches("- Ann Lee (E1): due").count(), 6, "{text}");
    assert_eq!(text.matches("(reminder 2)").count(), 2, "{text}");
    assert_eq!(text.matches("(reminder 3)").count(), 2, "{text}");

    // The rule turned back to one by one: a sweep over the horizon sees every listed key
    // (first messages and repeats) as logged, so no manager copy goes again singly.
    fx.exec(
        "UPDATE notification_rule SET digest = 'none', digest_weekday = NULL",
        [],
    );
    fx.run("2027-03-15T09:30:00Z");
    fx.run("2027-03-15T11:00:00Z");
    assert_eq!(singles(&fx).len(), 6);
}

#[test]
fn escalation_copies_of_a_digest_rule_go_in_the_second_level_managers_digest() {
    let fx = Fx::new("program");
    let input = RuleInput {
        escalate_after: 2,
        ..overdue(
            digest(DigestFrequency::Daily, None),
            Escalation::AfterRepeat,
        )
    };
    fx.rule(input, "2027-01-01T00:00:00Z");
    let ann = fx.learner("E1", "Ann Lee", "UTC");
    let mo = fx.learner("M1", "Mo Manager", "UTC");
    let boss = fx.learner("B1", "Big Boss", "UTC");
    fx.manage(ann, mo);
    fx.manage(mo, boss);
    assign(&fx, ann, "2027-02-20T09:00:00Z", "2027-03-01");
    run_days(&fx, 6, |_| {});
    // Mo: three items (2, 3, 4 March); the boss: repeat 2 only (4 March), under key s<id>.
    let it = items(&fx);
    assert_eq!(it.iter().filter(|i| i.1 == mo).count(), 3, "{it:#?}");
    let boss_items: Vec<&(String, i64, i64)> = it.iter().filter(|i| i.1 == boss).collect();
    assert_eq!(boss_items.len(), 1, "{it:#?}");
    assert!(
        boss_items[0].0.ends_with(&format!(".s{boss}.r2")),
        "{it:#?}"
    );
    // A daily digest each day for Mo, one for the boss; no manager copy went singly.
    let d = digests(&fx);
    let to = |who: &str| d.iter().filter(|x| x.0 == who).count();
    assert_eq!(
        (to("m1@example.org"), to("b1@example.org")),
        (3, 1),
        "{d:#?}"
    );
    assert!(singles(&fx).iter().all(|m| m.1 == "e1@example.org"));
}

#[test]
fn the_digest_goes_at_the_stores_send_time_and_waits_for_the_send_window() {
    let fx = Fx::new("program");
    let p = SendPolicy {
        send_time: "09:15".into(),
        window: SendWindow {
            enabled: true,
            ..SendWindow::default()
        },
    };
    send_policy::set_policy(&mut fx.db.writer().unwrap(), &p).unwrap();
    let assigned = RuleInput {
        digest: digest(DigestFrequency::Daily, None),
        ..rule(
            Trigger::Assigned,
            Timing::On,
            0,
            Recipients::Managers,
            "",
            "",
        )
    };
    let assigned = RuleInput {
        manager_subject: "New report %userfullname%".into(),
        ..assigned
    };
    fx.rule(assigned, "2027-01-01T00:00:00Z");
    let ann = fx.learner("E1", "Ann Lee", "UTC");
    let mo = fx.learner("M1", "Mo Manager", "America/New_York");
    fx.manage(ann, mo);
    // Assigned on Friday 5 March 2027 at 16:00 UTC (11:00 in New York): the digest moment,
    // Saturday 09:15 in New York, is outside the window (08:00-18:00, Monday to Friday), which
    // holds it like any message to its next opening: Monday 08:00 New York time (13:00 UTC).
    assign(&fx, ann, "2027-03-05T16:00:00Z", "2027-04-30");
    for now in [
        "2027-03-05T16:05:00Z",
        "2027-03-06T14:15:00Z",
        "2027-03-07T14:15:00Z",
        "2027-03-08T12:59:00Z",
    ] {
        fx.run(now);
        assert!(digests(&fx).is_empty(), "{now}");
    }
    assert_eq!(items(&fx).len(), 1);
    fx.run("2027-03-08T13:00:00Z");
    let d = digests(&fx);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].1, super::s("2027-03-08T13:00:00Z"));
    // Ben, assigned on Monday at 08:30 New York time, is in the digest at the send time
    // that day, 09:15 (14:15 UTC), not before.
    let ben = fx.learner("E2", "Ben Day", "UTC");
    fx.manage(ben, mo);
    assign(&fx, ben, "2027-03-08T13:30:00Z", "2027-04-30");
    fx.run("2027-03-08T13:31:00Z");
    fx.run("2027-03-08T14:14:00Z");
    assert_eq!(digests(&fx).len(), 1);
    fx.run("2027-03-08T14:15:00Z");
    let d = digests(&fx);
    assert_eq!(d.len(), 2);
    assert_eq!(d[1].1, super::s("2027-03-08T14:15:00Z"));
    assert!(
        d[1].2.contains("Ben Day") && !d[1].2.contains("Ann Lee"),
        "{}",
        d[1].2
    );
}

#[test]
fn a_copy_older_than_the_catch_up_horizon_is_logged_as_skipped_not_listed() {
    let fx = Fx::new("program");
    let completed = RuleInput {
        digest: digest(DigestFrequency::Daily, None),
        manager_subject: "%userfullname% completed".into(),
        ..rule(
            Trigger::Completed,
            Timing::On,
            0,
            Recipients::Both,
            "Completed",
            "Hello",
        )
    };
    fx.rule(completed, "2026-01-01T00:00:00Z");
    let ann = fx.learner("E1", "Ann Lee", "UTC");
    let mo = fx.learner("M1", "Mo Manager", "UTC");
    fx.manage(ann, mo);
    let mut w = fx.db.writer().unwrap();
    assign_learners(&mut w, t("2026-06-01T09:00:00Z"), fx.program, &[ann], None).unwrap();
    drop(w);
    fx.run("2027-03-10T09:00:00Z");
    // Completed in November, recorded in March: beyond the 60-day horizon.
    let mut w = fx.db.writer().unwrap();
    let when = t("2026-11-20T09:00:00Z");
    record_completion(&mut w, t("2027-03-10T09:05:00Z"), ann, 1, when).unwrap();
    drop(w);
    let sum = fx.run("2027-03-10T09:10:00Z").notifications;
    assert_eq!((sum.skipped, sum.digest_items), (2, 0));
    fx.run("2027-03-11T09:00:00Z");
    fx.run("2027-03-12T09:00:00Z");
    assert!(items(&fx).is_empty());
    assert!(digests(&fx).is_empty());
    let reasons: Vec<(String, String, Option<String>)> = fx
        .log()
        .into_iter()
        .map(|(state, to, _, reason)| (state, to, reason))
        .collect();
    let old = Some("older than the catch-up horizon of 60 days".to_string());
    assert_eq!(
        reasons,
        [
            ("skipped".into(), "e1@example.org".into(), old.clone()),
            ("skipped".into(), "m1@example.org".into(), old),
        ]
    );
}
