//! `audit verify|list|export` and `messages export` with `--json`: the chain verifies, an
//! entry edited in the file is named and the exit status is 1, the exports carry their
//! columns, the OS user is the one who ran the command, and the SMTP password never appears.

use std::process::{Command, Output, Stdio};

use crate::cli;

fn json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// `certdesk-cli --db DB ARGS` as the OS user `user`, with `stdin` on its standard input.
fn as_user(db: &std::path::Path, user: &str, args: &[&str], stdin: &str) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_certdesk-cli"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("CERTDESK_DB")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env("USER", user)
        .env("CERTDESK_SMTP_PASSWORD_FILE", db.with_extension("pw"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    c.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    c.wait_with_output().unwrap()
}

/// A store where "carol" set the run interval, added an administrator and saved SMTP
/// settings with a password.
fn changed_store(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("s.sqlite");
    json(&cli(&path, &["--json", "init"]));
    for args in [
        &["--json", "settings", "run-interval", "set", "15"][..],
        &[
            "--json",
            "admins",
            "add",
            "--name",
            "Ada",
            "--email",
            "ada@x.org",
        ],
    ] {
        json(&as_user(&path, "carol", args, ""));
    }
    let smtp = [
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
    ];
    json(&as_user(&path, "carol", &smtp, "hunter2\n"));
    path
}

#[test]
fn verify_is_ok_then_names_the_entry_edited_in_the_file_and_exits_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    let path = changed_store(dir.path());
    let v = json(&cli(&path, &["--json", "audit", "verify"]));
    assert_eq!(
        (v["ok"].as_bool(), v["count"].as_u64()),
        (Some(true), Some(3))
    );
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute(
        "UPDATE audit_entry SET subject = 'bob@x.org' WHERE id = 2",
        [],
    )
    .unwrap();
    drop(c);
    let o = cli(&path, &["--json", "audit", "verify"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["problem"]["entry_id"], 2);
    assert_eq!(v["problem"]["kind"], "altered");
    let err: serde_json::Value = serde_json::from_slice(&o.stderr).unwrap();
    assert_eq!(err["error"]["kind"], "audit_broken");
    let text = cli(&path, &["audit", "verify"]);
    assert!(!text.status.success());
    assert!(String::from_utf8_lossy(&text.stdout).contains("entry 2"));
}

#[test]
fn list_and_exports_carry_the_user_the_columns_and_never_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let path = changed_store(dir.path());
    let page = json(&cli(&path, &["--json", "audit", "list", "--user", "carol"]));
    let actions: Vec<&str> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["settings.smtp", "admins.add", "settings.run_interval"]
    );
    let out = dir.path().join("audit.csv");
    let done = json(&cli(
        &path,
        &[
            "--json",
            "audit",
            "export",
            "--format",
            "csv",
            "--out",
            out.to_str().unwrap(),
        ],
    ));
    assert_eq!(done["rows"], 3);
    let csv = std::fs::read_to_string(&out).unwrap();
    assert_eq!(
        csv.lines().next().unwrap(),
        "id,at,os_user,action,subject,before,after,hash"
    );
    assert!(csv
        .lines()
        .nth(1)
        .unwrap()
        .contains(",carol,settings.run_interval,store,"));
    let jsonl = cli(
        &path,
        &[
            "audit", "export", "--format", "jsonl", "--action", "settings",
        ],
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(jsonl.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["after"]["host"], "mail.example.org");
    assert_eq!(lines[1]["after"]["password"], "changed");
    for text in [csv, serde_json::to_string(&lines).unwrap()] {
        assert!(!text.contains("hunter2"), "the password is in no entry");
    }
    let bad = cli(&path, &["--json", "audit", "export", "--format", "xml"]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("\"invalid\""));
}

#[test]
fn the_message_log_exports_for_a_period_with_its_columns() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite");
    crate::assigned_store(&path, 2, "Welcome to %programfullname%");
    json(&cli(
        &path,
        &["--json", "run", "--now", "2027-01-02T00:00:00Z"],
    ));
    let csv = cli(
        &path,
        &[
            "messages",
            "export",
            "--from",
            "2027-01-01",
            "--to",
            "2027-01-31",
        ],
    );
    assert!(
        csv.status.success(),
        "{}",
        String::from_utf8_lossy(&csv.stderr)
    );
    let text = String::from_utf8(csv.stdout).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "id,created_at,sent_at,state,trigger,program,learner_id_number,learner_name,\
         recipient_kind,recipient_email,subject,attempts,server_reply,skip_reason,\
         message_id_header,resend_of"
    );
    assert_eq!(lines.count(), 2);
    let out = dir.path().join("log.jsonl");
    let done = json(&cli(
        &path,
        &[
            "--json",
            "messages",
            "export",
            "--format",
            "jsonl",
            "--from",
            "2027-02-01",
            "--out",
            out.to_str().unwrap(),
        ],
    ));
    assert_eq!(done["rows"], 0, "nothing was logged in February");
}
