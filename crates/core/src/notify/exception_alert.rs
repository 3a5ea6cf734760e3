//! Exception alerts (DOMAIN.md section 4, rule 6): one message per program per run, listing
//! the exceptions raised since the last alert, to every site administrator. An exception is
//! alerted once: its `alerted_at` is set in the same transaction that queues the alert.

use std::fmt::Write as _;

use jiff::{tz::TimeZone, Timestamp};
use rusqlite::{params, Connection, Transaction};

use super::rule::{list_all_enabled, Trigger};
use super::select::{Candidate, EnqueueSummary, Outcome, Sink, FAIL_NO_ADDRESS};
use super::template::{format_date, render, Values};
use crate::time::secs;
use crate::Result;

struct Raised {
    id: i64,
    line: String,
}

fn describe(kind: &str) -> &'static str {
    match kind {
        "duplicate_course" => "duplicate course",
        "completion_time_unknown" => "completion time unknown",
        "time_allowance" => "time allowance",
        _ => "exception",
    }
}

/// The exceptions of `program_id` not yet alerted and raised at or after `eff`.
fn unalerted(conn: &Connection, program_id: i64, eff: i64) -> Result<Vec<Raised>> {
    let mut st = conn.prepare_cached(
        "SELECT x.id, x.kind, x.detail, x.raised_at, l.full_name, l.id_number
         FROM exception x
         JOIN assignment a ON a.id = x.assignment_id
         JOIN learner l ON l.id = a.learner_id
         WHERE a.program_id = ?1 AND x.alerted_at IS NULL AND x.raised_at >= ?2
         ORDER BY x.id",
    )?;
    let rows = st.query_map(params![program_id, eff], |r| {
        let kind: String = r.get(1)?;
        let detail: String = r.get(2)?;
        let raised: i64 = r.get(3)?;
        let name: String = r.get(4)?;
        let idn: String = r.get(5)?;
        Ok(Raised {
            id: r.get(0)?,
            line: format!(
                "- {name} ({idn}): {}{}{detail}, raised {}",
                describe(&kind),
                if detail.is_empty() { "" } else { ": " },
                format_date(Some(raised), &TimeZone::UTC)
            ),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
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
    let mut alerted: Vec<i64> = Vec::new();
    if admins.is_empty() {
        // Nobody to tell yet: the exceptions wait for the first administrator.
        return Ok(());
    }
    for rule in list_all_enabled(tx)? {
        if rule.input.trigger != Trigger::Exception {
            continue;
        }
        let eff: i64 = tx.query_row(
            "SELECT effective_from FROM notification_rule WHERE id = ?1",
            [rule.id],
            |r| r.get(0),
        )?;
        let raised = unalerted(tx, rule.program_id, eff)?;
        let (Some(first), Some(last)) = (raised.first(), raised.last()) else {
            continue;
        };
        let program: String = tx.query_row(
            "SELECT full_name FROM program WHERE id = ?1",
            [rule.program_id],
            |r| r.get(0),
        )?;
        let mut list = String::new();
        for x in &raised {
            let _ = writeln!(list, "{}", x.line);
        }
        let v = Values {
            program_full_name: program,
            exception_count: raised.len(),
            exception_list: list.trim_end().to_string(),
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
                dedup_key: format!("x{}.{}-{}.adm{admin_id}", rule.id, first.id, last.id),
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
            };
            sink.put(&rule, c, sum)?;
        }
        alerted.extend(raised.iter().map(|x| x.id));
    }
    let mut st = tx.prepare_cached("UPDATE exception SET alerted_at = ?2 WHERE id = ?1")?;
    for id in alerted {
        st.execute(params![id, secs(now)])?;
    }
    Ok(())
}
