//! The forecast: every message the runs would send in the next days if nothing changes,
//! found by the run's own selection (`candidates::page_of` over the same groups of rules as
//! `chunk.rs`, with repeats, escalation, the send window and digests), never by a second
//! computation of send times. Reads only.
//!
//! Days are UTC calendar days of the send instant (the administrator's view of the whole
//! store, whatever the recipients' zones); each message also carries its instant. A forecast
//! of N days covers the rest of today (after `now`) and the N - 1 whole days after it, so it
//! shows N days.
//! Exception alerts are not forecast: they go at the run after an exception is raised, which
//! no one can foresee. A digest rule's manager copy is counted at the moment of the digest
//! that lists it (one item of that digest, not a message of its own).

use std::collections::{BTreeMap, HashMap, HashSet};

use jiff::Timestamp;
use rusqlite::Connection;
use serde::Serialize;

use super::candidates::{all_kinds_window, page_of, recipient_kinds, Page};
use super::chunk::{by_shape, effective};
use super::rule::{list_all_enabled, Rule, Trigger};
use super::select::{Candidate, Context, Outcome};
use crate::time::secs;
use crate::Result;

/// What to forecast.
#[derive(Debug, Clone, Default)]
pub struct ForecastQuery {
    /// How many UTC days: today (from `now` on) and the `days - 1` days after it.
    pub days: u32,
    /// Only this program (its id).
    pub program_id: Option<i64>,
    /// Only this trigger.
    pub trigger: Option<Trigger>,
    /// Only this learner (their id): the messages about them, to whoever.
    pub learner_id: Option<i64>,
    /// List the messages of this UTC day (`YYYY-MM-DD`) rather than the first ones.
    pub day: Option<String>,
    /// The most messages listed.
    pub limit: usize,
}

/// How many messages go on one UTC day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct ForecastDay {
    pub date: String,
    pub count: u32,
}

/// One message the runs would send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct ForecastMessage {
    /// RFC 3339 instant it would go (after any hold by the send window; a digest item: the
    /// moment of its digest).
    pub at: String,
    /// The same moment on the recipient's own clock: `YYYY-MM-DD HH:MM` and their time zone
    /// (the learner's for theirs, the manager's for a manager copy).
    pub local_at: String,
    pub rule_id: i64,
    pub trigger: String,
    /// The program's short name.
    pub program: String,
    /// The learner it is about, and their id number.
    pub learner: String,
    pub learner_id_number: String,
    /// `learner` or `manager` (a manager's manager included).
    pub recipient_kind: String,
    pub email: String,
    /// 1 for the first message, 2 for the first repeat ...
    pub reminder_no: u32,
    /// True for a manager copy listed in a digest.
    pub digest: bool,
    pub dedup_key: String,
}

/// The forecast: a count per UTC day (every day of the range, zeros included), the total,
/// and the messages of the day asked for (or the first ones), in send order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Forecast {
    pub from: String,
    pub to: String,
    pub days: Vec<ForecastDay>,
    pub total: u32,
    pub messages: Vec<ForecastMessage>,
    /// True when more messages matched than `messages` lists.
    pub truncated: bool,
}

/// The width of each slice of event instants read at once (seconds): bounds what is held.
const SLICE: i64 = 7 * 86_400;

/// The forecast at `now` for `q`. Reads only.
///
/// # Errors
/// [`crate::Error::Invalid`] for a bad day; database errors.
pub fn forecast(conn: &Connection, now: Timestamp, q: &ForecastQuery) -> Result<Forecast> {
    // A month of a large store reads the same index pages again and again (one pass per
    // group of rules and recipient kind): a larger page cache while it goes, then the
    // connection's own setting back, whatever happened.
    let cache: i64 = conn.query_row("PRAGMA cache_size", [], |r| r.get(0))?;
    conn.pragma_update(None, "cache_size", -CACHE_KIB)?;
    let out = forecast_in(conn, now, q);
    let restored = conn.pragma_update(None, "cache_size", cache);
    let out = out?;
    restored?;
    Ok(out)
}

