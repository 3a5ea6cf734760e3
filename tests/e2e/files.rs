//! Files a person picks or saves, through the window's file dialogs (their answers injected
//! through the test hook of `ui/src/lib/files.ts`, since WebDriver cannot drive a native
//! dialog): a backup saved where the save dialog says, then offered to open or show in its
//! folder, and restored from the file the open dialog names; the HR drop folder chosen in the
//! folder dialog, and the audit trail and message log exported where the save dialog says.

use crate::harness::{choose, cli_json, wait_text, App};

#[tokio::test]
async fn a_backup_goes_where_the_save_dialog_says_and_is_restored_from_the_open_dialog() {
    let app = App::with_demo("backup_and_restore_through_the_dialogs").await;
    let learners = cli_json(&app.db, &["report", "memberships"])
        .as_array()
        .unwrap()
        .len();
    assert!(learners > 0);
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("certdesk-backup.sqlite");

    app.click("#nav-background").await;
    app.choose_files(&[&backup]).await;
    app.click("#backup").await;
    let note = wait_text(&app, "[data-testid=backup-note]", |t| {
        t.starts_with("Backed up to")
    })
    .await;
    assert!(note.contains("certdesk-backup.sqlite"), "{note}");
    assert!(backup.exists(), "the backup is where the dialog said");
    assert_eq!(app.text("#backup-show").await, "Show in folder");
    assert_eq!(app.text("#backup-open").await, "Open");
    let copied = cli_json(&backup, &["report", "memberships"])
        .as_array()
        .unwrap()
        .len();
    assert_eq!(copied, learners, "the backup holds the same memberships");

    // A cancelled dialog (a `null` answer) does nothing.
    app.client
        .execute("window.__certdeskTestPaths = [null]", vec![])
        .await
        .unwrap();
    app.click("#restore").await;
    assert!(
        app.text("[data-testid=backup-note]")
            .await
            .starts_with("Backed up to"),
        "nothing restored"
    );

    app.choose_files(&[&backup]).await;
    app.click("#restore").await;
    wait_text(&app, "[data-testid=backup-note]", |t| {
        t.starts_with("Restored from") && t.contains("Sending is paused")
    })
    .await;
    app.finish().await;
}

#[tokio::test]
async fn the_drop_folder_comes_from_the_folder_dialog_and_the_trail_goes_where_the_save_dialog_says(
) {
    let app = App::with_demo("drop_folder_and_audit_export_through_the_dialogs").await;
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("hr-drop");
    std::fs::create_dir(&folder).unwrap();

    app.click("#nav-settings").await;
    app.choose_files(&[&folder]).await;
    app.click("#drop-folder-choose").await;
    wait_text(
        &app,
        "section[aria-labelledby=drop-folder-title] [role=status]",
        |t| t.starts_with("Saved: every run takes the HR files dropped in"),
    )
    .await;
    assert_eq!(app.text("#drop-folder").await, folder.display().to_string());
    let cli = cli_json(&app.db, &["settings", "drop-folder"]);
    assert_eq!(
        cli["drop_folder"].as_str(),
        Some(folder.to_str().unwrap()),
        "{cli}"
    );

    // The change is on the trail: export it, filtered to that action, as JSON Lines.
    app.click("#nav-audit").await;
    app.find("#audit-action option[value='settings.drop_folder']")
        .await;
    choose(&app, "#audit-action", "settings.drop_folder").await;
    choose(&app, "#audit-format", "jsonl").await;
    let trail = dir.path().join("trail.jsonl");
    app.choose_files(&[&trail]).await;
    app.click("#audit-export").await;
    wait_text(&app, "[data-testid=audit-export-result]", |t| {
        t.contains("trail.jsonl")
    })
    .await;
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&trail)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["action"], "settings.drop_folder");
    assert!(
        lines[0]["after"].to_string().contains("hr-drop"),
        "{}",
        lines[0]
    );
    assert_eq!(app.text("#audit-export-show").await, "Show in folder");
    assert_eq!(app.text("#audit-export-open").await, "Open");

    choose(&app, "#audit-format", "csv").await;
    let log = dir.path().join("messages.csv");
    app.choose_files(&[&log]).await;
    app.click("#messages-export").await;
    wait_text(&app, "[data-testid=audit-export-result]", |t| {
        t.contains("messages.csv")
    })
    .await;
    assert!(log.exists(), "the message log is where the dialog said");
    app.finish().await;
}
