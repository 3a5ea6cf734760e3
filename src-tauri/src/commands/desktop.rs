//! Purely desktop concerns, with no CLI counterpart: the record of OS notifications (and the
//! screen the last one asks to open), and opening a file the app just made or showing it in
//! its folder.

use std::path::PathBuf;

use certdesk_core::ErrorKind;
use tauri::{AppHandle, State};
use tauri_plugin_opener::OpenerExt;

use crate::error::{CommandError, CommandResult};
use crate::notifier::Notices;
use crate::state::AppState;

/// The notifications raised while the window was hidden (newest first), and the screen the
/// last one asks to open (returned once).
#[tauri::command]
#[specta::specta]
pub async fn notices(state: State<'_, AppState>) -> CommandResult<Notices> {
    Ok(state.notifier.take())
}

/// Opens `path`, a file this session exported or backed up, in its default application.
#[tauri::command]
#[specta::specta]
pub async fn open_made_file(
    app: AppHandle,
    state: State<'_, AppState>,
    path: String,
) -> CommandResult<()> {
    let path = made(&state, path)?;
    app.opener()
        .open_path(path.to_string_lossy(), None::<&str>)
        .map_err(opener_error)
}

/// Shows `path`, a file this session exported or backed up, selected in its folder.
#[tauri::command]
#[specta::specta]
pub async fn show_made_file(
    app: AppHandle,
    state: State<'_, AppState>,
    path: String,
) -> CommandResult<()> {
    let path = made(&state, path)?;
    app.opener().reveal_item_in_dir(path).map_err(opener_error)
}

/// `path` if this session made it; kind `not_found` otherwise.
fn made(state: &AppState, path: String) -> CommandResult<PathBuf> {
    let path = PathBuf::from(path);
    if state.made.contains(&path) {
        Ok(path)
    } else {
        Err(CommandError {
            kind: ErrorKind::NotFound,
            message: format!("{} is not a file CertDesk made", path.display()),
            field: None,
            reason: None,
        })
    }
}

fn opener_error(e: tauri_plugin_opener::Error) -> CommandError {
    CommandError {
        kind: ErrorKind::Io,
        message: format!("could not open the file: {e}"),
        field: None,
        reason: None,
    }
}
