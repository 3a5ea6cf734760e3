//! The explainer's reason codes and their sentences, mapped from the selection's own
//! decisions: the reason code a one-membership candidate row carries
//! (`candidate_query::filtered`), a candidate's outcome, and the skip and failure reasons
//! the runs wrote in the message log (the constants of `select.rs` and `catch_up.rs`).

use serde::Serialize;

use super::catch_up::horizon_reason;
use super::explain::{rfc, Logged};
use super::rule::{Recipients, Rule, Timing, Trigger};
use super::select::{
    Outcome, FAIL_NO_ADDRESS, SKIP_EVENT_PASSED, SKIP_NO_MANAGER, SKIP_NO_SECOND_MANAGER,
};

/// Why a rule sent, will send, or did not send: the code the UI and scripts branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ReasonKind {
    /// Sent (the last message of the rule about this membership).
    Sent,
    /// The next message goes at `at`.
    Scheduled,
    /// Due now: the next run queues it.
    DueNow,
    /// Queued, waiting in the outbox to be sent.
    Queued,
    /// The rule is disabled.
    Disabled,
    /// Due before the rule took effect (created or retimed later) and not backfilled.
    NotBackfilled,
    /// The learner is suspended.
    Suspended,
    /// An exception on the membership is raised and not yet handled.
    ExceptionRaised,
    /// The membership's exception was dismissed.
    ExceptionDismissed,
    /// The membership's exception was resolved as not assigned.
    ExceptionNotAssigned,
    /// The learner was unassigned from the program.
    Unassigned,
    /// The membership is inactive.
    Inactive,
    /// The learner already completed (due date and course set reminders).
    AlreadyComplete,
    /// The membership is no longer in the state the rule is about (expiry, window open).
    ConditionNotMet,
    /// The rule's event has not happened (no due date, not completed ...).
    NoEvent,
    /// A manager copy, but the learner has no manager.
    NoManager,
    /// An escalation copy, but the learner's managers have no manager.
    NoSecondManager,
    /// The recipient has no email address.
    NoAddress,
    /// The reminder came due after its event had passed.
    EventPassed,
    /// Older than the catch-up horizon: logged as skipped, never sent.
    OutsideHorizon,
    /// Due, but held by the send window until `at`.
    Held,
    /// Delivery failed; the sentence gives the server's reply.
    DeliveryFailed,
    /// Skipped for another reason (given in the sentence).
    Skipped,
}

/// One reason, with its instant and the words after "Why:".
pub(super) struct Reason {
    pub kind: ReasonKind,
    pub at: Option<i64>,
    pub words: String,
}

impl Reason {
    pub(super) fn new(kind: ReasonKind, at: Option<i64>, words: String) -> Self {
        Reason { kind, at, words }
    }

    /// The sentence: what happened or will happen, with the last send when the reason is
    /// about something else.
    pub(super) fn sentence(&self, last_sent: Option<i64>) -> String {
        let at = self.at.map(when).unwrap_or_default();
        let main = match self.kind {
            ReasonKind::Sent => format!("Sent on {at}."),
            ReasonKind::Scheduled => format!("Scheduled for {at} ({}).", self.words),
            ReasonKind::Held => format!("Held by the send window until {at}."),
            ReasonKind::Queued => format!("Queued on {at}, waiting to be sent."),
            ReasonKind::DueNow if self.at.is_some() => {
                format!("Due since {at}: {}.", self.words)
            }
            ReasonKind::DeliveryFailed => format!("Delivery failed on {at}: {}.", self.words),
            ReasonKind::NotBackfilled => format!("Not sent: {} (due {at}).", self.words),
            _ => format!("Not sent: {}.", self.words),
        };
        match last_sent.filter(|_| self.kind != ReasonKind::Sent) {
            Some(s) => format!("Last sent on {}. {main}", when(s)),
            None => main,
        }
    }
}

/// An instant as people read it in a sentence (UTC).
fn when(s: i64) -> String {
    jiff::Timestamp::from_second(s)
        .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|_| rfc(s))
}

