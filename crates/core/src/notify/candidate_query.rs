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

/// Who a candidate query finds: the learner, each of their managers, or each of their
/// managers' managers (second level, for an escalating rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Learner,
    Manager,
    Second,
}

impl Kind {
    /// The letter that starts the recipient part of the dedup key (`l`, `m<id>`, `s<id>`),
    /// and the kind's value in the query's kinds column.
    fn letter(self) -> &'static str {
        match self {
            Kind::Learner => "l",
            Kind::Manager => "m",
            Kind::Second => "s",
        }
    }
}

/// The recipients of each membership row, joined after it (the row is read once for all
/// kinds): `rk.value` is the kind; a manager row per manager of the learner (`ml`), or one
/// with none; a second-level row per manager's manager (`sl`). Both joins are empty for the
/// learner's own row.
const RECIPIENTS: &str = "LEFT JOIN manager_link ml ON rk.value IN ('m', 's')
        AND ml.learner_id = a.learner_id
     LEFT JOIN manager_link sl ON rk.value = 's' AND sl.learner_id = ml.manager_id
        AND sl.manager_id <> a.learner_id
     LEFT JOIN learner m ON m.id = (CASE rk.value WHEN 'm' THEN ml.manager_id
        WHEN 's' THEN sl.manager_id END)";
/// The learner's managers' managers, each once: a row per second-level manager, or one row
/// with none (`sl.manager_id` NULL) when no manager of the learner has a manager.
const SECOND_LEVEL_ONCE: &str = "(sl.manager_id IS NOT NULL
        AND ml.manager_id = (SELECT min(x.manager_id) FROM manager_link x
            JOIN manager_link y ON y.learner_id = x.manager_id AND y.manager_id = sl.manager_id
            WHERE x.learner_id = a.learner_id)
      OR sl.manager_id IS NULL AND ml.manager_id IS NULL
      OR sl.manager_id IS NULL AND NOT EXISTS (SELECT 1 FROM manager_link x
            JOIN manager_link y ON y.learner_id = x.manager_id AND y.manager_id <> a.learner_id
            WHERE x.learner_id = a.learner_id)
         AND ml.manager_id = (SELECT min(manager_id) FROM manager_link
            WHERE learner_id = a.learner_id))";

/// The assignment is active: no raised, not-assigned or dismissed exception (rule 4).
const ACTIVE: &str = "a.active = 1 AND a.unassigned_at IS NULL
     AND a.exception_status NOT IN ('raised', 'not_assigned', 'dismissed')";

/// The candidate query of one rule shape for the recipient kinds `kinds` (issue 12: one
/// query reads each membership once for all of them, rather than one query per kind reading
/// the same rows again). Parameters: ?1 the rule ids as a JSON array, ?2 and ?3 the range of
/// event instants, ?4 the most rows to check (-1: all), ?5 the lowest tie-break key at
/// instant ?2 (the event's or membership's id). The last two columns are the assignment
/// episode and the recipient kind.
/// Rows come in the order of (event instant, key) (the index order: no sort; the rows of one
/// key, a recipient each, in the order of `kinds` then of the managers' ids), so a chunked
/// run can stop after ?4 rows and go on from the last (instant, key) it saw without reading
/// again the rows of that instant it already queued. A row already queued (its first
/// message's dedup key in the log: `candidates::dedup_key` with repeat 0, built here in SQL
/// the same way) is returned, flagged by column 21, not filtered out: a burst of rows all
/// already queued then counts against ?4 too, and a page never checks more than ?4 rows.
pub(super) fn query(trigger: Trigger, timing: Timing, kinds: &[Kind], want_mgr: bool) -> String {
    query_scoped(trigger, timing, kinds, want_mgr, false)
}

/// Why a row of one membership ([`query_scoped`] with `one`) would be filtered out by a
/// run: the trigger's condition no longer holds, the learner is suspended, or the
/// membership is not active (unassigned, inactive, or an exception raised, not assigned or
/// dismissed). NULL when the run would keep it. The explainer's reason codes.
fn filtered(cond: &str, active: bool) -> String {
    let inactive = if active {
        format!(
            "WHEN NOT ({ACTIVE}) THEN CASE
                WHEN a.unassigned_at IS NOT NULL THEN 'unassigned'
                WHEN a.exception_status IN ('raised', 'not_assigned', 'dismissed')
                    THEN 'exception_' || a.exception_status
                ELSE 'inactive' END"
        )
    } else {
        String::new()
    };
    format!(
        "CASE WHEN NOT ({cond}) THEN 'condition' WHEN l.suspended <> 0 THEN 'suspended'
         {inactive} END"
    )
}

