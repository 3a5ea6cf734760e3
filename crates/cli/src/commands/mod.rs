//! The subcommands, one file per area. Each parses its arguments, calls certdesk-core and
//! prints the result through [`crate::output::Output`].

pub mod admins;
pub mod assign;
pub mod audit;
pub mod backup;
pub mod catalog;
pub mod exceptions;
pub mod explain;
pub mod forecast;
pub mod hr;
pub mod import;
pub mod notify;
pub mod program;
pub mod report;
pub mod rules;
pub mod run;
pub mod send_policy;
pub mod settings;
pub mod smtp_oauth;

use certdesk_core::{Clock, SystemClock};
use jiff::{tz::TimeZone, Timestamp};

/// `--now`: the instant a command acts at (default: the system clock).
#[derive(clap::Args, Debug, Clone)]
pub struct Now {
    /// Act as of this instant (RFC 3339 with its offset, e.g. 2027-01-10T09:00:00Z, or
    /// YYYY-MM-DD for midnight UTC); default: now.
    #[arg(long, value_name = "WHEN")]
    pub now: Option<String>,
}

impl Now {
    /// The instant given, else the system clock.
    pub fn get(&self) -> anyhow::Result<Timestamp> {
        match &self.now {
            None => Ok(SystemClock.now()),
            Some(s) => parse_instant(s),
        }
    }
}

/// Reads an instant written RFC 3339 with its offset or `YYYY-MM-DD` (midnight UTC); a time
/// without an offset is refused (see [`certdesk_core::time::parse_instant`]).
pub fn parse_instant(s: &str) -> anyhow::Result<Timestamp> {
    Ok(certdesk_core::time::parse_instant(s, &TimeZone::UTC)?)
}
