//! `run(now)` in chunks: the same messages as one transaction, and a run cut short between
//! chunks leaves no duplicate and the next run finishes the work.

use std::time::Duration;

use certdesk_core::notify::{self, Recipients, Timing, Trigger};
use certdesk_core::scheduler::{run_in_chunks, Chunking};
use certdesk_core::{Db, Error};
use rusqlite::params;

use super::{rule, s, t, Fx};

const NOW: &str = "2027-06-01T12:00:00Z";

/// Tiny chunks, so that a small store takes many: 5 rows, 3 memberships a transaction, one
/// step each.
fn tiny() -> Chunking {
    Chunking {
        memberships: 3,
        rows: 5,
        target: Duration::from_millis(2),
        max_pause: Duration::ZERO,
        quiet_hold: Duration::ZERO,
    }
}

/// 60 learners (some with a manager), their memberships, events spread over 90 days with a
/// burst of 40 at one instant, and backfilled rules of several shapes: the first run sweeps.
fn store() -> Fx {
    let fx = Fx::new("certification");
    let now = s(NOW);
    let day = 86_400;
    let tz = ["UTC", "Europe/Paris", "America/New_York"];
    let mut ids = Vec::new();
    for i in 0..60_i64 {
        let l = fx.learner(
            &format!("L{i}"),
            &format!("Learner {i}"),
            tz[i as usize % 3],
        );
        if i % 7 == 1 {
            fx.manage(l, l - 1);
        }
        let a = fx.assign(l, "2027-01-01T00:00:00Z", "in_progress");
        fx.set(a, "due_at", Some(now + ((i * 37) % 90 - 45) * day + i * 11));
        ids.push(a);
    }
    for (k, &a) in ids.iter().enumerate() {
        let k = k as i64;
        let at = if k < 40 {
            now - 3_600
        } else {
            now - (k % 80) * day
        };
        fx.exec(
            "INSERT INTO event (kind, assignment_id, cycle, course_set_id, occurred_at) VALUES ('assigned', ?1, 0, 0, ?2)",
            params![a, at],
        );
        if k % 3 == 0 {
            fx.exec(
                "INSERT INTO event (kind, assignment_id, cycle, course_set_id, occurred_at) VALUES ('completed', ?1, 0, 0, ?2)",
                params![a, now - (k % 50) * day - 17],
            );
        }
    }
    let text = "%userfullname%: %programfullname% due %duedate%";
    for r in [
        rule(
            Trigger::Assigned,
            Timing::On,
            0,
            Recipients::Learner,
            "Welcome",
            text,
        ),
        rule(
            Trigger::DueDate,
            Timing::Before,
            7,
            Recipients::Both,
            "Soon",
            text,
        ),
        rule(
            Trigger::DueDate,
            Timing::On,
            0,
            Recipients::Learner,
            "Today",
            text,
        ),
        rule(
            Trigger::DueDate,
            Timing::After,
            3,
            Recipients::Both,
            "Late",
            text,
        ),
        rule(
            Trigger::Completed,
            Timing::After,
            30,
            Recipients::Learner,
            "Well done",
            text,
        ),
    ] {
        let id = fx.rule(r, "2027-05-31T00:00:00Z");
        fx.db
            .writer()
            .unwrap()
            .write(|tx| notify::backfill(tx, id))
            .unwrap();
    }
    fx
}

