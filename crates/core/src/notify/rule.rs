//! Notification rules: one trigger, one timing, its recipients and its two templates.
//!
//! A rule's `effective_from` is the instant it (or its timing) last changed: sends whose
//! instant falls before it are never made unless the administrator asks for the backfill
//! after seeing its size ([`backfill_count`], [`backfill`]) — DOMAIN.md section 4, rule 2.

use jiff::Timestamp;
use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection, OptionalExtension, Row, Transaction};
use serde::{Deserialize, Serialize};

pub use super::digest::{Digest, DigestFrequency};
pub use super::rule_check::{REPEATS_MAX, REPEAT_EVERY_MAX, SUBJECT_MAX};
// A rule is a trigger with a timing: its vocabulary lives in `trigger`, and is named here too.
pub use super::trigger::{
    trigger_catalog, Escalation, OffsetUnit, Recipients, Timing, Trigger, TriggerInfo,
};
use crate::time::secs;
use crate::{Error, Result};

/// A stored notification rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Rule {
    pub id: i64,
    pub program_id: i64,
    /// Everything the administrator edits.
    pub input: RuleInput,
    /// RFC 3339 instant: sends due before it are not made unless backfilled.
    pub effective_from: String,
}

/// What the administrator edits: everything of a rule but its identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct RuleInput {
    pub trigger: Trigger,
    pub timing: Timing,
    /// 0 with [`Timing::On`], at least 1 otherwise.
    pub offset_amount: u32,
    pub offset_unit: OffsetUnit,
    pub recipients: Recipients,
    pub learner_subject: String,
    pub learner_body: String,
    pub manager_subject: String,
    pub manager_body: String,
    pub enabled: bool,
    /// Repeat the message every this many days until the learner is done (0: no repeat);
    /// due-date, course set due and expiry rules only.
    #[serde(default)]
    pub repeat_every_days: u32,
    /// At most this many repeats after the first message (1 or more when repeating).
    #[serde(default)]
    pub repeat_max: u32,
    /// Whether, and from when, manager copies also go to the managers' managers.
    #[serde(default)]
    pub escalation: Escalation,
    /// Days overdue ([`Escalation::AfterOverdue`]) or the repeat number
    /// ([`Escalation::AfterRepeat`]) from which the second level is copied; 0 otherwise.
    #[serde(default)]
    pub escalate_after: u32,
    /// Sent at its instant even outside the send window (e.g. failure to recertify).
    #[serde(default)]
    pub send_at_once: bool,
    /// Manager copies one by one, or in a daily or weekly digest (issue 12).
    #[serde(default)]
    pub digest: Digest,
}

/// What makes two rules "the same rule" for [`create_default_rules`] and a rules-file
/// import: the same trigger, timing, offset (amount and unit) and recipients. Texts and
/// `enabled` are what an edit changes; these are what the rule *is*.
pub type RuleKey = (Trigger, Timing, u32, OffsetUnit, Recipients);

impl RuleInput {
    /// This rule's [`RuleKey`].
    pub fn key(&self) -> RuleKey {
        (
            self.trigger,
            self.timing,
            self.offset_amount,
            self.offset_unit,
            self.recipients,
        )
    }
}

const COLUMNS: &str = "id, program_id, trigger, timing, offset_amount, offset_unit, recipients,
    learner_subject, learner_body, manager_subject, manager_body, enabled, effective_from,
    repeat_every_days, repeat_max, escalation, escalate_after, send_at_once, digest,
    digest_weekday";