/// [`query`], or with `one` the same query for one membership (?6) for the explainer: it
/// starts from that membership rather than the index range, and returns the rows a run
/// filters out with the reason ([`filtered`]) as a last column instead of dropping them.
pub(super) fn query_scoped(
    trigger: Trigger,
    timing: Timing,
    kinds: &[Kind],
    want_mgr: bool,
    one: bool,
) -> String {
    let (from, at, cond, active) = source(trigger, timing);
    let (why, from) = if one {
        (
            format!(", {}", filtered(cond, active)),
            from.replace("CROSS JOIN", "JOIN"),
        )
    } else {
        (String::new(), from.to_string())
    };
    let from = from.as_str();
    // One membership: its events by the membership (`+` keeps the planner off the index
    // of event instants, which a run walks).
    let at = if one {
        format!("+{at}")
    } else {
        at.to_string()
    };
    let active = if active { ACTIVE } else { "1" };
    let filters = if one && from.starts_with("event") {
        // Which event it is, not a condition that stopped holding: no row, no reminder.
        format!("a.id = ?6 AND {cond}")
    } else if one {
        "a.id = ?6".to_string()
    } else {
        // Last: the cheap conditions first, then whether a message is due in range at all.
        format!(
            "{cond} AND {active} AND l.suspended = 0 AND {}",
            super::near::condition(&at)
        )
    };
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
    // The assignment episode: an event's own (assigned and unassigned carry theirs), else
    // the membership's current one (the reminders of the episode under way).
    let episode = if per_event && !from.starts_with("course_set_progress") {
        "e.episode"
    } else {
        "a.episode"
    };
    // The episode part of the dedup key, in step with `candidates.rs`'s `dedup_key`: nothing
    // for the first episode (every key written before episodes existed stays as it was),
    // `.e<n>` from the second on.
    let episode_key = format!("CASE WHEN {episode} > 1 THEN '.e' || {episode} ELSE '' END");
    let set_label = if per_event {
        "ifnull((SELECT label FROM course_set WHERE id = e.course_set_id), '')"
    } else {
        "''"
    };
    let kinds_json = format!(
        "[{}]",
        kinds
            .iter()
            .map(|k| format!("\"{}\"", k.letter()))
            .collect::<Vec<_>>()
            .join(",")
    );
    // The learner's own copy names every manager when its template does.
    let (lname, lemail) = if want_mgr {
        (
            "(SELECT group_concat(x.full_name, ', ') FROM manager_link k JOIN learner x ON x.id = k.manager_id WHERE k.learner_id = a.learner_id)",
            "(SELECT group_concat(x.email, ', ') FROM manager_link k JOIN learner x ON x.id = k.manager_id WHERE k.learner_id = a.learner_id)",
        )
    } else {
        ("NULL", "NULL")
    };
    let rid = "CASE rk.value WHEN 'm' THEN ml.manager_id WHEN 's' THEN sl.manager_id END";
    let rcols = format!(
        "CASE rk.value WHEN 'l' THEN {lname} ELSE m.full_name END,
         CASE rk.value WHEN 'l' THEN {lemail} ELSE m.email END,
         CASE rk.value WHEN 'l' THEN NULL ELSE m.time_zone END, {rid}"
    );
    let rkey = format!("CASE rk.value WHEN 'l' THEN 'l' ELSE rk.value || ifnull({rid}, 0) END");
    let once = if kinds.contains(&Kind::Second) {
        format!("AND (rk.value <> 's' OR {SECOND_LEVEL_ONCE})")
    } else {
        String::new()
    };
    // The first message's dedup key, as `candidates::dedup_key` builds it (one `printf`
    // rather than a chain of `||`, each of which makes a string: every row builds it).
    let first_key =
        format!("printf('%d.%d.%d.%d.%s%s', r.id, a.id, {cycle}, {set}, {rkey}, {episode_key})");
    // A manager copy (either level) listed in a digest is logged there under the same key
    // (looked up only for those: a CASE goes no further than its first true branch).
    let in_digest = if kinds.iter().any(|k| *k != Kind::Learner) {
        format!(
            " WHEN rk.value <> 'l'
               THEN EXISTS (SELECT 1 FROM digest_item WHERE dedup_key = {first_key})"
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
                CASE WHEN EXISTS (SELECT 1 FROM message WHERE dedup_key = {first_key}) THEN 1
                     {in_digest} ELSE 0 END,
                {episode}, rk.value{why}
         FROM {from}
         CROSS JOIN notification_rule r ON r.program_id = a.program_id
            AND r.id IN (SELECT value FROM json_each(?1))
         JOIN learner l ON l.id = a.learner_id
         JOIN program p ON p.id = a.program_id
         CROSS JOIN json_each('{kinds_json}') rk
         {RECIPIENTS}
         WHERE {at} BETWEEN ?2 AND ?3 AND ({at} > ?2 OR {key} >= ?5) AND {filters} {once}
         ORDER BY {at}, {key}
         LIMIT ?4"
    );
    sql
}

/// One row of the candidate query ([`query`]), its columns in the order of the `SELECT`.
pub(super) struct CandidateRow {
    pub(super) assignment_id: i64,
    pub(super) cycle: i64,
    pub(super) course_set_id: i64,
    pub(super) event_at: i64,
    pub(super) learner_name: String,
    pub(super) learner_id_number: String,
    pub(super) learner_email: String,
    pub(super) learner_zone: String,
    pub(super) due_at: Option<i64>,
    pub(super) expires_at: Option<i64>,
    pub(super) window_opens_at: Option<i64>,
    pub(super) set_label: String,
    /// `certification` or `recertification`: the path whose criteria the message describes.
    pub(super) path: String,
    pub(super) program_name: String,
    /// The manager of a manager copy, or every manager's names and addresses joined when a
    /// learner's template names them.
    pub(super) manager_name: Option<String>,
    pub(super) manager_email: Option<String>,
    pub(super) manager_zone: Option<String>,
    /// `None` on a manager copy for a learner without a manager.
    pub(super) manager_id: Option<i64>,
    /// `l`, or `m<manager id>`: the recipient part of the dedup key.
    pub(super) recipient_key: String,
    pub(super) rule_id: i64,
    /// The tie-break key within one instant (event or membership id).
    pub(super) key: i64,
    /// The dedup key is already in the log: nothing to queue.
    pub(super) logged: bool,
    /// The assignment episode (1 until the learner is assigned again after an unassignment).
    pub(super) episode: i64,
    /// Whom this row's messages go to.
    pub(super) kind: Kind,
}

impl CandidateRow {
    pub(super) fn read(r: &rusqlite::Row) -> rusqlite::Result<Self> {
        Ok(CandidateRow {
            assignment_id: r.get(0)?,
            cycle: r.get(1)?,
            course_set_id: r.get(2)?,
            event_at: r.get(3)?,
            learner_name: r.get(4)?,
            learner_id_number: r.get(5)?,
            learner_email: r.get(6)?,
            learner_zone: r.get(7)?,
            due_at: r.get(8)?,
            expires_at: r.get(9)?,
            window_opens_at: r.get(10)?,
            set_label: r.get(11)?,
            path: r.get(12)?,
            program_name: r.get(13)?,
            manager_name: r.get(14)?,
            manager_email: r.get(15)?,
            manager_zone: r.get(16)?,
            manager_id: r.get(17)?,
            recipient_key: r.get(18)?,
            rule_id: r.get(19)?,
            key: r.get(20)?,
            logged: r.get(21)?,
            episode: r.get(22)?,
            kind: match r.get_ref(23)? {
                rusqlite::types::ValueRef::Text(b"m") => Kind::Manager,
                rusqlite::types::ValueRef::Text(b"s") => Kind::Second,
                _ => Kind::Learner,
            },
        })
    }
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
        super::super::near::register(&r).expect("near");
        for &t in Trigger::ALL.iter().filter(|t| **t != Trigger::Exception) {
            for &timing in t.timings() {
                for kinds in [
                    &[Kind::Learner][..],
                    &[Kind::Manager],
                    &[Kind::Learner, Kind::Manager, Kind::Second],
                ] {
                    let sql = query(t, timing, kinds, true);
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

    /// The explainer's query of one membership starts from that membership (its primary
    /// key, or its events by membership), not from the range of event instants a run walks.
    #[test]
    fn the_one_membership_query_starts_from_the_membership() {
        let dir = tempfile::tempdir().expect("dir");
        let db = crate::Db::open(dir.path().join("s.sqlite")).expect("open");
        let r = db.reader().expect("reader");
        for &t in Trigger::ALL.iter().filter(|t| **t != Trigger::Exception) {
            for &timing in t.timings() {
                for kinds in [
                    &[Kind::Learner][..],
                    &[Kind::Learner, Kind::Manager, Kind::Second],
                ] {
                    let sql = query_scoped(t, timing, kinds, true, true);
                    let plan: Vec<String> = r
                        .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                        .expect("prepare")
                        .query_map(params!["[1]", 0, 1, 100, 0, 1], |x| x.get::<_, String>(3))
                        .expect("plan")
                        .collect::<rusqlite::Result<_>>()
                        .expect("rows");
                    let outer = plan.first().cloned().unwrap_or_default();
                    assert!(
                        outer.starts_with("SEARCH")
                            && (outer.contains("(rowid=?)") || outer.contains("assignment_id=?")),
                        "{t:?} {timing:?}: {plan:#?}"
                    );
                    // Only the rule ids and the recipient kinds (`rk`) are scanned: both
                    // are short JSON lists.
                    assert!(
                        !plan.iter().any(|p| p.starts_with("SCAN")
                            && !p.contains("json_each")
                            && !p.starts_with("SCAN rk ")),
                        "{t:?} {timing:?}: {plan:#?}"
                    );
                }
            }
        }
    }
}
