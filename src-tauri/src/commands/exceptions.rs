//! The exception report, the actions that fix its rows, their history and their undo.

use certdesk_core::api::exceptions;
use certdesk_core::exception::action::{ActionOutcome, ExceptionAction, ExceptionRow, Selection};
use certdesk_core::exception::batch::ActionBatch;
use certdesk_core::exception::undo::UndoOutcome;
use certdesk_core::exception::ExceptionKind;
use certdesk_core::progress::Progress;
use tauri::ipc::Channel;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// A page of raised exceptions, optionally of one type, after exception id `after`.
#[tauri::command]
#[specta::specta]
pub async fn raised_exceptions(
    state: State<'_, AppState>,
    kind: Option<ExceptionKind>,
    after: Option<i64>,
    limit: u32,
) -> CommandResult<Vec<ExceptionRow>> {
    state
        .read(move |r| exceptions::list(r, kind, after, limit))
        .await
}

/// How many selected rows `action` would change, and which it would skip and why.
#[tauri::command]
#[specta::specta]
pub async fn preview_exception_action(
    state: State<'_, AppState>,
    selection: Selection,
    action: ExceptionAction,
) -> CommandResult<ActionOutcome> {
    state
        .write(move |w| exceptions::preview(w, &selection, action))
        .await
}

/// Applies `action` to the selected rows in one transaction, reporting on `progress` how
/// many rows are done after each chunk (the rows become visible together at the end).
#[tauri::command]
#[specta::specta]
pub async fn apply_exception_action(
    state: State<'_, AppState>,
    selection: Selection,
    action: ExceptionAction,
    progress: Channel<Progress>,
) -> CommandResult<ActionOutcome> {
    let now = state.now();
    state
        .write(move |w| {
            exceptions::apply(w, now, &selection, action, &mut |done, total| {
                // A closed window only stops the reports, not the work.
                let _ = progress.send(Progress { done, total });
            })
        })
        .await
}

/// The applied bulk actions, newest first.
#[tauri::command]
#[specta::specta]
pub async fn exception_action_history(
    state: State<'_, AppState>,
) -> CommandResult<Vec<ActionBatch>> {
    state.read(exceptions::history).await
}

/// Undoes an applied bulk action in one transaction. Refused with kind
/// `needs_confirmation` (how many messages were sent) unless `confirm_sent`.
#[tauri::command]
#[specta::specta]
pub async fn undo_exception_action(
    state: State<'_, AppState>,
    batch: i64,
    confirm_sent: bool,
) -> CommandResult<UndoOutcome> {
    let now = state.now();
    state
        .write(move |w| exceptions::undo(w, now, batch, confirm_sent))
        .await
}
