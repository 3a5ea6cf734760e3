//! The certification engine: brings memberships up to date with their course completions and
//! with the passing of time (windows opening, certifications expiring), and records the
//! domain events of each change.
//!
//! [`settle`] runs one deterministic state machine per membership in Rust, after loading
//! everything it needs for the whole batch in a few queries. [`advance`] picks, with two
//! indexed set-based queries, the memberships whose window opens or whose certification
//! expires by `now`, and settles them. Both are idempotent: run twice, the second changes
//! nothing.
//!
//! Here: the summary, [`advance`], [`settle`] and the stored state they read. `load` reads
//! the batch (memberships with their records, and the completions that count), `machine`
//! is the state machine of one membership (DOMAIN.md section 3), `write` stores what it
//! decided and records its events.

mod calendar;
mod load;
mod machine;
mod write;

use std::collections::HashMap;

use jiff::{tz::TimeZone, Timestamp};
use rusqlite::Connection;
use serde::Serialize;

use crate::membership::summary::{self, Scope};
use crate::program::load_programs;
use crate::time::{secs, zone};
use crate::{idset, Result};

pub use calendar::{calendar_dates_pending, normalise_stored_dates, PENDING};
use load::{load_completions, load_rows};
use machine::Machine;
use write::Writes;

/// What a settle or an advance changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, specta::Type)]
pub struct EngineSummary {
    /// Programs completed.
    pub completed: u32,
    /// Certifications gained or renewed.
    pub certified: u32,
    /// Recertification windows opened.
    pub windows_opened: u32,
    /// Certifications that expired without being renewed.
    pub expired: u32,
    /// Memberships whose stored state changed.
    pub changed: u32,
}

impl EngineSummary {
    /// Adds what another batch changed.
    pub fn add(&mut self, o: EngineSummary) {
        self.completed += o.completed;
        self.certified += o.certified;
        self.windows_opened += o.windows_opened;
        self.expired += o.expired;
        self.changed += o.changed;
    }
}

/// Advances every certification up to `now`: opens the windows and expires the
/// certifications whose instant has come (a window at the start of its local day, an expiry
/// after the last second of its local day), then lets completions already made in the new
/// cycle count. Unassigned memberships are left alone until assigned again. A store whose
/// dates are still instants from before is first brought onto the calendar
/// ([`normalise_stored_dates`]).
///
/// # Errors
/// Database errors; the caller's transaction then writes nothing.
pub fn advance(tx: &Connection, now: Timestamp) -> Result<EngineSummary> {
    while normalise_stored_dates(tx, 10_000)? {}
    let due = due(tx, now)?;
    settle(tx, secs(now), &due)
}

/// The memberships [`advance`] would settle at `now`, in id order: those whose window opens
/// or whose certification expires by then. The scheduler settles them in batches
/// ([`advance_batch`]), each in its own transaction.
///
/// # Errors
/// Database errors.
pub fn due(conn: &Connection, now: Timestamp) -> Result<Vec<i64>> {
    let mut due = idset::ids(
        conn,
        "SELECT id FROM assignment WHERE status = 'certified' AND window_opens_at <= ?1
           AND unassigned_at IS NULL
         UNION ALL
         SELECT id FROM assignment WHERE status = 'window_open' AND expires_at < ?1
           AND unassigned_at IS NULL",
        [secs(now)],
    )?;
    due.sort_unstable();
    due.dedup();
    Ok(due)
}

/// Settles the memberships `ids` (a batch of [`due`]) at `now`. Settling one that is no
/// longer due (another writer got there first) changes nothing.
///
/// # Errors
/// Database errors; the caller's transaction then writes nothing.
pub fn advance_batch(tx: &Connection, now: Timestamp, ids: &[i64]) -> Result<EngineSummary> {
    settle(tx, secs(now), ids)
}

/// One membership's stored state.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Membership {
    status: String,
    cycle: i64,
    completed_at: Option<i64>,
    window_opens_at: Option<i64>,
    expires_at: Option<i64>,
    due_at: Option<i64>,
}

/// One certification record (one cycle).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Record {
    path: &'static str,
    state: &'static str,
    started_at: i64,
    completed_at: Option<i64>,
    window_opens_at: Option<i64>,
    expires_at: Option<i64>,
}

struct Row {
    id: i64,
    program_id: i64,
    assigned_at: i64,
    active: bool,
    dismissed: bool,
    zone: String,
    m: Membership,
    rec: Option<Record>,
    prev: Option<Record>,
}

/// Brings the memberships `ids` up to date at `now`: evaluates their course completions,
/// (re)certifies, opens windows and expires certifications in the order they happened.
pub(crate) fn settle(tx: &Connection, now: i64, ids: &[i64]) -> Result<EngineSummary> {
    let mut summary = EngineSummary::default();
    if ids.is_empty() {
        return Ok(summary);
    }
    let programs = load_programs(tx)?;
    idset::fill(tx, "eng_settle", ids.iter().copied())?;
    let rows = load_rows(tx)?;
    let completions = load_completions(tx)?;
    let mut zones: HashMap<String, TimeZone> = HashMap::new();
    let mut w = Writes::new(tx)?;
    let empty = Vec::new();
    // The batch's summary figures are taken out and put back as written (no trigger).
    summary::leave(tx, "eng_settle", Scope::Figures)?;
    for row in rows {
        let Some(program) = programs.get(&row.program_id) else {
            continue;
        };
        let tz = match zones.get(&row.zone) {
            Some(tz) => tz.clone(),
            None => {
                let tz = zone(&row.zone).unwrap_or(TimeZone::UTC);
                zones.insert(row.zone.clone(), tz.clone());
                tz
            }
        };
        let done = completions.get(&row.id).unwrap_or(&empty);
        let mut machine = Machine::new(&row, program, &tz, done, now);
        machine.run()?;
        if let Some(s) = w.write(&row, machine)? {
            summary.add(s);
        }
    }
    summary::enter(tx, "eng_settle", Scope::Figures)?;
    // Events dated in the past (a backdated completion, an import of completions): their
    // messages go at the next run, not at the next hourly sweep.
    if let Some(at) = w.earliest_event {
        crate::notify::catch_up::rescan_from(tx, at, now)?;
    }
    Ok(summary)
}
