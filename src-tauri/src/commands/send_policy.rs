//! Sending times: the store's send time and send window, a program's own window, holidays.

use certdesk_core::api::send_policy::{self, SendPolicy};
use certdesk_core::notify::holidays::Holiday;
use certdesk_core::notify::send_window::ProgramWindow;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// The store's send time and window.
#[tauri::command]
#[specta::specta]
pub async fn send_policy(state: State<'_, AppState>) -> CommandResult<SendPolicy> {
    state.read(send_policy::policy).await
}

/// Sets the store's send time and window; returns them as stored.
#[tauri::command]
#[specta::specta]
pub async fn set_send_policy(
    state: State<'_, AppState>,
    policy: SendPolicy,
) -> CommandResult<SendPolicy> {
    state
        .write(move |w| send_policy::set_policy(w, &policy))
        .await
}

/// A program's own window (none: the store's applies).
#[tauri::command]
#[specta::specta]
pub async fn program_send_window(
    state: State<'_, AppState>,
    program: String,
) -> CommandResult<Option<ProgramWindow>> {
    state
        .read(move |r| send_policy::program_window(r, &program))
        .await
}

/// Sets a program's own window, or with `None` removes it.
#[tauri::command]
#[specta::specta]
pub async fn set_program_send_window(
    state: State<'_, AppState>,
    program: String,
    window: Option<ProgramWindow>,
) -> CommandResult<Option<ProgramWindow>> {
    state
        .write(move |w| send_policy::set_program_window(w, &program, window.as_ref()))
        .await
}

/// The store's holidays, or a program's own.
#[tauri::command]
#[specta::specta]
pub async fn holidays(
    state: State<'_, AppState>,
    program: Option<String>,
) -> CommandResult<Vec<Holiday>> {
    state
        .read(move |r| send_policy::holidays(r, program.as_deref()))
        .await
}

/// Adds the days of an .ics calendar or a CSV of dates at `path`; all or nothing.
#[tauri::command]
#[specta::specta]
pub async fn import_holidays(
    state: State<'_, AppState>,
    program: Option<String>,
    path: String,
) -> CommandResult<u32> {
    state
        .write(move |w| {
            send_policy::import_holidays(w, program.as_deref(), std::path::Path::new(&path))
        })
        .await
}

/// Removes every holiday of the list.
#[tauri::command]
#[specta::specta]
pub async fn clear_holidays(
    state: State<'_, AppState>,
    program: Option<String>,
) -> CommandResult<u32> {
    state
        .write(move |w| send_policy::clear_holidays(w, program.as_deref()))
        .await
}
