//! Keeping CertDesk at work when its window is closed: the system tray icon (Open, Run now,
//! Quit), closing the window into the tray when the administrator wants it, a single
//! instance at a time, and what the systemd user timer of the package is doing.

use std::process::Command;

use serde::Serialize;
use tauri::menu::{Menu, MenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Runtime, Window, WindowEvent};

use crate::state::AppState;

/// The label of the app's one window.
pub const MAIN_WINDOW: &str = "main";

/// Shows, unminimises and focuses the main window (from the tray, or a second launch).
pub fn show_main<R: Runtime>(app: &AppHandle<R>) {
    if let Some(w) = app.get_webview_window(MAIN_WINDOW) {
        let _ = w.show();
        let _ = w.unminimize();
        let _ = w.set_focus();
    }
}

/// Adds the tray icon. Where the desktop has no tray the icon is simply not seen; a failure
/// is reported and the app goes on without it.
pub fn add_tray<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let open = MenuItem::with_id(app, "open", "Open CertDesk", true, None::<&str>)?;
    let run = MenuItem::with_id(app, "run_now", "Run now", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit CertDesk", true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&open, &run, &quit])?;
    let mut tray = TrayIconBuilder::with_id("certdesk")
        .tooltip("CertDesk")
        .menu(&menu)
        .on_menu_event(|app, event| match event.id().as_ref() {
            "open" => show_main(app),
            "run_now" => run_now(app),
            "quit" => app.exit(0),
            _ => {}
        });
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.build(app)?;
    Ok(())
}

/// The tray's "Run now": the same step as the timer, on the blocking pool.
fn run_now<R: Runtime>(app: &AppHandle<R>) {
    let Some(state) = app.try_state::<AppState>() else {
        return;
    };
    let (db, clock, timer) = (state.db.get(), state.clock.clone(), state.timer.clone());
    tauri::async_runtime::spawn_blocking(move || {
        if let Err(e) = crate::timer::run_once(&db, clock.as_ref(), &timer) {
            eprintln!("certdesk: run from the tray failed: {e}");
        }
    });
}

/// On closing the main window: hide it into the tray if the store says so
/// ([`certdesk_core::app::close_to_tray`]), else let it close (which quits).
/// The store is read on the blocking pool, never on the UI thread.
pub fn on_window_event<R: Runtime>(window: &Window<R>, event: &WindowEvent) {
    let WindowEvent::CloseRequested { api, .. } = event else {
        return;
    };
    if window.label() != MAIN_WINDOW {
        return;
    }
    let Some(state) = window.try_state::<AppState>() else {
        return;
    };
    api.prevent_close();
    let db = state.db.get();
    let window = window.clone();
    tauri::async_runtime::spawn(async move {
        let keep = tauri::async_runtime::spawn_blocking(move || {
            let reader = db.reader()?;
            certdesk_core::app::close_to_tray(&reader)
        })
        .await;
        match keep {
            Ok(Ok(true)) => {
                let _ = window.hide();
            }
            Ok(Ok(false)) => {
                let _ = window.destroy();
            }
            Ok(Err(e)) => {
                eprintln!("certdesk: could not read the close-to-tray option: {e}");
                let _ = window.destroy();
            }
            Err(e) => {
                eprintln!("certdesk: could not read the close-to-tray option: {e}");
                let _ = window.destroy();
            }
        }
    });
}

/// The systemd user timers the package installs.
pub const SYSTEMD_TIMERS: [&str; 2] = ["certdesk-run.timer", "certdesk-send.timer"];

/// Whether the package's systemd user timers run CertDesk when the app does not.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct SystemdStatus {
    /// Each timer and its state as `systemctl --user is-enabled` says (`enabled`,
    /// `disabled`, `not installed` when systemctl fails or does not know the unit).
    pub timers: Vec<TimerUnit>,
    /// True when every timer is enabled.
    pub enabled: bool,
    /// The commands that enable them (and keep them running while logged out).
    pub enable_commands: Vec<String>,
}

/// One systemd timer unit and its state.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct TimerUnit {
    pub unit: String,
    pub state: String,
}

/// Asks `systemctl --user is-enabled` about each timer. Blocks (it runs a process).
pub fn systemd_status() -> SystemdStatus {
    let timers: Vec<TimerUnit> = SYSTEMD_TIMERS
        .iter()
        .map(|unit| TimerUnit {
            unit: unit.to_string(),
            state: unit_state(
                Command::new("systemctl")
                    .args(["--user", "is-enabled", unit])
                    .output()
                    .ok()
                    .map(|o| String::from_utf8_lossy(&o.stdout).into_owned()),
            ),
        })
        .collect();
    SystemdStatus {
        enabled: timers.iter().all(|t| t.state == "enabled"),
        timers,
        enable_commands: vec![
            format!("systemctl --user enable --now {}", SYSTEMD_TIMERS.join(" ")),
            "loginctl enable-linger \"$USER\"".to_string(),
        ],
    }
}

/// `is-enabled`'s answer, or "not installed" when systemctl could not run or printed
/// nothing (no systemd, no user session, unknown unit).
fn unit_state(stdout: Option<String>) -> String {
    match stdout.as_deref().map(str::trim) {
        Some("") | None => "not installed".to_string(),
        Some(s) if s.contains("No such file") || s == "not-found" => "not installed".into(),
        Some(s) => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::unit_state;

    #[test]
    fn a_failing_systemctl_means_not_installed() {
        assert_eq!(unit_state(None), "not installed");
        assert_eq!(unit_state(Some(String::new())), "not installed");
        assert_eq!(unit_state(Some("not-found\n".into())), "not installed");
        assert_eq!(unit_state(Some("enabled\n".into())), "enabled");
        assert_eq!(unit_state(Some("disabled\n".into())), "disabled");
    }
}
