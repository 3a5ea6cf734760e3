//! The candidates of a group of rules: the rows of one set-based query per rule shape, for
//! all its recipient kinds at once (`candidate_query.rs`), each turned into a rendered
//! message with its exact send instant.

use std::collections::HashMap;
use std::time::Instant;

use rusqlite::{params, Connection};

use super::candidate_query::{query, query_scoped, CandidateRow, Kind};
use super::digest::to_digest;
pub(super) use super::event_window::{all_kinds_window, recipient_kinds};
use super::near;
use super::repeat::{self, Place, Seq};
use super::rule::{Rule, Timing};
use super::select::{Candidate, Context, Outcome};
use super::select::{FAIL_NO_ADDRESS, SKIP_EVENT_PASSED, SKIP_NO_MANAGER, SKIP_NO_SECOND_MANAGER};
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

/// Every message due from a group of rules of the same shape (trigger, timing, offset,
/// recipients; usually the same rule in several programs), each with a send instant in
/// `[lo of its rule, hi]` (unix seconds) and a dedup key not yet in the log: rendered, with
/// what to do with it at `now`, and the index of its rule in `group`.
///
/// One query serves the whole group and all its recipient kinds: it walks the event instants
/// in range once (the event table or column comes first in the join), then finds the rule by
/// program and the recipients of each row.
pub(super) fn candidates(
    conn: &Connection,
    group: &[(&Rule, i64)],
    hi: i64,
    now: i64,
    ctx: &mut Context,
) -> Result<Vec<(usize, Candidate)>> {
    let mut out = Vec::new();
    let Some((elo, ehi)) = all_kinds_window(group, hi, ctx.max_hold) else {
        return Ok(out);
    };
    let page = Page {
        kinds: recipient_kinds(group),
        elo,
        ehi,
        after: i64::MIN,
        limit: -1,
        check: -1,
        messages: -1,
        until: None,
    };
    page_of(conn, group, &page, hi, now, ctx, &mut out)?;
    Ok(out)
}

/// A slice of a group's event instants, for its recipient kinds: the rows (one per membership
/// or event and recipient) with an event instant in `[elo, ehi]`, in the order of (instant,
/// key), up to whichever cap comes first: `limit` rows not yet queued (rendered), `check`
/// rows checked, already queued or not, `messages` messages made (a row of a repeating rule
/// with several recipients makes many; -1: no cap), or the time `until` (checked at each row
/// past the page's first key, so a page always moves on).
pub(super) struct Page {
    pub kinds: Vec<Kind>,
    pub elo: i64,
    pub ehi: i64,
    /// The lowest tie-break key read at instant `elo`.
    pub after: i64,
    pub limit: i64,
    pub check: i64,
    /// At most this many candidates (rendered messages, held in memory until written).
    pub messages: i64,
    pub until: Option<Instant>,
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
    let Some((first, _)) = group.first() else {
        return Ok(Fetched {
            rows: 0,
            last_at: None,
            taken: 0,
            full: false,
        });
    };
    let i = &first.input;
    let want_mgr = group
        .iter()
        .any(|(r, _)| uses(r, &["managername", "manageremail"]));
    // The explainer reads one membership, and the rows a run would filter out with why.
    let sql = match ctx.only {
        None => query(i.trigger, i.timing, &page.kinds, want_mgr),
        Some(_) => query_scoped(i.trigger, i.timing, &page.kinds, want_mgr, true),
    };
    // A run's query tests first whether a row has a message due in range (near.rs).
    near::register(conn)?;
    let timed: Vec<_> = group
        .iter()
        .map(|(r, lo)| (*r, *lo, ctx.windows.send_time(r, ctx.send_time)))
        .collect();
    near::reading(&timed, ctx.max_hold, (hi, page.until), || {
        rows_of(conn, &sql, group, page, (hi, now), ctx, out)
    })
}

