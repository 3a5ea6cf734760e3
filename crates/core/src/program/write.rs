//! Writing a program's rules (due date, certification settings, course sets).

use rusqlite::{params, Connection};

use crate::program::certification::CertSettings;
use crate::program::due_date::{DueEvent, DueRule};
use crate::Result;

/// A course set as the store keeps it: (label, rule, rule_min, min_time_secs, operator,
/// course ids sorted).
pub(crate) type SetRow = (String, String, Option<u32>, i64, Option<String>, Vec<i64>);

/// Everything [`write_rules`] writes besides the program row itself.
pub(crate) struct Rules {
    pub due: DueRule,
    pub cert: Option<CertSettings>,
    pub certification: Vec<SetRow>,
    pub recertification: Vec<SetRow>,
}

/// Writes a program's due-date rule, certification settings and course sets.
pub(crate) fn write_rules(tx: &Connection, id: i64, rules: &Rules) -> Result<()> {
    let none = (None, None, None, None, None, None);
    let (fixed, amount, unit, event, program, field) = match &rules.due {
        DueRule::None => none,
        DueRule::Fixed { at } => (Some(*at), None, None, None, None, None),
        DueRule::After { period, event } => {
            let (e, p, f) = match event {
                DueEvent::Assignment => ("assignment", None, None),
                DueEvent::ProgramCompletion { program_id } => {
                    ("program_completion", Some(*program_id), None)
                }
                DueEvent::ProfileField { field } => ("profile_field", None, Some(field.clone())),
            };
            (
                None,
                Some(i64::from(period.amount)),
                Some(period.unit.as_str()),
                Some(e),
                p,
                f,
            )
        }
    };
    let rule = match rules.due {
        DueRule::None => "none",
        DueRule::Fixed { .. } => "fixed",
        DueRule::After { .. } => "relative",
    };
    tx.execute(
        "UPDATE program SET due_rule = ?2, due_fixed_at = ?3, due_amount = ?4, due_unit = ?5,
                due_event = ?6, due_event_program_id = ?7, due_event_field = ?8 WHERE id = ?1",
        params![id, rule, fixed, amount, unit, event, program, field],
    )?;
    match &rules.cert {
        Some(c) => {
            tx.execute(
                "INSERT INTO certification_settings (program_id, active_amount, active_unit,
                     window_amount, window_unit, method, min_active_amount, min_active_unit)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (program_id) DO UPDATE SET active_amount = excluded.active_amount,
                     active_unit = excluded.active_unit, window_amount = excluded.window_amount,
                     window_unit = excluded.window_unit, method = excluded.method,
                     min_active_amount = excluded.min_active_amount,
                     min_active_unit = excluded.min_active_unit",
                params![
                    id,
                    c.active.amount,
                    c.active.unit.as_str(),
                    c.window.amount,
                    c.window.unit.as_str(),
                    c.method.as_str(),
                    c.min_active.map(|m| m.amount),
                    c.min_active.map(|m| m.unit.as_str())
                ],
            )?;
        }
        None => {
            tx.execute(
                "DELETE FROM certification_settings WHERE program_id = ?1",
                [id],
            )?;
        }
    }
    write_sets(tx, id, "certification", &rules.certification)?;
    write_sets(tx, id, "recertification", &rules.recertification)
}

/// Writes a path's course sets position by position, when the path changed: each position
/// keeps its set id (so a set's completion event is not raised again), and the path's progress
/// rows go, for the next settle to write anew from the learners' completions.
fn write_sets(tx: &Connection, program_id: i64, path: &str, new: &[SetRow]) -> Result<()> {
    let old: Vec<(i64, SetRow)> = {
        let mut stmt = tx.prepare_cached(
            "SELECT cs.id, cs.label, cs.rule, cs.rule_min, cs.min_time_secs, cs.next_operator,
                    (SELECT group_concat(course_id) FROM (SELECT course_id FROM course_set_course
                       WHERE course_set_id = cs.id ORDER BY course_id))
             FROM course_set cs WHERE cs.program_id = ?1 AND cs.path = ?2 ORDER BY cs.position",
        )?;
        let rows = stmt.query_map(params![program_id, path], |r| {
            let list: Option<String> = r.get(6)?;
            let ids = list
                .unwrap_or_default()
                .split(',')
                .filter_map(|s| s.parse().ok())
                .collect();
            Ok((
                r.get(0)?,
                (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, ids),
            ))
        })?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    if old.iter().map(|(_, o)| o).eq(new.iter()) {
        return Ok(());
    }
    // Progress on a changed path is derived again by the next settle. Found through the
    // program's memberships (the progress key starts with the membership), not by reading
    // every membership's progress.
    tx.execute(
        "DELETE FROM course_set_progress
         WHERE assignment_id IN (SELECT id FROM assignment WHERE program_id = ?1)
           AND course_set_id IN (SELECT id FROM course_set WHERE program_id = ?1 AND path = ?2)",
        params![program_id, path],
    )?;
    for (id, _) in old.iter().skip(new.len()) {
        tx.execute("DELETE FROM course_set WHERE id = ?1", [id])?;
    }
    for (position, row) in new.iter().enumerate() {
        let (label, rule, rule_min, secs, op, courses) = row;
        let set_id = match old.get(position) {
            Some((_, o)) if o == row => continue,
            Some((id, _)) => {
                tx.execute(
                    "UPDATE course_set SET label = ?2, rule = ?3, rule_min = ?4,
                         min_time_secs = ?5, next_operator = ?6 WHERE id = ?1",
                    params![id, label, rule, rule_min, secs, op],
                )?;
                tx.execute(
                    "DELETE FROM course_set_course WHERE course_set_id = ?1",
                    [id],
                )?;
                *id
            }
            None => {
                tx.execute(
                    "INSERT INTO course_set (program_id, path, position, label, rule, rule_min,
                         min_time_secs, next_operator) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![
                        program_id,
                        path,
                        position as i64,
                        label,
                        rule,
                        rule_min,
                        secs,
                        op
                    ],
                )?;
                tx.last_insert_rowid()
            }
        };
        let mut insert = tx.prepare_cached(
            "INSERT INTO course_set_course (course_set_id, course_id) VALUES (?1, ?2)",
        )?;
        for c in courses {
            insert.execute([set_id, *c])?;
        }
    }
    Ok(())
}
