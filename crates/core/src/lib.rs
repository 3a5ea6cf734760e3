//! CertDesk's domain: the certification store and everything that reads or writes it.
//!
//! Every client (the desktop shell, the command line) calls this crate; none of them touches
//! SQL. Time is always an input (see [`clock`]), so every behaviour is deterministic in tests.

pub mod app_settings;
pub mod assignment;
pub mod backup;
pub mod catalog;
pub mod certification;
pub mod clock;
pub mod completion;
pub mod completion_report;
pub mod course;
pub mod dashboard;
pub mod demo;
pub mod due_date;
pub mod engine;
pub mod enrolment;
pub mod error;
pub mod event;
pub mod exception;
pub mod exception_action;
pub mod export;
mod idset;
pub mod import;
pub mod location;
pub mod membership;
pub mod names;
pub mod notify;
pub mod outlook;
pub mod period;
pub mod program;
pub mod program_edit;
pub mod progress;
pub mod report;
pub mod rule_edit;
pub mod scheduler;
pub mod settings;
pub mod store;
pub mod time;

pub use assignment::{AssignmentStatus, ExceptionStatus};

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{Error, ErrorKind, Result};
pub use store::{Db, Reader, Writer};
