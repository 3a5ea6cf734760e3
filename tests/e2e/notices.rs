//! OS notifications while the window is hidden in the tray: sending is paused and a bad HR
//! file is dropped while the window is closed into the tray; the timer's next run raises a
//! notification for each (shown if a notification server runs, recorded in any case), and
//! when the window comes back it opens the screen of the last one and lists both.

use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

use fantoccini::Locator;

use crate::harness::{cli_json, repo_root, test_python, wait_text, App};

/// The in-app timer runs every minute (the shortest run interval): its next run is within.
const NEXT_RUN: Duration = Duration::from_secs(90);

#[tokio::test]
async fn a_pause_and_a_rejected_hr_file_while_hidden_are_notified_and_listed_when_the_window_returns(
) {
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
    let folder = dir.path().join("hr-drop");
    std::fs::create_dir(&folder).unwrap();
    cli_json(&db, &["settings", "drop-folder", folder.to_str().unwrap()]);
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
    let bad = folder.join("learners.csv");
    std::fs::write(
        &bad,
        "id_number,full_name,email\nH1,Bad Mail,not-an-email\n",
    )
    .unwrap();
    // Written long ago: quiet, so the next run takes it.
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let f = std::fs::File::options().write(true).open(&bad).unwrap();
    f.set_modified(old).unwrap();
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
    wait_text(&app, "[data-testid=notice-record]", |t| {
        t.contains("CertDesk paused sending")
            && t.contains("refused the login")
            && t.contains("HR file rejected")
            && t.contains("learners.csv")
    })
    .await;
    // The screen of the last notice raised: the HR file's, where its report is.
    let current = app.text("nav [aria-current=page]").await;
    assert_eq!(current, "Import learners");
    assert_eq!(app.text("#nav-notices").await, "Notifications (2)");
    app.finish().await;
}
