//! Undo of a bulk exception action (issue 13): the reports come back exactly as they were,
//! the summary figures stay a full count, the queued messages the action caused are
//! withdrawn, sent ones are counted and need a confirmation, a batch is undone once, and the
//! action can be applied again afterwards.

use certdesk_core::api;
use certdesk_core::exception::action::{ExceptionAction, Selection};
use certdesk_core::exception::undo::UndoOutcome;
use certdesk_core::mail::{self, send_due, Security, SmtpSettings};
use certdesk_core::report::membership::MembershipQuery;
use certdesk_core::{Db, ErrorKind, ManualClock};

use crate::fixture::{assign, store, t};
use crate::smtp_server::SmtpServer;
use crate::summary::assert_summary_is_a_full_count;

const PROGRAMS: &str = r#"{ "programs": [
  { "short_name": "RUSH", "full_name": "Rushed Program",
    "due": { "rule": "fixed", "date": "2026-03-02" },
    "certification_path": [
      { "label": "Long", "rule": "all", "min_time": "40 hours", "operator": "then", "courses": ["LONG1"] },
      { "label": "Short", "rule": "all", "min_time": "2 hours", "courses": ["SAFE3"] } ] },
  { "short_name": "CERT-H", "full_name": "Certification After Hire",
    "due": { "rule": "relative", "after": "3 months", "event": "profile_field", "field": "hire_date" },
    "certification": { "active": "1 year", "window": "1 month", "method": "completion_date" },
    "certification_path": [ { "label": "H", "rule": "all", "courses": ["SAFE2"] } ] }
] }"#;

const LEARNERS: &str = "id_number,full_name,email,time_zone
L1,Lee One,l1@x.org,Europe/London
L2,Lee Two,l2@x.org,Asia/Tokyo
L3,Lee Three,l3@x.org,UTC
L4,Lee Four,l4@x.org,America/Los_Angeles
";

const NOW: &str = "2026-03-01T12:00:00Z";
const ALL: [&str; 4] = ["L1", "L2", "L3", "L4"];

/// Three time-allowance exceptions (RUSH: L4 in Los Angeles has a day more and none) and
/// four unknown hire dates (CERT-H). The programs' default rules tell the learner when
/// assigned and when due (and their manager, skipped: they have none).
fn fixture() -> (tempfile::TempDir, Db) {
    let (dir, db) = store(PROGRAMS, LEARNERS);
    assign(&db, NOW, "RUSH", &ALL);
    assign(&db, NOW, "CERT-H", &ALL);
    (dir, db)
}

/// Everything a user can see of the memberships and exceptions, and the rows behind them.
fn state(db: &Db) -> Vec<String> {
    let r = db.reader().unwrap();
    let mut out: Vec<String> = api::reports::memberships(&r, &MembershipQuery::default())
        .unwrap()
        .iter()
        .map(|m| format!("{m:?}"))
        .collect();
    out.extend(
        api::exceptions::list_all(&r, None)
            .unwrap()
            .iter()
            .map(|e| format!("{e:?}")),
    );
    for sql in [
        "SELECT * FROM assignment ORDER BY id",
        "SELECT * FROM assignment_source ORDER BY id",
        "SELECT * FROM exception ORDER BY id",
        "SELECT * FROM course_set_progress ORDER BY 1, 2, 3",
        "SELECT * FROM certification_record ORDER BY 1, 2",
        "SELECT * FROM event ORDER BY id",
    ] {
        let mut stmt = r.prepare(sql).unwrap();
        let n = stmt.column_count();
        let rows = stmt
            .query_map([], |row| {
                let cells: Vec<String> = (0..n)
                    .map(|i| format!("{:?}", row.get_ref(i).unwrap()))
                    .collect();
                Ok(cells.join("|"))
            })
            .unwrap();
        out.extend(rows.map(|x| format!("{sql}: {}", x.unwrap())));
    }
    out
}

fn apply(db: &Db, now: &str, act: ExceptionAction, sel: &Selection) -> i64 {
    let o = api::exceptions::apply(&mut db.writer().unwrap(), t(now), sel, act, &mut |_, _| {})
        .unwrap();
    o.batch.expect("a batch")
}

fn undo(db: &Db, now: &str, batch: i64, yes: bool) -> certdesk_core::Result<UndoOutcome> {
    api::exceptions::undo(&mut db.writer().unwrap(), t(now), batch, yes)
}

fn all() -> Selection {
    Selection {
        all: true,
        ..Default::default()
    }
}