fn from_row(r: &Row) -> rusqlite::Result<Rule> {
    fn parse<T>(r: &Row, i: usize, f: fn(&str) -> Result<T>) -> rusqlite::Result<T> {
        let s: String = r.get(i)?;
        f(&s).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
        })
    }
    let eff: i64 = r.get(12)?;
    Ok(Rule {
        id: r.get(0)?,
        program_id: r.get(1)?,
        input: RuleInput {
            trigger: parse(r, 2, Trigger::parse)?,
            timing: parse(r, 3, Timing::parse)?,
            offset_amount: r.get(4)?,
            offset_unit: parse(r, 5, OffsetUnit::parse)?,
            recipients: parse(r, 6, Recipients::parse)?,
            learner_subject: r.get(7)?,
            learner_body: r.get(8)?,
            manager_subject: r.get(9)?,
            manager_body: r.get(10)?,
            enabled: r.get(11)?,
            repeat_every_days: r.get(13)?,
            repeat_max: r.get(14)?,
            escalation: parse(r, 15, Escalation::parse)?,
            escalate_after: r.get(16)?,
            send_at_once: r.get(17)?,
            digest: Digest {
                frequency: parse(r, 18, DigestFrequency::parse)?,
                weekday: r.get(19)?,
            },
        },
        effective_from: Timestamp::from_second(eff)
            .map(|t| t.to_string())
            .unwrap_or_default(),
    })
}

/// The rules of one program, in the order they were made.
pub fn list_rules(conn: &Connection, program_id: i64) -> Result<Vec<Rule>> {
    let mut st = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM notification_rule WHERE program_id = ?1 ORDER BY id"
    ))?;
    let rows = st
        .query_map([program_id], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// One rule.
///
/// # Errors
/// [`Error::NotFound`] when no rule has this id.
pub fn get_rule(conn: &Connection, id: i64) -> Result<Rule> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM notification_rule WHERE id = ?1"),
        [id],
        from_row,
    )
    .optional()?
    .ok_or_else(|| Error::NotFound {
        what: "notification rule",
        key: id.to_string(),
    })
}

fn program_kind(conn: &Connection, program_id: i64) -> Result<String> {
    conn.query_row(
        "SELECT kind FROM program WHERE id = ?1",
        [program_id],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| Error::NotFound {
        what: "program",
        key: program_id.to_string(),
    })
}

/// The rule's own columns, in the order the INSERT and the UPDATE name them.
fn columns(input: &RuleInput) -> [Value; 17] {
    [
        Value::from(input.trigger.as_str().to_string()),
        Value::from(input.timing.as_str().to_string()),
        Value::from(input.offset_amount),
        Value::from(input.offset_unit.as_str().to_string()),
        Value::from(input.recipients.as_str().to_string()),
        Value::from(input.learner_subject.clone()),
        Value::from(input.learner_body.clone()),
        Value::from(input.manager_subject.clone()),
        Value::from(input.manager_body.clone()),
        Value::from(input.enabled),
        Value::from(input.repeat_every_days),
        Value::from(input.repeat_max),
        Value::from(input.escalation.as_str().to_string()),
        Value::from(input.escalate_after),
        Value::from(input.send_at_once),
        Value::from(input.digest.frequency.as_str().to_string()),
        Value::from(input.digest.weekday.map(i64::from)),
    ]
}

/// Adds a rule to a program. It sends nothing whose send instant is before `now`.
///
/// # Errors
/// Validation errors of [`RuleInput::validate`]; [`Error::NotFound`] for an unknown program.
pub fn create_rule(
    tx: &Connection,
    program_id: i64,
    input: &RuleInput,
    now: Timestamp,
) -> Result<i64> {
    input.validate(&program_kind(tx, program_id)?)?;
    let mut args = vec![Value::from(program_id)];
    args.extend(columns(input));
    args.push(Value::from(secs(now)));
    tx.execute(
        "INSERT INTO notification_rule (program_id, trigger, timing, offset_amount, offset_unit,
            recipients, learner_subject, learner_body, manager_subject, manager_body, enabled,
            repeat_every_days, repeat_max, escalation, escalate_after, send_at_once, digest,
            digest_weekday, effective_from)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
            ?18, ?19)",
        params_from_iter(args),
    )?;
    Ok(tx.last_insert_rowid())
}