/// Every message as a user would see it, and how many outbox rows each has.
fn messages(db: &Db) -> Vec<(String, String, String, String, String, i64)> {
    let r = db.reader().unwrap();
    let mut st = r
        .prepare(
            "SELECT m.dedup_key, m.state, m.recipient_email, m.subject, m.body_text,
                    (SELECT count(*) FROM outbox o WHERE o.message_id = m.id)
             FROM message m ORDER BY m.dedup_key",
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

/// The same store queued in one transaction (advance, then the selection).
fn in_one_transaction() -> Vec<(String, String, String, String, String, i64)> {
    queued_at_once(store())
}

/// `fx` queued in one transaction (advance, then the selection).
fn queued_at_once(fx: Fx) -> Vec<(String, String, String, String, String, i64)> {
    fx.db
        .writer()
        .unwrap()
        .write(|tx| {
            certdesk_core::membership::engine::advance(tx, t(NOW))?;
            notify::enqueue_due(tx, t(NOW))
        })
        .unwrap();
    messages(&fx.db)
}

#[test]
fn a_chunked_run_queues_exactly_what_one_transaction_does() {
    let expected = in_one_transaction();
    assert!(expected.len() > 100, "{}", expected.len());
    assert!(expected.iter().any(|m| m.1 == "skipped"));
    let fx = store();
    let mut chunks = 0;
    let sum = run_in_chunks(&mut fx.db.writer().unwrap(), t(NOW), &tiny(), &mut || {
        chunks += 1;
        Ok(())
    })
    .unwrap();
    assert!(chunks > 20, "only {chunks} chunks");
    let got = messages(&fx.db);
    assert_eq!(got, expected);
    let queued = got.iter().filter(|m| m.1 == "queued").count();
    assert_eq!(sum.notifications.queued as usize, queued);
    assert!(got.iter().all(|m| m.5 == i64::from(m.1 == "queued")));
    // The marks moved: the same run again finds nothing.
    assert_eq!(fx.run(NOW).notifications, Default::default());
}

#[test]
fn a_run_cut_short_between_chunks_leaves_no_duplicate_and_the_next_finishes() {
    let expected = in_one_transaction();
    for stop_after in [1, 4, 15] {
        let fx = store();
        let mut n = 0;
        let cut = run_in_chunks(&mut fx.db.writer().unwrap(), t(NOW), &tiny(), &mut || {
            n += 1;
            if n == stop_after {
                return Err(Error::invalid("test", "stopped between chunks"));
            }
            Ok(())
        });
        assert!(cut.is_err());
        let partial = messages(&fx.db);
        assert!(partial.len() < expected.len(), "stopped after {stop_after}");
        assert!(partial.iter().all(|m| m.5 == i64::from(m.1 == "queued")));
        // A minute later (not a sweep by the clock): the marks did not move, so the next
        // run still covers the whole range.
        let next = fx.run("2027-06-01T12:01:00Z");
        let got = messages(&fx.db);
        assert_eq!(got, expected, "stopped after {stop_after}");
        assert_eq!(
            partial.len()
                + next.notifications.queued as usize
                + next.notifications.skipped as usize,
            got.len()
        );
        assert_eq!(
            fx.run("2027-06-01T12:01:00Z").notifications,
            Default::default()
        );
    }
}

/// While nobody waits for the lock, the queueing steps share a transaction (each commit writes
/// every page it changed to the WAL again); while a writer says it waits, the run commits
/// after every step, as with one step a transaction, so that the writer gets in. The same
/// messages either way.
#[test]
fn steps_share_a_transaction_while_nobody_waits_and_not_while_a_writer_does() {
    let expected = in_one_transaction();
    // The run's commits, with a writer saying it waits until the run's `waited`-th commit.
    let commits = |chunking: &Chunking, waited: usize| -> usize {
        let fx = store();
        let path = fx.db.writer().unwrap().conn().path().unwrap().to_string();
        // A writer waiting in `Writer::write` holds the `-wait` file's shared lock.
        let mut wait = (waited > 0).then(|| {
            let f = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(format!("{path}-wait"))
                .unwrap();
            f.lock_shared().unwrap();
            f
        });
        let mut n = 0;
        run_in_chunks(&mut fx.db.writer().unwrap(), t(NOW), chunking, &mut || {
            n += 1;
            if n == waited {
                wait = None; // the writer got in
            }
            Ok(())
        })
        .unwrap();
        assert_eq!(messages(&fx.db), expected, "waited: {waited}");
        n
    };
    let long = Chunking {
        quiet_hold: Duration::from_secs(600),
        ..tiny()
    };
    let steps = commits(&tiny(), 0);
    assert!(steps > 20, "{steps}");
    assert_eq!(
        commits(&long, 0),
        1,
        "one transaction for all {steps} steps"
    );
    // Five commits while the writer waits, a step each; then the rest in one.
    assert_eq!(commits(&long, 5), 6);
}

/// [`store`] with teams: every fourth learner has two managers, who report to one or two
/// managers of their own (one in common), and an overdue rule that repeats every 3 days
/// and copies the managers' managers from its first repeat on.
fn store_with_teams() -> Fx {
    use certdesk_core::notify::Escalation;
    let fx = store();
    let boss = fx.learner("B1", "Big Boss", "Europe/Paris");
    let boss2 = fx.learner("B2", "Other Boss", "America/New_York");
    let (ma, mb) = (
        fx.learner("MA", "Meg A", "UTC"),
        fx.learner("MB", "Max B", "America/New_York"),
    );
    fx.manage(ma, boss);
    fx.manage(mb, boss);
    fx.manage(mb, boss2);
    let learners: Vec<i64> = {
        let r = fx.db.reader().unwrap();
        let mut st = r
            .prepare("SELECT learner_id FROM assignment ORDER BY id")
            .unwrap();
        let ids = st.query_map([], |r| r.get(0)).unwrap();
        ids.collect::<Result<_, _>>().unwrap()
    };
    for l in learners.iter().step_by(4) {
        fx.manage(*l, ma);
        fx.manage(*l, mb);
    }
    let text = "%userfullname%: %programfullname% due %duedate%, reminder %reminderno%";
    let id = fx.rule(
        notify::RuleInput {
            repeat_every_days: 3,
            repeat_max: 10,
            escalation: Escalation::AfterRepeat,
            escalate_after: 1,
            ..rule(
                Trigger::DueDate,
                Timing::After,
                1,
                Recipients::Both,
                "Overdue",
                text,
            )
        },
        "2027-05-31T00:00:00Z",
    );
    fx.db
        .writer()
        .unwrap()
        .write(|tx| notify::backfill(tx, id))
        .unwrap();
    fx
}

/// One query reads each membership for the learner, each manager and each manager's manager
/// (several rows per membership, issue 12): pages cut between those rows, one row a page,
/// queue exactly what one transaction does.
#[test]
fn pages_cut_between_the_recipients_of_one_membership_queue_what_one_transaction_does() {
    let expected = queued_at_once(store_with_teams());
    let second_level = expected
        .iter()
        .filter(|m| m.2 == "b1@example.org" || m.2 == "b2@example.org")
        .count();
    assert!(second_level > 10, "{second_level}");
    assert!(expected.iter().any(|m| m.2 == "mb@example.org"));
    let fx = store_with_teams();
    let one_row = Chunking { rows: 1, ..tiny() };
    run_in_chunks(&mut fx.db.writer().unwrap(), t(NOW), &one_row, &mut || {
        Ok(())
    })
    .unwrap();
    assert_eq!(messages(&fx.db), expected);
}

/// A rule's text edited by another connection while a run goes is used from the next chunk
/// on (the run reads the rules again once another connection has committed); the same
/// messages are queued, once each.
#[test]
fn a_rule_text_edited_between_chunks_is_used_from_the_next_chunk() {
    let expected = in_one_transaction();
    let fx = store();
    let mut n = 0;
    run_in_chunks(&mut fx.db.writer().unwrap(), t(NOW), &tiny(), &mut || {
        n += 1;
        if n == 3 {
            fx.db
                .writer()
                .unwrap()
                .conn()
                .execute(
                    "UPDATE notification_rule SET learner_subject = 'Edited'",
                    [],
                )
                .unwrap();
        }
        Ok(())
    })
    .unwrap();
    let got = messages(&fx.db);
    let keys = |v: &[(String, String, String, String, String, i64)]| -> Vec<String> {
        v.iter().map(|m| m.0.clone()).collect()
    };
    assert_eq!(keys(&got), keys(&expected));
    let queued = || got.iter().filter(|m| m.1 == "queued");
    let edited = queued().filter(|m| m.3 == "Edited").count();
    assert!(edited > 0, "the edit was not used");
    assert!(
        queued().count() > edited,
        "the edit came after the first chunks"
    );
}
