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
        "completion_page",
        "timer_status",
        "run_now",
        "export_memberships",
        "outlook",
        "raised_exceptions",
        "preview_exception_action",
        "apply_exception_action",
        "program_list",
        "find_learners",
        "course_sets",
        "assign_learner",
        "record_completion",
        "program_draft",
        "save_program",
        "list_courses",
        "add_course",
        "list_groups",
        "assign_group",
        "preview_assign_csv",
        "assign_from_csv",
        "preview_learner_import",
        "import_learners",
        "program_rules",
        "placeholders",
        "trigger_catalog",
        "save_rule",
        "backfill_if_saved",
        "delete_rule",
        "backfill_rule",
        "preview_rule",
        "test_send_rule",
        "list_messages",
        "resend_message",
        "queue_status",
        "pause_sending",
        "resume_sending",
        "smtp_settings",
        "save_smtp_settings",
        "test_smtp_settings",
        "site_admins",
        "add_site_admin",
        "remove_site_admin",
        "run_interval",
        "set_run_interval",
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
