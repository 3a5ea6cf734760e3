//! The explainer: why a learner got, will get, or did not get each message of a program.
//! Calls `api::explain`.

use certdesk_core::api::explain::{self, ExplainArgs, Explanation};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// The membership's timeline and one sentence per rule, as of now.
#[tauri::command]
#[specta::specta]
pub async fn explain(state: State<'_, AppState>, args: ExplainArgs) -> CommandResult<Explanation> {
    let now = state.now();
    state.read(move |r| explain::explain(r, now, &args)).await
}
