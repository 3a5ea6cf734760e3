//! Enrolment: assigning learners, a group or a CSV roster to a program, ending those
//! assignments, and recording a course completion. Each call is one transaction.

use jiff::Timestamp;
use serde_json::json;

use crate::enrolment::completion::{record_completions, Completion, CompletionSummary};
use crate::enrolment::{self, roster, AssignSummary, UnassignSummary};
use crate::import::{self, ImportPreview};
use crate::store::audit::{self, Entry};
use crate::time::parse_date;
use crate::{Reader, Result, Writer};

/// A due date typed `YYYY-MM-DD` (end of that day for each learner), if any.
fn due_date(due: Option<&str>) -> Result<Option<jiff::civil::Date>> {
    due.map(str::trim)
        .filter(|d| !d.is_empty())
        .map(parse_date)
        .transpose()
}

/// Assigns learners individually to a program; without `due` the program's rule gives
/// the due date.
///
/// # Errors
/// [`crate::Error::Invalid`] for a malformed due date, [`crate::Error::NotFound`] for an
/// unknown program or learner; nothing is written then.
pub fn assign_learners(
    w: &mut Writer,
    now: Timestamp,
    program_id: i64,
    learner_ids: &[i64],
    due: Option<&str>,
) -> Result<AssignSummary> {
    let due = due_date(due)?;
    let who = w.actor();
    w.write(|tx| {
        let s = enrolment::assign(tx, now, program_id, learner_ids, due)?;
        let after = json!({ "learners": audit::ids(learner_ids), "due": due, "result": s });
        let e = Entry::new("enrolment.assign", audit::program_name(tx, program_id)?);
        audit::record(tx, &who, &e.after(after))?;
        Ok(s)
    })
}

/// Assigns a program to a group: its members now and those who join later.
///
/// # Errors
/// As [`assign_learners`].
pub fn assign_group(
    w: &mut Writer,
    now: Timestamp,
    program_id: i64,
    group_id: i64,
    due: Option<&str>,
) -> Result<AssignSummary> {
    let due = due_date(due)?;
    let who = w.actor();
    w.write(|tx| {
        let s = enrolment::assign_group(tx, now, program_id, group_id, due)?;
        let after = json!({ "group": group_id, "due": due, "result": s });
        let e = Entry::new(
            "enrolment.assign_group",
            audit::program_name(tx, program_id)?,
        );
        audit::record(tx, &who, &e.after(after))?;
        Ok(s)
    })
}

/// What assigning the roster at `path` (a CSV `id_number` column) would do; writes nothing.
///
/// # Errors
/// [`crate::Error::Invalid`] (field `file`) for a file that cannot be read.
pub fn preview_roster(r: &Reader, program_id: i64, path: &str) -> Result<ImportPreview> {
    roster::preview_roster(r, program_id, import::open(path)?)
}

/// Assigns every learner of the roster at `path` to a program.
///
/// # Errors
/// [`crate::Error::Rejected`] (nothing written) when any row is bad.
pub fn assign_roster(
    w: &mut Writer,
    now: Timestamp,
    program_id: i64,
    path: &str,
    due: Option<&str>,
) -> Result<AssignSummary> {
    let due = due_date(due)?;
    // Read and checked before the write lock is taken; the learners' ids do not change.
    let ids = roster::check_roster(w.conn(), import::open(path)?)?;
    let who = w.actor();
    w.write(|tx| {
        let s = enrolment::assign(tx, now, program_id, &ids, due)?;
        let after = json!({ "file": path, "learners": audit::ids(&ids), "due": due, "result": s });
        let e = Entry::new("import.roster", audit::program_name(tx, program_id)?);
        audit::record(tx, &who, &e.after(after))?;
        Ok(s)
    })
}

/// Ends learners' individual assignment to a program (memberships another assignment
/// still gives are kept).
///
/// # Errors
/// Database errors; nothing is written then.
pub fn unassign_learners(
    w: &mut Writer,
    now: Timestamp,
    program_id: i64,
    learner_ids: &[i64],
) -> Result<UnassignSummary> {
    let who = w.actor();
    w.write(|tx| {
        let s = enrolment::unassign(tx, now, program_id, learner_ids)?;
        let after = json!({ "learners": audit::ids(learner_ids), "result": s });
        let e = Entry::new("enrolment.unassign", audit::program_name(tx, program_id)?);
        audit::record(tx, &who, &e.after(after))?;
        Ok(s)
    })
}

/// Ends a group's assignment to a program.
///
/// # Errors
/// Database errors; nothing is written then.
pub fn unassign_group(
    w: &mut Writer,
    now: Timestamp,
    program_id: i64,
    group_id: i64,
) -> Result<UnassignSummary> {
    let who = w.actor();
    w.write(|tx| {
        let s = enrolment::unassign_group(tx, now, program_id, group_id)?;
        let after = json!({ "group": group_id, "result": s });
        let e = Entry::new(
            "enrolment.unassign_group",
            audit::program_name(tx, program_id)?,
        );
        audit::record(tx, &who, &e.after(after))?;
        Ok(s)
    })
}

/// Records that a learner completed a course at `at`, and advances their memberships.
///
/// # Errors
/// Database errors; nothing is written then.
pub fn record_completion(
    w: &mut Writer,
    now: Timestamp,
    learner_id: i64,
    course_id: i64,
    at: Timestamp,
) -> Result<CompletionSummary> {
    let c = Completion {
        learner_id,
        course_id,
        completed_at: at,
    };
    let who = w.actor();
    w.write(|tx| {
        let s = record_completions(tx, now, &[c])?;
        let after = json!({ "learner": learner_id, "course": course_id, "at": at,
                            "recorded": s.recorded });
        let e = Entry::new("enrolment.complete", format!("learner {learner_id}"));
        audit::record(tx, &who, &e.after(after))?;
        Ok(s)
    })
}
