//! The scheduler as the UI sees it: its status, and "run now".

use certdesk_core::notify::{self, SendOptions, Tick};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;
use crate::timer::TimerStatus;

#[tauri::command]
#[specta::specta]
pub async fn timer_status(state: State<'_, AppState>) -> CommandResult<TimerStatus> {
    Ok(state
        .timer
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone())
}

/// Runs the scheduler step and a send pass now, as the timer would.
#[tauri::command]
#[specta::specta]
pub async fn run_now(state: State<'_, AppState>) -> CommandResult<Tick> {
    let clock = state.clock.clone();
    let now = clock.now();
    let outcome = state
        .blocking(move |db| notify::tick(db, clock.as_ref(), &SendOptions::default()))
        .await;
    if let Ok(tick) = &outcome {
        state
            .timer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .record(now, &Ok(tick.clone()));
    }
    outcome
}
