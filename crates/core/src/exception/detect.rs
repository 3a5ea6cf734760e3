//! Detecting an assignment exception: the first of DOMAIN.md section 5 that applies to a
//! membership whose due date is new or changed.

use std::collections::{HashMap, HashSet};

use jiff::tz::TimeZone;

use super::review::Row;
use super::{hours, ExceptionKind};
use crate::program::due_date::{DueEvent, DueRule};
use crate::program::Program;
use crate::Result;

/// The first exception that applies, in the order of DOMAIN.md section 5.
#[allow(clippy::too_many_arguments)]
pub(super) fn detect(
    program: &Program,
    programs: &HashMap<i64, Program>,
    row: &Row,
    due: Option<i64>,
    unknown: bool,
    now: i64,
    tz: &TimeZone,
    active_certs: &HashMap<i64, Vec<i64>>,
    courses: &HashMap<i64, String>,
) -> Result<Option<(ExceptionKind, String)>> {
    if program.cert.is_some() {
        let mine: HashSet<i64> = program.all_courses().collect();
        for other_id in active_certs.get(&row.learner_id).into_iter().flatten() {
            if *other_id == program.id {
                continue;
            }
            let Some(other) = programs.get(other_id) else {
                continue;
            };
            if let Some(shared) = other.all_courses().find(|c| mine.contains(c)) {
                let course = courses.get(&shared).cloned().unwrap_or_default();
                return Ok(Some((
                    ExceptionKind::DuplicateCourse,
                    format!(
                        "Already an active member of {}, which shares course {course}",
                        other.full_name
                    ),
                )));
            }
        }
    }
    if unknown {
        let name = |id: i64| {
            programs
                .get(&id)
                .map_or_else(|| format!("program {id}"), |p| p.full_name.clone())
        };
        let missing = match &program.due {
            DueRule::After {
                event: DueEvent::ProfileField { field },
                ..
            } => format!("the learner has no {field} date"),
            DueRule::After {
                event: DueEvent::ProgramCompletion { program_id },
                ..
            } => format!("the learner has not completed {}", name(*program_id)),
            _ => "the learner has no date for it".into(),
        };
        return Ok(Some((
            ExceptionKind::CompletionTimeUnknown,
            format!(
                "The due date is {}, and {missing}",
                program.due.describe(name)
            ),
        )));
    }
    let needed = program.certification.total_min_secs();
    if let Some(d) = due {
        if needed > 0 && d - now < needed {
            let date = crate::time::from_secs(d)?.to_zoned(tz.clone()).date();
            return Ok(Some((
                ExceptionKind::TimeAllowance,
                format!(
                    "Due {date}, which leaves {}, but the path needs {}",
                    hours(d - now),
                    hours(needed)
                ),
            )));
        }
    }
    Ok(None)
}
