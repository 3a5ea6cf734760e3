//! End-to-end tests: the real `certdesk` binary in a real window under Xvfb, driven
//! through tauri-driver and WebKitWebDriver. Run them one at a time (`--test-threads=1`).

mod dashboard;
mod exceptions;
mod harness;
mod import;
mod membership;
mod programs;
mod settings;
mod templates;
