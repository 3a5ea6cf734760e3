//! Finding every message that is due and queueing it: one set-based query per rule and
//! recipient kind, never a query per learner (DOMAIN.md section 4, rules 1 to 5).
//!
//! For each rule, SQL narrows the candidates to events whose instant lies in a window wide
//! enough for any calendar offset (an index range on the event instant), drops inactive
//! learners and what the message log already holds, and returns everything a template needs.
//! Rust then computes the exact send instant in the learner's time zone (so "1 month before"
//! is a calendar month), renders (`candidates.rs`), and inserts the message and its outbox
//! row (here). How far back a run looks, and when it sweeps the whole horizon again, is
//! `catch_up.rs`.

use std::collections::HashMap;

use jiff::Timestamp;
use rusqlite::{params, Connection, Transaction};
use serde::{Deserialize, Serialize};

use super::candidates::candidates;
use super::chunk::Queueing;
use super::rule::{Escalation, OffsetUnit, Recipients, Rule, Timing, Trigger};
use super::send_window::Windows;
use super::template::criteria;
use crate::mail::Rendered;
use crate::time::secs;
use crate::Result;

/// What one [`enqueue_due`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct EnqueueSummary {
    /// Messages rendered and put in the outbox.
    pub queued: u32,
    /// Messages logged as skipped, with their reason (a reminder whose event had passed, a
    /// manager copy for a learner without a manager, a message older than the catch-up
    /// horizon).
    pub skipped: u32,
    /// Messages that cannot be sent at all (no email address), logged as failed.
    pub failed: u32,
    /// Exception alerts queued (one per program and administrator).
    pub alerts: u32,
    /// Manager copies recorded for a digest instead of sent one by one.
    #[serde(default)]
    pub digest_items: u32,
    /// Manager digests queued.
    #[serde(default)]
    pub digests: u32,
}

pub(super) use super::catch_up::sweep_next_run;
pub use super::catch_up::{horizon_reason, CATCH_UP_DAYS, SWEEP_EVERY_SECS};

/// Why a due message was not queued.
pub const SKIP_EVENT_PASSED: &str = "the event had already passed when the reminder came due";
/// Why a manager copy was not queued.
pub const SKIP_NO_MANAGER: &str = "the learner has no manager";
/// Why an escalation copy (to the managers' managers) was not queued; logged once per
/// message sequence.
pub const SKIP_NO_SECOND_MANAGER: &str = "the learner's managers have no manager";
/// Why a message could not be sent.
pub const FAIL_NO_ADDRESS: &str = "no email address";

/// Queues every message due at `now` for every enabled rule, all in the caller's transaction.
/// Idempotent: a second call at the same `now` queues nothing. The scheduler's `run(now)`
/// does the same work in short transactions (`chunk.rs`); this one-transaction form is for
/// a caller that already holds one (the demo's fill) and for comparing the two in tests.
///
/// # Errors
/// Database errors; the caller's transaction is then rolled back.
pub fn enqueue_due(tx: &Transaction, now: Timestamp) -> Result<EnqueueSummary> {
    let mut q = Queueing::new(tx, now)?;
    while q.step(tx, -1, std::time::Duration::ZERO)? {}
    q.finish(tx)
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
        &[(
            &rule,
            secs(now) - i64::from(super::catch_up::catch_up_days(conn)?) * 86_400,
        )],
        hi,
        secs(now),
        &mut ctx,
    )?
    .iter()
    .filter(|(_, c)| matches!(c.outcome, Outcome::Send | Outcome::Digest))
    .count();
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Rules that one query can serve together: the same trigger, timing, offset and
/// recipients, and the same repeats and escalation (repeat every, at most, escalation, from).
pub(super) type Shape = (
    Trigger,
    Timing,
    u32,
    OffsetUnit,
    Recipients,
    (u32, u32, Escalation, u32),
);

/// Caches shared by every rule of one run.
pub(super) struct Context {
    pub(super) criteria: HashMap<(i64, String), String>,
    /// The store's send time (local time of day).
    pub(super) send_time: jiff::civil::Time,
    /// The send windows, and the longest any of them holds a message (seconds).
    pub(super) windows: Windows,
    pub(super) max_hold: i64,
    /// When set, counts the messages held by the window past the run's `hi`.
    pub(super) held: Option<Held>,
    /// The catch-up horizon of the run: a message due before it is logged as skipped.
    pub(super) horizon: i64,
    /// False to leave messages unrendered (the forecast counts them).
    pub(super) render: bool,
    /// The explainer's: read only this membership, and list in `filtered` the rows a run
    /// would drop in SQL, each with its rule and why (`candidate_query::filtered`).
    pub(super) only: Option<i64>,
    pub(super) filtered: Vec<(i64, String)>,
}

