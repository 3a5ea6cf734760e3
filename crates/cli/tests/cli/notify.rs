//! `smtp set`, `run`, `send` and `log` end to end against a real SMTP server on loopback,
//! with the app's sender (in process) and two `certdesk-cli send` racing.

use std::process::Command;

use certdesk_core::mail::{self, SendOptions};
use certdesk_core::{Db, ManualClock};

use crate::cli;
use crate::smtp_server::SmtpServer;

fn json(o: &std::process::Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn the_app_and_two_cli_senders_racing_send_each_message_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite");
    crate::assigned_store(&path, 60, "Welcome to %programfullname%");
    let db = Db::open(&path).unwrap();
    let srv = SmtpServer::start(&[]);
    json(&crate::smtp_set(&path, srv.port, &["--json"]));
    let run = json(&cli(
        &path,
        &["--json", "run", "--now", "2027-01-02T00:00:00Z"],
    ));
    assert_eq!(run["notifications"]["queued"], 60);
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_certdesk-cli"))
            .arg("--db")
            .arg(&path)
            .args(["--json", "send", "--now", "2027-01-02T00:00:00Z"])
            .env_remove("CERTDESK_DB")
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let app = SendOptions {
        batch: 5,
        ..SendOptions::default()
    };
    let in_app = mail::send_due(
        &db,
        &ManualClock::new("2027-01-02T00:00:00Z".parse().unwrap()),
        &app,
    )
    .unwrap();
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    let total = json(&a)["sent"].as_u64().unwrap()
        + json(&b)["sent"].as_u64().unwrap()
        + u64::from(in_app.sent);
    assert_eq!(total, 60);
    let got = srv.wait_for(60);
    assert_eq!(got.len(), 60);
    let ids: std::collections::HashSet<_> = got
        .iter()
        .map(|r| r.header("Message-ID").unwrap())
        .collect();
    assert_eq!(ids.len(), 60);
    let status = json(&cli(&path, &["--json", "send", "--status"]));
    assert_eq!(status["sent"], 60);
    let log = json(&cli(
        &path,
        &["--json", "log", "--state", "sent", "--limit", "1000"],
    ));
    assert_eq!(log["entries"].as_array().unwrap().len(), 60);
    // A second run queues nothing new.
    let run = json(&cli(
        &path,
        &["--json", "run", "--now", "2027-01-03T00:00:00Z"],
    ));
    assert_eq!(run["notifications"]["queued"], 0);
}

#[test]
fn send_without_settings_fails_clearly_and_the_password_stays_out_of_store_and_output() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite");
    let out = cli(&path, &["--json", "send"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("smtp_not_configured"));
    let pwfile = dir.path().join("pw");
    let o = Command::new(env!("CARGO_BIN_EXE_certdesk-cli"))
        .arg("--db")
        .arg(&path)
        .args([
            "--json",
            "smtp",
            "set",
            "--host",
            "mail.example.org",
            "--user",
            "clerk",
            "--from",
            "a@example.org",
            "--password-stdin",
        ])
        .env("CERTDESK_SMTP_PASSWORD_FILE", &pwfile)
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(b"hunter2\n")?;
            c.wait_with_output()
        })
        .unwrap();
    let v = json(&o);
    let shown = json(&cli(&path, &["--json", "smtp", "show"]));
    assert!(!shown.to_string().contains("hunter2"));
    assert!(!v["settings"].to_string().contains("hunter2"));
    if v["password"]["kind"] == "file" {
        assert_eq!(
            std::fs::read_to_string(&pwfile).unwrap(),
            "smtp:clerk@mail.example.org\nhunter2",
            "the password file names the server and user it belongs to"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&pwfile).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
    let db = std::fs::read(&path).unwrap();
    assert!(
        !db.windows(7).any(|w| w == b"hunter2"),
        "the password is not in the store"
    );
}
