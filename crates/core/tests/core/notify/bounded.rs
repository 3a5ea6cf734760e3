//! What a run holds is bounded whatever is due: an exception alert lists at most a thousand
//! exceptions and counts the rest (and still marks every one of them alerted), and a run
//! gives its connection back with the store's own settings.

use certdesk_core::scheduler::{run_in_chunks, Chunking};
use certdesk_core::Error;
use rusqlite::params;

use super::{s, Fx};

const NOW: &str = "2027-06-01T12:00:00Z";

/// A program with an exception alert rule, two administrators and `n` raised exceptions.
fn raised(n: i64) -> Fx {
    let fx = Fx::new("program");
    fx.exception_alerts_to_two_admins();
    fx.exec(
        "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ?1)
         INSERT INTO learner (id_number, full_name, email, time_zone)
         SELECT 'E' || i, 'Learner ' || i, 'e' || i || '@example.org', 'UTC' FROM k",
        params![n],
    );
    fx.exec(
        "INSERT INTO assignment (learner_id, program_id, assigned_at, status)
         SELECT id, ?1, ?2, 'not_started' FROM learner ORDER BY id",
        params![fx.program, s("2027-05-01T00:00:00Z")],
    );
    fx.exec(
        "INSERT INTO exception (assignment_id, kind, raised_at, detail)
         SELECT id, 'time_allowance', ?1, 'needs 10 days' FROM assignment ORDER BY id",
        params![s("2027-05-01T00:00:00Z")],
    );
    fx
}

fn alert_texts(fx: &Fx) -> Vec<(String, String)> {
    let r = fx.db.reader().unwrap();
    let mut st = r
        .prepare(
            "SELECT subject, body_text FROM message WHERE recipient_kind = 'admin' ORDER BY id",
        )
        .unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn an_alert_over_many_exceptions_lists_the_first_thousand_and_counts_the_rest() {
    let fx = raised(1_203);
    assert_eq!(fx.run(NOW).notifications.alerts, 2);
    let alerts = alert_texts(&fx);
    assert_eq!(alerts.len(), 2);
    let (subject, text) = &alerts[0];
    assert_eq!(subject, "1203 new exceptions in Safety & Health");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1_001, "a thousand exceptions, then the count");
    assert!(
        lines[0].starts_with("- Learner 1 (E1): time allowance: needs 10 days, raised"),
        "{}",
        lines[0]
    );
    assert!(
        lines[999].starts_with("- Learner 1000 (E1000): "),
        "{}",
        lines[999]
    );
    assert_eq!(
        lines[1_000],
        "- … and 203 more (see Exceptions in CertDesk)"
    );
    assert_eq!(alerts[1].1, *text, "the same list to every administrator");
    // Every exception was alerted, listed or counted: the next run has nothing to say.
    assert_eq!(
        fx.run("2027-06-01T12:01:00Z").notifications.alerts,
        0,
        "already alerted"
    );
}

#[test]
fn a_short_alert_lists_every_exception_and_no_count() {
    let fx = raised(3);
    assert_eq!(fx.run(NOW).notifications.alerts, 2);
    let (subject, text) = &alert_texts(&fx)[0];
    assert_eq!(subject, "3 new exceptions in Safety & Health");
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(!text.contains("more"), "{text}");
}

#[test]
fn a_run_gives_its_connection_back_with_the_stores_settings() {
    let fx = raised(3);
    let pragmas = |w: &certdesk_core::Writer| -> (i64, i64, i64) {
        let c = w.conn();
        (
            c.query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap(),
            c.query_row("PRAGMA cache_size", [], |r| r.get(0)).unwrap(),
            c.query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))
                .unwrap(),
        )
    };
    let mut w = fx.db.writer().unwrap();
    let before = pragmas(&w);
    assert_eq!(before.0, 2, "the store writes with synchronous=FULL");
    certdesk_core::scheduler::run(&mut w, super::t(NOW)).unwrap();
    assert_eq!(pragmas(&w), before, "after a run");
    // A run stopped by an error between chunks gives them back too.
    let stop = run_in_chunks(
        &mut w,
        super::t("2027-06-02T12:00:00Z"),
        &Chunking::default(),
        &mut || Err(Error::invalid("test", "stop")),
    );
    assert!(stop.is_err());
    assert_eq!(pragmas(&w), before, "after a run cut short");
}
