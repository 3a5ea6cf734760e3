//! CertDesk's domain: the certification store and everything that reads or writes it.
//!
//! Every client (the desktop shell, the command line) calls this crate; none of them touches
//! SQL. Time is always an input (see [`clock`]), so every behaviour is deterministic in tests.

pub mod assignment;
pub mod clock;
pub mod dashboard;
pub mod demo;
pub mod error;
pub mod location;
pub mod membership;
pub mod store;
pub mod time;

pub use assignment::{AssignmentStatus, ExceptionStatus};

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{Error, ErrorKind, Result};
pub use store::{Db, Reader, Writer};
