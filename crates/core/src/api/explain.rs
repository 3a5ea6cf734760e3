//! The explainer: why a learner got, will get, or did not get each message of a program (a
//! read).

use jiff::Timestamp;
use rusqlite::Connection;
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
}

/// The timeline of the learner's membership of the program and, for each of its rules, one
/// sentence: sent on, scheduled for, or why not, at `now`.
///
/// # Errors
/// [`Error::NotFound`] for an unknown learner or program, or a learner who is not a member.
pub fn explain(conn: &Connection, now: Timestamp, args: &ExplainArgs) -> Result<Explanation> {
    let learner = names::learner(conn, args.learner.trim())?;
    let program = program(conn, args.program.trim())?;
    crate::notify::explain::explain(conn, learner, program, now)
}

/// A program by short name, else by its id number.
fn program(conn: &Connection, key: &str) -> Result<i64> {
    match names::program(conn, key) {
        Err(Error::NotFound { .. }) if key.parse::<i64>().is_ok() => {
            let id: i64 = conn
                .query_row("SELECT id FROM program WHERE id = ?1", [key], |r| r.get(0))
                .map_err(|_| Error::NotFound {
                    what: "program",
                    key: key.to_string(),
                })?;
            Ok(id)
        }
        other => other,
    }
}
