//! The bare SQL bound of `run(now)`'s queueing (docs/BENCHMARKS.md, "run(now) memory and
//! speed"): the same selection and inserts in plain SQL, on a copy of the same store, in one
//! transaction (`synchronous=FULL`, foreign keys on, as the store's connections, and the
//! 16 MiB page cache `run(now)` gives its connection).
//!
//! One `INSERT … SELECT` per rule shape (trigger, timing, offset, recipients) and recipient
//! kind, from the same index range on the event instant, with the same conditions (the
//! learner active and not suspended, the dedup key not yet in the log), the message text
//! made by `replace()` on the rule's template (dates in UTC), then one `INSERT … SELECT` into
//! the outbox. What it leaves out is what Rust adds: send instants in each learner's zone,
//! dates in words, HTML escaping, chunks and their pauses.

use std::time::{Duration, Instant};

use rusqlite::{params, Connection};

const HORIZON_DAYS: i64 = 60;

/// What the bare SQL queued and skipped (or failed), and how long it took.
pub struct Bare {
    pub queued: i64,
    pub skipped: i64,
    pub took: Duration,
}

/// (FROM, event instant, condition, learner must be active, per event) of a trigger, as in
/// `notify/candidate_query.rs`.
fn source(trigger: &str, timing: &str) -> (&'static str, &'static str, String, bool, bool) {
    const EVENT: &str = "event e CROSS JOIN assignment a ON a.id = e.assignment_id";
    let ev = |k: &str| {
        (
            EVENT,
            "e.occurred_at",
            format!("e.kind = '{k}'"),
            true,
            true,
        )
    };
    match trigger {
        "unassigned" => (
            EVENT,
            "e.occurred_at",
            "e.kind = 'unassigned'".into(),
            false,
            true,
        ),
        "course_set_due" => (
            "course_set_progress e CROSS JOIN assignment a ON a.id = e.assignment_id",
            "e.due_at",
            "e.completed_at IS NULL".into(),
            true,
            true,
        ),
        "due_date" => (
            "assignment a",
            "a.due_at",
            "a.status NOT IN ('complete', 'certified')".into(),
            true,
            false,
        ),
        "expiry" => (
            "assignment a",
            "a.expires_at",
            "a.status = 'window_open'".into(),
            true,
            false,
        ),
        "window_open" => (
            "assignment a",
            "a.window_opens_at",
            if timing == "before" {
                "a.status = 'certified'"
            } else {
                "a.status = 'window_open'"
            }
            .into(),
            true,
            false,
        ),
        other => ev(other),
    }
}

fn render(t: &str) -> String {
    format!(
        "replace(replace(replace(replace(replace({t},
            '%programfullname%', p.full_name), '%userfullname%', l.full_name),
            '%useridnumber%', l.id_number),
            '%duedate%', ifnull(strftime('%d %m %Y', a.due_at, 'unixepoch'), '')),
            '%completioncriteria%', 'Core: every course')"
    )
}

type Shape = (String, String, i64, String, String);

