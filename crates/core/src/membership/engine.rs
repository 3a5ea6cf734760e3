//! The certification engine: brings memberships up to date with their course completions and
//! with the passing of time (windows opening, certifications expiring), and records the
//! domain events of each change.
//!
//! [`settle`] runs one deterministic state machine per membership in Rust, after loading
//! everything it needs for the whole batch in a few queries. [`advance`] picks, with two
//! indexed set-based queries, the memberships whose window opens or whose certification
//! expires by `now`, and settles them. Both are idempotent: run twice, the second changes
//! nothing.

use std::collections::HashMap;

use jiff::{tz::TimeZone, Timestamp};
use rusqlite::{params, Connection};
use serde::Serialize;

use crate::membership::event::{self, Event, EventKind};
use crate::program::certification::{certification_dates, Certifying};
use crate::program::{load_programs, PathProgress, Program};
use crate::time::{secs, zone};
use crate::{idset, Result};

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
    fn add(&mut self, o: EngineSummary) {
        self.completed += o.completed;
        self.certified += o.certified;
        self.windows_opened += o.windows_opened;
        self.expired += o.expired;
        self.changed += o.changed;
    }
}

/// Advances every certification up to `now`: opens the windows and expires the
/// certifications whose instant has come, then lets completions already made in the new
/// cycle count. Unassigned memberships are left alone until assigned again.
///
/// # Errors
/// Database errors; the caller's transaction then writes nothing.
pub fn advance(tx: &Connection, now: Timestamp) -> Result<EngineSummary> {
    let now = secs(now);
    let mut due = idset::ids(
        tx,
        "SELECT id FROM assignment WHERE status = 'certified' AND window_opens_at <= ?1
           AND unassigned_at IS NULL
         UNION ALL
         SELECT id FROM assignment WHERE status = 'window_open' AND expires_at <= ?1
           AND unassigned_at IS NULL",
        [now],
    )?;
    due.sort_unstable();
    due.dedup();
    settle(tx, now, &due)
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
        let mut machine = Machine {
            row: &row,
            program,
            tz: &tz,
            done,
            now,
            m: row.m.clone(),
            rec: row.rec.clone(),
            prev: row.prev.clone(),
            records: Vec::new(),
            progress: Vec::new(),
            events: Vec::new(),
            summary: EngineSummary::default(),
        };
        machine.run()?;
        if let Some(s) = w.write(&row, machine)? {
            summary.add(s);
        }
    }
    Ok(summary)
}

fn load_rows(tx: &Connection) -> Result<Vec<Row>> {
    let mut stmt = tx.prepare_cached(
        "SELECT a.id, a.learner_id, a.program_id, a.assigned_at, a.active, a.exception_status,
                l.time_zone, a.status, a.cycle, a.completed_at, a.window_opens_at, a.expires_at,
                a.due_at,
                r.path, r.state, r.started_at, r.completed_at, r.window_opens_at, r.expires_at,
                pr.path, pr.state, pr.started_at, pr.completed_at, pr.window_opens_at, pr.expires_at
         FROM temp.eng_settle t
         CROSS JOIN assignment a ON a.id = t.id
         JOIN learner l ON l.id = a.learner_id
         LEFT JOIN certification_record r ON r.assignment_id = a.id AND r.cycle = a.cycle
         LEFT JOIN certification_record pr ON pr.assignment_id = a.id AND pr.cycle = a.cycle - 1
         WHERE a.unassigned_at IS NULL",
    )?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let record = |at: usize| -> rusqlite::Result<Option<Record>> {
            let Some(path) = r.get::<_, Option<String>>(at)? else {
                return Ok(None);
            };
            Ok(Some(Record {
                path: if path == "recertification" {
                    "recertification"
                } else {
                    "certification"
                },
                state: match r.get::<_, String>(at + 1)?.as_str() {
                    "certified" => "certified",
                    "window_open" => "window_open",
                    "expired" => "expired",
                    _ => "newly_assigned",
                },
                started_at: r.get(at + 2)?,
                completed_at: r.get(at + 3)?,
                window_opens_at: r.get(at + 4)?,
                expires_at: r.get(at + 5)?,
            }))
        };
        out.push(Row {
            id: r.get(0)?,
            program_id: r.get(2)?,
            assigned_at: r.get(3)?,
            active: r.get(4)?,
            dismissed: r.get::<_, String>(5)? == "dismissed",
            zone: r.get(6)?,
            m: Membership {
                status: r.get(7)?,
                cycle: r.get(8)?,
                completed_at: r.get(9)?,
                window_opens_at: r.get(10)?,
                expires_at: r.get(11)?,
                due_at: r.get(12)?,
            },
            rec: record(13)?,
            prev: record(19)?,
        });
    }
    Ok(out)
}

