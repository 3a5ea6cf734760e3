//! `smtp sign-in` (device code for Microsoft, the loopback flow for Google), `smtp show`,
//! `send`, `smtp test` and `smtp sign-out` against a local authorization server and an SMTP
//! server that takes only XOAUTH2; no keyring service runs, so the refresh token goes to the
//! 0600 token file, and never into the store.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};

use crate::oauth_server::{approve, browse, OAuthServer, CLIENT_ID};
use crate::{cli_raw, smtp_server::SmtpServer};

const ACCOUNT: &str = "learning@certdesk.test";

/// `certdesk-cli --db DB --json ARGS` without a keyring service, tokens in `tokens`.
fn command(db: &Path, tokens: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_certdesk-cli"));
    c.arg("--db")
        .arg(db)
        .arg("--json")
        .args(args)
        .env_remove("CERTDESK_DB")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env("CERTDESK_OAUTH_TOKEN_FILE", tokens);
    c
}

fn json(o: &std::process::Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// `smtp sign-in --provider P` with the test server's endpoints; `act` plays the person
/// (gets the prompt); returns the final JSON.
fn sign_in(
    db: &Path,
    tokens: &Path,
    auth: &OAuthServer,
    provider: &str,
    act: impl FnOnce(&serde_json::Value),
) -> serde_json::Value {
    let (a, t, d) = (
        auth.url("/authorize"),
        auth.url("/token"),
        auth.url("/devicecode"),
    );
    let mut args = vec![
        "smtp",
        "sign-in",
        "--provider",
        provider,
        "--account",
        ACCOUNT,
        "--client-id",
        CLIENT_ID,
        "--authorize-url",
        &a,
        "--token-url",
        &t,
        "--device-url",
        &d,
        "--wait",
        "20",
    ];
    if provider == "google" {
        args.extend(["--client-secret", "not-so-secret"]);
    }
    let mut child = command(db, tokens, &args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    let prompt: serde_json::Value =
        serde_json::from_str(&first).unwrap_or_else(|_| panic!("a prompt line, not {first:?}"));
    act(&prompt["sign_in"]);
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(status.success(), "{err}");
    serde_json::from_str(&rest).unwrap()
}

/// A store with three "assigned" messages queued, SMTP at `port` on loopback.
fn store(dir: &Path, port: u16) -> std::path::PathBuf {
    let path = dir.join("s.sqlite");
    crate::assigned_store(&path, 3, "Welcome");
    json(&crate::smtp_set(
        &path,
        port,
        &["--json", "--allow-plain-auth"],
    ));
    let run = json(&cli_raw(
        &path,
        &["--json", "run", "--now", "2027-01-02T00:00:00Z"],
    ));
    assert_eq!(run["notifications"]["queued"], 3);
    path
}

/// Every byte of the store's files (database and WAL).
fn store_bytes(db: &Path) -> String {
    let mut all = Vec::new();
    for ext in ["", "-wal"] {
        let p = format!("{}{ext}", db.display());
        all.extend(std::fs::read(p).unwrap_or_default());
    }
    String::from_utf8_lossy(&all).to_string()
}

#[test]
fn device_code_sign_in_then_send_delivers_and_the_token_is_only_in_the_private_file() {
    let dir = tempfile::tempdir().unwrap();
    let auth = OAuthServer::start(&[]);
    let srv: SmtpServer = auth.smtp(ACCOUNT);
    let db = store(dir.path(), srv.port);
    let tokens = dir.path().join("oauth-tokens");
    let done = sign_in(&db, &tokens, &auth, "microsoft", |p| {
        assert_eq!(p["kind"], "device", "{p}");
        approve(
            p["verification_uri"].as_str().unwrap(),
            p["user_code"].as_str().unwrap(),
        );
    });
    assert_eq!(done["account"], ACCOUNT);
    let text = std::fs::read_to_string(&tokens).unwrap();
    let key = format!("oauth:microsoft:{ACCOUNT}@127.0.0.1 ");
    let refresh = text
        .lines()
        .find_map(|l| l.strip_prefix(key.as_str()))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(refresh.starts_with("rt-"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&tokens).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert!(
        !store_bytes(&db).contains(refresh),
        "the refresh token is in the store"
    );

    let show = json(&command(&db, &tokens, &["smtp", "show"]).output().unwrap());
    assert_eq!(show["auth"]["method"], "oauth", "{show}");
    assert_eq!(show["auth"]["provider"], "microsoft");
    assert_eq!(show["auth"]["account"], ACCOUNT);
    assert_eq!(show["auth"]["signed_in"], true);
    let sent = json(
        &command(&db, &tokens, &["send", "--now", "2027-01-02T00:00:00Z"])
            .output()
            .unwrap(),
    );
    assert_eq!(sent["sent"], 3, "{sent}");
    assert_eq!(srv.wait_for(3).len(), 3);
}

#[test]
fn google_loopback_sign_in_test_send_then_revoked_consent_pauses_with_sign_in_again() {
    let dir = tempfile::tempdir().unwrap();
    let auth = OAuthServer::start(&[]);
    let srv = auth.smtp(ACCOUNT);
    let db = store(dir.path(), srv.port);
    let tokens = dir.path().join("oauth-tokens");
    sign_in(&db, &tokens, &auth, "google", |p| {
        assert_eq!(p["kind"], "browser", "{p}");
        let page = browse(p["url"].as_str().unwrap());
        assert!(page.contains("Signed in"), "{page}");
    });
    let test = command(&db, &tokens, &["smtp", "test", "--to", "me@example.org"])
        .output()
        .unwrap();
    json(&test);
    assert_eq!(srv.wait_for(1)[0].rcpt_tos, ["me@example.org"]);

    auth.revoke();
    let send = command(&db, &tokens, &["send", "--now", "2027-01-02T00:00:00Z"])
        .output()
        .unwrap();
    assert!(!send.status.success());
    let err = String::from_utf8_lossy(&send.stderr);
    assert!(
        err.contains("paused") && err.contains("sign in again"),
        "{err}"
    );
    let show = json(&command(&db, &tokens, &["smtp", "show"]).output().unwrap());
    assert_eq!(show["auth"]["signed_in"], false, "{show}");
    assert_eq!(show["queue"]["queued"], 3);
    assert_eq!(srv.received().len(), 1, "only the test message");

    // Signing in again lifts the pause; then everything queued goes.
    sign_in(&db, &tokens, &auth, "google", |p| {
        browse(p["url"].as_str().unwrap());
    });
    let sent = json(
        &command(&db, &tokens, &["send", "--now", "2027-01-02T00:00:00Z"])
            .output()
            .unwrap(),
    );
    assert_eq!(sent["sent"], 3, "{sent}");
    let out = json(
        &command(&db, &tokens, &["smtp", "sign-out"])
            .output()
            .unwrap(),
    );
    assert_eq!(out["signed_out"], ACCOUNT);
    let text = std::fs::read_to_string(&tokens).unwrap();
    assert!(!text.contains("oauth:google"), "{text}");
}
