//! Runs the real `certdesk-cli` binary on temporary store files.

// Shared helpers outside `#[test]` functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

mod engine;
mod init;
mod notify;
mod rules;
// The core tests' SMTP server helper; the CLI tests use only part of it.
#[allow(dead_code)]
#[path = "../../../core/tests/core/smtp_server.rs"]
mod smtp_server;

use std::process::{Command, Output};

pub fn cli(db: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_certdesk-cli"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("CERTDESK_DB")
        .output()
        .expect("run certdesk-cli")
}
