//! The forecast: what the runs would send in the next days if nothing changes (a read).

use jiff::Timestamp;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::notify::forecast::{self, ForecastQuery};
pub use crate::notify::forecast::{Forecast, ForecastDay, ForecastMessage};
use crate::notify::Trigger;
use crate::{names, Error, Result};

/// The most days a forecast looks ahead.
pub const MAX_DAYS: u32 = 366;
/// How many messages a forecast lists when not told.
pub const DEFAULT_LIMIT: u32 = 200;

/// What the administrator asks for, by the names they know.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ForecastArgs {
    pub days: u32,
    /// A program's short name.
    pub program: Option<String>,
    /// A trigger (`due_date`, `expiry` ...).
    pub trigger: Option<String>,
    /// A learner's id number.
    pub learner: Option<String>,
    /// List the messages of this UTC day (`YYYY-MM-DD`).
    pub day: Option<String>,
    /// The most messages listed (default 200).
    pub limit: Option<u32>,
}

/// Every message the runs would send in `(now, now + days]`: a count per UTC day and the
/// messages of the day asked for (or the first ones). Exception alerts are not forecast.
///
/// # Errors
/// [`Error::Invalid`] for days out of 1..=366, an unknown trigger or a bad day;
/// [`Error::NotFound`] for an unknown program or learner.
pub fn forecast(conn: &Connection, now: Timestamp, args: &ForecastArgs) -> Result<Forecast> {
    if args.days == 0 || args.days > MAX_DAYS {
        return Err(Error::invalid(
            "days",
            format!("must be from 1 to {MAX_DAYS}"),
        ));
    }
    let trigger = match args.trigger.as_deref().filter(|t| !t.is_empty()) {
        Some(t) => Some(Trigger::parse(t)?),
        None => None,
    };
    let program_id = match args.program.as_deref().filter(|p| !p.is_empty()) {
        Some(p) => Some(names::program(conn, p)?),
        None => None,
    };
    let learner_id = match args.learner.as_deref().filter(|l| !l.is_empty()) {
        Some(l) => Some(names::learner(conn, l)?),
        None => None,
    };
    let q = ForecastQuery {
        days: args.days,
        program_id,
        trigger,
        learner_id,
        day: args.day.clone().filter(|d| !d.is_empty()),
        limit: args.limit.unwrap_or(DEFAULT_LIMIT) as usize,
    };
    forecast::forecast(conn, now, &q)
}
