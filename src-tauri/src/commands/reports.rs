//! The dashboard, the outlook, the membership report (and its export) and the completion
//! report. Each calls one `api::reports` function.

use certdesk_core::api::forecast::{self, Forecast, ForecastArgs};
use certdesk_core::api::reports;
use certdesk_core::progress::Progress;
use certdesk_core::report::completion::{CompletionPage, CompletionQuery};
use certdesk_core::report::dashboard::Dashboard;
use certdesk_core::report::export::{ExportFormat, ExportSummary};
use certdesk_core::report::membership::{MembershipPage, MembershipQuery};
use certdesk_core::report::outlook::Outlook;
use tauri::ipc::Channel;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

#[tauri::command]
#[specta::specta]
pub async fn dashboard(state: State<'_, AppState>) -> CommandResult<Dashboard> {
    let now = state.now();
    let figures = state.read(move |r| reports::dashboard(r, now)).await;
    state.first_screen.shown(); // the start-up run may begin
    figures
}

#[tauri::command]
#[specta::specta]
pub async fn membership_page(
    state: State<'_, AppState>,
    query: MembershipQuery,
) -> CommandResult<MembershipPage> {
    state
        .read(move |r| reports::membership_page(r, &query))
        .await
}

/// One page of the completion report: each membership's progress by course set.
#[tauri::command]
#[specta::specta]
pub async fn completion_page(
    state: State<'_, AppState>,
    query: CompletionQuery,
) -> CommandResult<CompletionPage> {
    state
        .read(move |r| reports::completion_page(r, &query))
        .await
}

/// Writes the rows matching `query` as CSV or XLSX to `path` (a full path), or to the
/// Downloads folder when `path` is empty, reporting the rows written on `progress`; says
/// where and how many rows.
#[tauri::command]
#[specta::specta]
pub async fn export_memberships(
    state: State<'_, AppState>,
    query: MembershipQuery,
    path: Option<String>,
    format: ExportFormat,
    progress: Channel<Progress>,
) -> CommandResult<ExportSummary> {
    let now = state.now();
    let summary = state
        .read(move |r| {
            reports::export(
                r,
                &query,
                path.as_deref(),
                format,
                now,
                &mut |done, total| {
                    // A closed window only stops the reports, not the export.
                    let _ = progress.send(Progress { done, total });
                },
            )
        })
        .await?;
    state.made.add(&summary.path);
    Ok(summary)
}

/// Due dates and expiries over the next 12 weeks, and the outbox's health.
#[tauri::command]
#[specta::specta]
pub async fn outlook(state: State<'_, AppState>) -> CommandResult<Outlook> {
    let now = state.now();
    state.read(move |r| reports::outlook(r, now)).await
}

/// Every message the runs would send in the next days if nothing changes: a count per UTC
/// day and the messages of the day asked for (or the first ones).
#[tauri::command]
#[specta::specta]
pub async fn forecast(state: State<'_, AppState>, args: ForecastArgs) -> CommandResult<Forecast> {
    let now = state.now();
    state.read(move |r| forecast::forecast(r, now, &args)).await
}
