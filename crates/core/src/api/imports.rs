//! Imports from CSV files: learners and managers (previewed first in the desktop's wizard),
//! courses, assignments and completions. A file with any bad row is refused whole, in one
//! transaction.

use jiff::Timestamp;

use crate::enrolment::{learners, records};
use crate::import::{self, ImportPreview, ImportSummary};
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
    let file = import::open(path)?;
    w.write(|tx| learners::learners(tx, now, file))
}

/// Imports the courses file at `path` (`short_name`, `full_name`).
///
/// # Errors
/// As [`learners`].
pub fn courses(w: &mut Writer, path: &str) -> Result<ImportSummary> {
    let file = import::open(path)?;
    w.write(|tx| records::courses(tx, file))
}

/// Imports the assignments file at `path` (learner, program, optional due date).
///
/// # Errors
/// As [`learners`].
pub fn assignments(w: &mut Writer, now: Timestamp, path: &str) -> Result<ImportSummary> {
    let file = import::open(path)?;
    w.write(|tx| records::assignments(tx, now, file))
}

/// Imports the completions file at `path` (`learner`, `course`, `completed_at`: a date or
/// an instant with its offset).
///
/// # Errors
/// As [`learners`].
pub fn completions(w: &mut Writer, now: Timestamp, path: &str) -> Result<ImportSummary> {
    let file = import::open(path)?;
    w.write(|tx| records::completions(tx, now, file))
}
