//! Finding every message that is due and queueing it: one set-based query per rule and
//! recipient kind, never a query per learner (DOMAIN.md section 4, rules 1 to 5).
//!
//! For each rule, SQL narrows the candidates to events whose instant lies in a window wide
//! enough for any calendar offset (an index range on the event instant), drops inactive
//! learners and what the message log already holds, and returns everything a template needs.
//! Rust then computes the exact send instant in the learner's time zone (so "1 month before"
//! is a calendar month), renders, and inserts the message and its outbox row.

use std::collections::HashMap;

use jiff::{tz::TimeZone, Span, Timestamp};
use rusqlite::{params, Connection, Transaction};
use serde::{Deserialize, Serialize};

use super::rule::{list_all_enabled, OffsetUnit, Recipients, Rule, Timing, Trigger};
use super::template::{criteria, render, Values};
use crate::mail::Rendered;
use crate::time::secs;
use crate::Result;

/// What one [`enqueue_due`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct EnqueueSummary {
    /// Messages rendered and put in the outbox.
    pub queued: u32,
    /// Messages logged as skipped, with their reason (a reminder whose event had passed, a
    /// manager copy for a learner without a manager).
    pub skipped: u32,
    /// Messages that cannot be sent at all (no email address), logged as failed.
    pub failed: u32,
    /// Exception alerts queued (one per program and administrator).
    pub alerts: u32,
}

/// How far back a run catches up: a message whose send instant is older than this many days
/// is no longer sent (a welcome two months late helps nobody), and the per-run scan stays
/// bounded however old the rules are.
pub const CATCH_UP_DAYS: i64 = 60;

/// How often a run re-examines the whole catch-up horizon (seconds of `now`).
pub const SWEEP_EVERY_SECS: i64 = 3600;
const SWEPT_AT: &str = "notify.swept_at";
const CHECKED_UNTIL: &str = "notify.checked_until";

/// The oldest send instant this run looks at, and the bookkeeping for the next.
///
/// A run only needs the send instants since the previous run (minus a margin for a second
/// process whose clock is a little behind). What can make an older send due again — a
/// learner made active, a backdated completion, a due date moved into the past, a
/// backfill — is caught by a sweep of the whole horizon: at the first run, every
/// [`SWEEP_EVERY_SECS`], after an exception was handled, and after a backfill.
fn scan_floor(tx: &Transaction, now: i64) -> Result<i64> {
    use crate::store::setting::{get_setting, set_setting};
    let num = |v: Option<String>| v.and_then(|s| s.parse::<i64>().ok());
    let swept = num(get_setting(tx, SWEPT_AT)?);
    let checked = num(get_setting(tx, CHECKED_UNTIL)?);
    let handled: Option<i64> =
        tx.query_row("SELECT max(handled_at) FROM exception", [], |r| r.get(0))?;
    let horizon = now - CATCH_UP_DAYS * 86_400;
    let floor = match (swept, checked) {
        (Some(sw), Some(ch))
            if now - sw < SWEEP_EVERY_SECS
                && !matches!(handled, Some(h) if h >= sw)
                && now >= sw =>
        {
            (ch - 600).max(horizon)
        }
        _ => {
            set_setting(tx, SWEPT_AT, &now.to_string())?;
            horizon
        }
    };
    set_setting(
        tx,
        CHECKED_UNTIL,
        &checked.unwrap_or(now).max(now).to_string(),
    )?;
    Ok(floor)
}

/// Makes the next run sweep the whole catch-up horizon (after a backfill).
pub(super) fn sweep_next_run(tx: &Transaction) -> Result<()> {
    tx.execute("DELETE FROM setting WHERE key = ?1", [SWEPT_AT])?;
    Ok(())
}

/// Why a due message was not queued.
pub const SKIP_EVENT_PASSED: &str = "the event had already passed when the reminder came due";
/// Why a manager copy was not queued.
pub const SKIP_NO_MANAGER: &str = "the learner has no manager";
/// Why a message could not be sent.
pub const FAIL_NO_ADDRESS: &str = "no email address";

