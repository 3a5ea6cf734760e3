//! CertDesk's domain: the certification store and everything that reads or writes it.
//!
//! Every client (the desktop shell, the command line) calls this crate; none of them touches
//! SQL. Time is always an input (see [`clock`]), so every behaviour is deterministic in tests.
//!
//! The rooms, from the bottom up (a room imports only from rooms above it in this list):
//! - [`store`]: the SQLite file, its migrations, the `setting` table, backups, its location.
//! - [`notify`]: notification rules, templates, site administrators, and the selection that
//!   queues due messages (catch-up included) into the outbox.
//! - [`mail`]: the outbox, the SMTP sender, SMTP settings, the message log.
//! - [`program`]: programs and certifications, due-date rules, periods, the editor's draft
//!   and checks, the JSON import of programs.
//! - [`membership`]: statuses, domain events and the engine's state machine.
//! - [`exception`]: detecting assignment exceptions and the actions that fix them (realistic
//!   due date among them).
//! - [`enrolment`]: assigning and unassigning, groups, completions, learner and roster imports.
//! - [`scheduler`]: `run(now)` and the app's timer step, the head of the data path
//!   store → run(now) → outbox → SMTP.
//! - [`report`]: the screens' read models and exports.
//! - [`demo`], [`app`]: the demo store and the desktop's own preferences and first run.
//! - [`api`]: one entry point per user action, owning its transaction; the desktop commands
//!   and the CLI subcommands call these.
//!
//! Plumbing every room uses sits at the root: [`error`], [`clock`], [`time`], [`names`],
//! [`import`], [`progress`].

pub mod api;
pub mod app;
pub mod clock;
pub mod demo;
pub mod enrolment;
pub mod error;
pub mod exception;
mod idset;
pub mod import;
pub mod mail;
pub mod membership;
pub mod names;
pub mod notify;
pub mod program;
pub mod progress;
pub mod report;
pub mod scheduler;
pub mod store;
pub mod time;

pub use membership::status::{AssignmentStatus, ExceptionStatus};

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{Error, ErrorKind, Result};
pub use store::{Db, Reader, Writer};
