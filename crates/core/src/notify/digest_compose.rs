//! Composing the manager digests whose moment has come (`digest.rs`), a few managers per
//! transaction: once a run's queueing pages are done, [`plan`] lists the managers (and
//! frequencies) with items due, and each later step composes some of them with [`compose`]
//! until its time is up, so that no transaction holds the write lock for long even when a
//! catch-up run composes hundreds of digests from tens of thousands of items.
//!
//! Exactly once (DOMAIN.md section 4, rule 5): a manager's digest, its outbox row and the
//! marks on the items it lists are written in one transaction, which reads that manager's
//! pending items afresh, so items another process listed meanwhile are not listed again
//! and a manager with nothing left gets nothing. Killed between two transactions, the
//! digests committed stay with their items marked; the rest are composed by the next run.
//! The plan is only a list of whom to look at: it holds no items.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use jiff::tz::TimeZone;
use jiff::Timestamp;
use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::digest::free_key;
use super::digest_template::{compose as render, load_template, DigestTemplate, Line};
use super::select::{EnqueueSummary, Sink};
use crate::Result;

/// A manager and a frequency (`daily`, `weekly`) with digest items due.
pub(super) type Due = (i64, String);

/// Who has digest items due at `now` (pending, digest moment reached), by manager id.
///
/// # Errors
/// Database errors.
pub(super) fn plan(conn: &Connection, now: i64) -> Result<VecDeque<Due>> {
    let mut st = conn.prepare_cached(
        "SELECT manager_id, frequency FROM digest_item
         WHERE digest_message_id IS NULL AND digest_at <= ?1
         GROUP BY manager_id, frequency ORDER BY manager_id, frequency",
    )?;
    let rows = st.query_map([now], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Composes the digests of the managers at the front of `due`, at least one, until the
/// budget's time has passed since `started` or it has composed its number of digests
/// (`None`: all of them), in `tx`. Returns whether any are left.
///
/// # Errors
/// Database errors.
pub(super) fn compose_some(
    tx: &Transaction,
    now: i64,
    due: &mut VecDeque<Due>,
    started: Instant,
    budget: Option<(Duration, usize)>,
    sum: &mut EnqueueSummary,
) -> Result<bool> {
    if due.is_empty() {
        return Ok(false);
    }
    let template = load_template(tx)?;
    let mut sink = Sink::new(tx, now)?;
    let mut composed = 0;
    while let Some((manager_id, frequency)) = due.pop_front() {
        compose(tx, now, (manager_id, &frequency), &template, &mut sink, sum)?;
        composed += 1;
        if budget.is_some_and(|(time, most)| composed >= most || started.elapsed() >= time) {
            break;
        }
    }
    Ok(!due.is_empty())
}

/// The manager whose digest it is.
struct Manager {
    name: String,
    email: String,
    zone: String,
}

/// Composes and queues one manager's digest of one frequency: one message listing all their
/// items due at `now` and not yet in a digest, and marks those items, in `tx`. Nothing when
/// none are left (another process composed them).
fn compose(
    tx: &Transaction,
    now: i64,
    (manager_id, frequency): (i64, &str),
    template: &DigestTemplate,
    sink: &mut Sink,
    sum: &mut EnqueueSummary,
) -> Result<()> {
    let Some(m) = tx
        .prepare_cached("SELECT full_name, email, time_zone FROM learner WHERE id = ?1")?
        .query_row([manager_id], |r| {
            Ok(Manager {
                name: r.get(0)?,
                email: r.get(1)?,
                zone: r.get(2)?,
            })
        })
        .optional()?
    else {
        return Ok(());
    };
    let mut st = tx.prepare_cached(
        "SELECT d.id, d.digest_at, d.trigger, d.program_name, d.learner_name,
                d.learner_id_number, d.event_at,
                CASE WHEN a.id IS NULL OR a.unassigned_at IS NOT NULL THEN 'unassigned'
                     ELSE a.status END,
                d.reminder_no
         FROM digest_item d
         LEFT JOIN assignment a ON a.id = d.assignment_id
         WHERE d.manager_id = ?1 AND d.frequency = ?2
           AND d.digest_message_id IS NULL AND d.digest_at <= ?3
         ORDER BY d.program_name, d.learner_name, d.event_at, d.id",
    )?;
    let mut rows = st.query(params![manager_id, frequency, now])?;
    let (mut ids, mut lines, mut last_moment) = (Vec::new(), Vec::new(), i64::MIN);
    while let Some(r) = rows.next()? {
        ids.push(r.get::<_, i64>(0)?);
        last_moment = last_moment.max(r.get(1)?);
        lines.push(Line {
            trigger: r.get(2)?,
            program: r.get(3)?,
            learner: r.get(4)?,
            id_number: r.get(5)?,
            event_at: r.get(6)?,
            state: r.get(7)?,
            reminder_no: r.get(8)?,
        });
    }
    if ids.is_empty() {
        return Ok(());
    }
    let tz = crate::time::zone(&m.zone).unwrap_or(TimeZone::UTC);
    let day = Timestamp::from_second(last_moment)
        .map(|t| t.to_zoned(tz.clone()).date().to_string())
        .unwrap_or_default();
    let f = if frequency == "weekly" { 'w' } else { 'd' };
    let key = free_key(tx, &format!("digest.{f}.{manager_id}.{day}"))?;
    let rendered = render(template, &m.name, &lines, &tz);
    let message_id = sink.put_digest(&key, &m.email, &rendered, sum)?;
    let mut mark = tx.prepare_cached(
        "UPDATE digest_item SET digest_message_id = ?1
         WHERE id = ?2 AND digest_message_id IS NULL",
    )?;
    for id in ids {
        mark.execute(params![message_id, id])?;
    }
    Ok(())
}
