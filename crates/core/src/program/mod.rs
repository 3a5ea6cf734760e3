//! Programs and certifications: the model the engine evaluates (paths of course sets, their
//! completion rules and operators), due-date rules, certification periods and settings,
//! courses, the editor's draft and its checks, and the JSON import of programs, which runs
//! the editor's checks too.

pub mod catalog;
pub mod certification;
mod check;
pub mod course;
pub mod draft;
pub mod due_date;
pub mod import;
mod model;
pub mod period;
mod write;

pub use draft::{program_draft, save_program, DueDraft, DueFrom, DueKind, ProgramDraft, SetDraft};
pub use model::*;

pub(crate) use write::{Rules, SetRow};
