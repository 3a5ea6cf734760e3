//! Manager digests composed a few managers per transaction: a run of many digests takes
//! several transactions, the same digests as one transaction composes, and a run stopped
//! between two of them neither loses nor doubles a digest or an item.

use std::time::Duration;

use certdesk_core::notify::digest::{Digest, DigestFrequency};
use certdesk_core::notify::{self, Recipients, RuleInput, Timing, Trigger};
use certdesk_core::scheduler::{run_in_chunks, Chunking};
use certdesk_core::{Db, Error};
use rusqlite::params;

use super::{rule, s, t, Fx};

const MANAGERS: usize = 12;
pub const COMPOSE_AT: &str = "2027-03-02T08:00:00Z";

/// Pages of one row, and compose steps of one manager's digest.
fn one_manager_a_step() -> Chunking {
    Chunking {
        rows: 1,
        max_pause: Duration::ZERO,
        quiet_hold: Duration::ZERO,
        ..Chunking::default()
    }
}

/// Managers M1..M12 (London) with three reports each, assigned at 22:00 UTC on 1 March 2027
/// under an "assigned" rule whose manager copies go in a daily digest; the first run has
/// recorded the items, due at 08:00 on 2 March.
pub fn teams() -> Fx {
    let fx = Fx::new("program");
    fx.rule(
        RuleInput {
            digest: Digest {
                frequency: DigestFrequency::Daily,
                weekday: None,
            },
            ..rule(
                Trigger::Assigned,
                Timing::On,
                0,
                Recipients::Managers,
                "New: %userfullname%",
                "x",
            )
        },
        "2027-01-01T00:00:00Z",
    );
    for m in 1..=MANAGERS {
        let manager = fx.learner(&format!("M{m}"), &format!("Manager {m}"), "Europe/London");
        for e in 1..=3 {
            let idn = format!("E{m}-{e}");
            let learner = fx.learner(&idn, &format!("Learner {idn}"), "Europe/London");
            fx.manage(learner, manager);
            let a = fx.exec_id(
                "INSERT INTO assignment (learner_id, program_id, assigned_at) VALUES (?1, ?2, ?3)",
                params![learner, fx.program, s("2027-03-01T22:00:00Z")],
            );
            fx.event("assigned", a, 1, 0, "2027-03-01T22:00:00Z");
        }
    }
    let first = fx.run("2027-03-01T22:05:00Z");
    assert_eq!(first.notifications.digest_items as usize, 3 * MANAGERS);
    fx
}

/// (recipient, dedup key, subject, text, items marked as listed in it) of every digest.
fn digests(db: &Db) -> Vec<(String, String, String, String, i64)> {
    let r = db.reader().unwrap();
    let mut st = r
        .prepare(
            "SELECT m.recipient_email, m.dedup_key, m.subject, m.body_text,
                    (SELECT count(*) FROM digest_item d WHERE d.digest_message_id = m.id)
             FROM message m WHERE m.trigger = 'digest' ORDER BY m.recipient_email",
        )
        .unwrap();
    st.query_map([], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

fn unlisted(db: &Db) -> i64 {
    db.reader()
        .unwrap()
        .query_row(
            "SELECT count(*) FROM digest_item WHERE digest_message_id IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap()
}

/// The digests composed by one transaction (`enqueue_due`), and the transactions a chunked
/// run of the same takes.
fn in_one_transaction() -> Vec<(String, String, String, String, i64)> {
    let fx = teams();
    fx.db
        .writer()
        .unwrap()
        .write(|tx| notify::enqueue_due(tx, t(COMPOSE_AT)))
        .unwrap();
    digests(&fx.db)
}

#[test]
fn digests_are_composed_a_manager_per_step_as_one_transaction_composes_them() {
    let expected = in_one_transaction();
    assert_eq!(expected.len(), MANAGERS);
    assert!(expected.iter().all(|d| d.4 == 3), "{expected:?}");
    let fx = teams();
    let mut chunks = 0;
    let r = run_in_chunks(
        &mut fx.db.writer().unwrap(),
        t(COMPOSE_AT),
        &one_manager_a_step(),
        &mut || {
            chunks += 1;
            Ok(())
        },
    )
    .unwrap();
    assert_eq!(r.notifications.digests as usize, MANAGERS);
    // Nothing else was due: one step plans nothing but the twelve digests, one each.
    assert!(chunks >= MANAGERS, "{chunks} transactions");
    assert_eq!(digests(&fx.db), expected);
    assert_eq!(unlisted(&fx.db), 0);
}

#[test]
fn a_run_stopped_between_two_digest_transactions_loses_and_doubles_nothing() {
    let expected = in_one_transaction();
    for composed in [1, 5, MANAGERS - 1] {
        let fx = teams();
        let cut = run_in_chunks(
            &mut fx.db.writer().unwrap(),
            t(COMPOSE_AT),
            &one_manager_a_step(),
            &mut || {
                if digests(&fx.db).len() == composed {
                    return Err(Error::invalid("test", "stopped between digests"));
                }
                Ok(())
            },
        );
        assert!(cut.is_err());
        // What was committed is whole: each digest with its three items marked, the rest
        // of the items still waiting.
        let partial = digests(&fx.db);
        assert_eq!(partial.len(), composed, "stopped after {composed}");
        assert!(partial.iter().all(|d| d.4 == 3), "{partial:?}");
        assert_eq!(unlisted(&fx.db), 3 * (MANAGERS - composed) as i64);
        // The next run composes the others, once each, as one transaction would have.
        let next = fx.run("2027-03-02T08:01:00Z");
        assert_eq!(next.notifications.digests as usize, MANAGERS - composed);
        assert_eq!(digests(&fx.db), expected, "stopped after {composed}");
        assert_eq!(unlisted(&fx.db), 0);
        assert_eq!(fx.run("2027-03-02T08:02:00Z").notifications.digests, 0);
    }
}
