//! The first run on an empty data folder: explore the demo, start empty, or open an
//! existing store file where it is.

use certdesk_core::api::store;
use certdesk_core::app::FirstRunChoice;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// True while the first-run choice is still to be made.
#[tauri::command]
#[specta::specta]
pub async fn first_run_pending(state: State<'_, AppState>) -> CommandResult<bool> {
    state.read(store::first_run_pending).await
}

/// Carries out and remembers the choice; `path` is the existing store file for `existing`,
/// which the app (and the CLI) use from then on. Returns the path of the store in use.
#[tauri::command]
#[specta::specta]
pub async fn choose_first_run(
    state: State<'_, AppState>,
    choice: FirstRunChoice,
    path: Option<String>,
) -> CommandResult<String> {
    let now = state.now();
    let switched = state
        .blocking(move |db| store::choose_first_run(db, choice, path.as_deref(), now))
        .await?;
    if let Some(db) = switched {
        state.db.switch_to(db);
    }
    Ok(state.db.get().path().display().to_string())
}
