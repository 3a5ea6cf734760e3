//! Manager digests (DOMAIN.md section 4, rule 5; issue 12): a rule's manager copies can go as
//! one message per manager per day, or per week on a chosen weekday, at the send time in the
//! manager's zone, instead of one message each.
//!
//! Queueing turns a manager copy (either level) of such a rule that is due to go into a
//! `digest_item` row ([`to_digest`] in `candidates.rs`, [`put_item`] in `select.rs`) under the
//! dedup key the single message would have had, episode and repeat parts included, so the
//! candidate query and the repeat look-up see it as logged and it is made at most once. Its
//! digest moment is the store's send time in the manager's zone, held by the send window. Once a run's queueing pages are done, `digest_compose.rs` gathers
//! each manager's items whose digest moment has come into ONE message (per frequency), queues
//! it with its outbox row and marks the items as listed, in one transaction per few managers:
//! killed before a commit, that transaction's digests are not composed and the next run
//! composes the same items; after it, its items are marked and never listed again.

use jiff::civil::{Time, Weekday};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use rusqlite::{params, Connection, Transaction};
use serde::{Deserialize, Serialize};

use super::rule::Rule;
use super::select::{Candidate, Context, EnqueueSummary, Outcome};
use super::template::Values;
use crate::{Error, Result};

/// How a rule's manager copies go out.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type,
)]
#[serde(rename_all = "snake_case")]
pub enum DigestFrequency {
    /// One message per manager copy, as it comes due.
    #[default]
    None,
    /// One digest per manager per day.
    Daily,
    /// One digest per manager per week, on the rule's weekday.
    Weekly,
}

impl DigestFrequency {
    /// Every value, in the order the editor lists them.
    pub const ALL: &'static [DigestFrequency] = &[Self::None, Self::Daily, Self::Weekly];

    /// Whether manager copies go in a digest.
    pub fn is_on(self) -> bool {
        self != Self::None
    }

    /// The value as stored and as written on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Daily => "daily",
            Self::Weekly => "weekly",
        }
    }

    /// Parses the stored spelling.
    ///
    /// # Errors
    /// [`Error::Invalid`] for any other text.
    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| Error::invalid("digest", format!("unknown value '{s}'")))
    }
}

/// A rule's digest choice for its manager copies.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type,
)]
pub struct Digest {
    pub frequency: DigestFrequency,
    /// 1 = Monday .. 7 = Sunday; required for (and only with) a weekly digest.
    #[serde(default)]
    pub weekday: Option<u8>,
}

impl Digest {
    /// Checks the choice against the rule's recipients.
    ///
    /// # Errors
    /// [`Error::Invalid`] on `digest` for a digest on a rule that sends no manager copies, a
    /// weekly digest without a weekday 1..=7, or a weekday on any other choice.
    pub fn validate(&self, sends_to_managers: bool) -> Result<()> {
        match (self.frequency, self.weekday) {
            (DigestFrequency::None, None) => Ok(()),
            (_, _) if !sends_to_managers => Err(Error::invalid(
                "digest",
                "only a rule that sends to managers can send them a digest",
            )),
            (DigestFrequency::Weekly, Some(1..=7)) | (DigestFrequency::Daily, None) => Ok(()),
            (DigestFrequency::Weekly, _) => Err(Error::invalid(
                "digest",
                "a weekly digest needs a weekday from 1 (Monday) to 7 (Sunday)",
            )),
            (_, Some(_)) => Err(Error::invalid(
                "digest",
                "a weekday goes only with a weekly digest",
            )),
        }
    }
}

/// The digest moment of a manager copy due at `due_at`: the first instant at or after it
/// that is the send time in the manager's zone `tz` (daily), on weekday `weekday` (weekly,
/// 1 = Monday). `None` for [`DigestFrequency::None`] or an instant out of range.
pub fn digest_moment(due_at: i64, tz: &TimeZone, digest: Digest, at: Time) -> Option<i64> {
    let due = Timestamp::from_second(due_at).ok()?.to_zoned(tz.clone());
    let mut day = due.date();
    let want = match (digest.frequency, digest.weekday) {
        (DigestFrequency::Daily, _) => None,
        (DigestFrequency::Weekly, Some(n)) => Some(weekday(n)?),
        _ => return None,
    };
    for _ in 0..9 {
        let moment = day.to_datetime(at).to_zoned(tz.clone()).ok()?;
        if moment.timestamp() >= due.timestamp() && want.is_none_or(|w| day.weekday() == w) {
            return Some(moment.timestamp().as_second());
        }
        day = day.tomorrow().ok()?;
    }
    None
}