/// The reason code of a row the run filters out in SQL.
/// The trigger's condition no longer holding means, for a due date or course set due
/// reminder, that the learner already completed.
pub(super) fn from_filter(why: &str, trigger: Trigger) -> Reason {
    let (kind, words) = match why {
        "suspended" => (ReasonKind::Suspended, "the learner is suspended"),
        "exception_raised" => (
            ReasonKind::ExceptionRaised,
            "an exception is raised on this membership and not yet handled",
        ),
        "exception_dismissed" => (
            ReasonKind::ExceptionDismissed,
            "the membership's exception was dismissed",
        ),
        "exception_not_assigned" => (
            ReasonKind::ExceptionNotAssigned,
            "the membership's exception was resolved as not assigned",
        ),
        "unassigned" => (
            ReasonKind::Unassigned,
            "the learner was unassigned from the program",
        ),
        "inactive" => (ReasonKind::Inactive, "the membership is inactive"),
        _ if matches!(trigger, Trigger::DueDate | Trigger::CourseSetDue) => (
            ReasonKind::AlreadyComplete,
            "the learner already completed what this reminder is about",
        ),
        _ => (
            ReasonKind::ConditionNotMet,
            "the membership is no longer in the state this rule is about",
        ),
    };
    Reason::new(kind, None, words.into())
}

/// A skip or failure reason (as logged, or as a candidate's outcome) as a reason code.
fn from_text(text: &str) -> ReasonKind {
    let horizon = horizon_reason(0);
    let horizon = horizon.trim_end_matches("0 days");
    match text {
        SKIP_EVENT_PASSED => ReasonKind::EventPassed,
        SKIP_NO_MANAGER => ReasonKind::NoManager,
        SKIP_NO_SECOND_MANAGER => ReasonKind::NoSecondManager,
        FAIL_NO_ADDRESS => ReasonKind::NoAddress,
        t if t.starts_with(horizon) => ReasonKind::OutsideHorizon,
        _ => ReasonKind::Skipped,
    }
}

/// The last line of the message log as a reason.
pub(super) fn from_log(l: &Logged) -> Reason {
    let to = format!("to the {}", l.recipient_kind);
    match l.state.as_str() {
        "sent" => Reason::new(ReasonKind::Sent, Some(l.at), to),
        "queued" | "sending" => Reason::new(ReasonKind::Queued, Some(l.at), to),
        "failed" if l.reply.is_some() => Reason::new(
            ReasonKind::DeliveryFailed,
            Some(l.at),
            format!(
                "the server replied \"{}\"",
                l.reply.clone().unwrap_or_default()
            ),
        ),
        _ => {
            let why = l.reason.clone().unwrap_or_default();
            Reason::new(from_text(&why), Some(l.at), format!("{why} ({to})"))
        }
    }
}

/// A message the run will log as skipped or failed, or never read, as a reason.
pub(super) fn from_outcome(recipient: &str, at: i64, o: Outcome) -> Reason {
    match o {
        Outcome::Skip(why) | Outcome::Fail(why) => Reason::new(
            from_text(why),
            Some(at),
            format!("{why} (to the {recipient})"),
        ),
        Outcome::TooOld => Reason::new(
            ReasonKind::OutsideHorizon,
            Some(at),
            "it came due before the catch-up horizon".into(),
        ),
        Outcome::Send | Outcome::Digest => Reason::new(
            ReasonKind::DueNow,
            Some(at),
            "the next run queues it".into(),
        ),
    }
}

/// A rule in words: "due_date, 7 days before, to the learner and managers".
pub(super) fn describe(rule: &Rule) -> String {
    let i = &rule.input;
    let when = match i.timing {
        Timing::On => "on the day".to_string(),
        t => format!(
            "{} {}{} {}",
            i.offset_amount,
            i.offset_unit.as_str(),
            if i.offset_amount == 1 { "" } else { "s" },
            t.as_str()
        ),
    };
    let to = match i.recipients {
        Recipients::Learner => "to the learner",
        Recipients::Managers => "to the managers",
        Recipients::Both => "to the learner and managers",
        Recipients::Admins => "to the site administrators",
    };
    format!("{}, {when}, {to}", i.trigger.as_str().replace('_', " "))
}
