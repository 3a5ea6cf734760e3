//! Backups and restores of the live store (SQLite's online backup, in certdesk-core).

use certdesk_core::api::store::{self, RestoreSummary};
use certdesk_core::store::backup::BackupSummary;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// Writes a consistent copy of the store to `path` (a full path), even while the timer is
/// sending.
#[tauri::command]
#[specta::specta]
pub async fn backup_store(
    state: State<'_, AppState>,
    path: String,
) -> CommandResult<BackupSummary> {
    let summary = state.blocking(move |db| store::backup(db, &path)).await?;
    state.made.add(&summary.path);
    Ok(summary)
}

/// Replaces the store's content with the backup at `path`, keeping what was already sent
/// sent and sending paused until resumed; refuses (kind `not_a_store` or `newer_schema`) a
/// file that is not a CertDesk store or is from a newer version, and (kind `invalid`) a
/// restore while messages are being sent.
#[tauri::command]
#[specta::specta]
pub async fn restore_store(
    state: State<'_, AppState>,
    path: String,
) -> CommandResult<RestoreSummary> {
    let now = state.now();
    state
        .blocking(move |db| store::restore(db, &path, now))
        .await
}
