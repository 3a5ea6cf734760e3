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
//!
//! Issue 12: a repeating rule's messages are the rows of its candidates joined with the
//! repeat numbers `k` (0..=repeat max) whose instant (the first message's, plus k × the
//! interval) lies in range, keyed `.r<k>` from k = 1; an escalating rule has a third
//! recipient kind, the managers' managers (two joins on `manager_link`; one skipped row,
//! at the first escalating repeat, for a learner without one); a digest rule's manager copies
//! that would be queued go into `digest_item` instead (a second `INSERT … SELECT` over the
//! same range, for those rules only), and at the end one `INSERT … SELECT … GROUP BY` per
//! manager and frequency composes the digests (subject with the count, the lines joined by
//! `group_concat` in the order the Rust lists them) and one `UPDATE` marks the items. Only
//! the escalations the benchmark uses (`always`, `after_repeat`) are written here. No
//! episodes (the benchmark's store has none after the first).

use std::time::{Duration, Instant};

use rusqlite::{params, Connection};

const HORIZON_DAYS: i64 = 60;

/// What the bare SQL queued and skipped (or failed), and how long it took.
pub struct Bare {
    /// Single messages queued (digests not counted).
    pub queued: i64,
    pub skipped: i64,
    pub digest_items: i64,
    pub digests: i64,
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

/// A rule shape: trigger, timing, offset amount and unit, recipients, repeat every (days),
/// repeat max, escalation, escalate after, and whether any rule of the shape is a digest rule.
type Shape = (
    String,
    String,
    i64,
    String,
    String,
    i64,
    i64,
    String,
    i64,
    bool,
);

/// Who a statement writes for: the learner, each manager, each manager's manager.
#[derive(Clone, Copy, PartialEq)]
enum Level {
    Learner,
    Manager,
    Second,
}

/// Where a statement writes: the message log, or the digest items.
#[derive(Clone, Copy, PartialEq)]
enum Into {
    Message,
    DigestItem,
}

fn insert_sql(s: &Shape, level: Level, into: Into) -> String {
    let (trigger, timing, n, unit, _, every, max, ..) = s;
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
    let every = every * 86_400;
    let back = every * max;
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
    let (join, rkey, mgr, email, subject, body, kind, no_mgr, escalating) = match level {
        Level::Manager => (
            "LEFT JOIN manager_link ml ON ml.learner_id = a.learner_id
             LEFT JOIN learner m ON m.id = ml.manager_id",
            "'m' || ifnull(ml.manager_id, 0)",
            "ml.manager_id",
            "ifnull(m.email, '')",
            render("r.manager_subject"),
            render("r.manager_body"),
            "manager",
            "ml.manager_id IS NULL",
            "1",
        ),
        Level::Second => (
            "LEFT JOIN manager_link ml ON ml.learner_id = a.learner_id
             LEFT JOIN manager_link sl ON sl.learner_id = ml.manager_id
                AND sl.manager_id <> a.learner_id
             LEFT JOIN learner m ON m.id = sl.manager_id",
            "'s' || ifnull(sl.manager_id, 0)",
            "sl.manager_id",
            "ifnull(m.email, '')",
            render("r.manager_subject"),
            render("r.manager_body"),
            "manager",
            "sl.manager_id IS NULL",
            // From the first escalating message on; without a second-level manager, one
            // skipped row at the first.
            "CASE r.escalation WHEN 'always' THEN 1 WHEN 'after_repeat' THEN k.k >= r.escalate_after ELSE 0 END
             AND (sl.manager_id IS NOT NULL
                  OR k.k = CASE r.escalation WHEN 'always' THEN 0 ELSE r.escalate_after END)",
        ),
        Level::Learner => (
            "",
            "'l'",
            "NULL",
            "l.email",
            render("r.learner_subject"),
            render("r.learner_body"),
            "learner",
            "0",
            "1",
        ),
    };
    let passed = if timing == "before" {
        format!("{at} <= ?1")
    } else {
        "0".into()
    };
    let due = format!("{at} + ({shift}) + k.k * {every}");
    // A manager copy of a digest rule that would be queued is a digest item instead.
    let to_digest = if level == Level::Learner {
        "0".to_string()
    } else {
        format!("r.digest <> 'none' AND NOT ({passed}) AND NOT ({no_mgr}) AND trim({email}) <> ''")
    };
    let key = format!(
        "r.id || '.' || a.id || '.' || {cycle} || '.' || {set} || '.' || {rkey}
            || CASE WHEN k.k > 0 THEN '.r' || k.k ELSE '' END"
    );
    let (insert, select, which) = match into {
        Into::Message => (
            "INSERT INTO message (dedup_key, rule_id, assignment_id, cycle, course_set_id,
                recipient_kind, recipient_email, subject, body_html, body_text, state,
                skip_reason, created_at, trigger)",
            format!(
                "{key}, r.id, a.id, {cycle}, {set}, '{kind}', {email}, {subject},
                '<p>' || replace({body}, char(10), '<br>') || '</p>', {body},
                CASE WHEN {passed} OR {no_mgr} THEN 'skipped'
                     WHEN trim({email}) = '' THEN 'failed' ELSE 'queued' END,
                CASE WHEN {passed} THEN 'event passed' WHEN {no_mgr} THEN 'no manager'
                     WHEN trim({email}) = '' THEN 'no email address' END,
                ?1, r.trigger"
            ),
            format!("NOT ({to_digest})"),
        ),
        Into::DigestItem => (
            "INSERT INTO digest_item (dedup_key, rule_id, assignment_id, manager_id, frequency,
                trigger, program_name, learner_name, learner_id_number, event_at, due_at,
                digest_at, created_at, reminder_no)",
            format!(
                "{key}, r.id, a.id, {mgr}, r.digest, r.trigger, p.full_name, l.full_name,
                l.id_number, {at}, {due}, {due}, ?1, k.k + 1"
            ),
            to_digest,
        ),
    };
    format!(
        "WITH RECURSIVE rep(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM rep WHERE k < {max})
         {insert}
         SELECT {select}
         FROM {from}
         CROSS JOIN notification_rule r ON r.program_id = a.program_id AND r.enabled = 1
            AND r.trigger = ?2 AND r.timing = ?3 AND r.offset_amount = ?4 AND r.offset_unit = ?5
            AND r.recipients = ?6 AND r.repeat_every_days = ?8 AND r.repeat_max = ?9
            AND r.escalation = ?10 AND r.escalate_after = ?11
         CROSS JOIN rep k
         JOIN learner l ON l.id = a.learner_id
         JOIN program p ON p.id = a.program_id
         {join}
         WHERE {at} BETWEEN ?7 - ({shift}) - {back} AND ?1 - ({shift})
           AND {due} BETWEEN max(r.effective_from, ?7) AND ?1
           AND {cond} AND {active} AND l.suspended = 0 AND {escalating} AND {which}
         ON CONFLICT (dedup_key) DO NOTHING"
    )
}