/// The page cache of a forecast's connection (KiB).
const CACHE_KIB: i64 = 256 * 1024;

fn forecast_in(conn: &Connection, now: Timestamp, q: &ForecastQuery) -> Result<Forecast> {
    let now_s = secs(now);
    // The last second of the last UTC day: today and the `days - 1` days after it.
    let hi = utc_date(now_s)
        .checked_add(jiff::Span::new().days(i64::from(q.days)))
        .ok()
        .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
        .map_or(now_s, |z| z.timestamp().as_second() - 1);
    let want_day = match &q.day {
        Some(d) => Some(
            d.parse::<jiff::civil::Date>()
                .map_err(|e| crate::Error::invalid("day", e.to_string()))?,
        ),
        None => None,
    };
    let learner_assignments: Option<HashSet<i64>> = match q.learner_id {
        Some(l) => {
            let mut st = conn.prepare_cached("SELECT id FROM assignment WHERE learner_id = ?1")?;
            let ids = st.query_map([l], |r| r.get(0))?;
            Some(ids.collect::<rusqlite::Result<_>>()?)
        }
        None => None,
    };
    let eff = effective(conn)?;
    let rules = list_all_enabled(conn)?;
    let groups = by_shape(&rules, &eff, now_s, now_s + 1, |r| {
        q.program_id.is_none_or(|p| p == r.program_id)
            && q.trigger.is_none_or(|t| t == r.input.trigger)
    });
    let mut ctx = Context::new(conn)?;
    // Counted, not rendered: a month of a large store is hundreds of thousands of messages.
    ctx.render = false;
    let mut per_day: BTreeMap<jiff::civil::Date, u32> = BTreeMap::new();
    let mut listed: Vec<(usize, Candidate, i64)> = Vec::new();
    let mut total = 0u32;
    for group in &groups {
        let kinds = recipient_kinds(group);
        let Some((elo, ehi)) = all_kinds_window(group, hi, ctx.max_hold) else {
            continue;
        };
        {
            let mut cursor = elo;
            while cursor <= ehi {
                let end = cursor.saturating_add(SLICE - 1).min(ehi);
                let page = Page {
                    kinds: kinds.clone(),
                    elo: cursor,
                    ehi: end,
                    after: i64::MIN,
                    limit: -1,
                    check: -1,
                    messages: -1,
                    until: None,
                };
                let mut found = Vec::new();
                page_of(conn, group, &page, hi, now_s, &mut ctx, &mut found)?;
                for (k, mut c) in found {
                    if !matches!(c.outcome, Outcome::Send | Outcome::Digest) {
                        continue;
                    }
                    if let Some(d) = &c.digest {
                        c.send_at = d.digest_at;
                    }
                    if c.send_at <= now_s || c.send_at > hi {
                        continue;
                    }
                    if let Some(set) = &learner_assignments {
                        if !c.assignment_id.is_some_and(|a| set.contains(&a)) {
                            continue;
                        }
                    }
                    let date = utc_date(c.send_at);
                    *per_day.entry(date).or_default() += 1;
                    total += 1;
                    if want_day.is_none_or(|d| d == date) {
                        keep(&mut listed, (k, c, group[k].0.id), q.limit);
                    }
                }
                cursor = end.saturating_add(1);
            }
        }
    }
    let matched = match want_day {
        Some(d) => per_day.get(&d).copied().unwrap_or(0),
        None => total,
    };
    let rule_of: HashMap<i64, &Rule> = rules.iter().map(|r| (r.id, r)).collect();
    let messages = describe(conn, listed, &rule_of, q.limit)?;
    let truncated = (messages.len() as u64) < u64::from(matched);
    Ok(Forecast {
        from: now.to_string(),
        to: Timestamp::from_second(hi)
            .map(|t| t.to_string())
            .unwrap_or_default(),
        days: all_days(now_s, hi, &per_day),
        total,
        messages,
        truncated,
    })
}