fn insert_sql(s: &Shape, manager: bool) -> String {
    let (trigger, timing, n, unit, _) = s;
    let (from, at, cond, active, per_event) = source(trigger, timing);
    let unit = match unit.as_str() {
        "week" => 7 * 86_400,
        "month" => 30 * 86_400,
        _ => 86_400,
    };
    let shift = match timing.as_str() {
        "before" => -n * unit,
        "after" => n * unit,
        _ => 0,
    };
    let (cycle, set) = if per_event {
        ("e.cycle", "e.course_set_id")
    } else {
        ("a.cycle", "0")
    };
    let active = if active {
        "a.active = 1 AND a.unassigned_at IS NULL
         AND a.exception_status NOT IN ('raised', 'not_assigned', 'dismissed')"
    } else {
        "1"
    };
    let (join, rkey, email, subject, body, kind, no_mgr) = if manager {
        (
            "LEFT JOIN manager_link ml ON ml.learner_id = a.learner_id
             LEFT JOIN learner m ON m.id = ml.manager_id",
            "'m' || ifnull(ml.manager_id, 0)",
            "ifnull(m.email, '')",
            render("r.manager_subject"),
            render("r.manager_body"),
            "manager",
            "ml.manager_id IS NULL",
        )
    } else {
        (
            "",
            "'l'",
            "l.email",
            render("r.learner_subject"),
            render("r.learner_body"),
            "learner",
            "0",
        )
    };
    let passed = if timing == "before" {
        format!("{at} <= ?1")
    } else {
        "0".into()
    };
    format!(
        "INSERT INTO message (dedup_key, rule_id, assignment_id, cycle, course_set_id,
            recipient_kind, recipient_email, subject, body_html, body_text, state, skip_reason,
            created_at, trigger)
         SELECT r.id || '.' || a.id || '.' || {cycle} || '.' || {set} || '.' || {rkey},
            r.id, a.id, {cycle}, {set}, '{kind}', {email}, {subject},
            '<p>' || replace({body}, char(10), '<br>') || '</p>', {body},
            CASE WHEN {passed} OR {no_mgr} THEN 'skipped'
                 WHEN trim({email}) = '' THEN 'failed' ELSE 'queued' END,
            CASE WHEN {passed} THEN 'event passed' WHEN {no_mgr} THEN 'no manager'
                 WHEN trim({email}) = '' THEN 'no email address' END,
            ?1, r.trigger
         FROM {from}
         CROSS JOIN notification_rule r ON r.program_id = a.program_id AND r.enabled = 1
            AND r.trigger = ?2 AND r.timing = ?3 AND r.offset_amount = ?4 AND r.offset_unit = ?5
            AND r.recipients = ?6
         JOIN learner l ON l.id = a.learner_id
         JOIN program p ON p.id = a.program_id
         {join}
         WHERE {at} BETWEEN ?7 - ({shift}) AND ?1 - ({shift})
           AND {at} + ({shift}) BETWEEN max(r.effective_from, ?7) AND ?1
           AND {cond} AND {active} AND l.suspended = 0
         ON CONFLICT (dedup_key) DO NOTHING"
    )
}

/// Queues in plain SQL on the store at `path` (a copy) what `run(now)` would queue at `now`.
pub fn bound(path: &str, now: i64) -> rusqlite::Result<Bare> {
    let c = Connection::open(path)?;
    c.pragma_update(None, "foreign_keys", true)?;
    c.pragma_update(None, "journal_mode", "WAL")?;
    c.pragma_update(None, "synchronous", "FULL")?;
    // The page cache `run(now)` gives its connection (scheduler/mod.rs).
    c.pragma_update(None, "cache_size", -16 * 1024)?;
    let t = Instant::now();
    c.execute_batch("BEGIN IMMEDIATE")?;
    let lo: i64 = c.query_row(
        "SELECT max(ifnull(min(effective_from), ?1), ?2) FROM notification_rule WHERE enabled = 1",
        params![now, now - HORIZON_DAYS * 86_400],
        |r| r.get(0),
    )?;
    let before: i64 = c.query_row("SELECT ifnull(max(id), 0) FROM message", [], |r| r.get(0))?;
    let shapes: Vec<Shape> = c
        .prepare(
            "SELECT DISTINCT trigger, timing, offset_amount, offset_unit, recipients
             FROM notification_rule WHERE enabled = 1 AND trigger <> 'exception'",
        )?
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for s in &shapes {
        for manager in [false, true] {
            let wanted = match s.4.as_str() {
                "both" => true,
                "managers" => manager,
                _ => !manager,
            };
            if wanted {
                c.execute(
                    &insert_sql(s, manager),
                    params![now, s.0, s.1, s.2, s.3, s.4, lo],
                )?;
            }
        }
    }
    let queued = c.execute(
        "INSERT INTO outbox (message_id, message_id_hdr, raw, state, next_attempt_at)
         SELECT id, '<' || dedup_key || '.bare@certdesk.localhost>', X'', 'queued', ?2
         FROM message WHERE id > ?1 AND state = 'queued'",
        params![before, now],
    )?;
    let all: i64 = c.query_row(
        "SELECT count(*) FROM message WHERE id > ?1",
        [before],
        |r| r.get(0),
    )?;
    c.execute_batch("COMMIT")?;
    Ok(Bare {
        queued: queued as i64,
        skipped: all - queued as i64,
        took: t.elapsed(),
    })
}
