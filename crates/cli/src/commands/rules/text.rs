//! How `rules` subcommands print a rule without `--json`: one line in a list, the details
//! with its texts, what a save did, and the trigger catalog.

use certdesk_core::notify::next_sends::NextSend;
use certdesk_core::notify::rule_edit::SavedRule;
use certdesk_core::notify::{Escalation, Rule, RuleInput, Timing, TriggerInfo};

fn when(i: &RuleInput) -> String {
    match i.timing {
        Timing::On => "on".to_string(),
        t => format!(
            "{} {} {}",
            i.offset_amount,
            i.offset_unit.as_str(),
            t.as_str()
        ),
    }
}

fn digest(i: &RuleInput) -> String {
    match i.digest.weekday {
        Some(d) => {
            const DAYS: [&str; 7] = [
                "Monday",
                "Tuesday",
                "Wednesday",
                "Thursday",
                "Friday",
                "Saturday",
                "Sunday",
            ];
            let day = usize::from(d)
                .checked_sub(1)
                .and_then(|k| DAYS.get(k))
                .map_or_else(|| format!("weekday {d}"), |s| (*s).to_string());
            format!("{} digest on {day}s", i.digest.frequency.as_str())
        }
        None => format!("{} digest", i.digest.frequency.as_str()),
    }
}

pub(super) fn line(r: &Rule) -> String {
    let i = &r.input;
    format!(
        "{:>4}  {:<20} {:<14} {:<8} {}  {}",
        r.id,
        i.trigger.as_str(),
        when(i),
        i.recipients.as_str(),
        if i.enabled { "on " } else { "off" },
        i.learner_subject
    )
}

pub(super) fn details(r: &Rule) -> String {
    let i = &r.input;
    let mut s = format!(
        "rule {}: {} {}, to {}, {}\neffective from {}\n",
        r.id,
        i.trigger.as_str(),
        when(i),
        i.recipients.as_str(),
        if i.enabled { "enabled" } else { "disabled" },
        r.effective_from
    );
    if i.repeat_every_days > 0 {
        s.push_str(&format!(
            "repeats every {} days, at most {} times\n",
            i.repeat_every_days, i.repeat_max
        ));
    }
    match i.escalation {
        Escalation::None => {}
        Escalation::Always => s.push_str("escalates to the managers' managers\n"),
        Escalation::AfterOverdue => s.push_str(&format!(
            "escalates to the managers' managers after {} days overdue\n",
            i.escalate_after
        )),
        Escalation::AfterRepeat => s.push_str(&format!(
            "escalates to the managers' managers from repeat {}\n",
            i.escalate_after
        )),
    }
    if i.send_at_once {
        s.push_str("sent at once (outside the send window)\n");
    }
    if i.digest.frequency.is_on() {
        s.push_str(&format!("manager copies: {}\n", digest(i)));
    }
    for (who, subject, body) in [
        ("learner", &i.learner_subject, &i.learner_body),
        ("manager", &i.manager_subject, &i.manager_body),
    ] {
        if !subject.is_empty() || !body.is_empty() {
            s.push_str(&format!("\n[{who}] {subject}\n{body}\n"));
        }
    }
    s.trim_end().to_string()
}

pub(super) fn saved_text(what: &str, s: &SavedRule) -> String {
    let mut t = format!("rule {} {what}: {}", s.rule.id, line(&s.rule).trim_start());
    if s.backfill > 0 {
        t.push_str(&format!(
            "\n{} past messages would be sent by a backfill: certdesk-cli rules backfill {} --yes",
            s.backfill, s.rule.id
        ));
    }
    t
}

/// A rule's next messages, one a line: when, to whom, which reminder.
pub(super) fn next_sends(next: &[NextSend]) -> String {
    if next.is_empty() {
        return "no message due in the next 400 days".to_string();
    }
    next.iter()
        .map(|n| {
            format!(
                "{}  {:<8} {} ({}), reminder {}",
                n.at, n.recipient_kind, n.email, n.learner, n.reminder_no
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The trigger catalog, one trigger a line with the timings and recipients it allows.
pub(super) fn triggers(all: &[TriggerInfo]) -> String {
    all.iter()
        .map(|t| {
            let words = |v: Vec<&str>| v.join("|");
            format!(
                "{:<22} timing {:<16} recipients {}{}",
                t.trigger.as_str(),
                words(t.timings.iter().map(|x| x.as_str()).collect()),
                words(t.recipients.iter().map(|x| x.as_str()).collect()),
                if t.certification_only {
                    "  (certifications only)"
                } else {
                    ""
                }
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}
