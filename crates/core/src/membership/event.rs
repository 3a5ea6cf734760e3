//! Domain events: what happened to a membership and when, for the notification rules to
//! consume. The table's unique key `(kind, assignment_id, cycle, course_set_id, episode)`
//! makes every recording idempotent: recording an event twice keeps the first.
//!
//! `episode` is the assignment episode (a learner assigned again after an unassignment starts
//! episode 2) for the events that belong to one, `assigned` and `unassigned`
//! ([`record_for_active`] and the unassignment take it from the membership); the others
//! belong to their cycle and keep episode 1, so a learner assigned again is not told again
//! of a completion made in an earlier episode.
//!
//! `course_set_id` holds the course set for [`EventKind::CourseSetCompleted`], the exception
//! id for [`EventKind::Exception`], and 0 otherwise.

use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};

use crate::Result;

/// What happened. The names match the notification triggers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// The learner became an active member.
    Assigned,
    /// Program completed, or learner (re)certified; once per cycle.
    Completed,
    /// A course set was completed (`course_set_id` names it).
    CourseSetCompleted,
    /// The recertification window opened (the cycle it opened).
    WindowOpen,
    /// The certification expired without being renewed.
    FailedRecertify,
    /// The membership ended.
    Unassigned,
    /// An assignment exception was raised (`course_set_id` holds the exception id).
    Exception,
}

impl EventKind {
    /// The name the store keeps.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Assigned => "assigned",
            EventKind::Completed => "completed",
            EventKind::CourseSetCompleted => "course_set_completed",
            EventKind::WindowOpen => "window_open",
            EventKind::FailedRecertify => "failed_recertify",
            EventKind::Unassigned => "unassigned",
            EventKind::Exception => "exception",
        }
    }
}

/// One event to record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    pub kind: EventKind,
    pub assignment_id: i64,
    pub cycle: i64,
    pub course_set_id: i64,
    pub occurred_at: i64,
}

/// Records an event unless the same one is already there. Returns whether it was new.
pub fn record(conn: &Connection, e: &Event) -> Result<bool> {
    let n = conn
        .prepare_cached(
            "INSERT INTO event (kind, assignment_id, cycle, course_set_id, occurred_at)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
        )?
        .execute(params![
            e.kind.as_str(),
            e.assignment_id,
            e.cycle,
            e.course_set_id,
            e.occurred_at
        ])?;
    Ok(n > 0)
}

/// Records `kind` at `at` for every assignment listed in the temporary table `temp.<ids>`
/// (column `id`) that is active, in one statement, in the membership's current episode.
/// Returns how many were new.
pub(crate) fn record_for_active(
    conn: &Connection,
    kind: EventKind,
    ids_table: &str,
    at: i64,
) -> Result<usize> {
    let sql = format!(
        "INSERT INTO event (kind, assignment_id, cycle, course_set_id, occurred_at, episode)
         SELECT ?1, a.id, a.cycle, 0, ?2, a.episode FROM temp.{ids_table} t CROSS JOIN assignment a ON a.id = t.id
         WHERE a.active = 1 ON CONFLICT DO NOTHING"
    );
    Ok(conn.execute(&sql, params![kind.as_str(), at])?)
}