fn weekday(n: u8) -> Option<Weekday> {
    Weekday::from_monday_one_offset(i8::try_from(n).ok()?).ok()
}

/// What a digest lists of one manager copy.
#[derive(Debug, Clone)]
pub(super) struct DigestItem {
    pub manager_id: i64,
    pub program_name: String,
    pub learner_name: String,
    pub learner_id_number: String,
    pub event_at: i64,
    /// When the single manager copy came due.
    pub due_at: i64,
    /// The digest moment ([`digest_moment`] at the store's send time in the manager's zone,
    /// then held by the send window).
    pub digest_at: i64,
    /// 1 for the rule's first message, 2 for its first repeat ...
    pub reminder_no: u32,
}

/// Turns a manager copy due to go (`c`, due at `due_at`) into an item of its manager's
/// digest (`digest.rs`): the digest moment is the store's send time in the manager's zone
/// `tz` on the day (or weekday) the copy is due, then held by the send window like any
/// message. A copy skipped, failed or older than the catch-up horizon stays as it is.
pub(super) fn to_digest(
    c: &mut Candidate,
    rule: &Rule,
    manager_id: i64,
    v: &Values,
    (event_at, due_at): (i64, i64),
    tz: &TimeZone,
    ctx: &Context,
) {
    if c.outcome != Outcome::Send {
        return;
    }
    let moment = digest_moment(due_at, tz, rule.input.digest, ctx.send_time).unwrap_or(c.send_at);
    c.outcome = Outcome::Digest;
    c.digest = Some(DigestItem {
        manager_id,
        program_name: v.program_full_name.clone(),
        learner_name: v.user_full_name.clone(),
        learner_id_number: v.user_id_number.clone(),
        event_at,
        due_at,
        digest_at: ctx.windows.release(rule, moment, tz),
        reminder_no: v.reminder_no,
    });
}

/// Records the manager copy `c` of `rule` as a digest item (its [`DigestItem`] in
/// `c.digest`). Returns false when its dedup key was already recorded.
pub(super) fn put_item(
    tx: &Transaction,
    rule: &Rule,
    c: &Candidate,
    now: i64,
    sum: &mut EnqueueSummary,
) -> Result<bool> {
    let Some(item) = &c.digest else {
        return Ok(false);
    };
    let d = rule.input.digest;
    let n = tx
        .prepare_cached(
            "INSERT INTO digest_item (dedup_key, rule_id, assignment_id, manager_id, frequency,
                trigger, program_name, learner_name, learner_id_number, event_at, due_at,
                digest_at, created_at, reminder_no)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
             ON CONFLICT (dedup_key) DO NOTHING",
        )?
        .execute(params![
            c.dedup_key,
            rule.id,
            c.assignment_id,
            item.manager_id,
            d.frequency.as_str(),
            rule.input.trigger.as_str(),
            item.program_name,
            item.learner_name,
            item.learner_id_number,
            item.event_at,
            item.due_at,
            item.digest_at,
            now,
            item.reminder_no,
        ])?;
    if n > 0 {
        sum.digest_items += 1;
    }
    Ok(n > 0)
}

/// `base`, or `base.2`, `base.3` .. when a digest of that period was already composed (items
/// that came due for a period after its digest went, e.g. a backfill).
pub(super) fn free_key(conn: &Connection, base: &str) -> Result<String> {
    let mut st = conn.prepare_cached("SELECT 1 FROM message WHERE dedup_key = ?1")?;
    let mut key = base.to_string();
    let mut n = 1;
    while st.exists([&key])? {
        n += 1;
        key = format!("{base}.{n}");
    }
    Ok(key)
}
