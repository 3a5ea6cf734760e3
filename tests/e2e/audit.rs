//! The Audit screen (issue 13 part 4): a change made in the window is listed with the OS
//! user, the action and the values before and after, as `certdesk-cli audit list` has it,
//! and the chain verifies.

use crate::harness::{cli_json, fill, wait_text, App};

#[tokio::test]
async fn a_change_made_in_the_window_is_listed_on_the_audit_screen() {
    let app = App::with_demo("audit_lists_a_change").await;
    app.click("#nav-settings").await;
    fill(&app, "#run-interval", "17").await;
    app.click("#run-interval-save").await;
    wait_text(
        &app,
        "section[aria-labelledby=interval-title] [role=status]",
        |t| !t.is_empty(),
    )
    .await;

    let cli = cli_json(
        &app.db,
        &["audit", "list", "--action", "settings.run_interval"],
    );
    let entry = &cli["entries"][0];
    assert_eq!(entry["after"], "17", "{cli}");
    let user = entry["os_user"].as_str().unwrap().to_string();

    app.click("#nav-audit").await;
    let row = wait_text(&app, "section table tbody tr", |t| {
        t.contains("settings.run_interval")
    })
    .await;
    assert!(row.contains(&user), "{row}");
    assert!(row.contains("17"), "{row}");
    app.click("#audit-verify").await;
    wait_text(&app, "[data-testid=audit-verification]", |t| {
        t.contains("The trail is whole")
    })
    .await;
    app.finish().await;
}
