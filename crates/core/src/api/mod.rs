//! One entry point per user action. Each function owns its transaction (a `BEGIN IMMEDIATE`
//! write or a read), and is what the desktop command and the CLI subcommand of that action
//! both call: they add nothing but argument parsing and output.

pub mod admins;
pub mod audit;
pub mod catalog;
pub mod digest;
pub mod drop_folder;
pub mod enrolment;
pub mod exceptions;
pub mod explain;
pub mod forecast;
pub mod imports;
pub mod messages;
pub mod programs;
pub mod reports;
pub mod rules;
pub mod scheduler;
pub mod send_policy;
pub mod settings;
pub mod smtp;
pub mod store;