/// (learner, message state, how many), the learner's own and their manager's copies.
fn messages(db: &Db) -> Vec<(String, String, i64)> {
    let r = db.reader().unwrap();
    let mut stmt = r
        .prepare(
            "SELECT l.id_number, m.state, count(*) FROM message m
             JOIN assignment a ON a.id = m.assignment_id JOIN learner l ON l.id = a.learner_id
             GROUP BY 1, 2 ORDER BY 1, 2",
        )
        .unwrap();
    stmt.query_map([], |x| Ok((x.get(0)?, x.get(1)?, x.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn each_action_undone_gives_back_the_reports_and_figures_as_they_were() {
    for act in ExceptionAction::ALL {
        let (_dir, db) = fixture();
        // L3 has done the long course already: the action's engine settles that membership.
        crate::fixture::complete(&db, NOW, "L3", "LONG1", "2026-02-20");
        let before = state(&db);
        assert_summary_is_a_full_count(&db, "before");
        let batch = apply(&db, "2026-03-01T13:00:00Z", act, &all());
        assert_ne!(state(&db), before, "{act:?} changed nothing");
        if act == ExceptionAction::Assign {
            let l3 = crate::fixture::member(&db, "L3", "RUSH").unwrap();
            assert_eq!(l3.status, "in_progress", "settled by the action");
        }
        assert_summary_is_a_full_count(&db, &format!("{act:?}"));
        let done = undo(&db, "2026-03-01T14:00:00Z", batch, false).unwrap();
        assert_eq!(
            done.restored,
            if act == ExceptionAction::Assign { 3 } else { 7 }
        );
        assert_eq!(state(&db), before, "{act:?} undone");
        assert_summary_is_a_full_count(&db, &format!("{act:?} undone"));
        let h = api::exceptions::history(&db.reader().unwrap()).unwrap();
        assert_eq!(
            (h[0].id, h[0].action, h[0].undone_at.is_some()),
            (batch, act, true)
        );
    }
}

/// Sending through the loopback server `srv`.
fn smtp(db: &Db, srv: &SmtpServer) {
    let settings = SmtpSettings {
        host: "127.0.0.1".into(),
        port: srv.port,
        security: Security::None,
        username: String::new(),
        from_address: "learning@certdesk.test".into(),
        from_name: "Learning team".into(),
        timeout_secs: 5,
        ca_cert_file: String::new(),
        allow_plain_auth: true,
    };
    db.writer()
        .unwrap()
        .write(|tx| mail::save_settings(tx, &settings))
        .unwrap();
}

/// The membership report without its last message date (a sent message stays sent).
fn unsent(rows: Vec<String>) -> Vec<String> {
    rows.into_iter()
        .map(|x| match x.find(", last_message_date") {
            Some(i) => x[..i].to_string(),
            None => x,
        })
        .collect()
}

fn m(who: &str, state: &str, n: i64) -> (String, String, i64) {
    (who.to_string(), state.to_string(), n)
}

#[test]
fn queued_messages_are_withdrawn_and_the_action_can_be_applied_again() {
    let (_dir, db) = fixture();
    let before = state(&db);
    let batch = apply(&db, "2026-03-01T13:00:00Z", ExceptionAction::Assign, &all());
    crate::fixture::run(&db, "2026-03-01T13:05:00Z");
    // "Assigned" and "due" to each learner, the manager copy skipped (no manager); L4's
    // were not caused by the action (no exception).
    let caused = |who| [m(who, "queued", 2), m(who, "skipped", 1)];
    let l4 = caused("L4");
    let mut all_four: Vec<_> = ["L1", "L2", "L3"].into_iter().flat_map(caused).collect();
    all_four.extend(l4.clone());
    assert_eq!(messages(&db), all_four);
    let done = undo(&db, "2026-03-01T13:10:00Z", batch, false).unwrap();
    assert_eq!((done.restored, done.withdrawn, done.sent_kept), (3, 9, 0));
    assert_eq!(messages(&db), l4.to_vec());
    let outbox: i64 = db
        .reader()
        .unwrap()
        .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))
        .unwrap();
    assert_eq!(outbox, 2, "L4's two only");
    assert_eq!(state(&db), before);
    // Undone once only.
    let again = undo(&db, "2026-03-01T13:11:00Z", batch, true).unwrap_err();
    assert_eq!(again.kind(), ErrorKind::AlreadyUndone);
    // Applied again: a new batch, the messages queued again (their keys were freed).
    let second = apply(&db, "2026-03-01T14:00:00Z", ExceptionAction::Assign, &all());
    assert_ne!(second, batch);
    crate::fixture::run(&db, "2026-03-01T14:05:00Z");
    assert_eq!(messages(&db), all_four);
    assert_summary_is_a_full_count(&db, "applied again");
    let h = api::exceptions::history(&db.reader().unwrap()).unwrap();
    assert_eq!(
        h.iter().map(|b| b.id).collect::<Vec<_>>(),
        vec![second, batch]
    );
    assert!(h[0].undone_at.is_none());
    assert_eq!(h[0].rows, 3);
}

#[test]
fn sent_messages_are_counted_and_the_rest_undone_only_when_confirmed() {
    let (_dir, db) = fixture();
    let srv = SmtpServer::start(&[]);
    smtp(&db, &srv);
    let before = state(&db);
    let two = {
        let r = db.reader().unwrap();
        let rows = api::exceptions::list_all(&r, None).unwrap();
        let ids: Vec<i64> = rows
            .iter()
            .filter(|x| x.program_name == "Rushed Program")
            .filter(|x| ["L1", "L2"].contains(&x.learner_id_number.as_str()))
            .map(|x| x.id)
            .collect();
        Selection {
            ids,
            ..Default::default()
        }
    };
    let first = apply(&db, "2026-03-01T13:00:00Z", ExceptionAction::Assign, &two);
    crate::fixture::run(&db, "2026-03-01T13:05:00Z");
    let clock = ManualClock::new(t("2026-03-01T13:06:00Z"));
    let sent = send_due(&db, &clock, &crate::notify::opts()).unwrap();
    assert_eq!(sent.sent, 6, "L1, L2 and L4: assigned and due");
    // A second batch (L3) whose messages are still queued.
    let rest = apply(&db, "2026-03-01T13:30:00Z", ExceptionAction::Assign, &all());
    crate::fixture::run(&db, "2026-03-01T13:35:00Z");
    let refused = undo(&db, "2026-03-01T14:00:00Z", first, false).unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::NeedsConfirmation);
    assert!(refused.to_string().contains("4 message(s)"), "{refused}");
    // Refused: nothing written.
    let h = api::exceptions::history(&db.reader().unwrap()).unwrap();
    assert_eq!((h[1].id, h[1].undone_at.is_none()), (first, true));
    // The later batch (its queued messages withdrawn), then the first, confirmed.
    let done = undo(&db, "2026-03-01T14:00:00Z", rest, false).unwrap();
    assert_eq!((done.restored, done.withdrawn, done.sent_kept), (1, 3, 0));
    let done = undo(&db, "2026-03-01T14:01:00Z", first, true).unwrap();
    assert_eq!((done.restored, done.withdrawn, done.sent_kept), (2, 2, 4));
    assert_eq!(
        messages(&db),
        vec![
            m("L1", "sent", 2),
            m("L2", "sent", 2),
            m("L4", "sent", 2),
            m("L4", "skipped", 1)
        ]
    );
    // As before, but for the messages that went (the report's last message date).
    assert_eq!(unsent(state(&db)), unsent(before));
    assert_summary_is_a_full_count(&db, "both undone");
    let missing = undo(&db, "2026-03-01T14:02:00Z", 99, true).unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
}

#[test]
fn a_row_that_changed_since_the_action_is_left_as_it_is() {
    let (_dir, db) = fixture();
    let batch = apply(&db, "2026-03-01T13:00:00Z", ExceptionAction::Assign, &all());
    // L1 completes the first course set after the action: the membership moved on.
    crate::fixture::complete(
        &db,
        "2026-03-01T15:00:00Z",
        "L1",
        "LONG1",
        "2026-03-01T14:00:00Z",
    );
    crate::fixture::run(&db, "2026-03-01T15:05:00Z");
    let l1 = crate::fixture::member(&db, "L1", "RUSH").unwrap();
    let done = undo(&db, "2026-03-01T16:00:00Z", batch, false).unwrap();
    assert_eq!((done.restored, done.changed_since), (2, 1));
    assert_eq!(
        crate::fixture::member(&db, "L1", "RUSH").unwrap(),
        l1,
        "kept as it is"
    );
    let l2 = crate::fixture::member(&db, "L2", "RUSH").unwrap();
    assert_eq!((l2.active, l2.exception_status.as_str()), (false, "raised"));
    // L1's messages stay (the welcome and due reminder it still has), the others' go.
    let who: Vec<String> = messages(&db).into_iter().map(|x| x.0).collect();
    assert!(
        who.contains(&"L1".to_string()) && !who.contains(&"L2".to_string()),
        "{who:?}"
    );
    assert_summary_is_a_full_count(&db, "partly undone");
    let raised = api::exceptions::list_all(&db.reader().unwrap(), None).unwrap();
    assert!(raised
        .iter()
        .all(|r| r.learner_id_number != "L1" || r.program_name != "Rushed Program"));
}

#[test]
fn a_batch_is_undone_after_a_restore_counting_what_was_sent_since_the_backup() {
    let (dir, db) = fixture();
    let srv = SmtpServer::start(&[]);
    smtp(&db, &srv);
    let before = state(&db);
    let batch = apply(&db, "2026-03-01T13:00:00Z", ExceptionAction::Assign, &all());
    crate::fixture::run(&db, "2026-03-01T13:05:00Z");
    let copy = dir.path().join("backup.sqlite");
    api::store::backup(&db, copy.to_str().unwrap()).unwrap();
    // Sent after the backup: the restore keeps them sent.
    let clock = ManualClock::new(t("2026-03-01T13:06:00Z"));
    assert_eq!(
        send_due(&db, &clock, &crate::notify::opts()).unwrap().sent,
        8
    );
    api::store::restore(&db, copy.to_str().unwrap(), t("2026-03-01T14:00:00Z")).unwrap();
    let refused = undo(&db, "2026-03-01T14:10:00Z", batch, false).unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::NeedsConfirmation);
    assert!(refused.to_string().contains("6 message(s)"), "{refused}");
    let done = undo(&db, "2026-03-01T14:10:00Z", batch, true).unwrap();
    assert_eq!((done.restored, done.sent_kept, done.withdrawn), (3, 6, 3));
    assert_eq!(unsent(state(&db)), unsent(before));
    assert_summary_is_a_full_count(&db, "undone after a restore");
}
