//! The fields of a rule on the command line (`rules add` and `rules edit`): trigger, timing,
//! offset, recipients, subjects and bodies (given inline or read from a file).

use std::path::PathBuf;

use certdesk_core::notify::rule::DigestFrequency;
use certdesk_core::notify::{Escalation, OffsetUnit, Recipients, RuleInput, Timing, Trigger};
use clap::builder::PossibleValuesParser;

fn values<T: Copy>(all: &[T], f: fn(T) -> &'static str) -> PossibleValuesParser {
    PossibleValuesParser::new(all.iter().map(|v| f(*v)))
}

/// The fields of a rule on the command line; for `edit`, the ones given replace the rule's.
#[derive(clap::Args, Debug, Default)]
pub struct Fields {
    /// What the rule reacts to.
    #[arg(long, value_parser = values(Trigger::ALL, Trigger::as_str))]
    trigger: Option<String>,
    /// When it sends, relative to the trigger's instant (`rules triggers` lists the allowed).
    #[arg(long, value_parser = values(Timing::ALL, Timing::as_str))]
    timing: Option<String>,
    /// How many units before or after (none with `--timing on`).
    #[arg(long)]
    offset: Option<u32>,
    #[arg(long, value_parser = values(OffsetUnit::ALL, OffsetUnit::as_str))]
    unit: Option<String>,
    /// Who receives it (default: the learner; the site administrators for `exception`).
    #[arg(long, value_parser = values(Recipients::ALL, Recipients::as_str))]
    recipients: Option<String>,
    #[arg(long)]
    learner_subject: Option<String>,
    #[arg(long, conflicts_with = "learner_body_file")]
    learner_body: Option<String>,
    /// Read the learner's (or the administrators') body from this file.
    #[arg(long, value_name = "FILE")]
    learner_body_file: Option<PathBuf>,
    #[arg(long)]
    manager_subject: Option<String>,
    #[arg(long, conflicts_with = "manager_body_file")]
    manager_body: Option<String>,
    /// Read the managers' body from this file.
    #[arg(long, value_name = "FILE")]
    manager_body_file: Option<PathBuf>,
    /// Manager copies one by one (`none`), or in a daily or weekly digest per manager.
    #[arg(long, value_parser = values(DigestFrequency::ALL, DigestFrequency::as_str))]
    digest: Option<String>,
    /// The weekday of a weekly digest: 1 (Monday) to 7 (Sunday).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=7))]
    digest_weekday: Option<u8>,
    /// Repeat every this many days until the learner is done (0: no repeat); due date,
    /// course set due and expiry rules.
    #[arg(long, value_name = "DAYS")]
    repeat_every: Option<u32>,
    /// At most this many repeats after the first message.
    #[arg(long, value_name = "N")]
    repeat_max: Option<u32>,
    /// Copy the learner's managers' managers: always, after N days overdue, or from the
    /// N-th repeat (N is --escalate-after).
    #[arg(long, value_parser = values(Escalation::ALL, Escalation::as_str))]
    escalation: Option<String>,
    /// The days overdue or the repeat number the escalation starts at.
    #[arg(long, value_name = "N")]
    escalate_after: Option<u32>,
    /// Send at its instant even outside the send window (`--send-at-once false` to undo).
    #[arg(long, num_args = 0..=1, default_missing_value = "true", value_name = "BOOL")]
    send_at_once: Option<bool>,
}

fn body(text: Option<String>, file: Option<PathBuf>) -> anyhow::Result<Option<String>> {
    Ok(match (text, file) {
        (Some(t), _) => Some(t),
        (None, Some(f)) => Some(
            std::fs::read_to_string(&f)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", f.display()))?,
        ),
        (None, None) => None,
    })
}

impl Fields {
    /// `base` with the fields given replaced.
    pub(super) fn apply(self, mut base: RuleInput) -> anyhow::Result<RuleInput> {
        if let Some(t) = &self.trigger {
            base.trigger = Trigger::parse(t)?;
        }
        if let Some(t) = &self.timing {
            base.timing = Timing::parse(t)?;
        }
        if let Some(n) = self.offset {
            base.offset_amount = n;
        } else if self.timing.as_deref() == Some("on") {
            base.offset_amount = 0;
        }
        if let Some(u) = &self.unit {
            base.offset_unit = OffsetUnit::parse(u)?;
        }
        if let Some(r) = &self.recipients {
            base.recipients = Recipients::parse(r)?;
        } else if self.trigger.is_some() && !base.trigger.recipients().contains(&base.recipients) {
            base.recipients = base.trigger.recipients()[0];
        }
        self.apply_follow_up(&mut base)?;
        let texts = [
            (self.learner_subject, None, &mut base.learner_subject),
            (
                self.learner_body,
                self.learner_body_file,
                &mut base.learner_body,
            ),
            (self.manager_subject, None, &mut base.manager_subject),
            (
                self.manager_body,
                self.manager_body_file,
                &mut base.manager_body,
            ),
        ];
        for (text, file, field) in texts {
            if let Some(t) = body(text, file)? {
                *field = t;
            }
        }
        Ok(base)
    }

    /// The repeats, escalation, "send at once" and digest given.
    fn apply_follow_up(&self, base: &mut RuleInput) -> anyhow::Result<()> {
        if let Some(n) = self.repeat_every {
            base.repeat_every_days = n;
            if n == 0 && self.repeat_max.is_none() {
                base.repeat_max = 0;
            }
        }
        if let Some(n) = self.repeat_max {
            base.repeat_max = n;
        }
        if let Some(e) = &self.escalation {
            base.escalation = Escalation::parse(e)?;
            if self.escalate_after.is_none()
                && matches!(base.escalation, Escalation::None | Escalation::Always)
            {
                base.escalate_after = 0;
            }
        }
        if let Some(n) = self.escalate_after {
            base.escalate_after = n;
        }
        if let Some(b) = self.send_at_once {
            base.send_at_once = b;
        }
        if let Some(d) = &self.digest {
            base.digest.frequency = DigestFrequency::parse(d)?;
            if base.digest.frequency != DigestFrequency::Weekly {
                base.digest.weekday = None;
            }
        }
        if self.digest_weekday.is_some() {
            base.digest.weekday = self.digest_weekday;
        }
        Ok(())
    }
}

/// A rule from `add`'s fields: the trigger and timing are required, the recipients default
/// to the first the trigger allows.
pub(super) fn new_rule(fields: Fields, enabled: bool) -> anyhow::Result<RuleInput> {
    let (Some(trigger), Some(timing)) = (&fields.trigger, &fields.timing) else {
        anyhow::bail!("a new rule needs --trigger and --timing (see: certdesk-cli rules triggers)");
    };
    let trigger = Trigger::parse(trigger)?;
    let base = RuleInput {
        trigger,
        timing: Timing::parse(timing)?,
        offset_amount: 0,
        offset_unit: OffsetUnit::Day,
        recipients: trigger.recipients()[0],
        learner_subject: String::new(),
        learner_body: String::new(),
        manager_subject: String::new(),
        manager_body: String::new(),
        enabled,
        digest: Default::default(),
        repeat_every_days: 0,
        repeat_max: 0,
        escalation: Escalation::None,
        escalate_after: 0,
        send_at_once: false,
    };
    fields.apply(base)
}
