//! Every command the UI calls: thin wrappers that deserialise, call one core function and
//! map the error. Listed once in [`crate::specta_builder`].

pub mod app;
pub mod audit;
pub mod background;
pub mod backup;
pub mod desktop;
pub mod exceptions;
pub mod explain;
pub mod first_run;
pub mod hr;
pub mod import;
pub mod messages;
pub mod oauth;
pub mod programs;
pub mod reports;
pub mod scheduler;
pub mod send_policy;
pub mod settings;
pub mod templates;
