//! Programs, certifications and learners as the screens list and pick them.

use certdesk_core::catalog::{self, LearnerSummary, ProgramSummary};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// Every program and certification, by name.
#[tauri::command]
#[specta::specta]
pub async fn program_list(state: State<'_, AppState>) -> CommandResult<Vec<ProgramSummary>> {
    state.read(|r| catalog::program_summaries(r)).await
}

/// Learners whose name, id number or email contains `text`.
#[tauri::command]
#[specta::specta]
pub async fn find_learners(
    state: State<'_, AppState>,
    text: String,
    limit: u32,
) -> CommandResult<Vec<LearnerSummary>> {
    state
        .read(move |r| catalog::find_learners(r, &text, limit))
        .await
}
