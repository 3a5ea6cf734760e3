//! The explainer: why a learner got, will get, or did not get each message of a program (a
//! read).

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

pub use crate::notify::explain::{Explanation, ReasonKind, RuleExplanation};
pub use crate::notify::explain_timeline::TimelineEntry;
use crate::{names, Error, Result};

/// Whom and what to explain, by the names the administrator knows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ExplainArgs {
    /// The learner's id number.
    pub learner: String,
    /// The program's short name, or its id.
    pub program: String,
    /// Or the membership itself (a message log line's `assignment_id`): then `learner` and
    /// `program` may be left empty.
    #[serde(default)]
    pub membership: Option<i64>,
}

/// The timeline of the learner's membership of the program and, for each of its rules, one
/// sentence: sent on, scheduled for, or why not, at `now`.
///
/// # Errors
/// [`Error::NotFound`] for an unknown learner, program or membership, or a learner who is
/// not a member.
pub fn explain(conn: &Connection, now: Timestamp, args: &ExplainArgs) -> Result<Explanation> {
    if let Some(m) = args.membership {
        let (learner, program): (i64, i64) = conn
            .query_row(
                "SELECT learner_id, program_id FROM assignment WHERE id = ?1",
                [m],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
            .ok_or_else(|| Error::NotFound {
                what: "membership",
                key: m.to_string(),
            })?;
        return crate::notify::explain::explain(conn, learner, program, now);
    }
    let learner = names::learner(conn, args.learner.trim())?;
    let program = program(conn, args.program.trim())?;
    crate::notify::explain::explain(conn, learner, program, now)
}

/// A program by short name, else by its id number.
fn program(conn: &Connection, key: &str) -> Result<i64> {
    match names::program(conn, key) {
        Err(Error::NotFound { .. }) if key.parse::<i64>().is_ok() => conn
            .query_row("SELECT id FROM program WHERE id = ?1", [key], |r| r.get(0))
            .optional()?
            .ok_or_else(|| Error::NotFound {
                what: "program",
                key: key.to_string(),
            }),
        other => other,
    }
}
