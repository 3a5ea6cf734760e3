//! Loading a batch for the engine: the memberships of `temp.eng_settle` with their current
//! and previous certification records, and the course completions that count for each.

use std::collections::HashMap;

use rusqlite::Connection;

use super::{Membership, Record, Row};
use crate::Result;

pub(super) fn load_rows(tx: &Connection) -> Result<Vec<Row>> {
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
pub(super) fn load_completions(tx: &Connection) -> Result<HashMap<i64, Vec<(i64, i64)>>> {
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
