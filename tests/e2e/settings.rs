//! Settings: the SMTP connection test reaches a real SMTP server on loopback; the settings
//! are saved; site administrators are listed.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::exceptions::{choose, wait_text};
use crate::harness::{repo_root, App};

/// `crates/core/tests/smtp/server.py` (aiosmtpd) on a loopback port; killed on drop.
struct SmtpServer {
    child: Child,
    port: u16,
    out: PathBuf,
    _dir: tempfile::TempDir,
}

impl SmtpServer {
    fn start() -> SmtpServer {
        let python = std::env::var_os("CERTDESK_TEST_PYTHON")
            .map(PathBuf::from)
            .unwrap_or_else(|| repo_root().join(".tools/venv/bin/python"));
        assert!(
            python.exists(),
            "run scripts/test-deps.sh first: no {}",
            python.display()
        );
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("mail");
        let mut child = Command::new(python)
            .arg(repo_root().join("crates/core/tests/smtp/server.py"))
            .arg("--out")
            .arg(&out)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the SMTP server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line.trim().strip_prefix("READY ").unwrap().parse().unwrap();
        SmtpServer {
            child,
            port,
            out,
            _dir: dir,
        }
    }

    /// The recipients of every message received so far.
    fn recipients(&self) -> Vec<String> {
        let Ok(dir) = std::fs::read_dir(&self.out) else {
            return Vec::new();
        };
        let mut to = Vec::new();
        for e in dir.flatten() {
            let v: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(e.path()).unwrap()).unwrap();
            for r in v["rcpt_tos"].as_array().unwrap() {
                to.push(r.as_str().unwrap().to_string());
            }
        }
        to
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn fill(app: &App, css: &str, text: &str) {
    let e = app.find(css).await;
    e.clear().await.unwrap();
    e.send_keys(text).await.unwrap();
}

#[tokio::test]
async fn the_smtp_connection_test_reaches_a_loopback_server_and_the_settings_are_saved() {
    let server = SmtpServer::start();
    let app = App::with_demo("settings_smtp_test_send").await;
    app.click("#nav-settings").await;
    app.find("[data-testid=site-admin]").await;

    fill(&app, "#smtp-host", "127.0.0.1").await;
    fill(&app, "#smtp-port", &server.port.to_string()).await;
    choose(&app, "#smtp-security", "none").await;
    fill(&app, "#smtp-from", "learning@example.org").await;
    fill(&app, "#smtp-from-name", "Learning team").await;
    fill(&app, "#smtp-test-to", "admin@example.org").await;
    app.click("#smtp-test").await;
    wait_text(&app, "[data-testid=smtp-message]", |t| {
        t.contains("accepted a test message to admin@example.org")
    })
    .await;
    let mut to = Vec::new();
    for _ in 0..50 {
        to = server.recipients();
        if !to.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(to, vec!["admin@example.org".to_string()], "it arrived");

    app.click("#smtp-save").await;
    wait_text(&app, "[data-testid=smtp-message]", |t| {
        t.starts_with("Saved")
    })
    .await;
    let path = app.text("[data-testid=db-path]").await;
    assert_eq!(PathBuf::from(path), app.db);
    app.finish().await;
}
