//! Program due-date rules: none, a fixed date, or a period after an event (the assignment,
//! the completion of another program, or a dated profile field), evaluated in the learner's
//! time zone.

use jiff::tz::TimeZone;

use crate::program::period::Period;
use crate::time::{day_start, end_of_day, local_day};
use crate::Result;

/// What a relative due date counts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DueEvent {
    /// The moment the learner was assigned (through this source).
    Assignment,
    /// The learner's completion of another program (its id).
    ProgramCompletion { program_id: i64 },
    /// A dated profile field of the learner (e.g. `hire_date`), at the start of that day in
    /// the learner's time zone.
    ProfileField { field: String },
}

/// A program's due-date rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DueRule {
    None,
    /// Due at this instant (unix seconds).
    Fixed {
        at: i64,
    },
    /// Due `period` after `event`.
    After {
        period: Period,
        event: DueEvent,
    },
}

/// What a rule gives for one learner and source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// No due date.
    None,
    /// Due at this instant.
    At(i64),
    /// The rule is relative and the learner has no date for its event.
    Unknown,
}

/// The facts about one learner a rule may need.
pub struct DueFacts<'a> {
    pub zone: &'a TimeZone,
    /// When this source assigned the learner.
    pub assigned_at: i64,
    /// When the learner completed the program the rule names, if they did.
    pub program_completed_at: Option<i64>,
    /// The value of the profile field the rule names, if the learner has one.
    pub profile_date: Option<&'a str>,
}

impl DueRule {
    /// Reads a rule from the columns `due_rule, due_fixed_at, due_amount, due_unit, due_event,
    /// due_event_program_id, due_event_field` starting at `at`.
    pub(crate) fn from_row(r: &rusqlite::Row<'_>, at: usize) -> Result<DueRule> {
        let rule: String = r.get(at)?;
        Ok(match rule.as_str() {
            "fixed" => DueRule::Fixed {
                at: r.get::<_, Option<i64>>(at + 1)?.unwrap_or(0),
            },
            "relative" => {
                let amount: i64 = r.get::<_, Option<i64>>(at + 2)?.unwrap_or(0);
                let unit: String = r.get::<_, Option<String>>(at + 3)?.unwrap_or_default();
                let event: String = r.get::<_, Option<String>>(at + 4)?.unwrap_or_default();
                let event = match event.as_str() {
                    "program_completion" => DueEvent::ProgramCompletion {
                        program_id: r.get::<_, Option<i64>>(at + 5)?.unwrap_or(0),
                    },
                    "profile_field" => DueEvent::ProfileField {
                        field: r.get::<_, Option<String>>(at + 6)?.unwrap_or_default(),
                    },
                    _ => DueEvent::Assignment,
                };
                DueRule::After {
                    period: Period::from_store(amount, &unit)?,
                    event,
                }
            }
            _ => DueRule::None,
        })
    }

    /// Whether the rule counts from an event.
    pub fn is_relative(&self) -> bool {
        matches!(self, DueRule::After { .. })
    }

    /// The due date this rule gives a learner.
    ///
    /// # Errors
    /// Only for dates out of jiff's range or a malformed stored profile date.
    pub fn evaluate(&self, facts: &DueFacts<'_>) -> Result<Due> {
        match self {
            DueRule::None => Ok(Due::None),
            // Stored as the end of the date in UTC: the same date, in the learner's zone.
            DueRule::Fixed { at } => {
                let date = local_day(*at, &TimeZone::UTC)?;
                Ok(Due::At(end_of_day(date, facts.zone)?))
            }
            DueRule::After { period, event } => {
                let from = match event {
                    DueEvent::Assignment => Some(facts.assigned_at),
                    DueEvent::ProgramCompletion { .. } => facts.program_completed_at,
                    DueEvent::ProfileField { .. } => match facts.profile_date {
                        Some(d) => Some(start_of_day(d, facts.zone)?),
                        None => None,
                    },
                };
                match from {
                    // A due date is a local calendar day: the whole of it (DOMAIN.md 3).
                    Some(t) => {
                        let at = period.add_secs(t, facts.zone, 1)?;
                        Ok(Due::At(end_of_day(local_day(at, facts.zone)?, facts.zone)?))
                    }
                    None => Ok(Due::Unknown),
                }
            }
        }
    }

    /// The rule in words, for exception details and reports.
    pub fn describe(&self, program_name: impl Fn(i64) -> String) -> String {
        match self {
            DueRule::None => "no due date".into(),
            DueRule::Fixed { .. } => "a fixed due date".into(),
            DueRule::After { period, event } => match event {
                DueEvent::Assignment => format!("{period} after assignment"),
                DueEvent::ProgramCompletion { program_id } => {
                    format!("{period} after completing {}", program_name(*program_id))
                }
                DueEvent::ProfileField { field } => format!("{period} after the {field} date"),
            },
        }
    }
}

/// The first instant of calendar date `date` (YYYY-MM-DD) in `zone`.
pub fn start_of_day(date: &str, zone: &TimeZone) -> Result<i64> {
    day_start(crate::time::parse_date(date)?, zone)
}
