//! Notification rules: list, save, enable or disable, delete, the backfill opt-in, the
//! default rules, a preview and a test send for a chosen learner, and rules files (export
//! one program's rules, apply a file to many programs).

use jiff::Timestamp;
use rusqlite::Connection;

use crate::notify::next_sends::{self, NextSend};
use crate::notify::rule::{self, Rule, RuleInput, TriggerInfo};
/// How many messages saving a rule would offer to backfill; saves nothing (a dry-run
/// transaction that is always rolled back).
pub use crate::notify::rule_edit::backfill_if_saved;
use crate::notify::rule_edit::{self, SavedRule};
use crate::notify::rules_file::{self, AppliedRules, RulesFile};
use crate::notify::template::{self, Preview};
use crate::notify::test_send;
use crate::store::audit::{self, Entry};
use crate::{names, Error, Result, Writer};

/// The rules of one program, in the order they were made.
///
/// # Errors
/// Database errors.
pub fn list(conn: &Connection, program_id: i64) -> Result<Vec<Rule>> {
    rule::list_rules(conn, program_id)
}

/// One rule.
///
/// # Errors
/// [`Error::NotFound`] for an unknown rule.
pub fn show(conn: &Connection, id: i64) -> Result<Rule> {
    rule::get_rule(conn, id)
}

/// Creates (`id` = `None`) or updates a rule; says how many messages a backfill would send.
///
/// # Errors
/// As [`rule_edit::save_rule`]; nothing is written then.
pub fn save(
    w: &mut Writer,
    program_id: i64,
    id: Option<i64>,
    input: &RuleInput,
    now: Timestamp,
) -> Result<SavedRule> {
    let who = w.actor();
    w.write(|tx| {
        let before = id.map(|id| rule::get_rule(tx, id)).transpose()?;
        let saved = rule_edit::save_rule(tx, program_id, id, input, now)?;
        record_rule(tx, &who, "rules.save", before.as_ref(), &saved.rule)?;
        Ok(saved)
    })
}

/// Enables or disables a rule, keeping everything else. Enabling a disabled rule moves its
/// `effective_from` to `now` (what it missed while off is a backfill to opt in to).
///
/// # Errors
/// [`Error::NotFound`] for an unknown rule.
pub fn set_enabled(w: &mut Writer, id: i64, enabled: bool, now: Timestamp) -> Result<SavedRule> {
    let who = w.actor();
    w.write(|tx| {
        let old = rule::get_rule(tx, id)?;
        let input = RuleInput {
            enabled,
            ..old.input.clone()
        };
        let saved = rule_edit::save_rule(tx, old.program_id, Some(id), &input, now)?;
        let action = if enabled {
            "rules.enable"
        } else {
            "rules.disable"
        };
        record_rule(tx, &who, action, Some(&old), &saved.rule)?;
        Ok(saved)
    })
}

/// Deletes a rule; its messages stay in the log.
///
/// # Errors
/// [`Error::NotFound`] for an unknown rule.
pub fn delete(w: &mut Writer, id: i64) -> Result<()> {
    let who = w.actor();
    w.write(|tx| {
        let old = rule::get_rule(tx, id)?;
        rule::delete_rule(tx, id)?;
        let e = Entry::new("rules.delete", rule_subject(tx, &old)?).before(&old.input);
        audit::record(tx, &who, &e)?;
        Ok(())
    })
}

/// How many past messages a backfill of the rule would send, without opting in.
///
/// # Errors
/// [`Error::NotFound`] for an unknown rule.
pub fn backfill_count(conn: &Connection, id: i64, now: Timestamp) -> Result<u32> {
    rule::backfill_count(conn, id, now)
}

/// Opts in to a rule's backfill: the next run sends what was counted. Returns that count.
///
/// # Errors
/// [`Error::NotFound`] for an unknown rule.
pub fn backfill(w: &mut Writer, id: i64, now: Timestamp) -> Result<u32> {
    let who = w.actor();
    w.write(|tx| {
        let n = rule::backfill_count(tx, id, now)?;
        rule::backfill(tx, id)?;
        let old = rule::get_rule(tx, id)?;
        let e = Entry::new("rules.backfill", rule_subject(tx, &old)?);
        audit::record(tx, &who, &e.after(serde_json::json!({ "messages": n })))?;
        Ok(n)
    })
}

