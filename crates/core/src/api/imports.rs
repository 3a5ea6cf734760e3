//! Imports from CSV files: learners and managers (previewed first in the desktop's wizard),
//! courses, assignments and completions. A file with any bad row is refused whole.
//!
//! Each file is read and checked before the write lock is taken (on the writer's connection
//! outside any transaction, which only reads), so a long or refused file never keeps
//! `send` or the app waiting; only the checked rows are then written, in one short
//! `BEGIN IMMEDIATE` transaction that looks up again what may have changed meanwhile (ids).

use jiff::Timestamp;

use crate::enrolment::{learners, records};
use crate::import::{self, ImportPreview, ImportSummary, PROBLEM_LIMIT};
use crate::store::audit::{self, Entry};
use crate::{Reader, Result, Writer};

/// What importing the learners file at `path` would do; writes nothing.
///
/// # Errors
/// [`crate::Error::Invalid`] (field `file`) for a file that cannot be read.
pub fn preview_learners(r: &Reader, path: &str) -> Result<ImportPreview> {
    learners::preview_learners(r, import::open(path)?)
}

/// Imports the learners file at `path` (`id_number`, `full_name`, `email`, `time_zone`,
/// `managers`, `groups`), then brings group assignments up to date.
///
/// # Errors
/// [`crate::Error::Rejected`] (nothing written) when any row is bad.
pub fn learners(w: &mut Writer, now: Timestamp, path: &str) -> Result<ImportSummary> {
    let prepared = learners::prepare(w.conn(), || import::open(path))?;
    let who = w.actor();
    w.write(|tx| {
        let s = learners::write(tx, now, prepared)?;
        audit::record(tx, &who, &Entry::new("import.learners", path).after(s))?;
        Ok(s)
    })
}

/// Imports the courses file at `path` (`short_name`, `full_name`).
///
/// # Errors
/// As [`learners`].
pub fn courses(w: &mut Writer, path: &str) -> Result<ImportSummary> {
    let rows = records::check_courses(import::open(path)?)?;
    let who = w.actor();
    w.write(|tx| {
        let s = records::write_courses(tx, rows)?;
        audit::record(tx, &who, &Entry::new("import.courses", path).after(s))?;
        Ok(s)
    })
}

/// Imports the assignments file at `path` (learner, program, optional due date).
///
/// # Errors
/// As [`learners`].
pub fn assignments(w: &mut Writer, now: Timestamp, path: &str) -> Result<ImportSummary> {
    let checked = records::check_assignments(w.conn(), import::open(path)?, PROBLEM_LIMIT)?;
    let who = w.actor();
    w.write(|tx| {
        let s = records::write_assignments(tx, now, checked)?;
        audit::record(tx, &who, &Entry::new("import.assignments", path).after(s))?;
        Ok(s)
    })
}

/// Imports the completions file at `path` (`learner`, `course`, `completed_at`: a date or
/// an instant with its offset).
///
/// # Errors
/// As [`learners`].
pub fn completions(w: &mut Writer, now: Timestamp, path: &str) -> Result<ImportSummary> {
    let checked = records::check_completions(w.conn(), now, import::open(path)?, PROBLEM_LIMIT)?;
    let who = w.actor();
    w.write(|tx| {
        let s = records::write_completions(tx, now, &checked)?;
        audit::record(tx, &who, &Entry::new("import.completions", path).after(s))?;
        Ok(s)
    })
}
