//! Settings: SMTP (password to the keyring) with a connection test, site administrators,
//! the run interval.

use certdesk_core::api::{admins, settings, smtp};
use certdesk_core::mail::smtp::SmtpView;
use certdesk_core::mail::smtp_settings::{PasswordStore, SmtpSettings};
use certdesk_core::notify::admins::SiteAdmin;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// The SMTP settings, without the password.
#[tauri::command]
#[specta::specta]
pub async fn smtp_settings(state: State<'_, AppState>) -> CommandResult<SmtpView> {
    state.read(|r| smtp::show(r)).await
}

/// Saves the SMTP settings and, if given, the password; says where the password went.
#[tauri::command]
#[specta::specta]
pub async fn save_smtp_settings(
    state: State<'_, AppState>,
    settings: SmtpSettings,
    password: Option<String>,
) -> CommandResult<Option<PasswordStore>> {
    state
        .write(move |w| smtp::save(w, &settings, password.as_deref()))
        .await
}

/// Sends a test message with these settings (saved or not).
#[tauri::command]
#[specta::specta]
pub async fn test_smtp_settings(
    state: State<'_, AppState>,
    settings: SmtpSettings,
    password: Option<String>,
    to: String,
) -> CommandResult<()> {
    let now = state.now();
    state
        .read(move |r| smtp::test(r, &settings, password, &to, now))
        .await
}

/// The site administrators who receive exception alerts.
#[tauri::command]
#[specta::specta]
pub async fn site_admins(state: State<'_, AppState>) -> CommandResult<Vec<SiteAdmin>> {
    state.read(|r| admins::list(r)).await
}

/// Adds a site administrator.
#[tauri::command]
#[specta::specta]
pub async fn add_site_admin(
    state: State<'_, AppState>,
    full_name: String,
    email: String,
) -> CommandResult<Vec<SiteAdmin>> {
    state
        .write(move |w| admins::add(w, &full_name, &email))
        .await
}

/// Removes a site administrator.
#[tauri::command]
#[specta::specta]
pub async fn remove_site_admin(
    state: State<'_, AppState>,
    id: i64,
) -> CommandResult<Vec<SiteAdmin>> {
    state
        .write(move |w| admins::remove(w, &id.to_string()))
        .await
}

/// How many minutes the app waits between runs (run + send).
#[tauri::command]
#[specta::specta]
pub async fn run_interval(state: State<'_, AppState>) -> CommandResult<u32> {
    state.read(settings::run_interval).await
}

/// Sets the run interval; the timer uses it from its next run.
#[tauri::command]
#[specta::specta]
pub async fn set_run_interval(state: State<'_, AppState>, minutes: u32) -> CommandResult<u32> {
    state
        .write(move |w| settings::set_run_interval(w, minutes))
        .await
}

/// How many days back a run catches up on messages that came due; older ones are logged as
/// skipped with that reason.
#[tauri::command]
#[specta::specta]
pub async fn catch_up_days(state: State<'_, AppState>) -> CommandResult<u32> {
    state.read(settings::catch_up_days).await
}

/// Sets the catch-up horizon (1 to 365 days); the next run uses it.
#[tauri::command]
#[specta::specta]
pub async fn set_catch_up_days(state: State<'_, AppState>, days: u32) -> CommandResult<u32> {
    state
        .write(move |w| settings::set_catch_up_days(w, days))
        .await
}
