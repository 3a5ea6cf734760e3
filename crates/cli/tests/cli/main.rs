//! Runs the real `certdesk-cli` binary on temporary store files.

// Shared helpers outside `#[test]` functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

mod audit;
mod catch_up;
mod compliance;
mod conventions;
mod crash;
mod digest;
mod engine;
mod exception_undo;
mod explain;
mod faults;
mod forecast;
mod hr_files;
mod init;
mod lock;
mod notify;
mod oauth;
mod parity;
mod repeats;
mod rules;
mod secrets;
mod send_window;
mod set_rules;
// The core tests' SMTP server helper; the CLI tests use only part of it.
#[allow(dead_code)]
#[path = "../../../core/tests/core/smtp_server.rs"]
mod smtp_server;

#[allow(dead_code)]
#[path = "../../../core/tests/core/oauth_server.rs"]
mod oauth_server;

use std::path::Path;
use std::process::{Command, Output};

use certdesk_core::notify::{create_rule, OffsetUnit, Recipients, RuleInput, Timing, Trigger};
use certdesk_core::Db;

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

/// A store at `path` with one program ('P', id 1) whose "assigned" rule (on the day, to the
/// learner, `subject`) was made on 2027-01-01, and `learners` learners assigned to it then.
pub fn assigned_store(path: &Path, learners: usize, subject: &str) {
    let db = Db::open(path).unwrap();
    db.writer()
        .unwrap()
        .write(|tx| {
            tx.execute(
                "INSERT INTO program (short_name, full_name, kind) VALUES ('P', 'Induction', 'program')",
                [],
            )?;
            if learners > 0 {
                tx.execute_batch(&format!(
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {learners})
                     INSERT INTO learner (id_number, full_name, email) SELECT 'E' || i, 'Learner ' || i, 'e' || i || '@example.org' FROM n;
                     INSERT INTO assignment (learner_id, program_id, assigned_at) SELECT id, 1, 1798848000 FROM learner;
                     INSERT INTO event (kind, assignment_id, occurred_at) SELECT 'assigned', id, 1798848000 FROM assignment;"
                ))?;
            }
            create_rule(
                tx,
                1,
                &RuleInput {
                    trigger: Trigger::Assigned,
                    timing: Timing::On,
                    offset_amount: 0,
                    offset_unit: OffsetUnit::Day,
                    recipients: Recipients::Learner,
                    learner_subject: subject.into(),
                    learner_body: "Hello %userfullname%".into(),
                    manager_subject: String::new(),
                    manager_body: String::new(),
                    enabled: true,
                    digest: Default::default(),
                    repeat_every_days: 0,
                    repeat_max: 0,
                    escalation: certdesk_core::notify::Escalation::None,
                    escalate_after: 0,
                    send_at_once: false,
                },
                "2027-01-01T00:00:00Z".parse().unwrap(),
            )
        })
        .unwrap();
}
