//! The vocabulary of notification rules and what each trigger allows: the triggers
//! (DOMAIN.md section 4), timings, offset units and recipients, and the catalog the rule
//! editor, the CLI and the rules files take the allowed timings and recipients from.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

macro_rules! str_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $s:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $v),* }
        impl $name {
            /// Every value, in the order the UI lists them.
            pub const ALL: &'static [$name] = &[$($name::$v),*];
            /// The value as stored and as written on the command line.
            pub fn as_str(self) -> &'static str { match self { $($name::$v => $s),* } }
            /// Parses the stored spelling.
            ///
            /// # Errors
            /// [`Error::Invalid`] for any other text.
            pub fn parse(s: &str) -> Result<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| {
                    Error::invalid(stringify!($name), format!("unknown value '{s}'"))
                })
            }
        }
    };
}

str_enum! {
    /// What a rule reacts to (DOMAIN.md section 4).
    Trigger {
        Assigned = "assigned",
        Completed = "completed",
        CourseSetCompleted = "course_set_completed",
        CourseSetDue = "course_set_due",
        DueDate = "due_date",
        Exception = "exception",
        Unassigned = "unassigned",
        Expiry = "expiry",
        FailedRecertify = "failed_recertify",
        WindowOpen = "window_open",
    }
}

str_enum! {
    /// When a rule sends, relative to its event instant.
    Timing { On = "on", Before = "before", After = "after" }
}

str_enum! {
    /// The unit of a rule's offset; calendar-aware in the recipient's time zone.
    OffsetUnit { Day = "day", Week = "week", Month = "month" }
}

str_enum! {
    /// Who receives a rule's messages.
    Recipients { Learner = "learner", Managers = "managers", Both = "both", Admins = "admins" }
}

str_enum! {
    /// Whether, and from when, a rule's manager copies also go to the learner's managers'
    /// managers (second level, through the manager links).
    #[derive(Default)]
    Escalation {
        #[default]
        None = "none",
        Always = "always",
        AfterOverdue = "after_overdue",
        AfterRepeat = "after_repeat",
    }
}

impl Trigger {
    /// The timings this trigger allows.
    pub fn timings(self) -> &'static [Timing] {
        use Timing::*;
        match self {
            Trigger::Assigned
            | Trigger::Exception
            | Trigger::Unassigned
            | Trigger::FailedRecertify => &[On],
            Trigger::Completed | Trigger::CourseSetCompleted => &[On, After],
            Trigger::CourseSetDue | Trigger::DueDate | Trigger::WindowOpen => &[Before, On, After],
            Trigger::Expiry => &[Before],
        }
    }

    /// Whether a rule on this trigger may repeat until the learner is done: the due dates
    /// and the expiry date, whose condition stops holding when the learner completes or
    /// recertifies.
    pub fn repeats(self) -> bool {
        matches!(
            self,
            Trigger::DueDate | Trigger::CourseSetDue | Trigger::Expiry
        )
    }

    /// Whether the trigger has a date a learner can be overdue on (escalation "after N days
    /// overdue").
    pub fn overdue(self) -> bool {
        matches!(self, Trigger::DueDate | Trigger::CourseSetDue)
    }

    /// Whether the trigger exists only for certifications.
    pub fn certification_only(self) -> bool {
        matches!(
            self,
            Trigger::Expiry | Trigger::FailedRecertify | Trigger::WindowOpen
        )
    }

    /// Who may receive this trigger's messages: exception alerts go to the site
    /// administrators and only they do; every other trigger to the learner, their managers
    /// or both.
    pub fn recipients(self) -> &'static [Recipients] {
        match self {
            Trigger::Exception => &[Recipients::Admins],
            _ => &[Recipients::Learner, Recipients::Managers, Recipients::Both],
        }
    }
}

/// What the rule editor may offer for one trigger: its timings and recipients, and whether
/// it exists only for certifications. The UI takes these from here, never from a copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct TriggerInfo {
    pub trigger: Trigger,
    pub timings: Vec<Timing>,
    pub recipients: Vec<Recipients>,
    pub certification_only: bool,
    /// Whether a rule on it may repeat ("every N days, at most M times").
    pub repeats: bool,
    /// Whether "escalate after N days overdue" applies.
    pub overdue: bool,
}

/// Every trigger, in the order the editor lists them, with what it allows.
pub fn trigger_catalog() -> Vec<TriggerInfo> {
    Trigger::ALL
        .iter()
        .map(|&t| TriggerInfo {
            trigger: t,
            timings: t.timings().to_vec(),
            recipients: t.recipients().to_vec(),
            certification_only: t.certification_only(),
            repeats: t.repeats(),
            overdue: t.overdue(),
        })
        .collect()
}
