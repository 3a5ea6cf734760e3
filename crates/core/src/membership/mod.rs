//! Memberships (one per learner and program): their statuses, the domain events of what
//! happened to them, and the engine's state machine that moves them on with completions
//! and with time (certification cycles: windows opening, expiry, recertification).

pub mod engine;
pub mod event;
pub mod status;
pub(crate) mod summary;