/// Gives a program the default rules it lacks (see [`rule::create_default_rules`]: running
/// it twice adds nothing). Returns the new rules' ids.
///
/// # Errors
/// [`Error::NotFound`] for an unknown program.
pub fn defaults(w: &mut Writer, program_id: i64, now: Timestamp) -> Result<Vec<i64>> {
    let who = w.actor();
    w.write(|tx| {
        let ids = rule::create_default_rules(tx, program_id, now)?;
        let e = Entry::new("rules.defaults", audit::program_name(tx, program_id)?);
        audit::record(tx, &who, &e.after(serde_json::json!({ "rules": ids })))?;
        Ok(ids)
    })
}

/// When a saved rule's next `count` messages would go, for real memberships (the run's own
/// selection, repeats, escalation and send window included).
///
/// # Errors
/// [`Error::NotFound`] for an unknown rule.
pub fn next_sends(
    conn: &Connection,
    rule_id: i64,
    now: Timestamp,
    count: usize,
) -> Result<Vec<NextSend>> {
    next_sends::next_sends(conn, rule_id, now, count)
}

/// A rule rendered for a learner with their real data, as each recipient would get it.
///
/// # Errors
/// [`Error::NotFound`] for an unknown rule or learner.
pub fn preview(conn: &Connection, rule_id: i64, learner_id: i64) -> Result<Preview> {
    template::preview(conn, rule_id, learner_id)
}

/// Sends the rule rendered for a learner to `to` at once (each recipient's version, marked
/// as a test) through the saved SMTP settings; returns how many were sent.
///
/// # Errors
/// As [`test_send::send_rule_test`].
pub fn test_send(
    conn: &Connection,
    rule_id: i64,
    learner_id: i64,
    to: &str,
    now: Timestamp,
) -> Result<u32> {
    test_send::send_rule_test(conn, rule_id, learner_id, to, now)
}

/// Every trigger with the timings and recipients it allows, in the editor's order.
pub fn triggers() -> Vec<TriggerInfo> {
    rule::trigger_catalog()
}

/// A subject and body rendered for an example learner, as the template editor previews them
/// while typing (unknown placeholders are left as written; saving refuses them).
pub fn render_example(subject: &str, body: &str) -> crate::mail::Rendered {
    crate::notify::example::render_example(subject, body)
}

/// Every placeholder a template may use, without its `%` signs.
pub fn placeholders() -> Vec<String> {
    rule_edit::placeholders()
}

/// A program's rules as a rules file.
///
/// # Errors
/// [`Error::NotFound`] for an unknown program.
pub fn export(conn: &Connection, program_id: i64) -> Result<RulesFile> {
    rules_file::export(conn, program_id)
}

/// Makes the rules of every program in `program_ids` exactly the file's (matched by
/// trigger, timing, offset and recipients; see [`rules_file`]), in one transaction. With no
/// program given, applies to the program the file names.
///
/// # Errors
/// [`Error::Rejected`] listing every invalid rule; [`Error::NotFound`] for an unknown
/// program; [`Error::Invalid`] when no program is given or named. Nothing is written then.
pub fn import(
    w: &mut Writer,
    program_ids: &[i64],
    file: &RulesFile,
    now: Timestamp,
) -> Result<Vec<AppliedRules>> {
    let who = w.actor();
    w.write(|tx| {
        let named;
        let ids = match (program_ids, &file.program) {
            ([], Some(name)) => {
                named = [names::program(tx, name)?];
                &named[..]
            }
            ([], None) => {
                return Err(Error::invalid(
                    "program",
                    "name the program(s) to apply the rules to",
                ))
            }
            (ids, _) => ids,
        };
        let applied = rules_file::apply(tx, ids, file, now)?;
        let e = Entry::new("rules.import", "rules file").after(&applied);
        audit::record(tx, &who, &e)?;
        Ok(applied)
    })
}

/// A rule as an entry's subject: its program, id and what it does.
fn rule_subject(conn: &Connection, r: &Rule) -> Result<String> {
    let program = audit::program_name(conn, r.program_id)?;
    Ok(format!(
        "{program} rule {} ({} {})",
        r.id,
        r.input.trigger.as_str(),
        r.input.timing.as_str()
    ))
}

/// Records a rule saved (created when `before` is `None`) with the fields that changed.
fn record_rule(
    tx: &rusqlite::Transaction,
    who: &audit::Actor,
    action: &'static str,
    before: Option<&Rule>,
    after: &Rule,
) -> Result<()> {
    let e = Entry::new(action, rule_subject(tx, after)?);
    let e = match before {
        Some(b) => e.changed(&b.input, &after.input),
        None => e.after(&after.input),
    };
    audit::record(tx, who, &e)?;
    Ok(())
}
