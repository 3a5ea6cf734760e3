//! What the demo's learners have done: their course completions, and the certification
//! records (one per cycle) of the certifications they hold, are renewing, or have lost.

use rusqlite::{params, Connection, Statement};

use super::memberships::Planned;
use crate::Result;

/// The prepared statements that write completions and certification records.
pub(super) struct Completions<'c> {
    complete: Statement<'c>,
    record: Statement<'c>,
}

impl<'c> Completions<'c> {
    pub(super) fn new(tx: &'c Connection) -> Result<Self> {
        Ok(Completions {
            complete: tx.prepare(
                "INSERT OR IGNORE INTO course_completion (learner_id, course_id, completed_at) VALUES (?1, ?2, ?3)",
            )?,
            record: tx.prepare(
                "INSERT INTO certification_record (assignment_id, cycle, path, state, started_at, completed_at,
                                                   window_opens_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?,
        })
    }

    /// The courses of the certification path the learner has completed: none, one, or all.
    pub(super) fn courses(&mut self, p: &Planned, courses: &[i64]) -> Result<()> {
        let done = match p.state {
            "not_started" => 0,
            "in_progress" => 1,
            _ => courses.len(),
        };
        for (i, course) in courses.iter().take(done).enumerate() {
            let at = p.completed_at.unwrap_or(p.assigned_at + 86_400) - (i as i64) * 3600;
            self.complete.execute(params![p.learner, course, at])?;
        }
        Ok(())
    }

    /// The certification records of a membership of a certification.
    pub(super) fn records(&mut self, assignment_id: i64, p: &Planned) -> Result<()> {
        let cert_state = match p.state {
            "not_started" | "in_progress" => "newly_assigned",
            other => other,
        };
        if p.state == "window_open" || p.state == "expired" {
            // Cycle 1 certified; cycle 2 began when the window opened.
            let (path, cycle2) = if p.state == "expired" {
                ("certification", "expired")
            } else {
                ("recertification", "window_open")
            };
            self.record.execute(params![
                assignment_id,
                1,
                "recertification",
                "certified",
                p.assigned_at,
                p.completed_at,
                p.window,
                p.expires
            ])?;
            self.record.execute(params![
                assignment_id,
                2,
                path,
                cycle2,
                p.window,
                None::<i64>,
                None::<i64>,
                None::<i64>
            ])?;
        } else {
            let path = if p.completed_at.is_some() {
                "recertification"
            } else {
                "certification"
            };
            self.record.execute(params![
                assignment_id,
                1,
                path,
                cert_state,
                p.assigned_at,
                p.completed_at,
                p.window,
                p.expires
            ])?;
        }
        Ok(())
    }
}
