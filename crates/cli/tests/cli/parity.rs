//! The CLI at parity with the desktop: every command of the desktop's list (the
//! `collect_commands!` call in `src-tauri/src/lib.rs`) has a CLI subcommand, or is on a
//! short list of window-only commands with the reason.

use std::process::Command;

#[allow(dead_code)] // the capabilities writer is build.rs's
#[path = "../../../../src-tauri/command_list.rs"]
mod command_list;

/// Desktop command → CLI subcommand. `a|b` means both `rules add` and `rules edit` exist
/// (alternatives share the first words); a `--flag` must appear in the subcommand's help.
const MAPPED: &[(&str, &str)] = &[
    ("dashboard", "dashboard"),
    ("membership_page", "report memberships"),
    ("completion_page", "report completion"),
    ("run_now", "run"),
    ("forecast", "forecast"),
    ("explain", "explain"),
    ("export_memberships", "report memberships --out"),
    ("outlook", "report outlook"),
    ("raised_exceptions", "exceptions list"),
    ("preview_exception_action", "exceptions resolve --dry-run"),
    ("apply_exception_action", "exceptions resolve"),
    ("exception_action_history", "exceptions history"),
    ("undo_exception_action", "exceptions undo --yes"),
    ("program_list", "programs"),
    ("find_learners", "learners find"),
    ("course_sets", "program"),
    ("assign_learner", "assign --learner"),
    ("record_completion", "complete"),
    ("program_draft", "program"),
    ("save_program", "import programs"),
    ("list_courses", "courses list"),
    ("add_course", "courses add"),
    ("list_groups", "groups"),
    ("assign_group", "assign --group"),
    ("preview_assign_csv", "assign --roster --dry-run"),
    ("assign_from_csv", "assign --roster"),
    ("preview_learner_import", "import learners --dry-run"),
    ("import_learners", "import learners"),
    ("backup_store", "backup"),
    ("restore_store", "restore"),
    ("run_interval", "settings run-interval show"),
    ("set_run_interval", "settings run-interval set"),
    ("background_options", "settings close-to-tray show"),
    ("set_close_to_tray", "settings close-to-tray set"),
    ("send_policy", "settings send-policy show"),
    ("set_send_policy", "settings send-policy set"),
    ("program_send_window", "settings program-window show"),
    (
        "set_program_send_window",
        "settings program-window set|clear",
    ),
    ("holidays", "settings holidays list"),
    ("import_holidays", "settings holidays import"),
    ("clear_holidays", "settings holidays clear"),
    ("catch_up_days", "settings catch-up-days"),
    ("set_catch_up_days", "settings catch-up-days"),
    ("digest_template", "settings digest-template show"),
    ("save_digest_template", "settings digest-template set"),
    ("preview_digest_template", "settings digest-template render"),
    // Notification rules, site administrators, SMTP and the message log.
    ("program_rules", "rules list"),
    ("placeholders", "placeholders"),
    ("trigger_catalog", "rules triggers"),
    ("save_rule", "rules add|edit"),
    ("backfill_if_saved", "rules backfill"),
    ("delete_rule", "rules delete"),
    ("backfill_rule", "rules backfill"),
    ("preview_rule", "rules preview"),
    ("preview_template", "rules render"),
    ("rule_next_sends", "rules next"),
    ("test_send_rule", "rules test"),
    ("list_messages", "log"),
    ("resend_message", "log --resend"),
    ("queue_status", "send --status"),
    ("pause_sending", "smtp pause"),
    ("resume_sending", "smtp resume"),
    ("smtp_settings", "smtp show"),
    ("save_smtp_settings", "smtp set"),
    ("test_smtp_settings", "smtp test"),
    ("smtp_sign_in", "smtp sign-in"),
    ("smtp_sign_out", "smtp sign-out"),
    ("site_admins", "admins list"),
    ("add_site_admin", "admins add"),
    ("remove_site_admin", "admins remove"),
    // The audit trail and the message log's export (docs/AUDIT.md).
    ("audit_list", "audit list"),
    ("verify_audit", "audit verify"),
    ("export_audit", "audit export --out"),
    ("export_messages", "messages export --out"),
    // The HR drop folder.
    ("drop_folder", "settings drop-folder"),
    ("set_drop_folder", "settings drop-folder --off"),
    ("sync_hr_folder", "sync"),
    ("hr_files", "hr-files"),
    ("hr_file_report", "hr-files --report"),
];

/// Commands that only make sense in the window, and why.
const WINDOW_ONLY: &[(&str, &str)] = &[
    (
        "app_info",
        "the window's About box; the CLI has --version and prints its store path from init",
    ),
    (
        "timer_status",
        "the in-app timer's status; without the window the OS scheduler runs `run` and `send`",
    ),
    (
        "set_start_at_login",
        "the OS autostart entry of the desktop app",
    ),
    (
        "systemd_status",
        "whether the package's systemd timers are enabled: ask systemctl",
    ),
    (
        "first_run_pending",
        "the window's first-run screen; the CLI uses `init [--demo]` or --db",
    ),
    (
        "choose_first_run",
        "the window's first-run screen; the CLI uses `init [--demo]` or --db",
    ),
    (
        "notices",
        "the OS notifications the window raised while hidden in the tray",
    ),
    (
        "open_made_file",
        "opens a file the window just exported or backed up; the CLI prints its path",
    ),
    (
        "show_made_file",
        "shows a file the window just exported or backed up in its folder",
    ),
];

fn help(words: &[&str]) -> Option<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_certdesk-cli"))
        .args(words)
        .arg("--help")
        .output()
        .expect("run certdesk-cli");
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Why `spec` has no CLI counterpart, if it has none.
fn missing(spec: &str) -> Option<String> {
    let mut words: Vec<&str> = spec.split_whitespace().collect();
    let flags: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| w.starts_with("--"))
        .collect();
    words.retain(|w| !w.starts_with("--"));
    let last = words.pop().unwrap_or_default();
    for alt in last.split('|') {
        let mut sub = words.clone();
        sub.push(alt);
        let Some(text) = help(&sub) else {
            return Some(format!("`certdesk-cli {} --help` fails", sub.join(" ")));
        };
        if let Some(f) = flags.iter().find(|f| !text.contains(**f)) {
            return Some(format!("`certdesk-cli {}` has no {f}", sub.join(" ")));
        }
    }
    None
}

#[test]
fn every_desktop_command_has_a_cli_subcommand_or_a_reason() {
    let lib_rs = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../src-tauri/src/lib.rs"
    ))
    .unwrap();
    let names = command_list::command_names(&lib_rs);
    assert!(names.len() > 40, "read only {names:?} from lib.rs");
    let mut problems = Vec::new();
    for name in &names {
        let mapped = MAPPED.iter().find(|(d, _)| d == name);
        let window_only = WINDOW_ONLY.iter().any(|(d, _)| d == name);
        match (mapped, window_only) {
            (Some((_, spec)), _) => {
                if let Some(why) = missing(spec) {
                    problems.push(format!("{name} → {spec}: {why}"));
                }
            }
            (None, true) => {}
            (None, false) => problems.push(format!(
                "{name}: no CLI subcommand; add one and map it here, or list it as window-only"
            )),
        }
    }
    for (d, _) in MAPPED.iter().chain(WINDOW_ONLY) {
        if !names.iter().any(|n| n == d) {
            problems.push(format!(
                "{d} is listed here but is no desktop command any more"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