/// The course completions that matter to each membership of the batch (those of courses in
/// its program's sets): assignment → (course, completed at).
fn load_completions(tx: &Connection) -> Result<HashMap<i64, Vec<(i64, i64)>>> {
    let mut stmt = tx.prepare_cached(
        "SELECT DISTINCT a.id, cc.course_id, cc.completed_at
         FROM temp.eng_settle t
         CROSS JOIN assignment a ON a.id = t.id
         CROSS JOIN course_set cs ON cs.program_id = a.program_id
         CROSS JOIN course_set_course csc ON csc.course_set_id = cs.id
         CROSS JOIN course_completion cc ON cc.learner_id = a.learner_id AND cc.course_id = csc.course_id",
    )?;
    let mut rows = stmt.query([])?;
    let mut out: HashMap<i64, Vec<(i64, i64)>> = HashMap::new();
    while let Some(r) = rows.next()? {
        out.entry(r.get(0)?)
            .or_default()
            .push((r.get(1)?, r.get(2)?));
    }
    Ok(out)
}

/// The state machine of one membership (DOMAIN.md section 3).
struct Machine<'a> {
    row: &'a Row,
    program: &'a Program,
    tz: &'a TimeZone,
    done: &'a [(i64, i64)],
    now: i64,
    m: Membership,
    rec: Option<Record>,
    prev: Option<Record>,
    /// Records to write, by cycle (the last write of a cycle wins).
    records: Vec<(i64, Record)>,
    /// (cycle, evaluated path).
    progress: Vec<(i64, PathProgress)>,
    events: Vec<Event>,
    summary: EngineSummary,
}

