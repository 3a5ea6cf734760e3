//! Assignment exceptions: their types (here), the review that computes a membership's due date
//! from its sources (`review.rs`) and raises the first exception that applies (`detect.rs`,
//! DOMAIN.md section 5), what the learners' rules count from (`facts.rs`), the exception
//! report (`report.rs`), the administrator's actions on its rows (`action.rs`), and the
//! realistic due date one of them sets (`realistic.rs`), the record of each applied action
//! (`batch.rs`) and its undo (`undo.rs`).

pub mod action;
pub mod batch;
mod detect;
mod facts;
mod realistic;
pub mod report;
mod review;
pub mod undo;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

pub(crate) use review::{review, review_counting_from};

/// The type of an assignment exception.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ExceptionKind {
    /// The learner is already an active member of another certification sharing a course.
    DuplicateCourse,
    /// The due date counts from an event the learner has no date for.
    CompletionTimeUnknown,
    /// The due date leaves less time than the path's total minimum time.
    TimeAllowance,
}

impl ExceptionKind {
    /// Every type, in the order they are checked.
    pub const ALL: [ExceptionKind; 3] = [
        ExceptionKind::DuplicateCourse,
        ExceptionKind::CompletionTimeUnknown,
        ExceptionKind::TimeAllowance,
    ];

    /// The name the store keeps.
    pub fn as_str(self) -> &'static str {
        match self {
            ExceptionKind::DuplicateCourse => "duplicate_course",
            ExceptionKind::CompletionTimeUnknown => "completion_time_unknown",
            ExceptionKind::TimeAllowance => "time_allowance",
        }
    }

    /// Parses a stored or typed name.
    pub fn parse(s: &str) -> Result<ExceptionKind> {
        ExceptionKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| {
                Error::invalid(
                    "exception type",
                    format!("'{s}' is not an exception type (duplicate_course, completion_time_unknown, time_allowance)"),
                )
            })
    }
}

/// A length of time in words, in hours (and days past two days).
pub fn hours(secs: i64) -> String {
    let h = secs as f64 / 3600.0;
    if secs <= 0 {
        "no time".into()
    } else if h >= 48.0 {
        format!("{:.1} days", h / 24.0)
    } else {
        format!("{h:.1} hours")
    }
}
