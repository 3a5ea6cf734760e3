//! The state machine of one membership (DOMAIN.md section 3): program completion, first
//! certification, window opening, recertification and expiry, one step at a time.

use std::collections::HashMap;

use jiff::tz::TimeZone;

use super::{EngineSummary, Membership, Record, Row};
use crate::membership::event::{Event, EventKind};
use crate::program::certification::{certification_dates, Certifying};
use crate::program::{PathProgress, Program};
use crate::Result;

/// The state machine of one membership (DOMAIN.md section 3).
pub(super) struct Machine<'a> {
    row: &'a Row,
    program: &'a Program,
    tz: &'a TimeZone,
    done: &'a [(i64, i64)],
    now: i64,
    pub(super) m: Membership,
    rec: Option<Record>,
    prev: Option<Record>,
    /// Records to write, by cycle (the last write of a cycle wins).
    pub(super) records: Vec<(i64, Record)>,
    /// (cycle, evaluated path).
    pub(super) progress: Vec<(i64, PathProgress)>,
    pub(super) events: Vec<Event>,
    pub(super) summary: EngineSummary,
}

impl<'a> Machine<'a> {
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

    pub(super) fn new(
        row: &'a Row,
        program: &'a Program,
        tz: &'a TimeZone,
        done: &'a [(i64, i64)],
        now: i64,
    ) -> Self {
        Machine {
            row,
            program,
            tz,
            done,
            now,
            m: row.m.clone(),
            rec: row.rec.clone(),
            prev: row.prev.clone(),
            records: Vec::new(),
            progress: Vec::new(),
            events: Vec::new(),
            summary: EngineSummary::default(),
        }
    }

    /// Moves the membership on as far as its completions and `now` allow.
    pub(super) fn run(&mut self) -> Result<()> {
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
                    // Valid through the last second of the expiry day (`e`): expired from
                    // the start of the next day.
                    _ => match deadline {
                        Some(e) if e < self.now => {
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
        // At the start of the day after the expiry day.
        self.event(EventKind::FailedRecertify, 0, e + 1);
        self.summary.expired += 1;
    }
}
