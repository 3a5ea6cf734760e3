//! End-to-end tests: the real `certdesk` binary in a real window under Xvfb, driven
//! through tauri-driver and WebKitWebDriver. Run them one at a time (`--test-threads=1`).

mod audit;
mod benchmarks;
mod close_to_tray;
mod completion;
mod dashboard;
mod exceptions;
mod explain;
mod files;
mod first_run;
mod forecast;
mod harness;
mod hr_files;
mod import;
mod membership;
mod notices;
mod oauth;
mod program_edit;
mod programs;
mod settings;
mod single_instance;
mod start_at_login;

mod templates;
