//! The "Background" options: close into the tray, start at login, and the systemd timers.

use certdesk_core::api::settings;
use serde::Serialize;
use tauri::{AppHandle, State};
use tauri_plugin_autostart::ManagerExt;

use crate::background::SystemdStatus;
use crate::error::CommandResult;
use crate::state::AppState;

/// The options as the settings screen shows them.
#[derive(Debug, Serialize, specta::Type)]
pub struct BackgroundOptions {
    /// Closing the window keeps CertDesk running in the tray (default: on when SMTP
    /// sending is configured).
    pub close_to_tray: bool,
    /// CertDesk starts when the user logs in (an OS autostart entry; default off).
    pub start_at_login: bool,
}

/// The options as they stand: the store's close-to-tray choice, the OS autostart entry.
#[tauri::command]
#[specta::specta]
pub async fn background_options(
    app: AppHandle,
    state: State<'_, AppState>,
) -> CommandResult<BackgroundOptions> {
    let close_to_tray = state.read(settings::close_to_tray).await?;
    let start_at_login = app.autolaunch().is_enabled()?;
    Ok(BackgroundOptions {
        close_to_tray,
        start_at_login,
    })
}

/// Records whether closing the window keeps CertDesk running in the tray.
#[tauri::command]
#[specta::specta]
pub async fn set_close_to_tray(state: State<'_, AppState>, on: bool) -> CommandResult<()> {
    state
        .write(move |w| settings::set_close_to_tray(w, on).map(|_| ()))
        .await
}

/// Adds or removes the OS autostart entry.
#[tauri::command]
#[specta::specta]
pub async fn set_start_at_login(app: AppHandle, on: bool) -> CommandResult<()> {
    let launcher = app.autolaunch();
    if on {
        launcher.enable()?;
    } else {
        launcher.disable()?;
    }
    Ok(())
}

/// Whether the package's systemd user timers are installed and enabled.
#[tauri::command]
#[specta::specta]
pub async fn systemd_status() -> CommandResult<SystemdStatus> {
    Ok(tauri::async_runtime::spawn_blocking(crate::background::systemd_status).await?)
}
