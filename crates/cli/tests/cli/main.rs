//! Runs the real `certdesk-cli` binary on temporary store files.

// Shared helpers outside `#[test]` functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

mod conventions;
mod crash;
mod engine;
mod faults;
mod init;
mod lock;
mod notify;
mod parity;
mod rules;
mod secrets;
mod set_rules;
// The core tests' SMTP server helper; the CLI tests use only part of it.
#[allow(dead_code)]
#[path = "../../../core/tests/core/smtp_server.rs"]
mod smtp_server;

use std::process::{Command, Output};

/// Runs `certdesk-cli --db DB ARGS` on a store that exists: a missing `db` is first made
/// with `init` (only `init` creates a store; see `conventions.rs` for the refusal).
pub fn cli(db: &std::path::Path, args: &[&str]) -> Output {
    if !db.exists() && !args.contains(&"init") {
        let made = cli_raw(db, &["init"]);
        assert!(made.status.success(), "init: {made:?}");
    }
    cli_raw(db, args)
}

/// `smtp set` to a loopback test server on `port` (no TLS, From learning@certdesk.test),
/// with `extra` arguments after it (`--json`, `--from-name ...`).
pub fn smtp_set(db: &std::path::Path, port: u16, extra: &[&str]) -> Output {
    let port = port.to_string();
    let mut args = vec![
        "smtp",
        "set",
        "--host",
        "127.0.0.1",
        "--port",
        &port,
        "--security",
        "none",
        "--from",
        "learning@certdesk.test",
    ];
    args.extend_from_slice(extra);
    cli(db, &args)
}

/// Runs `certdesk-cli --db DB ARGS` as it is.
pub fn cli_raw(db: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_certdesk-cli"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("CERTDESK_DB")
        .output()
        .expect("run certdesk-cli")
}