/// Messages due but held by the send window: how many, and the earliest release.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Held {
    pub count: u32,
    /// Unix seconds: the earliest moment one of them is released.
    pub until: Option<i64>,
}

impl Context {
    pub(super) fn new(conn: &Connection) -> Result<Self> {
        let windows = Windows::load(conn)?;
        Ok(Self {
            criteria: criteria(conn)?,
            send_time: super::send_time::send_time(conn)?,
            max_hold: windows.max_hold(),
            windows,
            held: None,
            horizon: i64::MIN,
            render: true,
            only: None,
            filtered: Vec::new(),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    Send,
    Skip(&'static str),
    Fail(&'static str),
    /// A manager copy that goes in the manager's digest (`digest.rs`).
    Digest,
    /// Due before the catch-up horizon: logged as skipped with [`horizon_reason`].
    TooOld,
}

/// One due message before it is written.
pub(super) struct Candidate {
    pub dedup_key: String,
    /// When it goes (unix seconds): its send instant, after any hold by the send window.
    pub send_at: i64,
    pub assignment_id: Option<i64>,
    pub cycle: i64,
    pub course_set_id: i64,
    pub recipient_kind: &'static str,
    pub email: String,
    pub rendered: Rendered,
    pub outcome: Outcome,
    /// What a digest lists of it, for [`Outcome::Digest`].
    pub digest: Option<super::digest::DigestItem>,
}

/// Writes candidates into the message log and the outbox.
pub(super) struct Sink<'t> {
    tx: &'t Transaction<'t>,
    now: i64,
    instance: String,
    domain: String,
    too_old: String,
    /// The highest message id when the sink was made: the queued messages above it go to
    /// the outbox in [`Sink::flush`].
    since: i64,
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
            too_old: horizon_reason(super::catch_up::catch_up_days(tx)?),
            since: tx.query_row("SELECT ifnull(max(id), 0) FROM message", [], |r| r.get(0))?,
        })
    }

    /// Puts the messages queued through [`Sink::put`] in the outbox, in one statement: call
    /// it before the transaction commits (a queued message without its outbox row would
    /// never be sent).
    pub(super) fn flush(&self) -> Result<()> {
        let ids = (self.instance.as_str(), self.domain.as_str());
        crate::mail::outbox::add_queued_since(self.tx, self.since, ids, self.now)?;
        Ok(())
    }

    pub(super) fn put(
        &mut self,
        rule: &Rule,
        c: Candidate,
        sum: &mut EnqueueSummary,
    ) -> Result<bool> {
        let (state, reason) = match c.outcome {
            Outcome::Digest => return super::digest::put_item(self.tx, rule, &c, self.now, sum),
            Outcome::Send => ("queued", None),
            Outcome::Skip(r) => ("skipped", Some(r)),
            Outcome::Fail(r) => ("failed", Some(r)),
            Outcome::TooOld => ("skipped", Some(self.too_old.as_str())),
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
            // Its outbox row comes with the others in `flush`.
            Outcome::Send => {
                if c.recipient_kind == "admin" {
                    sum.alerts += 1;
                } else {
                    sum.queued += 1;
                }
            }
            Outcome::Skip(_) | Outcome::TooOld => sum.skipped += 1,
            Outcome::Fail(_) => sum.failed += 1,
            Outcome::Digest => {}
        }
        Ok(true)
    }

    /// Queues one manager digest under `key` (no rule, no assignment: it spans both) with
    /// its outbox row, or logs it as failed without an address. Returns its message id.
    pub(super) fn put_digest(
        &mut self,
        key: &str,
        email: &str,
        rendered: &Rendered,
        sum: &mut EnqueueSummary,
    ) -> Result<i64> {
        let failed = email.trim().is_empty();
        self.tx
            .prepare_cached(
                "INSERT INTO message (dedup_key, recipient_kind, recipient_email, subject,
                    body_html, body_text, state, skip_reason, created_at, trigger, cycle)
                 VALUES (?1, 'manager', ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'digest', 0)",
            )?
            .execute(params![
                key,
                email,
                rendered.subject,
                rendered.html,
                rendered.text,
                if failed { "failed" } else { "queued" },
                failed.then_some(FAIL_NO_ADDRESS),
                self.now,
            ])?;
        let id = self.tx.last_insert_rowid();
        if failed {
            sum.failed += 1;
        } else {
            let header = crate::mail::outbox::message_id(key, &self.instance, &self.domain);
            crate::mail::outbox::add(self.tx, id, &header, self.now)?;
            sum.digests += 1;
        }
        Ok(id)
    }
}
