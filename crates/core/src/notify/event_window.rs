//! The event instants a group of rules reads (issue 12): the window of event instants whose
//! send instants may fall in a run's range, for each recipient kind, and the recipient kinds
//! a group sends to.

use super::candidate_query::Kind;
use super::repeat;
use super::rule::{Escalation, OffsetUnit, Recipients, Rule, Timing, Trigger};
use super::send_time::{is_dated, LEARNER_SLACK_SECS, ZONE_SLACK_SECS};

fn unit_secs(unit: OffsetUnit) -> (i64, i64) {
    match unit {
        OffsetUnit::Day => (86_400, 86_400),
        OffsetUnit::Week => (7 * 86_400, 7 * 86_400),
        OffsetUnit::Month => (28 * 86_400, 31 * 86_400),
    }
}

/// The event instants `[elo, ehi]` whose send instants for recipient kind `kind` may lie in
/// `[lo, hi]` for some rule of the group (`None` for an empty group).
/// `hold` is the longest the send window can hold a message: a send instant that far before
/// `lo` may be released in range.
pub(super) fn group_window(
    group: &[(&Rule, i64)],
    kind: Kind,
    hi: i64,
    hold: i64,
) -> Option<(i64, i64)> {
    let ((first, _), lo) = group.first().zip(group.iter().map(|(_, lo)| *lo).min())?;
    let lo = lo.saturating_sub(hold);
    let i = &first.input;
    // A learner's copy goes at the send time in the learner's own zone: no zone difference.
    let slack = if kind == Kind::Learner {
        LEARNER_SLACK_SECS
    } else {
        ZONE_SLACK_SECS
    };
    // A repeat's first message goes up to M×N days before it (repeat.rs).
    let (elo, ehi) = event_window(
        (i.trigger, i.timing, i.offset_unit),
        i64::from(i.offset_amount),
        lo.saturating_sub(repeat::lookback_secs(i)),
        hi,
        slack,
    );
    Some((elo, ehi))
}

/// The event instants `[elo, ehi]` a group reads for all its recipient kinds at once (one
/// query reads each row once for every kind): the union of each kind's [`group_window`].
/// `None` for a group without recipients.
pub(super) fn all_kinds_window(group: &[(&Rule, i64)], hi: i64, hold: i64) -> Option<(i64, i64)> {
    recipient_kinds(group)
        .into_iter()
        .filter_map(|k| group_window(group, k, hi, hold))
        .reduce(|(a, b), (c, d)| (a.min(c), b.max(d)))
}

/// The recipient kinds a group sends to: the learner, each manager, and each manager's
/// manager for an escalating rule.
pub(super) fn recipient_kinds(group: &[(&Rule, i64)]) -> Vec<Kind> {
    let Some((first, _)) = group.first() else {
        return Vec::new();
    };
    let i = &first.input;
    let mut kinds = match i.recipients {
        Recipients::Learner => vec![Kind::Learner],
        Recipients::Managers => vec![Kind::Manager],
        Recipients::Both => vec![Kind::Learner, Kind::Manager],
        Recipients::Admins => Vec::new(),
    };
    if i.escalation != Escalation::None && kinds.contains(&Kind::Manager) {
        kinds.push(Kind::Second);
    }
    kinds
}

/// The event-instant window that holds every send instant in `[lo, hi]`, for an offset of
/// `n` units (a month is 28 to 31 days). "On" an event goes at the event instant; any other
/// send instant lies on a local day at the send time in the recipient's zone, up to `slack`
/// away from the event instant moved by the offset ([`ZONE_SLACK_SECS`], or
/// [`LEARNER_SLACK_SECS`] for the learner's own copy).
fn event_window(
    (trigger, timing, unit): (Trigger, Timing, OffsetUnit),
    n: i64,
    lo: i64,
    hi: i64,
    slack: i64,
) -> (i64, i64) {
    let (umin, umax) = unit_secs(unit);
    match timing {
        Timing::On if !is_dated(trigger) => (lo, hi),
        Timing::On => (lo.saturating_sub(slack), hi.saturating_add(slack)),
        Timing::Before => (
            lo.saturating_add(n * umin - slack),
            hi.saturating_add(n * umax + slack),
        ),
        Timing::After => (
            lo.saturating_sub(n * umax + slack),
            hi.saturating_sub(n * umin - slack),
        ),
    }
}
