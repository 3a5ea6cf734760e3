//! The candidates of a group of rules: the rows of one set-based query per rule shape and
//! recipient kind (`candidate_query.rs`), each turned into a rendered message with its exact
//! send instant.

use std::collections::HashMap;

use jiff::{tz::TimeZone, Span, Timestamp};
use rusqlite::{params, Connection};

use super::candidate_query::query;
use super::digest::DigestItem;
use super::rule::{OffsetUnit, Recipients, Rule, Timing};
use super::select::{Candidate, Context, Outcome};
use super::select::{FAIL_NO_ADDRESS, SKIP_EVENT_PASSED, SKIP_NO_MANAGER};
use super::template::{render, Values};
use crate::Result;

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

/// One row of the candidate query ([`query`]), its columns in the order of the `SELECT`.
struct CandidateRow {
    assignment_id: i64,
    cycle: i64,
    course_set_id: i64,
    event_at: i64,
    learner_name: String,
    learner_id_number: String,
    learner_email: String,
    learner_zone: String,
    due_at: Option<i64>,
    expires_at: Option<i64>,
    window_opens_at: Option<i64>,
    set_label: String,
    /// `certification` or `recertification`: the path whose criteria the message describes.
    path: String,
    program_name: String,
    /// The manager of a manager copy, or every manager's names and addresses joined when a
    /// learner's template names them.
    manager_name: Option<String>,
    manager_email: Option<String>,
    manager_zone: Option<String>,
    /// `None` on a manager copy for a learner without a manager.
    manager_id: Option<i64>,
    /// `l`, or `m<manager id>`: the recipient part of the dedup key.
    recipient_key: String,
    rule_id: i64,
    /// The tie-break key within one instant (event or membership id).
    key: i64,
    /// The dedup key is already in the log: nothing to queue.
    logged: bool,
}

impl CandidateRow {
    fn read(r: &rusqlite::Row) -> rusqlite::Result<Self> {
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
        })
    }
}

/// Every message due from a group of rules of the same shape (trigger, timing, offset,
/// recipients; usually the same rule in several programs), each with a send instant in
/// `[lo of its rule, hi]` (unix seconds) and a dedup key not yet in the log: rendered, with
/// what to do with it at `now`, and the index of its rule in `group`.
///
/// One query per recipient kind serves the whole group: it walks the event instants in range
/// once (the event table or column comes first in the join), then finds the rule by program.
pub(super) fn candidates(
    conn: &Connection,
    group: &[(&Rule, i64)],
    hi: i64,
    now: i64,
    ctx: &mut Context,
) -> Result<Vec<(usize, Candidate)>> {
    let mut out = Vec::new();
    let Some((elo, ehi)) = group_window(group, hi) else {
        return Ok(out);
    };
    for manager_copy in recipient_kinds(group) {
        let page = Page {
            manager_copy,
            elo,
            ehi,
            after: i64::MIN,
            limit: -1,
            check: -1,
        };
        page_of(conn, group, &page, hi, now, ctx, &mut out)?;
    }
    Ok(out)
}

/// The event instants `[elo, ehi]` whose send instants may lie in `[lo, hi]` for some rule of
/// the group (`None` for an empty group).
pub(super) fn group_window(group: &[(&Rule, i64)], hi: i64) -> Option<(i64, i64)> {
    let ((first, _), lo) = group.first().zip(group.iter().map(|(_, lo)| *lo).min())?;
    let i = &first.input;
    Some(event_window(
        i.timing,
        i.offset_unit,
        i64::from(i.offset_amount),
        lo,
        hi,
    ))
}

/// The recipient kinds a group sends to: `false` for the learner, `true` for manager copies.
pub(super) fn recipient_kinds(group: &[(&Rule, i64)]) -> Vec<bool> {
    let Some((first, _)) = group.first() else {
        return Vec::new();
    };
    [false, true]
        .into_iter()
        .filter(|&manager_copy| match first.input.recipients {
            Recipients::Learner => !manager_copy,
            Recipients::Managers => manager_copy,
            Recipients::Both => true,
            Recipients::Admins => false,
        })
        .collect()
}

/// A slice of a group's event instants, for one recipient kind: the rows with an event
/// instant in `[elo, ehi]`, in the order of (instant, key), up to whichever cap comes first:
/// `limit` rows not yet queued (rendered), or `check` rows checked, already queued or not
/// (-1: no cap).
pub(super) struct Page {
    pub manager_copy: bool,
    pub elo: i64,
    pub ehi: i64,
    /// The lowest tie-break key read at instant `elo`.
    pub after: i64,
    pub limit: i64,
    pub check: i64,
}

/// What one page read: how many rows, the instant of the last, how many of them became
/// candidates (the others lie outside their rule's send range and would be read again), and
/// whether a cap stopped it (rows of the window may remain after `last_at`).
pub(super) struct Fetched {
    pub rows: i64,
    /// The (instant, key) of the last row.
    pub last_at: Option<(i64, i64)>,
    pub taken: i64,
    pub full: bool,
}

