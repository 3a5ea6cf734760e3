//! The first start on a new workstation: an empty data folder, the choice of store (here an
//! existing file, used where it is), then the SMTP settings with a connection test to a
//! real server on loopback, then the site administrators.

use std::time::Duration;

use crate::harness::{choose, cli_json, fill, wait_text, App, SmtpServer};

#[tokio::test]
async fn the_first_run_opens_an_existing_store_in_place_and_walks_through_mail_and_administrators()
{
    let server = SmtpServer::start();
    let shared = tempfile::tempdir().unwrap();
    let team = shared.path().join("team.sqlite");
    cli_json(&team, &["init", "--demo"]);

    let app = App::first_start("first_run_existing_store").await;
    // The open dialog's answer, injected through the window's test hook.
    app.choose_files(&[&team]).await;
    app.click("#existing-store").await;

    // Step 2: outgoing mail, tested against the loopback server, then saved.
    fill(&app, "#smtp-host", "127.0.0.1").await;
    fill(&app, "#smtp-port", &server.port.to_string()).await;
    choose(&app, "#smtp-security", "none").await;
    fill(&app, "#smtp-from", "learning@example.org").await;
    fill(&app, "#smtp-test-to", "admin@example.org").await;
    app.click("#smtp-test").await;
    wait_text(&app, "[data-testid=smtp-message]", |t| {
        t.contains("accepted a test message")
    })
    .await;
    let mut arrived = false;
    for _ in 0..50 {
        arrived = server.recipients().iter().any(|r| r == "admin@example.org");
        if arrived {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(arrived, "the test message reached the server");
    app.click("#smtp-save").await;
    wait_text(&app, "[data-testid=smtp-message]", |t| {
        t.starts_with("Saved")
    })
    .await;
    app.click("#first-run-next").await;

    // Step 3: a site administrator.
    fill(&app, "#admin-name", "Robin Quality").await;
    fill(&app, "#admin-email", "robin@example.org").await;
    app.click("#admin-email + button").await;
    wait_text(&app, "ul.admins", |t| t.contains("Robin Quality")).await;
    app.click("#first-run-finish").await;

    // The app now works on the chosen file where it is, and says so.
    app.find("#nav-dashboard").await;
    app.click("#nav-settings").await;
    let shown = wait_text(&app, "[data-testid=db-path]", |t| !t.is_empty()).await;
    assert_eq!(shown, team.display().to_string());
    let pointer = std::fs::read_to_string(app.data_folder().join("store-location.txt")).unwrap();
    assert_eq!(
        pointer.trim(),
        team.display().to_string(),
        "remembered for the next start"
    );
    // What the walk-through saved went into that store: the CLI reads it from there.
    let smtp = cli_json(&team, &["smtp", "show"]);
    assert_eq!(smtp["settings"]["host"], "127.0.0.1");
    let admins = wait_text(&app, "ul.admins", |t| t.contains("Robin Quality")).await;
    assert!(admins.contains("robin@example.org"), "{admins}");
    app.finish().await;
}
