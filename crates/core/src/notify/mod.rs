//! Notifications (DOMAIN.md sections 4 and 6): the rules that say what is sent and when,
//! the templates, the set-based selection that queues every due message during
//! [`crate::scheduler::run`], the durable outbox, the SMTP sender, its settings, and the
//! message log.
//!
//! The two calls a client makes on its timer are [`enqueue_due`] (inside `run(now)`, one
//! transaction) and [`send_due`] (deliver what the outbox holds). Both are safe to run from
//! several processes at once: the dedup key makes queueing idempotent, and a message is
//! claimed under a lease in a `BEGIN IMMEDIATE` transaction before it is sent.

mod alert;
pub mod log;
pub mod mailer;
pub mod outbox;
pub mod rule;
pub mod select;
pub mod smtp_settings;
pub mod template;
pub mod test_message;

pub use log::{list_messages, resend, LogEntry, LogFilter, LogPage};
pub use mailer::{send_due, send_now, test_send, SendOptions, SendSummary};
pub use outbox::{pause, queue_status, resume, QueueStatus};
pub use rule::{
    backfill, backfill_count, create_default_rules, create_rule, delete_rule, get_rule, list_rules,
    update_rule, OffsetUnit, Recipients, Rule, RuleInput, Timing, Trigger,
};
pub use select::{enqueue_due, EnqueueSummary};
pub use smtp_settings::{
    load_password, load_settings, save_password, save_settings, PasswordStore, Security,
    SmtpSettings,
};
pub use template::{preview, validate_template, Preview, Rendered, PLACEHOLDERS};
pub use test_message::send_rule_test;

use serde::Serialize;

use crate::scheduler::{run, RunSummary};
use crate::{Clock, Db, Error, Result};

/// What one [`tick`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, specta::Type)]
pub struct Tick {
    /// The scheduler step: certifications advanced and messages queued.
    pub run: RunSummary,
    /// The send pass; `None` while no SMTP server is configured (messages wait queued).
    pub send: Option<SendSummary>,
}

/// The app's timer step (every minute, at start-up and after the machine wakes):
/// `run(now)` then a send pass. Blocking: call it from a plain thread or `spawn_blocking`.
/// Safe while `certdesk-cli run` / `send` run too: nothing is queued or sent twice.
///
/// # Errors
/// Database errors. Delivery failures are recorded per message, not returned.
pub fn tick(db: &Db, clock: &dyn Clock, opts: &SendOptions) -> Result<Tick> {
    let run = run(&mut db.writer()?, clock.now())?;
    let send = match send_due(db, clock, opts) {
        Ok(s) => Some(s),
        Err(Error::SmtpNotConfigured(_)) => None,
        Err(e) => return Err(e),
    };
    Ok(Tick { run, send })
}
