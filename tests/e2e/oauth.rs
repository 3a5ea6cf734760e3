//! "Sign in with Microsoft" from Settings through a local authorization server
//! (`crates/core/tests/smtp/oauth.py`): the browser step is the app's test hook
//! (`CERTDESK_TEST_FOLLOW_SIGN_IN`, debug builds only), which follows the provider's redirect
//! to the loopback as a browser would; then a test send arrives at an SMTP server that takes
//! only `AUTH XOAUTH2` with a token that server issued.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::harness::{cli_json, fill, repo_root, test_python, wait_text, App, SmtpServer};

const ACCOUNT: &str = "learning@certdesk.test";

struct AuthServer(Child, u16);

impl Drop for AuthServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn auth_server(tokens: &std::path::Path) -> AuthServer {
    let mut child = Command::new(test_python())
        .arg(repo_root().join("crates/core/tests/smtp/oauth.py"))
        .arg("--tokens")
        .arg(tokens)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the OAuth server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line.trim().strip_prefix("READY ").unwrap().parse().unwrap();
    AuthServer(child, port)
}

#[tokio::test]
async fn sign_in_with_microsoft_from_settings_then_a_test_send_arrives() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("issued.txt");
    let auth = auth_server(&tokens);
    let smtp = SmtpServer::start_with(&["--xoauth2", ACCOUNT, tokens.to_str().unwrap()]);
    let db = dir.path().join("certdesk.sqlite");
    cli_json(&db, &["init", "--demo"]);
    let port = smtp.port.to_string();
    cli_json(
        &db,
        &[
            "smtp",
            "set",
            "--host",
            "127.0.0.1",
            "--port",
            &port,
            "--security",
            "none",
            "--from",
            ACCOUNT,
            "--allow-plain-auth",
        ],
    );
    let env: [(&str, PathBuf); 2] = [
        ("CERTDESK_TEST_FOLLOW_SIGN_IN", PathBuf::from("1")),
        ("CERTDESK_OAUTH_TOKEN_FILE", dir.path().join("oauth-tokens")),
    ];
    let app = App::open_with("oauth_sign_in", dir, db, &env).await;
    app.click("#nav-settings").await;
    app.find("#oauth-sign-in-microsoft").await;

    fill(&app, "#oauth-client-id", "certdesk-test").await;
    app.click("#oauth-advanced summary").await;
    let base = format!("http://127.0.0.1:{}", auth.1);
    fill(&app, "#oauth-authorize-url", &format!("{base}/authorize")).await;
    fill(&app, "#oauth-token-url", &format!("{base}/token")).await;
    app.click("#oauth-sign-in-microsoft").await;
    wait_text(&app, "[data-testid=oauth-status]", |t| {
        t.contains(&format!("Signed in with Microsoft as {ACCOUNT}"))
    })
    .await;

    fill(&app, "#smtp-test-to", "admin@example.org").await;
    app.click("#smtp-test").await;
    wait_text(&app, "[data-testid=smtp-message]", |t| {
        t.contains("accepted a test message to admin@example.org")
    })
    .await;
    let mut to = Vec::new();
    for _ in 0..50 {
        to = smtp.recipients();
        if !to.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(to, vec!["admin@example.org".to_string()], "it arrived");
    app.finish().await;
}
