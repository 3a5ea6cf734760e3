//! The explainer (issue 13): for one learner and one program, why each rule sent, will send,
//! or did not send a message, and the membership's timeline (`explain_timeline.rs`).
//!
//! The reasons are the selection's own decisions, not a second set of rules: each rule is
//! run through `candidates::page_of` for this one membership (`Context::only`), over all its
//! history and a century ahead. The conditions a run applies in
//! SQL come back as a reason code on the row (`candidate_query::filtered`); what Rust decides
//! comes back as the candidate's outcome (the skip and failure constants of `select.rs`,
//! the catch-up horizon); the send window's hold is counted as `held.rs` counts it; a send
//! before the rule's `effective_from` is the part of the range a run never reads (the
//! backfill). What already happened is read from the message log.

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use super::candidates::candidates;
pub use super::explain_reason::ReasonKind;
use super::explain_reason::{from_filter, from_log, from_outcome, Reason};
use super::explain_timeline::{timeline, TimelineEntry};
use super::rule::{list_rules, Rule, Trigger};
use super::select::{Context, Held, Outcome};
use crate::time::secs;
use crate::{Error, Result};

/// Why one rule sent, will send, or did not send a message about this membership.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct RuleExplanation {
    pub rule_id: i64,
    pub trigger: String,
    /// The rule in words: "due date, 7 days before, to the learner and managers".
    pub rule: String,
    pub enabled: bool,
    /// The reason code the UI can branch on.
    pub reason: ReasonKind,
    /// RFC 3339: when it was sent, is scheduled, or is held until, when the reason has one.
    pub at: Option<String>,
    /// The one sentence an administrator reads.
    pub sentence: String,
}

/// The explainer's answer for one learner in one program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Explanation {
    pub learner: String,
    pub learner_id_number: String,
    pub program: String,
    pub program_name: String,
    pub assignment_id: i64,
    /// The membership's status now (`in_progress`, `certified` ...).
    pub status: String,
    /// RFC 3339: the moment explained.
    pub now: String,
    pub timeline: Vec<TimelineEntry>,
    pub rules: Vec<RuleExplanation>,
}

/// One line of the message log about this membership and a rule.
pub(super) struct Logged {
    pub state: String,
    pub recipient_kind: String,
    pub at: i64,
    pub reason: Option<String>,
    pub reply: Option<String>,
}

/// The explanation for learner `learner_id` in program `program_id` at `now`. Reads only.
///
/// # Errors
/// [`Error::NotFound`] when the learner has no membership of the program; database errors.
pub fn explain(
    conn: &Connection,
    learner_id: i64,
    program_id: i64,
    now: Timestamp,
) -> Result<Explanation> {
    let head = conn
        .query_row(
            "SELECT a.id, l.full_name, l.id_number, p.short_name, p.full_name, a.status
             FROM assignment a JOIN learner l ON l.id = a.learner_id
             JOIN program p ON p.id = a.program_id
             WHERE a.learner_id = ?1 AND a.program_id = ?2",
            [learner_id, program_id],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )
        .optional()?
        .ok_or_else(|| Error::NotFound {
            what: "membership",
            key: format!("learner {learner_id} in program {program_id}"),
        })?;
    let (a, learner, learner_id_number, program, program_name, status) = head;
    let now_s = secs(now);
    let mut rules = Vec::new();
    for rule in list_rules(conn, program_id)? {
        rules.push(explain_rule(conn, &rule, a, now_s)?);
    }
    Ok(Explanation {
        learner,
        learner_id_number,
        program,
        program_name,
        assignment_id: a,
        status,
        now: rfc(now_s),
        timeline: timeline(conn, a, now_s)?,
        rules,
    })
}

