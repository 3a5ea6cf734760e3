//! Every index of `assignment` is there for a query the app runs, and the hot queries use
//! the index they were written for (issue 15's index review, migration 006).
//!
//! The statements are not copied here: each action runs for real on a migrated demo store
//! (no `ANALYZE`, like a user's store) while SQLite's trace records every statement it
//! prepares on that connection; `EXPLAIN QUERY PLAN` then runs on each, on the same
//! connection (its temporary tables included). Dropping an index a query needs, or a query
//! losing its index after an edit, fails here.

use std::sync::{Mutex, OnceLock};

use certdesk_core::demo::create_demo;
use certdesk_core::exception::action::{apply, preview, ExceptionAction, Selection};
use certdesk_core::exception::ExceptionKind;
use certdesk_core::notify::{self, OffsetUnit, RuleInput, Timing, Trigger};
use certdesk_core::report::completion::{completion_page, CompletionQuery};
use certdesk_core::report::dashboard::dashboard;
use certdesk_core::report::membership::{
    membership_count, membership_page, MembershipQuery, MembershipSort, SortColumn,
};
use certdesk_core::report::outlook::outlook;
use certdesk_core::{scheduler, AssignmentStatus, Db, ExceptionStatus, Writer};
use jiff::{SignedDuration, Timestamp};
use rusqlite::trace::{TraceEvent, TraceEventCodes};
use rusqlite::Connection;

use crate::temp_db;

/// The statements the traced connection prepared (the trace callback is a plain `fn`).
static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());
/// One capture at a time: the tests of this file share [`SEEN`].
static GATE: Mutex<()> = Mutex::new(());

fn on_trace(e: TraceEvent<'_>) {
    if let TraceEvent::Stmt(_, sql) = e {
        SEEN.lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(sql.to_string());
    }
}

/// A statement and its query plan (the detail column, one line per step).
struct Planned {
    sql: String,
    plan: Vec<String>,
}

/// Runs `f` on the reader `r`, then returns the plan of every distinct query it ran.
fn capture(r: &certdesk_core::Reader, f: impl FnOnce(&certdesk_core::Reader)) -> Vec<Planned> {
    let _gate = GATE.lock().unwrap_or_else(|p| p.into_inner());
    start(r);
    f(r);
    finish(r)
}

/// Runs `f` on the writer `w`, then returns the plan of every distinct query it ran.
fn capture_writes(w: &mut Writer, f: impl FnOnce(&mut Writer)) -> Vec<Planned> {
    let _gate = GATE.lock().unwrap_or_else(|p| p.into_inner());
    start(w.conn());
    f(w);
    finish(w.conn())
}

fn start(conn: &Connection) {
    SEEN.lock().unwrap_or_else(|p| p.into_inner()).clear();
    conn.trace_v2(TraceEventCodes::SQLITE_TRACE_STMT, Some(on_trace));
}

fn finish(conn: &Connection) -> Vec<Planned> {
    conn.trace_v2(TraceEventCodes::empty(), None);
    let mut seen = std::mem::take(&mut *SEEN.lock().unwrap_or_else(|p| p.into_inner()));
    seen.sort();
    seen.dedup();
    seen.into_iter()
        .filter(|sql| {
            let head = sql.trim_start().to_ascii_uppercase();
            ["SELECT", "INSERT", "UPDATE", "DELETE", "WITH"]
                .iter()
                .any(|k| head.starts_with(k))
        })
        .map(|sql| {
            let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            let nulls = vec![rusqlite::types::Null; stmt.parameter_count()];
            let plan = stmt
                .query_map(rusqlite::params_from_iter(nulls), |r| r.get::<_, String>(3))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            Planned { sql, plan }
        })
        .collect()
}

fn now() -> Timestamp {
    "2026-11-23T09:00:00Z".parse().unwrap()
}

fn demo() -> (tempfile::TempDir, Db) {
    let (dir, db) = temp_db();
    create_demo(&mut db.writer().unwrap(), now()).unwrap();
    (dir, db)
}

/// The plans, printed for a failure message.
fn show(plans: &[Planned]) -> String {
    plans
        .iter()
        .map(|p| format!("{}\n    {}", squeeze(&p.sql), p.plan.join("\n    ")))
        .collect::<Vec<_>>()
        .join("\n")
}

