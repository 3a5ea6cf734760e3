//! Every index of `assignment` is there for a query the app runs, and the hot queries use
//! the index they were written for (issue 15's index review, migration 006).
//!
//! The statements are not copied here: each action runs for real on a migrated demo store
//! (no `ANALYZE`, like a user's store) while SQLite's trace records every statement it
//! prepares on that connection; `EXPLAIN QUERY PLAN` then runs on each, on the same
//! connection (its temporary tables included). Dropping an index a query needs, or a query
//! losing its index after an edit, fails here.

mod actions;
mod capture;
mod digests;

use actions::everything;
use capture::{find, squeeze, uses};

use crate::temp_db;

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
        &["status = 'window_open' AND expires_at < ?1"],
        "assignment_status_expires (status=? AND expires_at<?)",
    );
    // run(now)'s exception alerts: which programs have an exception to tell of, from the
    // index of the exceptions not yet alerted, not a walk of every program's memberships.
    uses(
        plans,
        &["SELECT DISTINCT a.program_id", "x.alerted_at IS NULL"],
        "SCAN x USING INDEX exception_unalerted",
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
    // The report's filters read an index too (its counts without a text filter come from
    // the summary figures, report/summary.rs).
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
}