/// Queues every message due at `now` for every enabled rule, in the caller's transaction
/// (the scheduler's `run(now)`). Idempotent: a second call at the same `now` queues nothing.
///
/// # Errors
/// Database errors; the caller's transaction is then rolled back.
pub fn enqueue_due(tx: &Transaction, now: Timestamp) -> Result<EnqueueSummary> {
    let mut sum = EnqueueSummary::default();
    let mut ctx = Context::new(tx)?;
    let mut sink = Sink::new(tx, secs(now))?;
    let rules = list_all_enabled(tx)?;
    let floor = scan_floor(tx, secs(now))?;
    let mut groups: HashMap<Shape, Vec<(&Rule, i64)>> = HashMap::new();
    for rule in rules
        .iter()
        .filter(|r| r.input.trigger != Trigger::Exception)
    {
        let i = &rule.input;
        groups
            .entry((
                i.trigger,
                i.timing,
                i.offset_amount,
                i.offset_unit,
                i.recipients,
            ))
            .or_default()
            .push((rule, rule_effective(tx, rule.id)?.max(floor)));
    }
    let mut groups: Vec<_> = groups.into_values().collect();
    groups.sort_by_key(|g| g.first().map(|(r, _)| r.id));
    for group in groups {
        for (k, c) in candidates(tx, &group, secs(now), secs(now), &mut ctx)? {
            sink.put(group[k].0, c, &mut sum)?;
        }
    }
    super::exception_alert::enqueue_alerts(tx, now, &mut sink, &mut sum)?;
    Ok(sum)
}

/// How many messages rule `rule_id` would send if backfilled: those whose send instant lies
/// before `eff` (and at or before `now`) and whose condition holds.
pub(super) fn count_backfill(
    conn: &Connection,
    rule_id: i64,
    eff: i64,
    now: Timestamp,
) -> Result<u32> {
    let rule = super::rule::get_rule(conn, rule_id)?;
    if rule.input.trigger == Trigger::Exception {
        return super::exception_alert::count_backfill(conn, rule.program_id, eff);
    }
    let mut ctx = Context::new(conn)?;
    let hi = (eff - 1).min(secs(now));
    let n = candidates(
        conn,
        &[(&rule, secs(now) - CATCH_UP_DAYS * 86_400)],
        hi,
        secs(now),
        &mut ctx,
    )?
    .iter()
    .filter(|(_, c)| c.outcome == Outcome::Send)
    .count();
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Rules that one query can serve together.
type Shape = (Trigger, Timing, u32, OffsetUnit, Recipients);

fn rule_effective(conn: &Connection, id: i64) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT effective_from FROM notification_rule WHERE id = ?1",
        [id],
        |r| r.get(0),
    )?)
}

/// Caches shared by every rule of one run.
pub(super) struct Context {
    zones: HashMap<String, TimeZone>,
    criteria: HashMap<(i64, String), String>,
}

impl Context {
    pub(super) fn new(conn: &Connection) -> Result<Self> {
        Ok(Self {
            zones: HashMap::new(),
            criteria: criteria(conn)?,
        })
    }