/// One digest per manager and frequency over the items whose moment has come, then the
/// items marked as listed in it.
const COMPOSE: &str = "
    INSERT INTO message (dedup_key, recipient_kind, recipient_email, subject, body_html,
        body_text, state, skip_reason, created_at, trigger, cycle)
    SELECT 'digest.' || substr(d.frequency, 1, 1) || '.' || d.manager_id || '.'
            || date(max(d.digest_at), 'unixepoch'),
        'manager', m.email, 'CertDesk: ' || count(*) || ' update(s) about your team',
        '<p>Hello ' || m.full_name || ',</p><table>' || group_concat('<tr><td>' || d.program_name
            || '</td><td>' || d.learner_name || ' (' || d.learner_id_number || ')</td><td>'
            || d.trigger || ' ' || strftime('%d %m %Y', d.event_at, 'unixepoch') || '</td><td>'
            || ifnull(a.status, 'unassigned') || '</td></tr>', ''
            ORDER BY d.program_name, d.learner_name, d.event_at, d.id) || '</table>',
        'Hello ' || m.full_name || ',' || char(10) || group_concat(d.program_name || ': '
            || d.learner_name || ' (' || d.learner_id_number || ') ' || d.trigger || ' '
            || strftime('%d %m %Y', d.event_at, 'unixepoch') || ', ' || ifnull(a.status, 'unassigned'),
            char(10) ORDER BY d.program_name, d.learner_name, d.event_at, d.id),
        CASE WHEN trim(m.email) = '' THEN 'failed' ELSE 'queued' END,
        CASE WHEN trim(m.email) = '' THEN 'no email address' END, ?1, 'digest', 0
    FROM digest_item d
    JOIN learner m ON m.id = d.manager_id
    LEFT JOIN assignment a ON a.id = d.assignment_id
    WHERE d.digest_message_id IS NULL AND d.digest_at <= ?1
    GROUP BY d.manager_id, d.frequency";
const MARK: &str = "
    UPDATE digest_item SET digest_message_id = (SELECT id FROM message
        WHERE dedup_key = 'digest.' || substr(frequency, 1, 1) || '.' || manager_id || '.'
            || (SELECT date(max(x.digest_at), 'unixepoch') FROM digest_item x
                WHERE x.manager_id = digest_item.manager_id AND x.frequency = digest_item.frequency
                  AND x.digest_message_id IS NULL AND x.digest_at <= ?1))
    WHERE digest_message_id IS NULL AND digest_at <= ?1";

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
    let items_before: i64 = c.query_row("SELECT count(*) FROM digest_item", [], |r| r.get(0))?;
    let shapes: Vec<Shape> = c
        .prepare(
            "SELECT trigger, timing, offset_amount, offset_unit, recipients, repeat_every_days,
                    repeat_max, escalation, escalate_after, max(digest <> 'none')
             FROM notification_rule WHERE enabled = 1 AND trigger <> 'exception'
             GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9",
        )?
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
                r.get(9)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for s in &shapes {
        let managers = matches!(s.4.as_str(), "both" | "managers");
        let mut levels = Vec::new();
        if matches!(s.4.as_str(), "both" | "learner") {
            levels.push(Level::Learner);
        }
        if managers {
            levels.push(Level::Manager);
            if s.7 != "none" {
                levels.push(Level::Second);
            }
        }
        for level in levels {
            let mut into = vec![Into::Message];
            if level != Level::Learner && s.9 {
                into.push(Into::DigestItem);
            }
            for i in into {
                c.execute(
                    &insert_sql(s, level, i),
                    params![now, s.0, s.1, s.2, s.3, s.4, lo, s.5, s.6, s.7, s.8],
                )?;
            }
        }
    }
    let items: i64 = c.query_row("SELECT count(*) FROM digest_item", [], |r| r.get(0))?;
    let digests = c.execute(COMPOSE, [now])?;
    c.execute(MARK, [now])?;
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
        queued: queued as i64 - digests as i64,
        skipped: all - queued as i64,
        digest_items: items - items_before,
        digests: digests as i64,
        took: t.elapsed(),
    })
}
