//! The SQL of the candidate query: where each trigger's event instant comes from, the
//! condition that must still hold, and the columns a template needs. Checked by a test to
//! start from an index range on the event instant.

use super::rule::{Timing, Trigger};

/// Where a trigger's event instant comes from, and the condition that must still hold:
/// (FROM clause, event-instant expression, condition, whether the learner must be active).
fn source(trigger: Trigger, timing: Timing) -> (&'static str, &'static str, &'static str, bool) {
    // CROSS JOIN keeps the event side first: the scan starts from the instants in range.
    const EVENT: &str = "event e CROSS JOIN assignment a ON a.id = e.assignment_id";
    const ASSIGNMENT: &str = "assignment a";
    match trigger {
        Trigger::Assigned => (EVENT, "e.occurred_at", "e.kind = 'assigned'", true),
        Trigger::Completed => (EVENT, "e.occurred_at", "e.kind = 'completed'", true),
        Trigger::CourseSetCompleted => (
            EVENT,
            "e.occurred_at",
            "e.kind = 'course_set_completed'",
            true,
        ),
        Trigger::CourseSetDue => (
            "course_set_progress e CROSS JOIN assignment a ON a.id = e.assignment_id",
            "e.due_at",
            "e.completed_at IS NULL",
            true,
        ),
        // The assignment is gone: whether it was active no longer matters.
        Trigger::Unassigned => (EVENT, "e.occurred_at", "e.kind = 'unassigned'", false),
        Trigger::FailedRecertify => (EVENT, "e.occurred_at", "e.kind = 'failed_recertify'", true),
        Trigger::DueDate => (
            ASSIGNMENT,
            "a.due_at",
            "a.status NOT IN ('complete', 'certified')",
            true,
        ),
        Trigger::Expiry => (ASSIGNMENT, "a.expires_at", "a.status = 'window_open'", true),
        Trigger::WindowOpen if timing == Timing::Before => (
            ASSIGNMENT,
            "a.window_opens_at",
            "a.status = 'certified'",
            true,
        ),
        Trigger::WindowOpen => (
            ASSIGNMENT,
            "a.window_opens_at",
            "a.status = 'window_open'",
            true,
        ),
        Trigger::Exception => (ASSIGNMENT, "NULL", "0", false),
    }
}

/// The assignment is active: no raised, not-assigned or dismissed exception (rule 4).
const ACTIVE: &str = "a.active = 1 AND a.unassigned_at IS NULL
     AND a.exception_status NOT IN ('raised', 'not_assigned', 'dismissed')";

