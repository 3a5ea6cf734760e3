//! Every command the UI calls: thin wrappers that deserialise, call one core function and
//! map the error. Listed once in [`crate::specta_builder`].

pub mod app;
pub mod background;
pub mod backup;
pub mod exceptions;
pub mod first_run;
pub mod hr;
pub mod import;
pub mod messages;
pub mod programs;
pub mod reports;
pub mod scheduler;
pub mod send_policy;
pub mod settings;
pub mod templates;