pub(super) fn rfc(s: i64) -> String {
    Timestamp::from_second(s)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// What the selection decided for one rule and this membership.
struct Selected {
    /// Reasons the rows were filtered out in SQL.
    filtered: Vec<String>,
    /// Messages not yet in the log: (recipient kind, send instant, outcome).
    pending: Vec<(&'static str, i64, Outcome)>,
    /// Held by the send window right now.
    held: Held,
}

/// How far ahead the explainer looks for a rule's next send: far enough for any due date or
/// expiry (one membership's rows cost nothing to read).
const AHEAD_SECS: i64 = 100 * 366 * 86_400;

/// The rule's candidates for membership `a`: every send instant from the epoch to
/// [`AHEAD_SECS`] ahead, with the catch-up horizon a sweep at `now` would use; then the messages due
/// by `now` but held by the send window, as `held.rs` counts them (from the rule's
/// `effective_from`).
fn select(conn: &Connection, rule: &Rule, a: i64, now: i64, eff: i64) -> Result<Selected> {
    let horizon = now - i64::from(super::catch_up::catch_up_days(conn)?) * 86_400;
    let mut pending = Vec::new();
    let mut filtered = Vec::new();
    let mut held = Held::default();
    for (hi, count_held) in [(now + AHEAD_SECS, false), (now, true)] {
        let mut ctx = Context::new(conn)?;
        let lo = if count_held {
            eff.max(now - ctx.max_hold)
        } else {
            0
        };
        let group = [(rule, lo)];
        ctx.only = Some(a);
        ctx.render = false;
        ctx.horizon = horizon;
        if count_held {
            ctx.held = Some(Held::default());
        }
        let out = candidates(conn, &group, hi, now, &mut ctx)?;
        if count_held {
            held = ctx.held.unwrap_or_default();
        } else {
            filtered = ctx.filtered.into_iter().map(|(_, why)| why).collect();
            pending = out
                .into_iter()
                .map(|(_, c)| {
                    let at = c.digest.as_ref().map_or(c.send_at, |d| d.digest_at);
                    (c.recipient_kind, at, c.outcome)
                })
                .collect();
        }
    }
    pending.sort_by_key(|p| p.1);
    Ok(Selected {
        filtered,
        pending,
        held,
    })
}

fn logged(conn: &Connection, rule: i64, a: i64) -> Result<Vec<Logged>> {
    let mut st = conn.prepare_cached(
        "SELECT m.state, m.recipient_kind, ifnull(m.sent_at, m.created_at), m.skip_reason,
                o.last_error
         FROM message m LEFT JOIN outbox o ON o.message_id = m.id
         WHERE +m.rule_id = ?1 AND m.assignment_id = ?2 ORDER BY m.id",
    )?;
    let rows = st.query_map([rule, a], |r| {
        Ok(Logged {
            state: r.get(0)?,
            recipient_kind: r.get(1)?,
            at: r.get(2)?,
            reason: r.get(3)?,
            reply: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn explain_rule(conn: &Connection, rule: &Rule, a: i64, now: i64) -> Result<RuleExplanation> {
    let log = logged(conn, rule.id, a)?;
    let reason = if !rule.input.enabled {
        Reason::new(ReasonKind::Disabled, None, "the rule is disabled".into())
    } else if rule.input.trigger == Trigger::Exception {
        exception_alert(conn, a)?
    } else {
        let eff = secs(rule.effective_from.parse::<Timestamp>().unwrap_or_default());
        decide(
            &select(conn, rule, a, now, eff)?,
            &log,
            eff,
            now,
            rule.input.trigger,
        )
    };
    let last_sent = log.iter().rev().find(|l| l.state == "sent").map(|l| l.at);
    let sentence = reason.sentence(last_sent);
    Ok(RuleExplanation {
        rule_id: rule.id,
        trigger: rule.input.trigger.as_str().to_string(),
        rule: super::explain_reason::describe(rule),
        enabled: rule.input.enabled,
        reason: reason.kind,
        at: reason.at.map(rfc),
        sentence,
    })
}

/// The one reason of a rule, from the most to the least telling: a condition the run filters
/// on, a hold by the send window, a delivery that failed, the next send, a message the run
/// will log as skipped or failed, the last line of the log, then a send the run never reads
/// (before the rule took effect, or older than the catch-up horizon).
fn decide(sel: &Selected, log: &[Logged], eff: i64, now: i64, trigger: Trigger) -> Reason {
    if let Some(why) = sel.filtered.first() {
        return from_filter(why, trigger);
    }
    if sel.held.count > 0 {
        return Reason::new(
            ReasonKind::Held,
            sel.held.until,
            "due, but held by the send window".into(),
        );
    }
    let last = log.last();
    if let Some(l) = last.filter(|l| l.state == "failed") {
        return from_log(l);
    }
    let live = |p: &&(&str, i64, Outcome)| p.1 >= eff;
    let sends = |p: &&(&str, i64, Outcome)| matches!(p.2, Outcome::Send | Outcome::Digest);
    if let Some(p) = sel.pending.iter().filter(live).find(sends) {
        return if p.1 > now {
            Reason::new(
                ReasonKind::Scheduled,
                Some(p.1),
                format!("next send to the {}", p.0),
            )
        } else {
            Reason::new(
                ReasonKind::DueNow,
                Some(p.1),
                "due: the next run queues it".into(),
            )
        };
    }
    if let Some(p) = sel
        .pending
        .iter()
        .filter(live)
        .find(|p| matches!(p.2, Outcome::Skip(_) | Outcome::Fail(_)))
    {
        return from_outcome(p.0, p.1, p.2);
    }
    if let Some(l) = last {
        return from_log(l);
    }
    if let Some(p) = sel.pending.iter().find(|p| p.1 < eff) {
        return Reason::new(
            ReasonKind::NotBackfilled,
            Some(p.1),
            "the rule was created after this send was due and was not backfilled".into(),
        );
    }
    if let Some(p) = sel.pending.first() {
        return from_outcome(p.0, p.1, p.2);
    }
    Reason::new(ReasonKind::NoEvent, None, no_event(trigger).into())
}

/// What a run finds missing when a rule has no row for the membership at all.
fn no_event(trigger: Trigger) -> &'static str {
    match trigger {
        Trigger::Assigned => "no assignment event is recorded for this membership",
        Trigger::Completed => "the learner has not completed the program",
        Trigger::CourseSetCompleted => "the learner has not completed a course set",
        Trigger::CourseSetDue => "no course set of this membership has a due date",
        Trigger::DueDate => "the membership has no due date",
        Trigger::Unassigned => "the learner has not been unassigned",
        Trigger::Expiry => "the membership has no expiry date",
        Trigger::WindowOpen => "no recertification window is set for this membership",
        Trigger::FailedRecertify => "the learner has not failed to recertify",
        Trigger::Exception => "no exception has been raised for this membership",
    }
}

/// An exception alert rule: its alerts go to the site administrators, at the run after an
/// exception of the membership is raised.
fn exception_alert(conn: &Connection, a: i64) -> Result<Reason> {
    let x: Option<(i64, Option<i64>)> = conn
        .query_row(
            "SELECT raised_at, alerted_at FROM exception WHERE assignment_id = ?1
             ORDER BY id DESC LIMIT 1",
            [a],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(match x {
        None => Reason::new(
            ReasonKind::NoEvent,
            None,
            "no exception has been raised for this membership".into(),
        ),
        Some((_, Some(at))) => Reason::new(
            ReasonKind::Sent,
            Some(at),
            "the site administrators were alerted".into(),
        ),
        Some((raised, None)) => Reason::new(
            ReasonKind::DueNow,
            Some(raised),
            "the next run alerts the site administrators".into(),
        ),
    })
}
