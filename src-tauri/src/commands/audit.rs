//! The audit trail (verify, list, export) and the message log's export, for the Audit
//! screen (docs/AUDIT.md).

use certdesk_core::api::{audit, messages};
use certdesk_core::report::trail::{TrailExport, TrailFormat};
use certdesk_core::store::audit::query::{AuditFilter, AuditPage};
use certdesk_core::store::audit::Verification;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// A page of the audit trail, newest first, with the actions and users for the filters.
#[tauri::command]
#[specta::specta]
pub async fn audit_list(
    state: State<'_, AppState>,
    filter: AuditFilter,
) -> CommandResult<AuditPage> {
    state.read(move |r| audit::list(r, &filter)).await
}

/// Walks the hash chain: OK with the count, or the first altered or missing entry.
#[tauri::command]
#[specta::specta]
pub async fn verify_audit(state: State<'_, AppState>) -> CommandResult<Verification> {
    state.read(audit::verify).await
}

/// Writes the entries matching `filter` to `path` (a full path) as CSV or JSON Lines, and
/// records the file so "Open" and "Show in folder" may open it.
#[tauri::command]
#[specta::specta]
pub async fn export_audit(
    state: State<'_, AppState>,
    filter: AuditFilter,
    format: TrailFormat,
    path: String,
) -> CommandResult<TrailExport> {
    let made = state
        .read(move |r| audit::export(r, &filter, format, &path))
        .await?;
    state.made.add(&made.path);
    Ok(made)
}

/// Writes the message log of the UTC days `from` to `to` to `path` as CSV or JSON Lines, and
/// records the file so "Open" and "Show in folder" may open it.
#[tauri::command]
#[specta::specta]
pub async fn export_messages(
    state: State<'_, AppState>,
    from: Option<String>,
    to: Option<String>,
    format: TrailFormat,
    path: String,
) -> CommandResult<TrailExport> {
    let made = state
        .read(move |r| messages::export(r, from.as_deref(), to.as_deref(), format, &path))
        .await?;
    state.made.add(&made.path);
    Ok(made)
}
