//! Files a person picks or saves, through the window's file dialogs (their answers injected
//! through the test hook of `ui/src/lib/files.ts`, since WebDriver cannot drive a native
//! dialog): a backup saved where the save dialog says, then offered to open or show in its
//! folder, and restored from the file the open dialog names.

use crate::harness::{cli_json, wait_text, App};

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
