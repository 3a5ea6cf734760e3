//! The message log and the outbox: list, resend, queue status, pause and resume sending.

use certdesk_core::api::messages;
use certdesk_core::mail::{LogFilter, LogPage, QueueStatus};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// A page of the message log, newest first.
#[tauri::command]
#[specta::specta]
pub async fn list_messages(
    state: State<'_, AppState>,
    filter: LogFilter,
) -> CommandResult<LogPage> {
    state.read(move |r| messages::list(r, &filter)).await
}

/// Sends a message again as a new, queued message; returns its id.
#[tauri::command]
#[specta::specta]
pub async fn resend_message(state: State<'_, AppState>, id: i64) -> CommandResult<i64> {
    let now = state.now();
    state.write(move |w| messages::resend(w, id, now)).await
}

/// Messages by state, and the pause with its reason.
#[tauri::command]
#[specta::specta]
pub async fn queue_status(state: State<'_, AppState>) -> CommandResult<QueueStatus> {
    state.read(|r| messages::queue_status(r)).await
}

/// Pauses all sending, with the reason the UI shows.
#[tauri::command]
#[specta::specta]
pub async fn pause_sending(state: State<'_, AppState>, reason: String) -> CommandResult<()> {
    let now = state.now();
    state.write(move |w| messages::pause(w, &reason, now)).await
}

/// Lifts the pause; queued messages go out at the next send.
#[tauri::command]
#[specta::specta]
pub async fn resume_sending(state: State<'_, AppState>) -> CommandResult<()> {
    state.write(messages::resume).await
}
