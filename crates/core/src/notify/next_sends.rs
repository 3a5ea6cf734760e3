//! When a rule's next messages would go, for the rule editor's preview: the next few send
//! instants for real memberships, found by the same selection as a run
//! (`candidates::page_of`, with its repeats, escalation and send window), never by a second
//! computation of send times.

use jiff::Timestamp;
use rusqlite::Connection;
use serde::Serialize;

use super::candidates::{all_kinds_window, page_of, recipient_kinds, Page};
use super::rule::{get_rule, Trigger};
use super::select::{Context, Outcome};
use crate::time::secs;
use crate::Result;

/// One message a rule would send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct NextSend {
    /// RFC 3339 instant it would go (after any hold by the send window; a manager copy of a
    /// digest rule: the moment of the digest that lists it).
    pub at: String,
    /// The learner it is about.
    pub learner: String,
    /// `learner` or `manager` (a manager's manager included).
    pub recipient_kind: String,
    pub email: String,
    /// 1 for the first message, 2 for the first repeat ...
    pub reminder_no: u32,
}

/// How far ahead the preview looks (days).
pub const LOOK_AHEAD_DAYS: i64 = 400;
/// The most memberships (candidate rows) the preview reads per recipient kind.
const ROWS: i64 = 200;

/// The next `count` messages rule `rule_id` would send after `now` (its texts as saved), in
/// send order. Reads only; an exception alert rule has none to show (alerts go at the run
/// after an exception is raised).
///
/// # Errors
/// [`crate::Error::NotFound`] for an unknown rule; database errors.
pub fn next_sends(
    conn: &Connection,
    rule_id: i64,
    now: Timestamp,
    count: usize,
) -> Result<Vec<NextSend>> {
    let rule = get_rule(conn, rule_id)?;
    if rule.input.trigger == Trigger::Exception {
        return Ok(Vec::new());
    }
    let now = secs(now);
    let hi = now.saturating_add(LOOK_AHEAD_DAYS * 86_400);
    let group = [(&rule, now)];
    let mut ctx = Context::new(conn)?;
    let mut found = Vec::new();
    let kinds = recipient_kinds(&group);
    if let Some((elo, ehi)) = all_kinds_window(&group, hi, ctx.max_hold) {
        // As many rows for each recipient kind as one kind had when each was a query.
        let rows = ROWS * kinds.len() as i64;
        let page = Page {
            kinds,
            elo,
            ehi,
            after: i64::MIN,
            limit: rows,
            check: rows * 10,
            messages: -1,
            until: None,
        };
        page_of(conn, &group, &page, hi, now, &mut ctx, &mut found)?;
    }
    let mut sends: Vec<_> = found
        .into_iter()
        .map(|(_, c)| c)
        .filter(|c| matches!(c.outcome, Outcome::Send | Outcome::Digest))
        .map(|mut c| {
            // A manager copy of a digest rule goes in the manager's digest, at its moment.
            if let Some(d) = &c.digest {
                c.send_at = d.digest_at;
            }
            c
        })
        .collect();
    sends.sort_by(|a, b| (a.send_at, &a.dedup_key).cmp(&(b.send_at, &b.dedup_key)));
    sends.truncate(count);
    let mut learner = conn.prepare_cached(
        "SELECT l.full_name FROM assignment a JOIN learner l ON l.id = a.learner_id
         WHERE a.id = ?1",
    )?;
    let mut out = Vec::new();
    for c in sends {
        let name: String = learner
            .query_row([c.assignment_id], |r| r.get(0))
            .unwrap_or_default();
        out.push(NextSend {
            at: Timestamp::from_second(c.send_at)
                .map(|t| t.to_string())
                .unwrap_or_default(),
            learner: name,
            recipient_kind: c.recipient_kind.to_string(),
            email: c.email,
            reminder_no: reminder_no(&c.dedup_key),
        });
    }
    Ok(out)
}

/// The message's number in its sequence, read off its dedup key (`.r<k>` is repeat k).
pub(super) fn reminder_no(key: &str) -> u32 {
    key.rsplit_once(".r")
        .and_then(|(_, k)| k.parse::<u32>().ok())
        .map_or(1, |k| k + 1)
}
