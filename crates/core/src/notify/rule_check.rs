//! What a rule may be: the checks of a [`RuleInput`] (timing against the trigger, offsets,
//! recipients, repeats and escalation, digests, every template) before it is stored.

use super::rule::{Escalation, Recipients, RuleInput, Timing};
use super::template::validate_template;
use crate::mail::message::check_header;
use crate::{Error, Result};

impl RuleInput {
    /// Checks the timing against the trigger, the recipients, and every template.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the field, or [`Error::UnknownPlaceholder`] naming the
    /// placeholder.
    pub fn validate(&self, program_kind: &str) -> Result<()> {
        let t = self.trigger;
        if t.certification_only() && program_kind != "certification" {
            return Err(Error::invalid(
                "trigger",
                format!("'{}' applies to certifications only", t.as_str()),
            ));
        }
        if !t.timings().contains(&self.timing) {
            let allowed: Vec<&str> = t.timings().iter().map(|x| x.as_str()).collect();
            return Err(Error::invalid(
                "timing",
                format!(
                    "'{}' is not allowed for '{}' (allowed: {})",
                    self.timing.as_str(),
                    t.as_str(),
                    allowed.join(", ")
                ),
            ));
        }
        match (self.timing, self.offset_amount) {
            (Timing::On, 0) => {}
            (Timing::On, _) => {
                return Err(Error::invalid("offset", "a rule sent 'on' has no offset"))
            }
            (_, 0) => {
                return Err(Error::invalid(
                    "offset",
                    "before/after needs an offset of 1 or more",
                ))
            }
            (_, n) if n > 1000 => return Err(Error::invalid("offset", "at most 1000")),
            _ => {}
        }
        if !t.recipients().contains(&self.recipients) {
            return Err(Error::invalid(
                "recipients",
                "exception alerts go to the site administrators, and only they do",
            ));
        }
        self.validate_follow_up()?;
        let learner = matches!(
            self.recipients,
            Recipients::Learner | Recipients::Both | Recipients::Admins
        );
        let manager = matches!(self.recipients, Recipients::Managers | Recipients::Both);
        for (field, text, needed) in [
            ("learner subject", &self.learner_subject, learner),
            ("learner body", &self.learner_body, learner),
            ("manager subject", &self.manager_subject, manager),
            ("manager body", &self.manager_body, manager),
        ] {
            validate_template(field, text)?;
            if field.ends_with("subject") {
                check_header(field, text, SUBJECT_MAX)?;
            }
            if needed && field.ends_with("subject") && text.trim().is_empty() {
                return Err(Error::invalid(field, "must not be empty"));
            }
        }
        self.digest.validate(manager)
    }
}

impl RuleInput {
    /// Checks the repeats and the escalation against the trigger and the recipients.
    fn validate_follow_up(&self) -> Result<()> {
        let t = self.trigger;
        match (self.repeat_every_days, self.repeat_max) {
            (0, 0) => {}
            (0, _) => {
                return Err(Error::invalid(
                    "repeat every",
                    "repeats need an interval of 1 day or more",
                ))
            }
            _ if !t.repeats() => {
                return Err(Error::invalid(
                    "repeat every",
                    format!(
                        "'{}' rules do not repeat (due date, course set due and expiry do)",
                        t.as_str()
                    ),
                ))
            }
            (n, _) if n > REPEAT_EVERY_MAX => {
                return Err(Error::invalid(
                    "repeat every",
                    format!("at most {REPEAT_EVERY_MAX} days"),
                ))
            }
            (_, m) if m == 0 || m > REPEATS_MAX => {
                return Err(Error::invalid(
                    "repeat max",
                    format!("a repeating rule repeats 1 to {REPEATS_MAX} times"),
                ))
            }
            _ => {}
        }
        let managers = matches!(self.recipients, Recipients::Managers | Recipients::Both);
        let after = self.escalate_after;
        match self.escalation {
            Escalation::None | Escalation::Always if after != 0 => Err(Error::invalid(
                "escalate after",
                "only with 'after_overdue' or 'after_repeat'",
            )),
            Escalation::None => Ok(()),
            _ if !managers => Err(Error::invalid(
                "escalation",
                "escalation copies the managers' managers: send the rule to managers or both",
            )),
            Escalation::AfterOverdue if !t.overdue() => Err(Error::invalid(
                "escalation",
                "'after_overdue' needs a due date or course set due rule",
            )),
            Escalation::AfterOverdue if after == 0 || after > REPEAT_EVERY_MAX * REPEATS_MAX => {
                Err(Error::invalid("escalate after", "1 or more days overdue"))
            }
            Escalation::AfterRepeat if after == 0 || after > self.repeat_max => {
                Err(Error::invalid(
                    "escalate after",
                    format!(
                        "a repeat number from 1 to the rule's repeats ({})",
                        self.repeat_max
                    ),
                ))
            }
            _ => Ok(()),
        }
    }
}

/// The longest interval between repeats, in days.
pub const REPEAT_EVERY_MAX: u32 = 365;
/// The most repeats of one message.
pub const REPEATS_MAX: u32 = 52;

/// The longest subject template, in characters (a subject is one header line).
pub const SUBJECT_MAX: usize = 500;
