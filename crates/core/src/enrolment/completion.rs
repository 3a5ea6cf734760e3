//! Course completions: recording them, and letting the memberships they touch move on
//! (course sets, program completion, certification), all in the caller's transaction.

use jiff::Timestamp;
use rusqlite::Connection;
use serde::Serialize;

use crate::exception::review_counting_from;
use crate::membership::engine::{settle, EngineSummary};
use crate::time::secs;
use crate::{idset, Error, Result};

/// One course completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Completion {
    pub learner_id: i64,
    pub course_id: i64,
    pub completed_at: Timestamp,
}

/// What recording completions changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, specta::Type)]
pub struct CompletionSummary {
    /// Completions stored (repeats of a stored one are ignored).
    pub recorded: u32,
    /// What the memberships did with them.
    pub engine: EngineSummary,
}

/// Records course completions and brings every membership they touch up to date as of `now`.
///
/// # Errors
/// [`Error::Invalid`] for a completion after `now`; [`Error::NotFound`] for an unknown learner
/// or course; database errors.
pub fn record_completions(
    tx: &Connection,
    now: Timestamp,
    completions: &[Completion],
) -> Result<CompletionSummary> {
    let now_s = secs(now);
    tx.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS eng_pairs (learner_id INTEGER, course_id INTEGER);
         DELETE FROM temp.eng_pairs;",
    )?;
    let mut recorded = 0;
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO course_completion (learner_id, course_id, completed_at) VALUES (?1, ?2, ?3)
             ON CONFLICT DO NOTHING",
        )?;
        let mut pair = tx
            .prepare_cached("INSERT INTO temp.eng_pairs (learner_id, course_id) VALUES (?1, ?2)")?;
        for c in completions {
            let at = secs(c.completed_at);
            if at > now_s {
                return Err(Error::invalid(
                    "completed at",
                    format!("{} is in the future", c.completed_at),
                ));
            }
            recorded += insert
                .execute([c.learner_id, c.course_id, at])
                .map_err(|e| missing(e, c))?;
            pair.execute([c.learner_id, c.course_id])?;
        }
    }
    let touched = idset::ids(
        tx,
        "SELECT DISTINCT a.id FROM (SELECT DISTINCT learner_id, course_id FROM temp.eng_pairs) p
         JOIN course_set_course csc ON csc.course_id = p.course_id
         JOIN course_set cs ON cs.id = csc.course_set_id
         JOIN assignment a ON a.program_id = cs.program_id AND a.learner_id = p.learner_id
         WHERE a.unassigned_at IS NULL",
        [],
    )?;
    let engine = settle(tx, now_s, &touched)?;
    if engine.completed + engine.certified > 0 {
        // Due dates that count from completing a program may now be known.
        let learners = "SELECT learner_id FROM temp.eng_pairs";
        review_counting_from(tx, now_s, "program_completion", learners)?;
    }
    Ok(CompletionSummary {
        recorded: recorded as u32,
        engine,
    })
}

fn missing(e: rusqlite::Error, c: &Completion) -> Error {
    match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY =>
        {
            Error::NotFound {
                what: "learner or course",
                key: format!("learner {} / course {}", c.learner_id, c.course_id),
            }
        }
        _ => Error::Database(e),
    }
}
