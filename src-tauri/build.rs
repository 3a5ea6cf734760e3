fn main() {
    // Every command the UI may call is listed once here and granted in capabilities/main.json;
    // anything not granted there is refused by Tauri.
    let manifest = tauri_build::AppManifest::new().commands(certdesk_commands());
    if let Err(e) = tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest)) {
        panic!("tauri build failed: {e:#}");
    }
}

fn certdesk_commands() -> &'static [&'static str] {
    &[
        "app_info",
        "dashboard",
        "membership_page",
        "timer_status",
        "run_now",
        "background_options",
        "set_close_to_tray",
        "set_start_at_login",
        "systemd_status",
        "backup_store",
        "restore_store",
        "first_run_pending",
        "choose_first_run",
    ]
}
