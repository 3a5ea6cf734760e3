//! Notifications (DOMAIN.md sections 4 and 6): the rules that say what is sent and when,
//! their templates, the site administrators who get exception alerts, and the set-based
//! selection that queues every due message into the outbox (`crate::mail`) during
//! [`crate::scheduler::run`]. The dedup key makes queueing idempotent.

pub mod admins;
mod candidate_query;
mod candidates;
pub mod catch_up;
mod chunk;
pub mod digest;
mod digest_compose;
pub mod digest_template;
mod event_window;
pub mod example;
mod exception_alert;
pub mod explain;
mod explain_reason;
pub mod explain_timeline;
pub mod forecast;
pub mod held;
pub mod holidays;
mod near;
pub mod next_sends;
mod repeat;
pub mod restored;
pub mod rule;
mod rule_check;
pub mod rule_edit;
pub mod rules_file;
pub mod select;
pub mod send_time;
pub mod send_window;
pub mod template;
pub mod test_send;
pub mod trigger;

pub(crate) use chunk::Queueing;
pub use rule::{
    backfill, backfill_count, create_default_rules, create_rule, delete_rule, get_rule, list_rules,
    trigger_catalog, update_rule, Escalation, OffsetUnit, Recipients, Rule, RuleInput, RuleKey,
    Timing, Trigger, TriggerInfo,
};
pub use select::{enqueue_due, EnqueueSummary};
pub use template::{preview, validate_template, Preview, PLACEHOLDERS};
pub use test_send::send_rule_test;
