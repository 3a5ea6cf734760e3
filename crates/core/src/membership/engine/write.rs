//! Writing what the engine decided for a batch: memberships, certification records, course
//! set progress, and the domain events in the order they happened.

use rusqlite::{params, Connection};

use super::machine::Machine;
use super::{EngineSummary, Membership, Row};
use crate::membership::event::{self, Event, EventKind};
use crate::Result;

/// The prepared statements that write a batch's results.
pub(super) struct Writes<'c> {
    record: rusqlite::CachedStatement<'c>,
    progress: rusqlite::CachedStatement<'c>,
    conn: &'c Connection,
    /// The oldest instant of the events recorded (a backdated completion's are in the past).
    pub(super) earliest_event: Option<i64>,
}

impl<'c> Writes<'c> {
    pub(super) fn new(conn: &'c Connection) -> Result<Self> {
        Ok(Writes {
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
            earliest_event: None,
        })
    }

    /// Writes what the machine decided; returns its summary when the membership changed.
    pub(super) fn write(&mut self, row: &Row, m: Machine<'_>) -> Result<Option<EngineSummary>> {
        let mut summary = m.summary;
        if m.m != row.m {
            update_membership(self.conn, row.id, &row.m, &m.m)?;
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
            if event::record(self.conn, e)? {
                let at = self
                    .earliest_event
                    .map_or(e.occurred_at, |t| t.min(e.occurred_at));
                self.earliest_event = Some(at);
            }
        }
        Ok((summary != EngineSummary::default()).then_some(summary))
    }
}

/// Writes the columns of membership `id` that changed from `old` to `new`, and only those:
/// an UPDATE rewrites the entry of every index holding a column it sets, changed or not, and
/// most of `assignment`'s indexes hold one of these dates (a window opening changes the
/// status and cycle, not the dates). One statement per set of changed columns, cached.
fn update_membership(conn: &Connection, id: i64, old: &Membership, new: &Membership) -> Result<()> {
    use rusqlite::types::ToSql;
    let columns: [(&str, bool, &dyn ToSql); 6] = [
        ("status", old.status != new.status, &new.status),
        ("cycle", old.cycle != new.cycle, &new.cycle),
        (
            "completed_at",
            old.completed_at != new.completed_at,
            &new.completed_at,
        ),
        (
            "window_opens_at",
            old.window_opens_at != new.window_opens_at,
            &new.window_opens_at,
        ),
        (
            "expires_at",
            old.expires_at != new.expires_at,
            &new.expires_at,
        ),
        ("due_at", old.due_at != new.due_at, &new.due_at),
    ];
    let mut sets = Vec::new();
    let mut args: Vec<&dyn ToSql> = vec![&id];
    for (name, changed, value) in columns {
        if changed {
            args.push(value);
            sets.push(format!("{name} = ?{}", args.len()));
        }
    }
    if sets.is_empty() {
        return Ok(());
    }
    let sql = format!("UPDATE assignment SET {} WHERE id = ?1", sets.join(", "));
    conn.prepare_cached(&sql)?.execute(args.as_slice())?;
    Ok(())
}