/// Keeps the `limit` earliest messages (by send instant, then key).
fn keep(listed: &mut Vec<(usize, Candidate, i64)>, item: (usize, Candidate, i64), limit: usize) {
    listed.push(item);
    if listed.len() > limit.saturating_mul(2).max(64) {
        sort(listed);
        listed.truncate(limit);
    }
}

fn sort(listed: &mut [(usize, Candidate, i64)]) {
    listed.sort_by(|a, b| (a.1.send_at, &a.1.dedup_key).cmp(&(b.1.send_at, &b.1.dedup_key)));
}

fn utc_date(at: i64) -> jiff::civil::Date {
    Timestamp::from_second(at)
        .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date())
        .unwrap_or_default()
}

fn all_days(now: i64, hi: i64, per_day: &BTreeMap<jiff::civil::Date, u32>) -> Vec<ForecastDay> {
    let (first, last) = (utc_date(now + 1), utc_date(hi));
    let mut out = Vec::new();
    let mut d = first;
    while d <= last {
        out.push(ForecastDay {
            date: d.to_string(),
            count: per_day.get(&d).copied().unwrap_or(0),
        });
        match d.tomorrow() {
            Ok(n) => d = n,
            Err(_) => break,
        }
    }
    out
}

fn describe(
    conn: &Connection,
    mut listed: Vec<(usize, Candidate, i64)>,
    rule_of: &HashMap<i64, &Rule>,
    limit: usize,
) -> Result<Vec<ForecastMessage>> {
    sort(&mut listed);
    listed.truncate(limit);
    let mut who = conn.prepare_cached(
        "SELECT l.full_name, l.id_number, p.short_name, l.time_zone FROM assignment a
         JOIN learner l ON l.id = a.learner_id JOIN program p ON p.id = a.program_id
         WHERE a.id = ?1",
    )?;
    // A manager copy goes at the send time in the manager's zone (managers are learners).
    let mut manager_zone = conn.prepare_cached(
        "SELECT time_zone FROM learner WHERE email = ?1 COLLATE NOCASE ORDER BY id LIMIT 1",
    )?;
    let mut out = Vec::new();
    for (_, c, rule_id) in listed {
        let (learner, idn, program, mut zone): (String, String, String, String) = who
            .query_row([c.assignment_id.unwrap_or(0)], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .unwrap_or_default();
        if c.recipient_kind != "learner" {
            zone = manager_zone
                .query_row([&c.email], |r| r.get(0))
                .unwrap_or_default();
        }
        out.push(ForecastMessage {
            at: Timestamp::from_second(c.send_at)
                .map(|t| t.to_string())
                .unwrap_or_default(),
            local_at: local_at(c.send_at, &zone),
            rule_id,
            trigger: rule_of
                .get(&rule_id)
                .map(|r| r.input.trigger.as_str().to_string())
                .unwrap_or_default(),
            program,
            learner,
            learner_id_number: idn,
            recipient_kind: c.recipient_kind.to_string(),
            email: c.email,
            reminder_no: super::next_sends::reminder_no(&c.dedup_key),
            digest: c.digest.is_some(),
            dedup_key: c.dedup_key,
        });
    }
    Ok(out)
}

/// `YYYY-MM-DD HH:MM zone` of instant `s` in `zone` (UTC when the zone is unknown).
fn local_at(s: i64, zone: &str) -> String {
    let (tz, name) = match crate::time::zone(zone) {
        Ok(tz) => (tz, zone),
        Err(_) => (jiff::tz::TimeZone::UTC, "UTC"),
    };
    Timestamp::from_second(s)
        .map(|t| format!("{} {name}", t.to_zoned(tz).strftime("%Y-%m-%d %H:%M")))
        .unwrap_or_default()
}