fn squeeze(sql: &str) -> String {
    sql.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The queries whose SQL holds every one of `parts` (whitespace squeezed); at least one.
fn find<'a>(plans: &'a [Planned], parts: &[&str]) -> Vec<&'a Planned> {
    let found: Vec<&Planned> = plans
        .iter()
        .filter(|p| {
            let sql = squeeze(&p.sql);
            parts.iter().all(|x| sql.contains(x))
        })
        .collect();
    assert!(
        !found.is_empty(),
        "no query ran with {parts:?}; the queries were:\n{}",
        show(plans)
    );
    found
}

/// Every query holding `parts` reads through an index whose plan step holds `step`.
fn uses(plans: &[Planned], parts: &[&str], step: &str) {
    for p in find(plans, parts) {
        assert!(
            p.plan.iter().any(|l| l.contains(step)),
            "{}\n  expected a step with '{step}', got:\n    {}",
            squeeze(&p.sql),
            p.plan.join("\n    ")
        );
    }
}

/// Every query the reports, the bulk actions and a `run(now)` with a rule of every kind
/// ran on one demo store, with their plans (gathered once for all the tests here).
fn everything() -> &'static [Planned] {
    static PLANS: OnceLock<Vec<Planned>> = OnceLock::new();
    PLANS.get_or_init(gather)
}

fn gather() -> Vec<Planned> {
    let (_dir, db) = demo();
    let r = db.reader().unwrap();
    let mut plans = capture(&r, reports);
    let mut w = db.writer().unwrap();
    plans.extend(capture_writes(&mut w, bulk_actions));
    plans.extend(capture_writes(&mut w, run_with_every_rule));
    plans
}