impl Machine<'_> {
    /// Each course's first completion at or after `from`.
    fn counted(&self, from: i64) -> HashMap<i64, i64> {
        let mut out: HashMap<i64, i64> = HashMap::new();
        for &(course, at) in self.done {
            if at >= from {
                out.entry(course)
                    .and_modify(|t| *t = (*t).min(at))
                    .or_insert(at);
            }
        }
        out
    }

    fn event(&mut self, kind: EventKind, course_set_id: i64, at: i64) {
        self.events.push(Event {
            kind,
            assignment_id: self.row.id,
            cycle: self.m.cycle,
            course_set_id,
            occurred_at: at,
        });
    }

    fn run(&mut self) -> Result<()> {
        if self.program.cert.is_none() {
            return self.run_program();
        }
        if self.rec.is_none() {
            let rec = Record {
                path: "certification",
                state: "newly_assigned",
                started_at: self.row.assigned_at,
                completed_at: None,
                window_opens_at: None,
                expires_at: None,
            };
            self.records.push((self.m.cycle, rec.clone()));
            self.rec = Some(rec);
        }
        // Each turn moves one step; a learner years behind takes a few steps per cycle.
        for _ in 0..100_000 {
            if !self.step()? {
                break;
            }
        }
        Ok(())
    }

    fn run_program(&mut self) -> Result<()> {
        if self.m.status == "complete" {
            return Ok(());
        }
        let p = self
            .program
            .certification
            .evaluate(self.row.assigned_at, &self.counted(i64::MIN));
        self.m.status = if p.started {
            "in_progress"
        } else {
            "not_started"
        }
        .into();
        let completed = p.completed_at.filter(|_| !self.row.dismissed);
        self.progress.push((self.m.cycle, p));
        if let Some(c) = completed {
            self.m.status = "complete".into();
            self.m.completed_at = Some(c);
            self.event(EventKind::Completed, 0, c);
            self.summary.completed += 1;
        }
        Ok(())
    }

    /// One transition, if one is due. Returns whether something moved.
    fn step(&mut self) -> Result<bool> {
        let Some(rec) = self.rec.clone() else {
            return Ok(false);
        };
        let deadline = self.prev.as_ref().and_then(|p| p.expires_at);
        match rec.state {
            "certified" => match rec.window_opens_at {
                Some(w) if w <= self.now => {
                    self.open_window(rec, w);
                    Ok(true)
                }
                _ => Ok(false),
            },
            "window_open" => {
                let p = self
                    .program
                    .recert_path()
                    .evaluate(rec.started_at, &self.counted(rec.started_at));
                let done = p.completed_at;
                self.progress.push((self.m.cycle, p));
                match done {
                    Some(c) if !self.row.dismissed && deadline.is_none_or(|e| c <= e) => {
                        self.certify(c, true)?;
                        Ok(true)
                    }
                    _ => match deadline {
                        Some(e) if e <= self.now => {
                            self.expire(e);
                            Ok(true)
                        }
                        _ => Ok(false),
                    },
                }
            }
            state => {
                // newly assigned (first cycle) or expired (back on the certification path).
                let first = self.m.cycle == 1;
                let (from, start) = if first {
                    (i64::MIN, self.row.assigned_at)
                } else {
                    (rec.started_at, deadline.unwrap_or(rec.started_at))
                };
                let p = self
                    .program
                    .certification
                    .evaluate(start, &self.counted(from));
                if state == "newly_assigned" {
                    self.m.status = if p.started {
                        "in_progress"
                    } else {
                        "not_started"
                    }
                    .into();
                }
                let done = p.completed_at;
                self.progress.push((self.m.cycle, p));
                match done {
                    Some(c) if !self.row.dismissed => {
                        self.certify(c, false)?;
                        Ok(true)
                    }
                    _ => Ok(false),
                }
            }
        }
    }

    fn certify(&mut self, c: i64, in_window: bool) -> Result<()> {
        let Some(settings) = self.program.cert else {
            return Ok(());
        };
        let first = self.m.cycle == 1;
        let (w, e) = certification_dates(
            &settings,
            self.tz,
            &Certifying {
                completed_at: c,
                due_at: if first { self.m.due_at } else { None },
                previous_expiry: if first {
                    None
                } else {
                    self.prev.as_ref().and_then(|p| p.expires_at)
                },
                in_window,
            },
        )?;
        if let Some(rec) = self.rec.as_mut() {
            rec.path = "recertification";
            rec.state = "certified";
            rec.completed_at = Some(c);
            rec.window_opens_at = Some(w);
            rec.expires_at = Some(e);
            let rec = rec.clone();
            self.records.push((self.m.cycle, rec));
        }
        self.m.status = "certified".into();
        self.m.completed_at = Some(c);
        self.m.window_opens_at = Some(w);
        self.m.expires_at = Some(e);
        self.m.due_at = self.row.active.then_some(e);
        self.event(EventKind::Completed, 0, c);
        self.summary.certified += 1;
        Ok(())
    }

    fn open_window(&mut self, certified: Record, w: i64) {
        let rec = Record {
            path: "recertification",
            state: "window_open",
            started_at: w,
            completed_at: None,
            window_opens_at: None,
            expires_at: None,
        };
        self.prev = Some(certified);
        self.m.cycle += 1;
        self.m.status = "window_open".into();
        self.records.push((self.m.cycle, rec.clone()));
        self.rec = Some(rec);
        self.event(EventKind::WindowOpen, 0, w);
        self.summary.windows_opened += 1;
    }

    fn expire(&mut self, e: i64) {
        if let Some(rec) = self.rec.as_mut() {
            rec.path = "certification";
            rec.state = "expired";
            let rec = rec.clone();
            self.records.push((self.m.cycle, rec));
        }
        self.m.status = "expired".into();
        self.m.window_opens_at = None;
        self.m.expires_at = None;
        self.m.due_at = self.row.active.then_some(e);
        self.event(EventKind::FailedRecertify, 0, e);
        self.summary.expired += 1;
    }
}

