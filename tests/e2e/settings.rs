//! Settings: the SMTP connection test reaches a real SMTP server on loopback; the settings
//! are saved; site administrators are listed.

use std::path::PathBuf;
use std::time::Duration;

use crate::harness::{choose, fill, wait_text, App, SmtpServer};

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