/// Changes a rule. A new trigger, timing, repeat or escalation, or enabling a disabled rule,
/// moves its `effective_from` to `now` (no surprise backfill); a text change alone does
/// not, and never re-sends what was already sent.
///
/// # Errors
/// As [`create_rule`]; [`Error::NotFound`] for an unknown rule.
pub fn update_rule(tx: &Transaction, id: i64, input: &RuleInput, now: Timestamp) -> Result<Rule> {
    let old = get_rule(tx, id)?;
    input.validate(&program_kind(tx, old.program_id)?)?;
    let o = &old.input;
    let retimed = o.trigger != input.trigger
        || o.timing != input.timing
        || o.offset_amount != input.offset_amount
        || o.offset_unit != input.offset_unit
        || o.repeat_every_days != input.repeat_every_days
        || o.repeat_max != input.repeat_max
        || o.escalation != input.escalation
        || o.escalate_after != input.escalate_after
        || (!o.enabled && input.enabled);
    let mut args = vec![Value::from(id)];
    args.extend(columns(input));
    args.extend([Value::from(retimed), Value::from(secs(now))]);
    tx.execute(
        "UPDATE notification_rule SET trigger = ?2, timing = ?3, offset_amount = ?4,
            offset_unit = ?5, recipients = ?6, learner_subject = ?7, learner_body = ?8,
            manager_subject = ?9, manager_body = ?10, enabled = ?11, repeat_every_days = ?12,
            repeat_max = ?13, escalation = ?14, escalate_after = ?15, send_at_once = ?16,
            digest = ?17, digest_weekday = ?18,
            effective_from = CASE WHEN ?19 THEN ?20 ELSE effective_from END
         WHERE id = ?1",
        params_from_iter(args),
    )?;
    get_rule(tx, id)
}

/// Deletes a rule. Its messages stay in the log (with no rule).
///
/// # Errors
/// [`Error::NotFound`] for an unknown rule.
pub fn delete_rule(tx: &Transaction, id: i64) -> Result<()> {
    if tx.execute("DELETE FROM notification_rule WHERE id = ?1", [id])? == 0 {
        return Err(Error::NotFound {
            what: "notification rule",
            key: id.to_string(),
        });
    }
    Ok(())
}

/// How many messages a backfill of this rule would queue at `now`: those whose send instant
/// passed before the rule took effect and whose condition still holds.
///
/// # Errors
/// [`Error::NotFound`] for an unknown rule; database errors.
pub fn backfill_count(conn: &Connection, id: i64, now: Timestamp) -> Result<u32> {
    let eff: i64 = conn
        .query_row(
            "SELECT effective_from FROM notification_rule WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| Error::NotFound {
            what: "notification rule",
            key: id.to_string(),
        })?;
    super::select::count_backfill(conn, id, eff, now)
}

/// Opts in to the backfill: the next run sends everything [`backfill_count`] counted (still
/// at most once per dedup key).
///
/// # Errors
/// [`Error::NotFound`] for an unknown rule.
pub fn backfill(tx: &Transaction, id: i64) -> Result<()> {
    if tx.execute(
        "UPDATE notification_rule SET effective_from = 0 WHERE id = ?1",
        [id],
    )? == 0
    {
        return Err(Error::NotFound {
            what: "notification rule",
            key: id.to_string(),
        });
    }
    super::select::sweep_next_run(tx)
}

/// Gives a new program or certification the default rules: assigned; due date 7 days before;
/// for certifications, expiry 30 days before, window open, failure to recertify; and the
/// exception alert. Returns the new rule ids.
///
/// Idempotent: a default is left out when the program already has a rule with its
/// [`RuleKey`] (same trigger, timing, offset and recipients, whatever its texts and whether
/// it is enabled), so running it twice adds nothing and an edited default is not doubled.
///
/// # Errors
/// [`Error::NotFound`] for an unknown program.
pub fn create_default_rules(tx: &Connection, program_id: i64, now: Timestamp) -> Result<Vec<i64>> {
    let kind = program_kind(tx, program_id)?;
    let have: Vec<RuleKey> = list_rules(tx, program_id)?
        .iter()
        .map(|r| r.input.key())
        .collect();
    let mut ids = Vec::new();
    for input in super::template::defaults(&kind) {
        if !have.contains(&input.key()) {
            ids.push(create_rule(tx, program_id, &input, now)?);
        }
    }
    Ok(ids)
}

/// Every enabled rule of every program, for the scheduler.
pub(super) fn list_all_enabled(conn: &Connection) -> Result<Vec<Rule>> {
    let mut st = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM notification_rule WHERE enabled = 1 ORDER BY program_id, id"
    ))?;
    let rows = st
        .query_map([], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}
