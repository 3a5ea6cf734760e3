//! Runs the real `certdesk-cli` binary on temporary store files.

mod init;

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