/// The rows of [`page_of`]'s query `sql`, each turned into its candidates.
fn rows_of(
    conn: &Connection,
    sql: &str,
    group: &[(&Rule, i64)],
    page: &Page,
    (hi, now): (i64, i64),
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
    // With repeats, a row whose first message is logged may still have repeats due.
    let repeating = first.input.repeat_every_days > 0;
    let one = ctx.only;
    let mut st = conn.prepare_cached(sql)?;
    let mut rows = match one {
        None => st.query(params![ids, page.elo, page.ehi, page.check, page.after])?,
        Some(a) => st.query(params![ids, page.elo, page.ehi, page.check, page.after, a])?,
    };
    let mut fresh = 0;
    // Stops after the row that reaches `limit`: the next page goes on from its (instant, key).
    while !fetched.full {
        let Some(r) = rows.next()? else {
            break;
        };
        let row = CandidateRow::read(r)?;
        if one.is_some() {
            if let Some(why) = r.get::<_, Option<String>>(24)? {
                ctx.filtered.push((row.rule_id, why));
                continue;
            }
        }
        fetched.rows += 1;
        fetched.last_at = Some((row.event_at, row.key));
        // Out of time: this row is the page's last, once past where the page began (the next
        // page goes on from it).
        if (row.event_at, row.key) > (page.elo, page.after)
            && page.until.is_some_and(|u| Instant::now() >= u)
        {
            fetched.full = true;
        }
        if row.logged && !repeating {
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
        for c in candidates_of(conn, row, rule, (lo, hi), now, ctx)? {
            fetched.taken += 1;
            out.push((k, c));
        }
        if page.messages >= 0 && fetched.taken >= page.messages {
            fetched.full = true;
        }
    }
    if page.check >= 0 && fetched.rows >= page.check {
        fetched.full = true;
    }
    Ok(fetched)
}

/// The messages of one row, rendered for its recipient: the first and each repeat whose
/// send instant (for that recipient, `send_instant`, then held by the send window unless
/// the rule is sent at once) lies in `[lo, hi]` and whose dedup key is not in the log
/// (repeat.rs). A message due by `hi` but held past it is counted in `ctx.held`.
fn candidates_of(
    conn: &Connection,
    row: CandidateRow,
    rule: &Rule,
    (lo, hi): (i64, i64),
    now: i64,
    ctx: &mut Context,
) -> Result<Vec<Candidate>> {
    let i = &rule.input;
    let kind = row.kind;
    let tz = near::zone(&row.learner_zone);
    let rtz = if kind == Kind::Learner {
        tz.clone()
    } else {
        near::zone(row.manager_zone.as_deref().unwrap_or("UTC"))
    };
    let (a, cycle, set) = (row.assignment_id, row.cycle, row.course_set_id);
    // The first message's key: the SQL of candidate_query.rs builds the same string.
    let base = dedup_key(rule.id, a, cycle, set, &row.recipient_key, row.episode);
    let no_manager = row.manager_id.is_none();
    let email = match kind {
        Kind::Learner => row.learner_email.clone(),
        _ => row.manager_email.clone().unwrap_or_default(),
    };
    let event_at = row.event_at;
    // What to do with a message due at `due`, at `at`.
    let outcome = |at: i64, due: i64| {
        if i.timing == Timing::Before && event_at <= at && due < event_at {
            Outcome::Skip(SKIP_EVENT_PASSED)
        } else if kind == Kind::Manager && no_manager {
            Outcome::Skip(SKIP_NO_MANAGER)
        } else if kind == Kind::Second && no_manager {
            Outcome::Skip(SKIP_NO_SECOND_MANAGER)
        } else if email.trim().is_empty() {
            Outcome::Fail(FAIL_NO_ADDRESS)
        } else {
            Outcome::Send
        }
    };
    let seq = Seq {
        base: &base,
        event_at,
        learner: &tz,
        recipient: &rtz,
        first_logged: row.logged,
        no_recipient: no_manager,
        near: (lo.saturating_sub(ctx.max_hold), hi),
    };
    let send_time = ctx.windows.send_time(rule, ctx.send_time);
    let (windows, held) = (&ctx.windows, &mut ctx.held);
    let place = |due: i64| {
        if due > hi {
            return Place::After;
        }
        // Held by the send window until `send_at` (not for a rule sent at once).
        let send_at = windows.release(rule, due, &rtz);
        if send_at > hi {
            if let Some(h) = held
                .as_mut()
                .filter(|_| outcome(send_at, due) == Outcome::Send)
            {
                h.count += 1;
                h.until = Some(h.until.map_or(send_at, |u: i64| u.min(send_at)));
            }
            return Place::After;
        }
        if send_at < lo {
            Place::Before
        } else {
            Place::In(send_at)
        }
    };
    let due = repeat::due(conn, i, &seq, kind, send_time, place)?;
    if due.is_empty() {
        return Ok(Vec::new());
    }
    let mut v = Values {
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
        manager_email: row.manager_email.unwrap_or_default(),
        deadline_at: i.trigger.repeats().then_some(event_at),
        ..Values::default()
    };
    let digest_to = row
        .manager_id
        .filter(|_| kind != Kind::Learner && i.digest.frequency.is_on());
    let mut out = Vec::new();
    // The row's values, with each message's number and instant set in turn (not a copy of
    // every text per message: the forecast counts hundreds of thousands).
    for d in due {
        v.reminder_no = d.k + 1;
        v.sent_at = Some(d.send_at);
        let (rendered, recipient_kind) = match kind {
            _ if !ctx.render && kind == Kind::Learner => (unrendered(), "learner"),
            _ if !ctx.render => (unrendered(), "manager"),
            Kind::Learner => (
                render(&i.learner_subject, &i.learner_body, &v, &tz),
                "learner",
            ),
            _ => (
                render(&i.manager_subject, &i.manager_body, &v, &rtz),
                "manager",
            ),
        };
        out.push(Candidate {
            dedup_key: d.key,
            send_at: d.send_at,
            assignment_id: Some(a),
            cycle,
            course_set_id: set,
            recipient_kind,
            email: email.clone(),
            rendered,
            // Older than the catch-up horizon (the store was closed, or the event was
            // backdated): logged as skipped once, never sent (nor listed in a digest).
            outcome: match outcome(now, d.due_at) {
                Outcome::Send if d.send_at < ctx.horizon => Outcome::TooOld,
                o => o,
            },
            digest: None,
        });
        // A manager copy (either level) of a digest rule is listed in the manager's digest.
        if let (Some(c), Some(manager)) = (out.last_mut(), digest_to) {
            to_digest(c, rule, manager, &v, (event_at, d.due_at), &rtz, ctx);
        }
    }
    Ok(out)
}

/// The empty message of a count that renders nothing (the forecast).
fn unrendered() -> crate::mail::Rendered {
    crate::mail::Rendered {
        subject: String::new(),
        html: String::new(),
        text: String::new(),
    }
}

/// A message's dedup key (DOMAIN.md section 4, rule 1), in step with the SQL of
/// `candidate_query.rs`: `rule.assignment.cycle.set.recipient`, then `.e<episode>` from the
/// second assignment episode on (the first adds nothing, so every key written before
/// episodes existed is still recognised).
pub(super) fn dedup_key(
    rule: i64,
    assignment: i64,
    cycle: i64,
    set: i64,
    recipient: &str,
    episode: i64,
) -> String {
    let key = format!("{rule}.{assignment}.{cycle}.{set}.{recipient}");
    if episode > 1 {
        format!("{key}.e{episode}")
    } else {
        key
    }
}