/// The candidate query of one rule shape and recipient kind. Parameters: ?1 the rule ids as
/// a JSON array, ?2 and ?3 the range of event instants, ?4 the most rows to check (-1: all),
/// ?5 the lowest tie-break key at instant ?2 (the event's or membership's id).
/// Rows come in the order of (event instant, key) (the index order: no sort), so a chunked
/// run can stop after ?4 rows and go on from the last (instant, key) it saw without reading
/// again the rows of that instant it already queued. A row already queued (its dedup key in
/// the log) is returned, flagged by the last column, not filtered out: a burst of rows all
/// already queued then counts against ?4 too, and a page never checks more than ?4 rows.
pub(super) fn query(
    trigger: Trigger,
    timing: Timing,
    manager_copy: bool,
    want_mgr: bool,
) -> String {
    let (from, at, cond, active) = source(trigger, timing);
    let active = if active { ACTIVE } else { "1" };
    let per_event = !from.starts_with("assignment");
    let (cycle, set) = if per_event {
        ("e.cycle", "e.course_set_id")
    } else {
        ("a.cycle", "0")
    };
    // The tie-break within one instant, in index order (the index's trailing key).
    let key = if from.starts_with("course_set_progress") {
        "e.assignment_id"
    } else if per_event {
        "e.id"
    } else {
        "a.id"
    };
    let set_label = if per_event {
        "ifnull((SELECT label FROM course_set WHERE id = e.course_set_id), '')"
    } else {
        "''"
    };
    let (join, rkey, rcols) = if manager_copy {
        (
            "LEFT JOIN manager_link ml ON ml.learner_id = a.learner_id
             LEFT JOIN learner m ON m.id = ml.manager_id",
            "'m' || ifnull(ml.manager_id, 0)",
            "m.full_name, m.email, m.time_zone, ml.manager_id",
        )
    } else if want_mgr {
        (
            "",
            "'l'",
            "(SELECT group_concat(x.full_name, ', ') FROM manager_link k JOIN learner x ON x.id = k.manager_id WHERE k.learner_id = a.learner_id),
             (SELECT group_concat(x.email, ', ') FROM manager_link k JOIN learner x ON x.id = k.manager_id WHERE k.learner_id = a.learner_id),
             NULL, NULL",
        )
    } else {
        ("", "'l'", "NULL, NULL, NULL, NULL")
    };
    // A manager copy listed in a digest is logged there under the same key.
    let in_digest = if manager_copy {
        format!(
            " OR EXISTS (SELECT 1 FROM digest_item WHERE dedup_key =
                r.id || '.' || a.id || '.' || {cycle} || '.' || {set} || '.' || {rkey})"
        )
    } else {
        String::new()
    };
    let sql = format!(
        "SELECT a.id, {cycle}, {set}, {at}, l.full_name, l.id_number, l.email, l.time_zone,
                a.due_at, a.expires_at, a.window_opens_at, {set_label},
                CASE WHEN a.status IN ('certified', 'window_open') THEN 'recertification'
                     ELSE 'certification' END,
                p.full_name, {rcols}, {rkey}, r.id, {key},
                EXISTS (SELECT 1 FROM message WHERE dedup_key =
                    r.id || '.' || a.id || '.' || {cycle} || '.' || {set} || '.' || {rkey}){in_digest}
         FROM {from}
         CROSS JOIN notification_rule r ON r.program_id = a.program_id
            AND r.id IN (SELECT value FROM json_each(?1))
         JOIN learner l ON l.id = a.learner_id
         JOIN program p ON p.id = a.program_id
         {join}
         WHERE {at} BETWEEN ?2 AND ?3 AND ({at} > ?2 OR {key} >= ?5) AND {cond} AND {active}
           AND l.suspended = 0
         ORDER BY {at}, {key}
         LIMIT ?4"
    );
    sql
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::params;

    /// The hot queries of `run(now)` start from an index range on the event instant, never
    /// from a scan of the events or the memberships.
    #[test]
    fn every_candidate_query_starts_from_an_index_range() {
        let dir = tempfile::tempdir().expect("dir");
        let db = crate::Db::open(dir.path().join("s.sqlite")).expect("open");
        let r = db.reader().expect("reader");
        for &t in Trigger::ALL.iter().filter(|t| **t != Trigger::Exception) {
            for &timing in t.timings() {
                for manager_copy in [false, true] {
                    let sql = query(t, timing, manager_copy, true);
                    let plan: Vec<String> = r
                        .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                        .expect("prepare")
                        .query_map(params!["[1]", 0, 1, 100, 0], |x| x.get::<_, String>(3))
                        .expect("plan")
                        .collect::<rusqlite::Result<_>>()
                        .expect("rows");
                    let outer = plan.first().cloned().unwrap_or_default();
                    assert!(
                        outer.starts_with("SEARCH") && outer.contains("INDEX"),
                        "{t:?} {timing:?}: {plan:#?}"
                    );
                    assert!(
                        !plan.iter().any(|p| p == "SCAN a" || p == "SCAN e"),
                        "{t:?} {timing:?}: {plan:#?}"
                    );
                    // The chunks' LIMIT stops the index walk early: no sort of the range.
                    assert!(
                        !plan.iter().any(|p| p.contains("ORDER BY")),
                        "{t:?} {timing:?}: {plan:#?}"
                    );
                }
            }
        }
    }
}
