//! The HR drop folder: its setting, a sync now, the recent HR files and a file's report.

use certdesk_core::api::drop_folder;
use certdesk_core::enrolment::drop_folder::{HrFileRecord, HrSync};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// The HR drop folder, if one is set.
#[tauri::command]
#[specta::specta]
pub async fn drop_folder(state: State<'_, AppState>) -> CommandResult<Option<String>> {
    state.read(drop_folder::folder).await
}

/// Sets the HR drop folder (an existing folder, full path), or none with `null`.
#[tauri::command]
#[specta::specta]
pub async fn set_drop_folder(
    state: State<'_, AppState>,
    path: Option<String>,
) -> CommandResult<Option<String>> {
    state
        .write(move |w| drop_folder::set_folder(w, path.as_deref()))
        .await
}

/// Takes the drop folder's ready files now.
#[tauri::command]
#[specta::specta]
pub async fn sync_hr_folder(state: State<'_, AppState>) -> CommandResult<HrSync> {
    let now = state.now();
    state.write(move |w| drop_folder::sync(w, now)).await
}

/// The files taken from the drop folder, newest first.
#[tauri::command]
#[specta::specta]
pub async fn hr_files(state: State<'_, AppState>) -> CommandResult<Vec<HrFileRecord>> {
    state.read(drop_folder::files).await
}

/// The report of one HR file: what it imported, or every problem found.
#[tauri::command]
#[specta::specta]
pub async fn hr_file_report(state: State<'_, AppState>, id: i64) -> CommandResult<String> {
    state.read(move |r| drop_folder::report(r, id)).await
}
