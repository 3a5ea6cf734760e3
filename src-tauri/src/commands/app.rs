//! Facts about the running app.

use serde::Serialize;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

#[derive(Debug, Serialize, specta::Type)]
pub struct AppInfo {
    pub version: String,
    /// Where the store file is.
    pub db_path: String,
}

#[tauri::command]
#[specta::specta]
pub async fn app_info(state: State<'_, AppState>) -> CommandResult<AppInfo> {
    Ok(AppInfo {
        version: env!("CARGO_PKG_VERSION").to_string(),
        db_path: state.db.get().path().display().to_string(),
    })
}
