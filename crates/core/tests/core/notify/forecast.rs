//! The forecast (issue 13): what it says the next days send is what the runs, stepped hour
//! by hour over those days, then queue: the same messages, to the same recipients, on the
//! same UTC days, with repeats, a send window hold and a digest rule among them.

use std::collections::BTreeSet;

use certdesk_core::api::forecast::{forecast, Forecast, ForecastArgs};
use certdesk_core::api::send_policy::{self, SendPolicy};
use certdesk_core::notify::digest::{Digest, DigestFrequency};
use certdesk_core::notify::send_window::SendWindow;
use certdesk_core::notify::{self, Recipients, RuleInput, Timing, Trigger};
use certdesk_core::ErrorKind;
use rusqlite::params;

use super::{rule, s, t, Fx};

const NOW: &str = "2027-03-01T00:00:00Z";
const DAYS: u32 = 14;

/// SAFE: "1 day after the due date" to the learner, repeating every 3 days at most twice,
/// and "on the due date" to the learner and managers, the manager copies in a daily digest.
/// FIRE: "on the due date" to the learner. The window is on (08:00-18:00 Mon-Fri), so a
/// message due on a Saturday or Sunday waits for Monday 08:00.
fn store() -> Fx {
    let fx = Fx::new("program");
    let p = SendPolicy {
        send_time: "08:00".into(),
        window: SendWindow {
            enabled: true,
            ..SendWindow::default()
        },
    };
    send_policy::set_policy(&mut fx.db.writer().unwrap(), &p).unwrap();
    let after = RuleInput {
        repeat_every_days: 3,
        repeat_max: 2,
        ..rule(
            Trigger::DueDate,
            Timing::After,
            1,
            Recipients::Learner,
            "Overdue %reminderno%",
            "x",
        )
    };
    fx.rule(after, "2027-01-01T00:00:00Z");
    let on = RuleInput {
        digest: Digest {
            frequency: DigestFrequency::Daily,
            weekday: None,
        },
        ..rule(
            Trigger::DueDate,
            Timing::On,
            0,
            Recipients::Both,
            "Due",
            "x",
        )
    };
    fx.rule(on, "2027-01-01T00:00:00Z");
    let ann = fx.learner("E1", "Ann Lee", "UTC");
    let bob = fx.learner("E2", "Bob Ray", "UTC");
    let cy = fx.learner("E3", "Cy Fox", "UTC");
    let mo = fx.learner("M1", "Mo Manager", "UTC");
    fx.manage(ann, mo);
    // Ann due Wednesday 3 March, Bob Friday 5 March (his first overdue reminder falls on
    // Saturday: held to Monday), Cy in FIRE on Tuesday 9 March.
    let a = fx.assign(ann, "2027-01-02T00:00:00Z", "in_progress");
    fx.set(a, "due_at", Some(s("2027-03-03T23:59:59Z")));
    let b = fx.assign(bob, "2027-01-02T00:00:00Z", "in_progress");
    fx.set(b, "due_at", Some(s("2027-03-05T23:59:59Z")));
    let fire = fx.exec_id(
        "INSERT INTO program (short_name, full_name, kind) VALUES ('FIRE', 'Fire', 'program')",
        [],
    );
    fx.db
        .writer()
        .unwrap()
        .write(|tx| {
            notify::create_rule(
                tx,
                fire,
                &rule(
                    Trigger::DueDate,
                    Timing::On,
                    0,
                    Recipients::Learner,
                    "Fire",
                    "x",
                ),
                t("2027-01-01T00:00:00Z"),
            )
        })
        .unwrap();
    fx.exec(
        "INSERT INTO assignment (learner_id, program_id, assigned_at, status, due_at)
         VALUES (?1, ?2, ?3, 'in_progress', ?4)",
        params![
            cy,
            fire,
            s("2027-01-02T00:00:00Z"),
            s("2027-03-09T23:59:59Z")
        ],
    );
    fx
}

fn ask(fx: &Fx, args: ForecastArgs) -> Forecast {
    forecast(&fx.db.reader().unwrap(), t(NOW), &args).unwrap()
}

fn days(args: ForecastArgs) -> ForecastArgs {
    ForecastArgs {
        days: DAYS,
        limit: args.limit.or(Some(1000)),
        ..args
    }
}

