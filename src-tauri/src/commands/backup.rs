//! Backups and restores of the live store (SQLite's online backup, in certdesk-core).

use std::path::PathBuf;

use certdesk_core::store::backup::{self, BackupSummary};
use certdesk_core::Error;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// A path the user typed: it must be absolute, since the app's working folder means
/// nothing to them.
pub(crate) fn absolute(path: String) -> Result<PathBuf, Error> {
    let p = PathBuf::from(path.trim());
    if p.is_absolute() {
        Ok(p)
    } else {
        Err(Error::invalid(
            "path",
            "give the full path, e.g. /home/me/certdesk-backup.sqlite",
        ))
    }
}

/// Writes a consistent copy of the store to `path`, even while the timer is sending.
#[tauri::command]
#[specta::specta]
pub async fn backup_store(
    state: State<'_, AppState>,
    path: String,
) -> CommandResult<BackupSummary> {
    let dest = absolute(path)?;
    state.blocking(move |db| backup::backup(db, &dest)).await
}

/// Replaces the store's content with the backup at `path`; refuses (kind `not_a_store` or
/// `newer_schema`) a file that is not a CertDesk store or is from a newer version.
#[tauri::command]
#[specta::specta]
pub async fn restore_store(
    state: State<'_, AppState>,
    path: String,
) -> CommandResult<BackupSummary> {
    let src = absolute(path)?;
    state.blocking(move |db| backup::restore(db, &src)).await
}
