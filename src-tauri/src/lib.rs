//! The CertDesk desktop shell: opens the store, manages the state and lists the commands.
//! Everything the commands do lives in certdesk-core.

mod background;
mod commands;
mod error;
mod made;
mod notifier;
mod rendering;
mod startup;
mod state;
mod timer;

use std::sync::{Arc, Mutex};

use certdesk_core::store::audit::{self, Actor};
use certdesk_core::SystemClock;
use tauri::Manager;

pub use error::CommandError;

/// Every command, listed once: the source of `ui/src/api/bindings.ts`, and (read as text by
/// `build.rs`) of the permissions in `capabilities/main.json`. Keep one
/// `commands::<area>::<name>,` per line.
pub fn specta_builder() -> tauri_specta::Builder<tauri::Wry> {
    tauri_specta::Builder::<tauri::Wry>::new().commands(tauri_specta::collect_commands![
        commands::app::app_info,
        commands::reports::dashboard,
        commands::reports::membership_page,
        commands::reports::completion_page,
        commands::scheduler::timer_status,
        commands::scheduler::run_now,
        commands::reports::export_memberships,
        commands::reports::outlook,
        commands::reports::forecast,
        commands::explain::explain,
        commands::exceptions::raised_exceptions,
        commands::exceptions::preview_exception_action,
        commands::exceptions::apply_exception_action,
        commands::exceptions::exception_action_history,
        commands::exceptions::undo_exception_action,
        commands::programs::program_list,
        commands::programs::find_learners,
        commands::programs::course_sets,
        commands::programs::assign_learner,
        commands::programs::record_completion,
        commands::programs::program_draft,
        commands::programs::save_program,
        commands::programs::list_courses,
        commands::programs::add_course,
        commands::programs::list_groups,
        commands::programs::assign_group,
        commands::programs::preview_assign_csv,
        commands::programs::assign_from_csv,
        commands::import::preview_learner_import,
        commands::import::import_learners,
        commands::templates::program_rules,
        commands::templates::placeholders,
        commands::templates::trigger_catalog,
        commands::templates::save_rule,
        commands::templates::backfill_if_saved,
        commands::templates::delete_rule,
        commands::templates::backfill_rule,
        commands::templates::preview_rule,
        commands::templates::preview_template,
        commands::templates::rule_next_sends,
        commands::templates::test_send_rule,
        commands::templates::digest_template,
        commands::templates::save_digest_template,
        commands::templates::preview_digest_template,
        commands::messages::list_messages,
        commands::messages::resend_message,
        commands::messages::queue_status,
        commands::messages::pause_sending,
        commands::messages::resume_sending,
        commands::settings::smtp_settings,
        commands::settings::save_smtp_settings,
        commands::settings::test_smtp_settings,
        commands::oauth::smtp_sign_in,
        commands::oauth::smtp_sign_out,
        commands::settings::site_admins,
        commands::settings::add_site_admin,
        commands::settings::remove_site_admin,
        commands::settings::run_interval,
        commands::settings::set_run_interval,
        commands::send_policy::send_policy,
        commands::send_policy::set_send_policy,
        commands::send_policy::program_send_window,
        commands::send_policy::set_program_send_window,
        commands::send_policy::holidays,
        commands::send_policy::import_holidays,
        commands::send_policy::clear_holidays,
        commands::settings::catch_up_days,
        commands::settings::set_catch_up_days,
        commands::background::background_options,
        commands::background::set_close_to_tray,
        commands::background::set_start_at_login,
        commands::background::systemd_status,
        commands::backup::backup_store,
        commands::backup::restore_store,
        commands::first_run::first_run_pending,
        commands::first_run::choose_first_run,
        commands::desktop::notices,
        commands::desktop::open_made_file,
        commands::desktop::show_made_file,
        commands::audit::audit_list,
        commands::audit::verify_audit,
        commands::audit::export_audit,
        commands::audit::export_messages,
        commands::hr::drop_folder,
        commands::hr::set_drop_folder,
        commands::hr::sync_hr_folder,
        commands::hr::hr_files,
        commands::hr::hr_file_report,
    ])
}

