//! The demo's raised exceptions: which memberships show one, of the type that fits their
//! program, and the detail an administrator reads.

use super::programs::ProgramSpec;

/// Which exception a demo assignment shows, if any.
pub(super) fn exception_kind(
    spec: &ProgramSpec,
    learner: i64,
    index: usize,
) -> Option<&'static str> {
    match spec.short {
        "FIRSTAID-SITE" if learner % 3 == 0 => Some("duplicate_course"),
        "LEAD" if learner % 11 == 0 => Some("completion_time_unknown"),
        "FIREWARDEN" | "GDPR" if (learner as usize + index).is_multiple_of(9) => {
            Some("time_allowance")
        }
        _ => None,
    }
}

/// The detail shown with a demo exception of `kind`, due at `due_at` (seconds), as of `now`.
pub(super) fn detail(kind: &str, spec: &ProgramSpec, due_at: Option<i64>, now: i64) -> String {
    match kind {
        "duplicate_course" => {
            "Already an active member of First Aid at Work, which shares course FA101".to_string()
        }
        "completion_time_unknown" => {
            "The due date is 3 months after hire date, and the learner has no hire date".to_string()
        }
        _ => format!(
            "Due in {} days, but the path needs {} hours",
            due_at.map_or(0, |d| (d - now) / 86_400),
            spec.sets
                .iter()
                .filter(|s| s.0 == "certification")
                .map(|s| s.4)
                .sum::<i64>()
        ),
    }
}