/// (UTC day, dedup key, recipient) of every message the runs queued, and of every manager
/// copy they listed in a digest (on its digest's day).
fn queued(fx: &Fx) -> BTreeSet<(String, String, String)> {
    let r = fx.db.reader().unwrap();
    let mut st = r
        .prepare(
            "SELECT date(created_at, 'unixepoch'), dedup_key, recipient_email FROM message
             WHERE state IN ('queued', 'sent') AND trigger <> 'digest'
             UNION ALL
             SELECT date(d.digest_at, 'unixepoch'), d.dedup_key, l.email FROM digest_item d
             JOIN learner l ON l.id = d.manager_id",
        )
        .unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn the_forecast_is_what_the_runs_then_queue_day_by_day() {
    let fx = store();
    let f = ask(&fx, days(ForecastArgs::default()));
    assert!(!f.truncated);
    assert_eq!(f.days.len(), DAYS as usize);
    let said: BTreeSet<(String, String, String)> = f
        .messages
        .iter()
        .map(|m| (m.at[..10].to_string(), m.dedup_key.clone(), m.email.clone()))
        .collect();
    assert_eq!(said.len(), f.total as usize);
    // Ann: due (Wed 3), Mo's digest copy (Wed 3), overdue (Thu 4, Sun 7 held to Mon 8,
    // Wed 10); Bob: due (Fri 5), overdue (Sat 6 held to Mon 8, Tue 9, Fri 12); Cy (Tue 9).
    let per_day: Vec<(&str, u32)> = f
        .days
        .iter()
        .filter(|d| d.count > 0)
        .map(|d| (d.date.as_str(), d.count))
        .collect();
    assert_eq!(
        per_day,
        [
            ("2027-03-03", 2),
            ("2027-03-04", 1),
            ("2027-03-05", 1),
            ("2027-03-08", 2),
            ("2027-03-09", 2),
            ("2027-03-10", 1),
            ("2027-03-12", 1),
        ]
    );
    assert!(f
        .messages
        .iter()
        .any(|m| m.digest && m.email == "m1@example.org"));
    // The runs, every hour over those days, queue exactly that.
    for h in 1..=(DAYS * 24) {
        let at = jiff::Timestamp::from_second(s(NOW) + i64::from(h) * 3600).unwrap();
        fx.run(&at.to_string());
    }
    assert_eq!(queued(&fx), said);
    // Afterwards, nothing is left to forecast in those days.
    let later = forecast(
        &fx.db.reader().unwrap(),
        t("2027-03-15T00:00:00Z"),
        &days(ForecastArgs::default()),
    )
    .unwrap();
    assert_eq!(later.total, 0);
}

#[test]
fn the_forecast_filters_by_program_trigger_learner_and_day() {
    let fx = store();
    let all = ask(&fx, days(ForecastArgs::default()));
    assert_eq!(all.total, 10);
    let fire = ask(
        &fx,
        days(ForecastArgs {
            program: Some("FIRE".into()),
            ..Default::default()
        }),
    );
    assert_eq!(fire.total, 1);
    assert_eq!(fire.messages[0].learner_id_number, "E3");
    assert_eq!(fire.messages[0].program, "FIRE");
    let expiry = ask(
        &fx,
        days(ForecastArgs {
            trigger: Some("expiry".into()),
            ..Default::default()
        }),
    );
    assert_eq!(expiry.total, 0);
    let bob = ask(
        &fx,
        days(ForecastArgs {
            learner: Some("E2".into()),
            ..Default::default()
        }),
    );
    assert_eq!(bob.total, 4);
    assert!(bob.messages.iter().all(|m| m.learner == "Bob Ray"));
    let monday = ask(
        &fx,
        days(ForecastArgs {
            day: Some("2027-03-08".into()),
            ..Default::default()
        }),
    );
    assert_eq!(monday.total, 10, "the per-day counts stay whole");
    let held: Vec<(&str, u32)> = monday
        .messages
        .iter()
        .map(|m| (m.at.as_str(), m.reminder_no))
        .collect();
    assert_eq!(
        held,
        [("2027-03-08T08:00:00Z", 2), ("2027-03-08T08:00:00Z", 1)]
    );
    // A short list says it is short.
    let two = ask(
        &fx,
        days(ForecastArgs {
            limit: Some(2),
            ..Default::default()
        }),
    );
    assert!(two.truncated);
    assert_eq!(two.messages.len(), 2);
    // Wrong names are refused.
    let r = fx.db.reader().unwrap();
    let bad = |a: ForecastArgs| forecast(&r, t(NOW), &a).unwrap_err().kind();
    let base = ForecastArgs {
        days: 7,
        ..Default::default()
    };
    assert_eq!(
        bad(ForecastArgs {
            program: Some("NOPE".into()),
            ..base.clone()
        }),
        ErrorKind::NotFound
    );
    assert_eq!(
        bad(ForecastArgs {
            days: 0,
            ..base.clone()
        }),
        ErrorKind::Invalid
    );
    assert_eq!(
        bad(ForecastArgs {
            trigger: Some("someday".into()),
            ..base
        }),
        ErrorKind::Invalid
    );
}
