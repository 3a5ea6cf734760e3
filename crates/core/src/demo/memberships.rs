//! The demo's memberships: about half the learners in each program, in every state the
//! program can have, with the dates that state implies (assigned, completed, due, window
//! open, expiry) and how the learner came to be assigned (individually or by group).

use jiff::ToSpan;
use rusqlite::{params, Connection};

use super::completions::Completions;
use super::programs::{Due, ProgramSpec};
use super::{add_span, exceptions, Demo, DEMO_LEARNERS};
use crate::time::secs;
use crate::Result;

/// One demo membership as planned, before it is written.
pub(super) struct Planned {
    pub(super) learner: i64,
    pub(super) state: &'static str,
    /// The exception raised on it, if any.
    pub(super) exception: Option<&'static str>,
    pub(super) assigned_at: i64,
    pub(super) completed_at: Option<i64>,
    pub(super) due_at: Option<i64>,
    pub(super) window: Option<i64>,
    pub(super) expires: Option<i64>,
    pub(super) cycle: i64,
}

impl Demo<'_> {
    /// Assigns about half the learners to each program, in every state it can have.
    pub(super) fn assignments(
        &mut self,
        index: usize,
        program_id: i64,
        spec: &ProgramSpec,
    ) -> Result<()> {
        let tx = self.tx;
        let courses = certification_courses(tx, program_id)?;
        let mut add = tx.prepare(
            "INSERT INTO assignment (learner_id, program_id, assigned_at, due_at, active, exception_status, status,
                                     completed_at, cycle, window_opens_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?;
        let mut source = tx.prepare(
            "INSERT INTO assignment_source (assignment_id, source, group_id, assigned_at, due_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        let mut completions = Completions::new(tx)?;
        let mut exception = tx.prepare(
            "INSERT INTO exception (assignment_id, kind, raised_at, due_at, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for learner in 1..=DEMO_LEARNERS as i64 {
            if (learner as usize + index * 3) % 2 == 1 && learner % 5 != 0 {
                continue;
            }
            let p = self.plan(learner, index, spec, courses.len())?;
            let raised = p.exception.is_some();
            let (exception_status, active) = if raised {
                ("raised", false)
            } else {
                ("none", true)
            };
            let state = p.state;
            add.execute(params![
                learner,
                program_id,
                p.assigned_at,
                if p.exception == Some("completion_time_unknown") {
                    None
                } else {
                    p.due_at
                },
                active,
                exception_status,
                state,
                p.completed_at
                    .filter(|_| matches!(state, "complete" | "certified" | "window_open")),
                p.cycle,
                p.window.filter(|_| state != "expired"),
                p.expires.filter(|_| state != "expired")
            ])?;
            let assignment_id = tx.last_insert_rowid();
            let by_group = learner % 4 == 0;
            source.execute(params![
                assignment_id,
                if by_group { "group" } else { "individual" },
                by_group.then_some(2),
                p.assigned_at,
                p.due_at
            ])?;
            completions.courses(&p, &courses)?;
            if spec.cert.is_some() {
                completions.records(assignment_id, &p)?;
            }
            if let Some(kind) = p.exception {
                let detail = exceptions::detail(kind, spec, p.due_at, secs(self.now));
                exception.execute(params![
                    assignment_id,
                    kind,
                    p.assigned_at,
                    p.due_at,
                    detail
                ])?;
            }
        }
        Ok(())
    }

    /// Picks one learner's state in a program and the dates it implies.
    fn plan(
        &mut self,
        learner: i64,
        index: usize,
        spec: &ProgramSpec,
        course_count: usize,
    ) -> Result<Planned> {
        let states: &[&'static str] = if spec.cert.is_some() {
            &[
                "not_started",
                "in_progress",
                "certified",
                "certified",
                "window_open",
                "expired",
            ]
        } else {
            &["not_started", "in_progress", "complete", "complete"]
        };
        // Raised exceptions: some learners of some programs, of the type that fits the program.
        let exception = exceptions::exception_kind(spec, learner, index);
        let state = if exception.is_some() {
            "not_started"
        } else {
            states[self.rng.below(states.len())]
        };
        // Part-way through a path needs at least two courses on it.
        let state = match state {
            "in_progress" if course_count < 2 => "not_started",
            other => other,
        };
        let assigned_days_ago = 20 + self.rng.below(500) as i64;
        let mut assigned_at = self.at((-assigned_days_ago).days())?;
        let completed_at = self.completed_at(state, spec, assigned_days_ago)?;
        if let Some(c) = completed_at {
            assigned_at = assigned_at.min(c - 30 * 86_400);
        }
        let mut due_at = match spec.due {
            Due::None => None,
            Due::FixedInDays(d) => Some(self.at(d.days())?),
            Due::After(a, "week", "assignment") => Some(assigned_at + a * 7 * 86_400),
            Due::After(a, _, _) => Some(assigned_at + a * 86_400),
        };
        let (mut window, mut expires, mut cycle) = (None, None, 1);
        if let (Some((aa, au, wa, wu, _, _)), Some(c)) = (spec.cert, completed_at) {
            let exp = add_span(c, aa, au)?;
            expires = Some(exp);
            window = Some(add_span(exp, -wa, wu)?);
            if state == "certified" {
                due_at = expires;
            }
            if state == "window_open" || state == "expired" {
                // The window opened a new cycle (see docs/ENGINE.md); on expiry the
                // learner is back on the certification path, overdue since expiry.
                cycle = 2;
                due_at = expires;
            }
        }
        Ok(Planned {
            learner,
            state,
            exception,
            assigned_at,
            completed_at,
            due_at,
            window,
            expires,
            cycle,
        })
    }

    /// When the learner completed: recently for "complete" and "certified"; for a window
    /// that is open, so that expiry is days away; for "expired", so that it passed.
    fn completed_at(
        &mut self,
        state: &str,
        spec: &ProgramSpec,
        assigned_days_ago: i64,
    ) -> Result<Option<i64>> {
        let active = spec.cert.map(|(aa, au, ..)| (aa, au));
        Ok(match (state, active) {
            ("complete" | "certified", _) => {
                let ago = 1 + self.rng.below((assigned_days_ago as usize - 10).min(200)) as i64;
                Some(self.at((-ago).days())?)
            }
            ("window_open", Some((aa, au))) => {
                let days = 1 + self.rng.below(20) as i64;
                let expires = self.at(days.days())?;
                Some(add_span(expires, -aa, au)?)
            }
            ("expired", Some((aa, au))) => {
                let days = 10 + self.rng.below(50) as i64;
                let expired = self.at((-days).days())?;
                Some(add_span(expired, -aa, au)?)
            }
            _ => None,
        })
    }
}

/// The courses on a program's certification path, in order.
fn certification_courses(tx: &Connection, program_id: i64) -> Result<Vec<i64>> {
    let mut stmt = tx.prepare(
        "SELECT csc.course_id FROM course_set cs JOIN course_set_course csc ON csc.course_set_id = cs.id
         WHERE cs.program_id = ?1 AND cs.path = 'certification' ORDER BY cs.position, csc.course_id",
    )?;
    let ids = stmt
        .query_map([program_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}