#[test]
fn every_index_of_assignment_is_read_by_a_query_the_app_runs() {
    let plans = everything();
    let (_dir, db) = temp_db();
    let r = db.reader().unwrap();
    let mut stmt = r
        .prepare(
            "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'assignment'
               AND name NOT LIKE 'sqlite_autoindex_%' ORDER BY name",
        )
        .unwrap();
    // The automatic index is the UNIQUE (learner, program) constraint's, kept for it.
    let indexes: Vec<String> = stmt
        .query_map([], |x| x.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let unused: Vec<&String> = indexes
        .iter()
        .filter(|i| {
            let named = format!("INDEX {i} ");
            let alone = format!("INDEX {i}");
            !plans.iter().any(|p| {
                p.plan
                    .iter()
                    .any(|l| l.contains(&named) || l.ends_with(&alone))
            })
        })
        .collect();
    assert!(
        unused.is_empty(),
        "indexes no query reads (drop them in a migration, or add the query here): {unused:?}"
    );
    assert_eq!(indexes.len(), 12, "{indexes:?}");
}

#[test]
fn no_query_walks_a_large_table_row_by_row() {
    let plans = everything();
    let full_scans = [
        "SCAN assignment",
        "SCAN a",
        "SCAN exception",
        "SCAN e",
        "SCAN x",
        "SCAN event",
        "SCAN course_set_progress",
        "SCAN csp",
        "SCAN certification_record",
        "SCAN r",
        "SCAN message",
        "SCAN course_completion",
        "SCAN cc",
        "SCAN learner",
        "SCAN l",
    ];
    for p in plans {
        for l in &p.plan {
            assert!(
                !full_scans.contains(&l.as_str()),
                "{}\n  reads a whole table: {l}\n    {}",
                squeeze(&p.sql),
                p.plan.join("\n    ")
            );
        }
    }
}

#[test]
fn the_engine_and_the_bulk_action_find_their_rows_by_index() {
    let plans = everything();
    // run(now): the two scans of memberships coming due.
    uses(
        plans,
        &["status = 'certified' AND window_opens_at <= ?1"],
        "assignment_status_window (status=? AND window_opens_at<?)",
    );
    uses(
        plans,
        &["status = 'window_open' AND expires_at <= ?1"],
        "assignment_status_expires (status=? AND expires_at<?)",
    );
    // The engine's batch load: each membership's records by their key.
    uses(
        plans,
        &[
            "FROM temp.eng_settle t CROSS JOIN assignment a",
            "certification_record r",
        ],
        "SEARCH r USING PRIMARY KEY (assignment_id=? AND cycle=?)",
    );
    uses(
        plans,
        &["FROM temp.eng_settle t", "course_completion cc"],
        "sqlite_autoindex_course_completion_1 (learner_id=? AND course_id=?)",
    );
    // The bulk action: all raised rows from the partial index; each chunk's rows by key.
    uses(
        plans,
        &[
            "INSERT OR IGNORE INTO temp.eng_act (id) SELECT e.id",
            "e.status = 'raised' AND a.unassigned_at",
        ],
        "SEARCH e USING INDEX exception_raised",
    );
    uses(
        plans,
        &["WHERE id IN (SELECT id FROM temp.eng_act WHERE id BETWEEN ?3 AND ?4)"],
        "eng_act USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)",
    );
    uses(
        plans,
        &["UPDATE course_set_progress AS p"],
        "SEARCH p USING PRIMARY KEY (assignment_id=?)",
    );
    uses(
        plans,
        &["UPDATE certification_record SET started_at"],
        "PRIMARY KEY (assignment_id=?",
    );
    uses(
        plans,
        &["UPDATE exception SET status = ?1, handled_at = ?2"],
        "INTEGER PRIMARY KEY",
    );
    uses(
        plans,
        &["UPDATE assignment SET active = 1, assigned_at = ?2"],
        "INTEGER PRIMARY KEY",
    );
}

#[test]
fn every_candidate_query_walks_the_index_of_its_event_instant() {
    let plans = everything();
    // Rows come in (instant, key) order straight from the index: a chunk stops at its LIMIT.
    for (instant, index) in [
        ("a.due_at BETWEEN ?2 AND ?3", "SEARCH a USING INDEX assignment_due (due_at>? AND due_at<?)"),
        ("a.expires_at BETWEEN ?2 AND ?3", "SEARCH a USING INDEX assignment_status_expires (status=? AND expires_at>? AND expires_at<?)"),
        ("a.window_opens_at BETWEEN ?2 AND ?3", "SEARCH a USING INDEX assignment_status_window (status=? AND window_opens_at>? AND window_opens_at<?)"),
        ("e.occurred_at BETWEEN ?2 AND ?3", "SEARCH e USING INDEX event_occurred (kind=? AND occurred_at>? AND occurred_at<?)"),
        ("e.due_at BETWEEN ?2 AND ?3", "SEARCH e USING INDEX course_set_progress_due (due_at>? AND due_at<?)"),
    ] {
        uses(plans, &[instant, "LIMIT ?4"], index);
        for p in find(plans, &[instant, "LIMIT ?4"]) {
            assert_eq!(p.plan.first().map(String::as_str), Some(index), "{}", squeeze(&p.sql));
            assert!(!p.plan.iter().any(|l| l.contains("ORDER BY")), "{}", p.plan.join("\n"));
        }
    }
}

#[test]
fn the_membership_report_sorted_by_a_membership_column_reads_its_index_in_order() {
    let plans = everything();
    for (order, all, one_program) in [
        (
            "a.status, a.id",
            "assignment_status",
            "assignment_program_status (program_id=?",
        ),
        (
            "coalesce(a.due_at, 9223372036854775807), a.id",
            "assignment_sort_due",
            "assignment_program_sort_due (program_id=?",
        ),
        (
            "coalesce(a.expires_at, 9223372036854775807), a.id",
            "assignment_sort_expires",
            "assignment_program_sort_expires (program_id=?",
        ),
        (
            "coalesce(a.window_opens_at, 9223372036854775807), a.id",
            "assignment_sort_window",
            "assignment_program_sort_window (program_id=?",
        ),
        (
            "a.exception_status, a.id",
            "assignment_sort_exception",
            "assignment_sort_exception",
        ),
    ] {
        for desc in ["", " DESC"] {
            let order = order.replace(", a.id", &format!("{desc}, a.id{desc}"));
            let sorted = format!("ORDER BY {order} LIMIT ?");
            for p in find(plans, &[&sorted]) {
                let index = if squeeze(&p.sql).contains("a.program_id = ?") {
                    one_program
                } else {
                    all
                };
                if index == "assignment_sort_exception"
                    && squeeze(&p.sql).contains("a.program_id = ?")
                {
                    // No index holds (program, exception status): one program's rows are sorted.
                    continue;
                }
                assert!(
                    p.plan.iter().any(|l| l.contains(index))
                        && !p.plan.iter().any(|l| l.contains("FOR ORDER BY")),
                    "{}\n  expected {index} in order, got:\n    {}",
                    squeeze(&p.sql),
                    p.plan.join("\n    ")
                );
            }
        }
    }
    // The report's counts and filters read an index too.
    uses(
        plans,
        &[
            "SELECT count(*) FROM learner l JOIN assignment a",
            "a.program_id = ? AND a.status = ?",
        ],
        "assignment_program_status (program_id=? AND status=?)",
    );
    uses(
        plans,
        &[
            "ORDER BY l.full_name, l.id, a.program_id",
            "a.program_id = ?",
        ],
        "(program_id=?",
    );
    uses(
        plans,
        &["expires_at > ?1 AND expires_at <= ?2"],
        "assignment_status_expires",
    );
    uses(plans, &["due_at >= ?1 AND due_at < ?2"], "assignment_due");
}

/// Each exception action, previewed then applied to every raised row it allows.
fn bulk_actions(w: &mut Writer) {
    let all = Selection {
        all: true,
        ..Default::default()
    };
    let one_kind = Selection {
        kind: Some(ExceptionKind::TimeAllowance),
        ids: vec![1, 2],
        ..Default::default()
    };
    for action in ExceptionAction::ALL {
        w.write(|tx| preview(tx, &one_kind, action)).unwrap();
    }
    for action in [
        ExceptionAction::Assign,
        ExceptionAction::SetRealisticDueDate,
        ExceptionAction::DoNotAssign,
    ] {
        w.write(|tx| apply(tx, now(), &all, action, &mut |_, _| {}))
            .unwrap();
    }
}

/// A rule of every trigger, timing and recipient kind on a certification, then `run(now)`
/// a year later: the engine's scans and batches, and every candidate query.
fn run_with_every_rule(w: &mut Writer) {
    let program: i64 = w
        .conn()
        .query_row(
            "SELECT min(id) FROM program WHERE kind = 'certification'",
            [],
            |x| x.get(0),
        )
        .unwrap();
    w.write(|tx| {
        for &trigger in Trigger::ALL {
            for &timing in trigger.timings() {
                for &recipients in trigger.recipients() {
                    let input = RuleInput {
                        trigger,
                        timing,
                        offset_amount: u32::from(timing != Timing::On),
                        offset_unit: OffsetUnit::Day,
                        recipients,
                        learner_subject: "s".into(),
                        learner_body: "b %userfullname%".into(),
                        manager_subject: "s".into(),
                        manager_body: "b".into(),
                        enabled: true,
                    };
                    notify::create_rule(tx, program, &input, now())?;
                }
            }
        }
        Ok(())
    })
    .unwrap();
    scheduler::run(w, now() + SignedDuration::from_hours(24 * 400)).unwrap();
}

/// Every report page and figure the desktop shows, in each sort and filter.
fn reports(r: &certdesk_core::Reader) {
    let program = r
        .query_row(
            "SELECT min(id) FROM program WHERE kind = 'certification'",
            [],
            |x| x.get(0),
        )
        .unwrap();
    dashboard(r, now()).unwrap();
    outlook(r, now()).unwrap();
    let columns = [
        None,
        Some(SortColumn::LearnerName),
        Some(SortColumn::LearnerIdNumber),
        Some(SortColumn::Program),
        Some(SortColumn::Status),
        Some(SortColumn::DueDate),
        Some(SortColumn::ExpiryDate),
        Some(SortColumn::WindowOpensDate),
        Some(SortColumn::ExceptionStatus),
    ];
    for column in columns {
        for descending in [false, true] {
            for program_id in [None, Some(program)] {
                let q = MembershipQuery {
                    program_id,
                    sort: column.map(|column| MembershipSort { column, descending }),
                    limit: 5,
                    ..Default::default()
                };
                let first = membership_page(r, &q).unwrap();
                let next = MembershipQuery {
                    after: first.next,
                    ..q
                };
                membership_page(r, &next).unwrap();
            }
        }
    }
    for status in [Some(AssignmentStatus::Certified), None] {
        for exception_status in [None, Some(ExceptionStatus::Raised)] {
            for program_id in [None, Some(program)] {
                let q = MembershipQuery {
                    program_id,
                    status,
                    exception_status,
                    limit: 5,
                    ..Default::default()
                };
                membership_page(r, &q).unwrap();
                membership_count(r, &q).unwrap();
            }
        }
    }
    for program_id in [None, Some(program)] {
        let q = CompletionQuery {
            program_id,
            limit: 5,
            ..Default::default()
        };
        let first = completion_page(r, &q).unwrap();
        completion_page(
            r,
            &CompletionQuery {
                after: first.next,
                ..q
            },
        )
        .unwrap();
    }
    for kind in [None, Some(ExceptionKind::TimeAllowance)] {
        certdesk_core::exception::action::raised_exceptions(r, kind, None, 5).unwrap();
    }
}
