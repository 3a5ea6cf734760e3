//! Saving a notification rule from the template editor: create or update it, and say how
//! many messages a backfill would send when the rule is new or retimed, so the administrator
//! can opt in after seeing the number (DOMAIN.md section 4, rule 2).

use jiff::Timestamp;
use rusqlite::Transaction;
use serde::Serialize;

use crate::notify::rule::{backfill_count, create_rule, get_rule, update_rule, Rule, RuleInput};
use crate::notify::template::PLACEHOLDERS;
use crate::{Result, Writer};

/// A saved rule and the size of the backfill it could make.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct SavedRule {
    pub rule: Rule,
    /// Messages whose send instant passed before the rule took effect and whose condition
    /// still holds: sent only if the administrator asks for the backfill. Always 0 when
    /// only the texts or recipients changed (the rule was not retimed).
    pub backfill: u32,
}

/// Creates a rule for `program_id` (`id` = `None`) or updates rule `id`, then counts its
/// possible backfill if it is new or retimed.
///
/// # Errors
/// The validation errors of [`RuleInput::validate`] (an unknown placeholder is named);
/// [`crate::Error::NotFound`] for an unknown program or rule.
pub fn save_rule(
    tx: &Transaction,
    program_id: i64,
    id: Option<i64>,
    input: &RuleInput,
    now: Timestamp,
) -> Result<SavedRule> {
    let (rule, retimed) = match id {
        Some(id) => {
            let old = get_rule(tx, id)?;
            let rule = update_rule(tx, id, input, now)?;
            (rule.clone(), rule.effective_from != old.effective_from)
        }
        None => (
            get_rule(tx, create_rule(tx, program_id, input, now)?)?,
            true,
        ),
    };
    let backfill = if retimed && rule.input.enabled {
        backfill_count(tx, rule.id, now)?
    } else {
        0
    };
    Ok(SavedRule { rule, backfill })
}

/// How many messages [`save_rule`] with these arguments would offer to backfill, without
/// saving anything: what the editor shows before the administrator saves a new or retimed
/// rule.
///
/// # Errors
/// Those of [`save_rule`]; nothing is written either way.
pub fn backfill_if_saved(
    w: &mut Writer,
    program_id: i64,
    id: Option<i64>,
    input: &RuleInput,
    now: Timestamp,
) -> Result<u32> {
    w.dry_run(|tx| Ok(save_rule(tx, program_id, id, input, now)?.backfill))
}

/// Every placeholder a template may use, without its `%` signs.
pub fn placeholders() -> Vec<String> {
    PLACEHOLDERS.iter().map(|p| p.to_string()).collect()
}
