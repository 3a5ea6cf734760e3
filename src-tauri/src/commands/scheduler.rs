//! The scheduler as the UI sees it: its status, and "run now".

use certdesk_core::scheduler::Tick;
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
    let (clock, timer) = (state.clock.clone(), state.timer.clone());
    state
        .blocking(move |db| crate::timer::run_once(db, clock.as_ref(), &timer))
        .await
}
