//! Exception alerts (DOMAIN.md section 4, rule 6): one message per program per run, listing
//! the exceptions raised since the last alert, to every site administrator. An exception is
//! alerted once: its `alerted_at` is set in the same transaction that queues the alert.

use std::collections::HashSet;
use std::fmt::Write as _;

use jiff::{tz::TimeZone, Timestamp};
use rusqlite::{params, Connection, Transaction};

use super::rule::{list_all_enabled, Trigger};
use super::select::{Candidate, EnqueueSummary, Outcome, Sink, FAIL_NO_ADDRESS};
use super::template::{format_date, render, Values};
use crate::time::secs;
use crate::Result;

/// The most exceptions an alert lists one by one; the rest are counted ("… and 12,000 more"):
/// a list of a hundred thousand lines helps nobody, would be held whole in memory while the
/// run renders it, and is larger than most mail servers accept.
pub const ALERT_LIST_MAX: usize = 1_000;

fn describe(kind: &str) -> &'static str {
    match kind {
        "duplicate_course" => "duplicate course",
        "completion_time_unknown" => "completion time unknown",
        "time_allowance" => "time allowance",
        _ => "exception",
    }
}

/// The exceptions of a program (?1) not yet alerted and raised at or after the rule's
/// `effective_from` (?2).
const UNALERTED: &str = "FROM exception x JOIN assignment a ON a.id = x.assignment_id
     WHERE a.program_id = ?1 AND x.alerted_at IS NULL AND x.raised_at >= ?2";

/// The programs with an exception not yet alerted, from the (usually short) index of those
/// exceptions: a program without one is not walked membership by membership.
fn programs_with_unalerted(conn: &Connection) -> Result<HashSet<i64>> {
    let mut st = conn.prepare_cached(
        "SELECT DISTINCT a.program_id
         FROM exception x CROSS JOIN assignment a ON a.id = x.assignment_id
         WHERE x.alerted_at IS NULL",
    )?;
    let ids = st
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}

/// How many exceptions of `program_id` are not yet alerted (raised at or after `eff`), with
/// the lowest and highest of their ids.
fn unalerted_span(conn: &Connection, program_id: i64, eff: i64) -> Result<(usize, i64, i64)> {
    let (n, first, last): (i64, Option<i64>, Option<i64>) = conn
        .prepare_cached(&format!(
            "SELECT count(*), min(x.id), max(x.id) {UNALERTED}"
        ))?
        .query_row(params![program_id, eff], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
    Ok(match (first, last) {
        (Some(f), Some(l)) => (usize::try_from(n).unwrap_or(0), f, l),
        _ => (0, 0, 0),
    })
}

/// The list an alert shows: one line per exception, in id order, at most [`ALERT_LIST_MAX`]
/// of them, then how many more there are.
fn unalerted_list(conn: &Connection, program_id: i64, eff: i64, count: usize) -> Result<String> {
    let mut st = conn.prepare_cached(
        "SELECT x.kind, x.detail, x.raised_at, l.full_name, l.id_number
         FROM exception x
         JOIN assignment a ON a.id = x.assignment_id
         JOIN learner l ON l.id = a.learner_id
         WHERE a.program_id = ?1 AND x.alerted_at IS NULL AND x.raised_at >= ?2
         ORDER BY x.id LIMIT ?3",
    )?;
    let mut rows = st.query(params![program_id, eff, ALERT_LIST_MAX as i64])?;
    let mut list = String::new();
    while let Some(r) = rows.next()? {
        let kind: String = r.get(0)?;
        let detail: String = r.get(1)?;
        let raised: i64 = r.get(2)?;
        let name: String = r.get(3)?;
        let idn: String = r.get(4)?;
        let _ = writeln!(
            list,
            "- {name} ({idn}): {}{}{detail}, raised {}",
            describe(&kind),
            if detail.is_empty() { "" } else { ": " },
            format_date(Some(raised), &TimeZone::UTC)
        );
    }
    if count > ALERT_LIST_MAX {
        let _ = writeln!(
            list,
            "- … and {} more (see Exceptions in CertDesk)",
            count - ALERT_LIST_MAX
        );
    }
    Ok(list.trim_end().to_string())
}

pub(super) fn count_backfill(conn: &Connection, program_id: i64, eff: i64) -> Result<u32> {
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM exception x JOIN assignment a ON a.id = x.assignment_id
         WHERE a.program_id = ?1 AND x.alerted_at IS NULL AND x.raised_at < ?2",
        params![program_id, eff],
        |r| r.get(0),
    )?;
    let admins: i64 = conn.query_row("SELECT count(*) FROM site_admin", [], |r| r.get(0))?;
    Ok(if n > 0 {
        u32::try_from(admins).unwrap_or(0)
    } else {
        0
    })
}

pub(super) fn enqueue_alerts(
    tx: &Transaction,
    now: Timestamp,
    sink: &mut Sink,
    sum: &mut EnqueueSummary,
) -> Result<()> {
    let admins: Vec<(i64, String, String)> = tx
        .prepare_cached("SELECT id, full_name, email FROM site_admin ORDER BY id")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut alerted: Vec<(i64, i64)> = Vec::new();
    if admins.is_empty() {
        // Nobody to tell yet: the exceptions wait for the first administrator.
        return Ok(());
    }
    let pending = programs_with_unalerted(tx)?;
    for rule in list_all_enabled(tx)? {
        if rule.input.trigger != Trigger::Exception || !pending.contains(&rule.program_id) {
            continue;
        }
        let eff: i64 = tx.query_row(
            "SELECT effective_from FROM notification_rule WHERE id = ?1",
            [rule.id],
            |r| r.get(0),
        )?;
        let (count, first, last) = unalerted_span(tx, rule.program_id, eff)?;
        if count == 0 {
            continue;
        }
        let program: String = tx.query_row(
            "SELECT full_name FROM program WHERE id = ?1",
            [rule.program_id],
            |r| r.get(0),
        )?;
        let v = Values {
            program_full_name: program,
            exception_count: count,
            exception_list: unalerted_list(tx, rule.program_id, eff, count)?,
            ..Values::default()
        };
        for (admin_id, name, email) in &admins {
            let mut v = v.clone();
            v.user_full_name = name.clone();
            let rendered = render(
                &rule.input.learner_subject,
                &rule.input.learner_body,
                &v,
                &TimeZone::UTC,
            );
            let c = Candidate {
                dedup_key: format!("x{}.{first}-{last}.adm{admin_id}", rule.id),
                send_at: secs(now),
                assignment_id: None,
                cycle: 0,
                course_set_id: 0,
                recipient_kind: "admin",
                email: email.clone(),
                rendered,
                outcome: if email.trim().is_empty() {
                    Outcome::Fail(FAIL_NO_ADDRESS)
                } else {
                    Outcome::Send
                },
                digest: None,
            };
            sink.put(&rule, c, sum)?;
        }
        alerted.push((rule.program_id, eff));
    }
    // The same sets as listed above (nothing else writes in this transaction), marked once
    // every rule has had them: a set of ids, not a list held in memory.
    let mut st = tx.prepare_cached(&format!(
        "UPDATE exception SET alerted_at = ?3 WHERE id IN (SELECT x.id {UNALERTED})"
    ))?;
    for (program_id, eff) in alerted {
        st.execute(params![program_id, eff, secs(now)])?;
    }
    Ok(())
}