/// The candidates of one [`Page`], appended to `out`.
pub(super) fn page_of(
    conn: &Connection,
    group: &[(&Rule, i64)],
    page: &Page,
    hi: i64,
    now: i64,
    ctx: &mut Context,
    out: &mut Vec<(usize, Candidate)>,
) -> Result<Fetched> {
    let mut fetched = Fetched {
        rows: 0,
        last_at: None,
        taken: 0,
        full: false,
    };
    let Some((first, _)) = group.first() else {
        return Ok(fetched);
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
    let want_mgr = group
        .iter()
        .any(|(r, _)| uses(r, &["managername", "manageremail"]));
    let sql = query(i.trigger, i.timing, page.manager_copy, want_mgr);
    let mut st = conn.prepare_cached(&sql)?;
    let mut rows = st.query(params![ids, page.elo, page.ehi, page.check, page.after])?;
    let mut fresh = 0;
    // Stops after the row that reaches `limit`: the next page goes on from its (instant, key).
    while !fetched.full {
        let Some(r) = rows.next()? else {
            break;
        };
        let row = CandidateRow::read(r)?;
        fetched.rows += 1;
        fetched.last_at = Some((row.event_at, row.key));
        if row.logged {
            continue;
        }
        fresh += 1;
        if page.limit >= 0 && fresh >= page.limit {
            fetched.full = true;
        }
        let Some(&k) = by_id.get(&row.rule_id) else {
            continue;
        };
        let (rule, lo) = group[k];
        if let Some(c) = candidate(row, rule, lo, hi, now, page.manager_copy, ctx) {
            fetched.taken += 1;
            out.push((k, c));
        }
    }
    if page.check >= 0 && fetched.rows >= page.check {
        fetched.full = true;
    }
    Ok(fetched)
}

/// The event-instant window that holds every send instant in `[lo, hi]`, for an offset of
/// `n` units (a month is 28 to 31 days; two hours of slack cover a change of UTC offset).
fn event_window(timing: Timing, unit: OffsetUnit, n: i64, lo: i64, hi: i64) -> (i64, i64) {
    let (umin, umax) = unit_secs(unit);
    let slack = 2 * 3600;
    match timing {
        Timing::On => (lo, hi),
        Timing::Before => (
            lo.saturating_add(n * umin - slack),
            hi.saturating_add(n * umax + slack),
        ),
        Timing::After => (
            lo.saturating_sub(n * umax + slack),
            hi.saturating_sub(n * umin - slack),
        ),
    }
}

/// The message of one row, rendered for its recipient, when its exact send instant (in the
/// learner's zone) lies in `[lo, hi]`.
fn candidate(
    row: CandidateRow,
    rule: &Rule,
    lo: i64,
    hi: i64,
    now: i64,
    manager_copy: bool,
    ctx: &mut Context,
) -> Option<Candidate> {
    let i = &rule.input;
    let n = i64::from(i.offset_amount);
    let tz = ctx.zone(&row.learner_zone);
    let send_at = send_instant(row.event_at, &tz, i.timing, i.offset_unit, n)?;
    if send_at < lo || send_at > hi {
        return None;
    }
    let v = Values {
        user_full_name: row.learner_name,
        user_id_number: row.learner_id_number,
        program_full_name: row.program_name,
        due_at: row.due_at,
        expires_at: row.expires_at,
        window_opens_at: row.window_opens_at,
        set_label: row.set_label,
        completion_criteria: ctx
            .criteria
            .get(&(rule.program_id, row.path))
            .cloned()
            .unwrap_or_default(),
        manager_name: row.manager_name.unwrap_or_default(),
        manager_email: row.manager_email.clone().unwrap_or_default(),
        ..Values::default()
    };
    let (email, rendered, kind) = if manager_copy {
        let mtz = ctx.zone(row.manager_zone.as_deref().unwrap_or("UTC"));
        (
            row.manager_email.unwrap_or_default(),
            render(&i.manager_subject, &i.manager_body, &v, &mtz),
            "manager",
        )
    } else {
        (
            row.learner_email,
            render(&i.learner_subject, &i.learner_body, &v, &tz),
            "learner",
        )
    };
    let outcome = if i.timing == Timing::Before && row.event_at <= now {
        Outcome::Skip(SKIP_EVENT_PASSED)
    } else if manager_copy && row.manager_id.is_none() {
        Outcome::Skip(SKIP_NO_MANAGER)
    } else if email.trim().is_empty() {
        Outcome::Fail(FAIL_NO_ADDRESS)
    } else {
        Outcome::Send
    };
    let (a, cycle, set) = (row.assignment_id, row.cycle, row.course_set_id);
    // A manager copy of a digest rule is listed in the manager's digest (`digest.rs`).
    let (outcome, digest) = match (outcome, row.manager_id) {
        (Outcome::Send, Some(manager_id)) if manager_copy && i.digest.frequency.is_on() => (
            Outcome::Digest,
            Some(DigestItem {
                manager_id,
                manager_zone: row.manager_zone.clone().unwrap_or_default(),
                program_name: v.program_full_name.clone(),
                learner_name: v.user_full_name.clone(),
                learner_id_number: v.user_id_number.clone(),
                event_at: row.event_at,
                due_at: send_at,
            }),
        ),
        _ => (outcome, None),
    };
    Some(Candidate {
        dedup_key: format!("{}.{a}.{cycle}.{set}.{}", rule.id, row.recipient_key),
        assignment_id: Some(a),
        cycle,
        course_set_id: set,
        recipient_kind: kind,
        email,
        rendered,
        outcome,
        digest,
    })
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