/// The prepared statements that write a batch's results.
struct Writes<'c> {
    membership: rusqlite::CachedStatement<'c>,
    record: rusqlite::CachedStatement<'c>,
    progress: rusqlite::CachedStatement<'c>,
    conn: &'c Connection,
}

impl<'c> Writes<'c> {
    fn new(conn: &'c Connection) -> Result<Self> {
        Ok(Writes {
            membership: conn.prepare_cached(
                "UPDATE assignment SET status = ?2, cycle = ?3, completed_at = ?4,
                        window_opens_at = ?5, expires_at = ?6, due_at = ?7 WHERE id = ?1",
            )?,
            record: conn.prepare_cached(
                "INSERT INTO certification_record (assignment_id, cycle, path, state, started_at,
                     completed_at, window_opens_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (assignment_id, cycle) DO UPDATE SET path = excluded.path,
                     state = excluded.state, started_at = excluded.started_at,
                     completed_at = excluded.completed_at,
                     window_opens_at = excluded.window_opens_at, expires_at = excluded.expires_at",
            )?,
            progress: conn.prepare_cached(
                "INSERT INTO course_set_progress (assignment_id, cycle, course_set_id, current_at,
                     due_at, completed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (assignment_id, cycle, course_set_id) DO UPDATE SET
                     current_at = excluded.current_at, due_at = excluded.due_at,
                     completed_at = excluded.completed_at
                 WHERE current_at IS NOT excluded.current_at OR due_at IS NOT excluded.due_at
                    OR completed_at IS NOT excluded.completed_at",
            )?,
            conn,
        })
    }

    /// Writes what the machine decided; returns its summary when the membership changed.
    fn write(&mut self, row: &Row, m: Machine<'_>) -> Result<Option<EngineSummary>> {
        let mut summary = m.summary;
        if m.m != row.m {
            let s = &m.m;
            self.membership.execute(params![
                row.id,
                s.status,
                s.cycle,
                s.completed_at,
                s.window_opens_at,
                s.expires_at,
                s.due_at
            ])?;
            summary.changed = 1;
        }
        for (cycle, r) in &m.records {
            self.record.execute(params![
                row.id,
                cycle,
                r.path,
                r.state,
                r.started_at,
                r.completed_at,
                r.window_opens_at,
                r.expires_at
            ])?;
        }
        let mut events = Vec::new();
        for (cycle, p) in &m.progress {
            for s in &p.sets {
                let Some(current) = s.current_at else {
                    continue;
                };
                self.progress.execute(params![
                    row.id,
                    cycle,
                    s.set_id,
                    current,
                    s.due_at,
                    s.completed_at
                ])?;
                if let (true, Some(at)) = (s.required, s.completed_at) {
                    events.push(Event {
                        kind: EventKind::CourseSetCompleted,
                        assignment_id: row.id,
                        cycle: *cycle,
                        course_set_id: s.set_id,
                        occurred_at: at,
                    });
                }
            }
        }
        // Course sets complete before (or as) their program does: record them first.
        events.extend(m.events);
        events.sort_by_key(|e| e.occurred_at);
        for e in &events {
            event::record(self.conn, e)?;
        }
        Ok((summary != EngineSummary::default()).then_some(summary))
    }
}
