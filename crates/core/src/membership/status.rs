//! The vocabulary of memberships: what state an assignment is in, and what the membership
//! report shows of its exception.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Where an assignment stands. Programs use the first three; certifications use
/// `not_started`/`in_progress` on the certification path, then `certified`, `window_open`
/// and `expired`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum AssignmentStatus {
    NotStarted,
    InProgress,
    Complete,
    Certified,
    WindowOpen,
    Expired,
}

impl AssignmentStatus {
    pub const ALL: [AssignmentStatus; 6] = [
        Self::NotStarted,
        Self::InProgress,
        Self::Complete,
        Self::Certified,
        Self::WindowOpen,
        Self::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotStarted => "not_started",
            Self::InProgress => "in_progress",
            Self::Complete => "complete",
            Self::Certified => "certified",
            Self::WindowOpen => "window_open",
            Self::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| {
                let valid: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                Error::invalid(
                    "status",
                    format!("unknown status '{s}' (one of {})", valid.join(", ")),
                )
            })
    }
}

/// The exception status column of the membership report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ExceptionStatus {
    None,
    Raised,
    ResolvedAssigned,
    ResolvedRealistic,
    NotAssigned,
    Dismissed,
}

impl ExceptionStatus {
    pub const ALL: [ExceptionStatus; 6] = [
        Self::None,
        Self::Raised,
        Self::ResolvedAssigned,
        Self::ResolvedRealistic,
        Self::NotAssigned,
        Self::Dismissed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Raised => "raised",
            Self::ResolvedAssigned => "resolved_assigned",
            Self::ResolvedRealistic => "resolved_realistic",
            Self::NotAssigned => "not_assigned",
            Self::Dismissed => "dismissed",
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| {
                let valid: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                Error::invalid(
                    "exception status",
                    format!(
                        "unknown exception status '{s}' (one of {})",
                        valid.join(", ")
                    ),
                )
            })
    }
}
