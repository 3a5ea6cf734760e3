//! Assigning learners to programs and unassigning them, individually or through a group.
//!
//! A membership (one `assignment` row per learner and program) holds one `assignment_source`
//! row per way it was made; each source has its own due date and the latest wins. The
//! membership ends when its last source goes: the row is kept (with its certification
//! history and exceptions) and marked `unassigned_at`; assigning again revives it.
//! A group assignment (`program_group`) follows the group: [`sync_groups`] adds its new
//! members and removes those who left.

use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

mod assign;
pub mod completion;
pub mod drop_folder;
mod groups;
pub mod learners;
pub mod records;
mod resettle;
pub mod roster;
mod unassign;

pub use assign::{assign, assign_group};
pub use groups::sync_groups;
pub use resettle::resettle;
pub use unassign::{unassign, unassign_group};

use crate::{Error, Result};

/// What an assignment changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, specta::Type)]
pub struct AssignSummary {
    /// Memberships made (or made again after an unassignment).
    pub added: u32,
    /// Learners who were already members (a source was added or updated).
    pub already: u32,
    /// Exceptions raised by the new memberships.
    pub exceptions: u32,
}

/// What an unassignment changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, specta::Type)]
pub struct UnassignSummary {
    /// Memberships ended (their last source removed).
    pub ended: u32,
    /// Memberships that remain through another source.
    pub kept: u32,
}

#[derive(Clone, Copy)]
enum Via {
    Individual,
    Group(i64),
}

fn program_exists(tx: &Connection, program_id: i64) -> Result<()> {
    let found: Option<i64> = tx
        .query_row("SELECT id FROM program WHERE id = ?1", [program_id], |r| {
            r.get(0)
        })
        .optional()?;
    found.map(|_| ()).ok_or(Error::NotFound {
        what: "program",
        key: program_id.to_string(),
    })
}

fn group_exists(tx: &Connection, group_id: i64) -> Result<()> {
    let found: Option<i64> = tx
        .query_row(
            "SELECT id FROM learner_group WHERE id = ?1",
            [group_id],
            |r| r.get(0),
        )
        .optional()?;
    found.map(|_| ()).ok_or(Error::NotFound {
        what: "group",
        key: group_id.to_string(),
    })
}
