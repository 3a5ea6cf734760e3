//! OS notifications while the window is hidden in the tray: sending is paused while the
//! window is closed into the tray; the timer's next run raises a notification (shown if a
//! notification server runs, recorded in any case), and when the window comes back it opens
//! the message log and lists the notification.

use std::process::Command;
use std::time::{Duration, Instant};

use fantoccini::Locator;

use crate::harness::{cli_json, repo_root, test_python, wait_text, App};

/// The in-app timer runs every minute (the shortest run interval): its next run is within.
const NEXT_RUN: Duration = Duration::from_secs(90);

#[tokio::test]
async fn a_pause_while_hidden_is_notified_and_opens_the_message_log_when_the_window_returns() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("certdesk.sqlite");
    cli_json(&db, &["init", "--demo"]);
    // With mail configured, closing the window keeps CertDesk running in the tray.
    cli_json(
        &db,
        &[
            "smtp",
            "set",
            "--host",
            "127.0.0.1",
            "--port",
            "9",
            "--from",
            "l@example.org",
        ],
    );
    let app = App::open("notice_of_a_pause_while_hidden", dir, db.clone()).await;
    app.find("#nav-dashboard").await;
    // Let the start-up run happen with the window open: what it sees is not news.
    tokio::time::sleep(Duration::from_secs(8)).await;

    let closed = Command::new(test_python())
        .arg(repo_root().join("tests/e2e/close_window.py"))
        .arg("CertDesk")
        .env("DISPLAY", app.display_name())
        .output()
        .expect("run close_window.py");
    assert_eq!(String::from_utf8_lossy(&closed.stdout).trim(), "hidden");

    cli_json(
        &db,
        &["smtp", "pause", "--reason", "The server refused the login"],
    );
    // The window comes back (from the tray or a second launch it gains the focus) once the
    // timer's next run has happened.
    let start = Instant::now();
    loop {
        app.client
            .execute("window.dispatchEvent(new Event('focus'))", vec![])
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_secs(3)).await;
        if app.client.find(Locator::Css("#nav-notices")).await.is_ok() {
            break;
        }
        assert!(
            start.elapsed() < NEXT_RUN,
            "no notification record after the next run"
        );
    }
    wait_text(&app, "[data-testid=notice]", |t| {
        t.contains("CertDesk paused sending") && t.contains("refused the login")
    })
    .await;
    let current = app.text("nav [aria-current=page]").await;
    assert_eq!(current, "Message log and outbox");
    assert_eq!(app.text("#nav-notices").await, "Notifications (1)");
    app.finish().await;
}
