//! What the reviewed learners' due-date rules count from (profile dates, program
//! completions) and the certifications they are already active members of, loaded once for a
//! whole batch.

use std::collections::HashMap;

use rusqlite::Connection;

use crate::program::due_date::{DueEvent, DueRule};
use crate::Result;

/// Which facts a batch needs.
#[derive(Clone, Copy)]
pub(super) struct Needs {
    pub(super) dates: bool,
    pub(super) completions: bool,
    pub(super) certs: bool,
}

/// What the reviewed learners' rules may count from, loaded for the whole batch.
pub(super) struct LearnerFacts {
    dates: HashMap<(i64, String), String>,
    completed: HashMap<(i64, i64), i64>,
    /// learner → the certifications they are an active member of (outside this batch's new rows).
    pub(super) active_certs: HashMap<i64, Vec<i64>>,
}

impl LearnerFacts {
    pub(super) fn load(tx: &Connection, needs: Needs) -> Result<LearnerFacts> {
        let learners =
            "SELECT a.learner_id FROM temp.eng_review t CROSS JOIN assignment a ON a.id = t.id";
        let mut dates = HashMap::new();
        let mut completed = HashMap::new();
        let mut active_certs: HashMap<i64, Vec<i64>> = HashMap::new();
        if needs.dates {
            let mut stmt = tx.prepare_cached(&format!(
                "SELECT learner_id, field, value FROM learner_date WHERE learner_id IN ({learners})"
            ))?;
            let mut q = stmt.query([])?;
            while let Some(r) = q.next()? {
                dates.insert((r.get(0)?, r.get(1)?), r.get(2)?);
            }
        }
        if !needs.completions && !needs.certs {
            return Ok(LearnerFacts {
                dates,
                completed,
                active_certs,
            });
        }
        let mut stmt = tx.prepare_cached(&format!(
            "SELECT a.learner_id, a.program_id, a.completed_at,
                    a.active = 1 AND a.unassigned_at IS NULL AND p.kind = 'certification'
                    AND a.id NOT IN (SELECT id FROM temp.eng_review)
             FROM assignment a JOIN program p ON p.id = a.program_id
             WHERE a.learner_id IN ({learners})"
        ))?;
        let mut q = stmt.query([])?;
        while let Some(r) = q.next()? {
            let (learner, program): (i64, i64) = (r.get(0)?, r.get(1)?);
            if let Some(at) = r.get::<_, Option<i64>>(2)? {
                completed.insert((learner, program), at);
            }
            if r.get::<_, bool>(3)? {
                active_certs.entry(learner).or_default().push(program);
            }
        }
        Ok(LearnerFacts {
            dates,
            completed,
            active_certs,
        })
    }

    pub(super) fn completed(&self, learner: i64, rule: &DueRule) -> Option<i64> {
        match rule {
            DueRule::After {
                event: DueEvent::ProgramCompletion { program_id },
                ..
            } => self.completed.get(&(learner, *program_id)).copied(),
            _ => None,
        }
    }

    pub(super) fn profile_date(&self, learner: i64, rule: &DueRule) -> Option<&str> {
        match rule {
            DueRule::After {
                event: DueEvent::ProfileField { field },
                ..
            } => self
                .dates
                .get(&(learner, field.clone()))
                .map(String::as_str),
            _ => None,
        }
    }
}
