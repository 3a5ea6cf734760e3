//! Notification templates: a program's rules, saving them (with the backfill count),
//! the backfill opt-in, a preview for a chosen learner (or, while typing, for an example
//! learner) and a test send of it.

use certdesk_core::api::rules;
use certdesk_core::mail::Rendered;
use certdesk_core::notify::next_sends::NextSend;
use certdesk_core::notify::rule::{Rule, RuleInput};
use certdesk_core::notify::rule_edit::SavedRule;
use certdesk_core::notify::template::Preview;
use certdesk_core::notify::TriggerInfo;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// The rules of one program, in the order they were made.
#[tauri::command]
#[specta::specta]
pub async fn program_rules(
    state: State<'_, AppState>,
    program_id: i64,
) -> CommandResult<Vec<Rule>> {
    state.read(move |r| rules::list(r, program_id)).await
}

/// Every placeholder a template may use (without `%`).
#[tauri::command]
#[specta::specta]
pub async fn placeholders() -> CommandResult<Vec<String>> {
    Ok(rules::placeholders())
}

/// Every trigger with the timings and recipients it allows, in the editor's order.
#[tauri::command]
#[specta::specta]
pub async fn trigger_catalog() -> CommandResult<Vec<TriggerInfo>> {
    Ok(rules::triggers())
}

/// Creates (`id` = null) or updates a rule; says how many messages a backfill would send.
#[tauri::command]
#[specta::specta]
pub async fn save_rule(
    state: State<'_, AppState>,
    program_id: i64,
    id: Option<i64>,
    input: RuleInput,
) -> CommandResult<SavedRule> {
    let now = state.now();
    state
        .write(move |w| rules::save(w, program_id, id, &input, now))
        .await
}

/// How many messages saving this rule would offer to backfill; saves nothing.
#[tauri::command]
#[specta::specta]
pub async fn backfill_if_saved(
    state: State<'_, AppState>,
    program_id: i64,
    id: Option<i64>,
    input: RuleInput,
) -> CommandResult<u32> {
    let now = state.now();
    state
        .write(move |w| rules::backfill_if_saved(w, program_id, id, &input, now))
        .await
}

/// Deletes a rule; its messages stay in the log.
#[tauri::command]
#[specta::specta]
pub async fn delete_rule(state: State<'_, AppState>, id: i64) -> CommandResult<()> {
    state.write(move |w| rules::delete(w, id)).await
}

/// Opts in to a rule's backfill: the next run sends what was counted.
#[tauri::command]
#[specta::specta]
pub async fn backfill_rule(state: State<'_, AppState>, id: i64) -> CommandResult<()> {
    let now = state.now();
    state
        .write(move |w| rules::backfill(w, id, now).map(drop))
        .await
}

/// When a saved rule's next messages would go (the next five, for real memberships).
#[tauri::command]
#[specta::specta]
pub async fn rule_next_sends(
    state: State<'_, AppState>,
    rule_id: i64,
) -> CommandResult<Vec<NextSend>> {
    let now = state.now();
    state
        .read(move |r| rules::next_sends(r, rule_id, now, 5))
        .await
}

/// A saved rule rendered for a chosen learner, as each recipient would get it.
#[tauri::command]
#[specta::specta]
pub async fn preview_rule(
    state: State<'_, AppState>,
    rule_id: i64,
    learner_id: i64,
) -> CommandResult<Preview> {
    state
        .read(move |r| rules::preview(r, rule_id, learner_id))
        .await
}

/// A subject and body as typed, rendered for an example learner: the editor's live preview.
#[tauri::command]
#[specta::specta]
pub async fn preview_template(subject: String, body: String) -> CommandResult<Rendered> {
    Ok(rules::render_example(&subject, &body))
}

/// A digest subject and body as typed, rendered for an example manager: the digest editor's
/// live preview.
#[tauri::command]
#[specta::specta]
pub async fn preview_digest_template(
    template: certdesk_core::notify::digest_template::DigestTemplate,
) -> CommandResult<Rendered> {
    Ok(certdesk_core::api::digest::render_example(&template))
}

/// Sends the rule, rendered for a chosen learner, to `to` now through the saved SMTP
/// settings (each recipient's version, marked as a test); returns how many were sent.
#[tauri::command]
#[specta::specta]
pub async fn test_send_rule(
    state: State<'_, AppState>,
    rule_id: i64,
    learner_id: i64,
    to: String,
) -> CommandResult<u32> {
    let now = state.now();
    state
        .read(move |r| rules::test_send(r, rule_id, learner_id, &to, now))
        .await
}

/// The store-wide manager digest template (subject and body).
#[tauri::command]
#[specta::specta]
pub async fn digest_template(
    state: State<'_, AppState>,
) -> CommandResult<certdesk_core::notify::digest_template::DigestTemplate> {
    state.read(certdesk_core::api::digest::template).await
}

/// Saves the manager digest template; unknown placeholders are refused.
#[tauri::command]
#[specta::specta]
pub async fn save_digest_template(
    state: State<'_, AppState>,
    template: certdesk_core::notify::digest_template::DigestTemplate,
) -> CommandResult<certdesk_core::notify::digest_template::DigestTemplate> {
    state
        .write(move |w| certdesk_core::api::digest::set_template(w, &template))
        .await
}
