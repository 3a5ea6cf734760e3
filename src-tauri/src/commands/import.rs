//! The import wizard: learners and managers from a CSV file, previewed (bad rows by line,
//! counts) before anything is written. A file with any bad row is refused whole.

use certdesk_core::api::imports;
use certdesk_core::import::{ImportPreview, ImportSummary};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// What importing the learners file at `path` would do; writes nothing.
#[tauri::command]
#[specta::specta]
pub async fn preview_learner_import(
    state: State<'_, AppState>,
    path: String,
) -> CommandResult<ImportPreview> {
    state
        .read(move |r| imports::preview_learners(r, &path))
        .await
}

/// Imports the learners file at `path` in one transaction; `rejected` (nothing written)
/// when any row is bad.
#[tauri::command]
#[specta::specta]
pub async fn import_learners(
    state: State<'_, AppState>,
    path: String,
) -> CommandResult<ImportSummary> {
    let now = state.now();
    state.write(move |w| imports::learners(w, now, &path)).await
}