/// Starts the app. `--db PATH` (or `$CERTDESK_DB`) picks the store; otherwise it lives in
/// the OS application-data folder, created with the demo data on first start. A second
/// launch only brings the running instance's window forward; closing the window may leave
/// CertDesk running in the tray (see [`background`]).
pub fn run() {
    rendering::prefer_light_rendering();
    let builder = specta_builder();
    let result = tauri::Builder::default()
        // First, so that a second instance exits before it opens anything.
        .plugin(single_instance())
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            None,
        ))
        // The window picks and saves files through the OS dialogs (`dialog:allow-open`,
        // `dialog:allow-save`); the rest are used from Rust only and grant the window nothing
        // (the opener also opens the OAuth sign-in page in the system browser).
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_notification::init())
        // Size, position and maximised only: a window hidden in the tray at quit still
        // opens shown.
        .plugin(
            tauri_plugin_window_state::Builder::default()
                .with_state_flags(
                    tauri_plugin_window_state::StateFlags::SIZE
                        | tauri_plugin_window_state::StateFlags::POSITION
                        | tauri_plugin_window_state::StateFlags::MAXIMIZED,
                )
                .build(),
        )
        .invoke_handler(builder.invoke_handler())
        .on_window_event(background::on_window_event)
        .setup(move |app| {
            builder.mount_events(app);
            let clock: Arc<dyn certdesk_core::Clock> = Arc::new(SystemClock);
            // The OS user, read once here: the changes made in the window are theirs.
            let actor = Actor::new(audit::os_user_from_env(), clock.clone());
            let db = startup::open_store(app.handle(), clock.as_ref())?.with_actor(actor);
            let db = state::Store::new(db);
            let timer = Arc::new(Mutex::new(timer::TimerStatus::starting()));
            let first_screen = Arc::new(timer::FirstScreen::default());
            let notifier = Arc::new(notifier::Notifier::default());
            timer::start(
                db.clone(),
                clock.clone(),
                timer.clone(),
                first_screen.clone(),
                notifier::after_run(app.handle().clone(), notifier.clone(), clock.clone()),
            );
            app.manage(state::AppState {
                db,
                clock,
                timer,
                first_screen,
                notifier,
                made: made::MadeFiles::default(),
            });
            if let Err(e) = background::add_tray(app.handle()) {
                eprintln!("certdesk: no tray icon: {e}");
            }
            Ok(())
        })
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("certdesk: {e}");
        std::process::exit(1);
    }
}

/// A second launch on the same store only brings the first one's window forward.
fn single_instance() -> tauri::plugin::TauriPlugin<tauri::Wry> {
    let mut b = tauri_plugin_single_instance::Builder::new()
        .callback(|app, _argv, _cwd| background::show_main(app));
    if let Some(id) = startup::instance_id() {
        b = b.dbus_id(id);
    }
    b.build()
}

/// The command names as `build.rs` reads them from this file.
#[cfg(test)]
#[path = "../command_list.rs"]
mod command_list;

#[cfg(test)]
mod tests {
    use super::command_list;

    /// The committed `capabilities/main.json` grants exactly the commands listed in
    /// [`super::specta_builder`] (build.rs rewrites it; this catches a stale commit).
    #[test]
    fn command_lists_agree() {
        let names = command_list::command_names(include_str!("lib.rs"));
        assert!(names.len() > 40, "found only {names:?}");
        let committed = include_str!("../capabilities/main.json");
        assert_eq!(
            committed,
            command_list::capabilities_json(&names),
            "capabilities/main.json is stale: build the crate (build.rs rewrites it) and commit it"
        );
        let mut unique = names.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "a command is listed twice");
    }

    /// Writes the TypeScript bindings; CI fails if the committed file differs.
    #[test]
    fn export_bindings() {
        let ts = specta_typescript::Typescript::default()
            .header("// Generated from the Rust commands by `cargo test -p certdesk export_bindings`. Do not edit.\n");
        // Ids and counts are i64 in Rust; they stay far below 2^53, so `number` is exact.
        super::specta_builder()
            .dangerously_cast_bigints_to_number()
            .disable_serde_phases()
            .export(
                ts,
                concat!(env!("CARGO_MANIFEST_DIR"), "/../ui/src/api/bindings.ts"),
            )
            .expect("export bindings");
    }
}