    pub(super) fn zone(&mut self, name: &str) -> TimeZone {
        if let Some(z) = self.zones.get(name) {
            return z.clone();
        }
        let z = crate::time::zone(name).unwrap_or(TimeZone::UTC);
        self.zones.insert(name.to_string(), z.clone());
        z
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    Send,
    Skip(&'static str),
    Fail(&'static str),
}

/// One due message before it is written.
pub(super) struct Candidate {
    pub dedup_key: String,
    pub assignment_id: Option<i64>,
    pub cycle: i64,
    pub course_set_id: i64,
    pub recipient_kind: &'static str,
    pub email: String,
    pub rendered: Rendered,
    pub outcome: Outcome,
}

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

fn uses(rule: &Rule, names: &[&str]) -> bool {
    let i = &rule.input;
    [
        &i.learner_subject,
        &i.learner_body,
        &i.manager_subject,
        &i.manager_body,
    ]
    .iter()
    .any(|t| {
        names
            .iter()
            .any(|n| t.to_ascii_lowercase().contains(&format!("%{n}%")))
    })
}

fn unit_secs(unit: OffsetUnit) -> (i64, i64) {
    match unit {
        OffsetUnit::Day => (86_400, 86_400),
        OffsetUnit::Week => (7 * 86_400, 7 * 86_400),
        OffsetUnit::Month => (28 * 86_400, 31 * 86_400),
    }
}

fn span(unit: OffsetUnit, n: i64) -> Span {
    match unit {
        OffsetUnit::Day => Span::new().days(n),
        OffsetUnit::Week => Span::new().weeks(n),
        OffsetUnit::Month => Span::new().months(n),
    }
}

/// The candidate query of one rule shape and recipient kind. Parameters: ?1 the rule ids as
/// a JSON array, ?2 and ?3 the range of event instants.
fn query(trigger: Trigger, timing: Timing, manager_copy: bool, want_mgr: bool) -> String {
    let (from, at, cond, active) = source(trigger, timing);
    let active = if active { ACTIVE } else { "1" };
    let per_event = !from.starts_with("assignment");
    let (cycle, set) = if per_event {
        ("e.cycle", "e.course_set_id")
    } else {
        ("a.cycle", "0")
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
    let sql = format!(
        "SELECT a.id, {cycle}, {set}, {at}, l.full_name, l.id_number, l.email, l.time_zone,
                a.due_at, a.expires_at, a.window_opens_at, {set_label},
                CASE WHEN a.status IN ('certified', 'window_open') THEN 'recertification'
                     ELSE 'certification' END,
                p.full_name, {rcols}, {rkey}, r.id
         FROM {from}
         CROSS JOIN notification_rule r ON r.program_id = a.program_id
            AND r.id IN (SELECT value FROM json_each(?1))
         JOIN learner l ON l.id = a.learner_id
         JOIN program p ON p.id = a.program_id
         {join}
         WHERE {at} BETWEEN ?2 AND ?3 AND {cond} AND {active}
           AND l.suspended = 0
           AND NOT EXISTS (SELECT 1 FROM message WHERE dedup_key =
               r.id || '.' || a.id || '.' || {cycle} || '.' || {set} || '.' || {rkey})"
    );
    sql
}

/// Every message due from a group of rules of the same shape (trigger, timing, offset,
/// recipients; usually the same rule in several programs), each with a send instant in
/// `[lo of its rule, hi]` (unix seconds) and a dedup key not yet in the log: rendered, with
/// what to do with it at `now`, and the index of its rule in `group`.
///
/// One query serves the whole group: it walks the event instants in range once (the event
/// table or column comes first in the join), then finds the rule by program.
pub(super) fn candidates(
    conn: &Connection,
    group: &[(&Rule, i64)],
    hi: i64,
    now: i64,
    ctx: &mut Context,
) -> Result<Vec<(usize, Candidate)>> {
    let Some(((first, _), lo)) = group.first().zip(group.iter().map(|(_, lo)| *lo).min()) else {
        return Ok(Vec::new());
    };
    let by_id: HashMap<i64, usize> = group
        .iter()
        .enumerate()
        .map(|(k, (r, _))| (r.id, k))
        .collect();
    let ids = format!(
        "[{}]",
        group
            .iter()
            .map(|(r, _)| r.id.to_string())
            .collect::<Vec<_>>()
            .join(",")
    );
    let i = &first.input;
    let n = i64::from(i.offset_amount);
    let (umin, umax) = unit_secs(i.offset_unit);
    let slack = 2 * 3600;
    // The event-instant window that holds every send instant in [lo, hi].
    let (elo, ehi) = match i.timing {
        Timing::On => (lo, hi),
        Timing::Before => (
            lo.saturating_add(n * umin - slack),
            hi.saturating_add(n * umax + slack),
        ),
        Timing::After => (
            lo.saturating_sub(n * umax + slack),
            hi.saturating_sub(n * umin - slack),
        ),
    };
    let want_mgr = group
        .iter()
        .any(|(r, _)| uses(r, &["managername", "manageremail"]));
    let mut out = Vec::new();
    for manager_copy in [false, true] {
        let wanted = match i.recipients {
            Recipients::Learner => !manager_copy,
            Recipients::Managers => manager_copy,
            Recipients::Both => true,
            Recipients::Admins => false,
        };
        if !wanted {
            continue;
        }
        let sql = query(i.trigger, i.timing, manager_copy, want_mgr);
        let mut st = conn.prepare_cached(&sql)?;
        let mut rows = st.query(params![ids, elo, ehi])?;
        while let Some(r) = rows.next()? {
            let Some(&k) = by_id.get(&r.get::<_, i64>(19)?) else {
                continue;
            };
            let (rule, lo) = group[k];
            let i = &rule.input;
            let event_at: i64 = r.get(3)?;
            let tz_name: String = r.get(7)?;
            let tz = ctx.zone(&tz_name);
            let Some(send_at) = send_instant(event_at, &tz, i.timing, i.offset_unit, n) else {
                continue;
            };
            if send_at < lo || send_at > hi {
                continue;
            }
            let assignment_id: i64 = r.get(0)?;
            let cycle: i64 = r.get(1)?;
            let set: i64 = r.get(2)?;
            let path: String = r.get(12)?;
            let (mname, memail, mtz, mid): (
                Option<String>,
                Option<String>,
                Option<String>,
                Option<i64>,
            ) = (r.get(14)?, r.get(15)?, r.get(16)?, r.get(17)?);
            let rkey: String = r.get(18)?;
            let v = Values {
                user_full_name: r.get(4)?,
                user_id_number: r.get(5)?,
                program_full_name: r.get(13)?,
                due_at: r.get(8)?,
                expires_at: r.get(9)?,
                window_opens_at: r.get(10)?,
                set_label: r.get(11)?,
                completion_criteria: ctx
                    .criteria
                    .get(&(rule.program_id, path))
                    .cloned()
                    .unwrap_or_default(),
                manager_name: mname.unwrap_or_default(),
                manager_email: memail.clone().unwrap_or_default(),
                ..Values::default()
            };
            let (email, rendered, kind) = if manager_copy {
                let mtz = ctx.zone(mtz.as_deref().unwrap_or("UTC"));
                (
                    memail.unwrap_or_default(),
                    render(&i.manager_subject, &i.manager_body, &v, &mtz),
                    "manager",
                )
            } else {
                (
                    r.get::<_, String>(6)?,
                    render(&i.learner_subject, &i.learner_body, &v, &tz),
                    "learner",
                )
            };
            let outcome = if i.timing == Timing::Before && event_at <= now {
                Outcome::Skip(SKIP_EVENT_PASSED)
            } else if manager_copy && mid.is_none() {
                Outcome::Skip(SKIP_NO_MANAGER)
            } else if email.trim().is_empty() {
                Outcome::Fail(FAIL_NO_ADDRESS)
            } else {
                Outcome::Send
            };
            out.push((
                k,
                Candidate {
                    dedup_key: format!("{}.{assignment_id}.{cycle}.{set}.{rkey}", rule.id),
                    assignment_id: Some(assignment_id),
                    cycle,
                    course_set_id: set,
                    recipient_kind: kind,
                    email,
                    rendered,
                    outcome,
                },
            ));
        }
    }
    Ok(out)
}

/// The instant a message is due: the event instant moved by the rule's offset, as a calendar
/// offset in the learner's zone, computed from the event itself (never from another reminder).
fn send_instant(
    event_at: i64,
    tz: &TimeZone,
    timing: Timing,
    unit: OffsetUnit,
    n: i64,
) -> Option<i64> {
    if timing == Timing::On || n == 0 {
        return Some(event_at);
    }
    let z = Timestamp::from_second(event_at).ok()?.to_zoned(tz.clone());
    let s = span(unit, n);
    let moved = match timing {
        Timing::Before => z.checked_sub(s).ok()?,
        _ => z.checked_add(s).ok()?,
    };
    Some(moved.timestamp().as_second())
}

/// Writes candidates into the message log and the outbox.
pub(super) struct Sink<'t> {
    tx: &'t Transaction<'t>,
    now: i64,
    instance: String,
    domain: String,
}

impl<'t> Sink<'t> {
    pub(super) fn new(tx: &'t Transaction<'t>, now: i64) -> Result<Self> {
        let domain = crate::mail::smtp_settings::load_settings(tx)?.map_or_else(
            || "certdesk.localhost".to_string(),
            |s| s.domain().to_string(),
        );
        Ok(Self {
            tx,
            now,
            instance: crate::mail::outbox::instance_id(tx, now)?,
            domain,
        })
    }

    pub(super) fn put(
        &mut self,
        rule: &Rule,
        c: Candidate,
        sum: &mut EnqueueSummary,
    ) -> Result<bool> {
        let (state, reason) = match c.outcome {
            Outcome::Send => ("queued", None),
            Outcome::Skip(r) => ("skipped", Some(r)),
            Outcome::Fail(r) => ("failed", Some(r)),
        };
        let mut st = self.tx.prepare_cached(
            "INSERT INTO message (dedup_key, rule_id, assignment_id, cycle, course_set_id,
                recipient_kind, recipient_email, subject, body_html, body_text, state,
                skip_reason, created_at, trigger)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
             ON CONFLICT (dedup_key) DO NOTHING",
        )?;
        let n = st.execute(params![
            c.dedup_key,
            rule.id,
            c.assignment_id,
            c.cycle,
            c.course_set_id,
            c.recipient_kind,
            c.email,
            c.rendered.subject,
            c.rendered.html,
            c.rendered.text,
            state,
            reason,
            self.now,
            rule.input.trigger.as_str(),
        ])?;
        if n == 0 {
            return Ok(false);
        }
        match c.outcome {
            Outcome::Send => {
                let header =
                    crate::mail::outbox::message_id(&c.dedup_key, &self.instance, &self.domain);
                crate::mail::outbox::add(self.tx, self.tx.last_insert_rowid(), &header, self.now)?;
                if c.recipient_kind == "admin" {
                    sum.alerts += 1;
                } else {
                    sum.queued += 1;
                }
            }
            Outcome::Skip(_) => sum.skipped += 1,
            Outcome::Fail(_) => sum.failed += 1,
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
                        .query_map(params!["[1]", 0, 1], |x| x.get::<_, String>(3))
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
                }
            }
        }
    }
}
