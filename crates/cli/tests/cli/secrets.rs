//! The SMTP password stays bound to its server and user, in a file only its owner reads.

use std::process::{Command, Output, Stdio};

use crate::smtp_server::SmtpServer;

/// `certdesk-cli --db DB --json ARGS` with no keyring service (so the file fallback is
/// used), the password file `pw` and the extra environment `env`.
fn run(
    db: &std::path::Path,
    pw: &std::path::Path,
    env: &[(&str, &str)],
    args: &[&str],
    stdin: &str,
) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_certdesk-cli"));
    c.arg("--db")
        .arg(db)
        .arg("--json")
        .args(args)
        .env_remove("CERTDESK_DB")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("CERTDESK_SMTP_PASSWORD")
        .env_remove("CERTDESK_SMTP_PASSWORD_FOR")
        .env("CERTDESK_SMTP_PASSWORD_FILE", pw)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        c.env(k, v);
    }
    let mut child = c.spawn().unwrap();
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
    }
    child.wait_with_output().unwrap()
}

fn set(
    db: &std::path::Path,
    pw: &std::path::Path,
    host: &str,
    port: &str,
    password: bool,
) -> serde_json::Value {
    let mut args = vec![
        "smtp",
        "set",
        "--host",
        host,
        "--port",
        port,
        "--security",
        "none",
        "--allow-plain-auth",
        "--user",
        "clerk",
        "--from",
        "learning@certdesk.test",
    ];
    if password {
        args.push("--password-stdin");
    }
    let o = run(db, pw, &[], &args, "right\n");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn has_password(db: &std::path::Path, pw: &std::path::Path, env: &[(&str, &str)]) -> bool {
    let o = run(db, pw, env, &["smtp", "show"], "");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v["has_password"].as_bool().unwrap()
}

#[cfg(unix)]
#[test]
fn the_password_file_is_bound_to_its_server_and_refused_when_others_can_read_it() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.sqlite");
    assert!(crate::cli(&db, &["init"]).status.success());
    let pw = dir.path().join("pw");
    let srv = SmtpServer::start(&["--auth", "clerk:right"]);
    let port = srv.port.to_string();
    let saved = set(&db, &pw, "127.0.0.1", &port, true);
    if saved["password"]["kind"] != "file" {
        return; // a keyring service runs here: the file fallback is not used
    }
    assert!(has_password(&db, &pw, &[]));
    let test = [
        "smtp",
        "test",
        "--to",
        "a@example.org",
        "--now",
        "2027-01-02T00:00:00Z",
    ];
    assert!(run(&db, &pw, &[], &test, "").status.success());
    assert_eq!(srv.wait_for(1).len(), 1);

    // Readable by others: refused, with the fix in the message, and nothing sent.
    std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert!(!has_password(&db, &pw, &[]));
    let o = run(&db, &pw, &[], &test, "");
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("chmod 600"),
        "{o:?}"
    );
    std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o600)).unwrap();

    // Another host (as a restored store or a typo would name): the password is not given.
    set(&db, &pw, "localhost", &port, false);
    assert!(!has_password(&db, &pw, &[]));
    let o = run(&db, &pw, &[], &test, "");
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("not for clerk@localhost"),
        "{o:?}"
    );
    assert_eq!(srv.received().len(), 1);

    // The environment variable counts only when bound to the same user and host.
    let env = [("CERTDESK_SMTP_PASSWORD", "right")];
    std::fs::remove_file(&pw).unwrap();
    assert!(!has_password(&db, &pw, &env));
    let bound = [env[0], ("CERTDESK_SMTP_PASSWORD_FOR", "clerk@localhost")];
    assert!(has_password(&db, &pw, &bound));
    let other = [env[0], ("CERTDESK_SMTP_PASSWORD_FOR", "clerk@127.0.0.1")];
    assert!(!has_password(&db, &pw, &other));
}
