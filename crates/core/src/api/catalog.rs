//! The catalogue as the screens list and pick it: programs and their course sets, the
//! editor's draft of a program, courses, groups, and learners found by text.

use crate::program::catalog::{
    self, CourseRef, CourseSetView, GroupSummary, LearnerSummary, ProgramSummary,
};
use crate::program::{self, course, ProgramDraft};
use crate::store::audit::{self, Entry};
use crate::{Reader, Result, Writer};

/// Every program and certification, by name.
///
/// # Errors
/// Database errors.
pub fn programs(r: &Reader) -> Result<Vec<ProgramSummary>> {
    catalog::program_summaries(r)
}

/// A program or certification as the editor shows it.
///
/// # Errors
/// [`crate::Error::NotFound`] for an unknown id.
pub fn program_draft(r: &Reader, program_id: i64) -> Result<ProgramDraft> {
    program::program_draft(r, program_id)
}

/// A program's course sets, path by path, with their courses.
///
/// # Errors
/// Database errors.
pub fn course_sets(r: &Reader, program_id: i64) -> Result<Vec<CourseSetView>> {
    catalog::course_sets(r, program_id)
}

/// Every course, by name.
///
/// # Errors
/// Database errors.
pub fn courses(r: &Reader) -> Result<Vec<CourseRef>> {
    course::list_courses(r)
}

/// Adds a course.
///
/// # Errors
/// [`crate::Error::Invalid`] for a blank or taken short name; nothing is written then.
pub fn add_course(w: &mut Writer, short_name: &str, full_name: &str) -> Result<CourseRef> {
    let who = w.actor();
    w.write(|tx| {
        let c = course::add_course(tx, short_name, full_name)?;
        audit::record(
            tx,
            &who,
            &Entry::new("courses.add", &c.short_name).after(&c),
        )?;
        Ok(c)
    })
}

/// Every group of learners, by name, with its member count.
///
/// # Errors
/// Database errors.
pub fn groups(r: &Reader) -> Result<Vec<GroupSummary>> {
    catalog::groups(r)
}

/// Learners whose name, id number or email contains `text`, at most `limit`.
///
/// # Errors
/// Database errors.
pub fn find_learners(r: &Reader, text: &str, limit: u32) -> Result<Vec<LearnerSummary>> {
    catalog::find_learners(r, text, limit)
}
