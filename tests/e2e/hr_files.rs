//! The HR drop folder (issue 14 part 5): a learners file with bad rows dropped in the folder
//! is rejected whole, and the Import screen lists it with its report, every bad row by line.

use std::time::{Duration, SystemTime};

use crate::harness::{cli_json, wait_text, App};

#[tokio::test]
async fn a_rejected_hr_file_shows_in_the_window_with_its_report() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("certdesk.sqlite");
    cli_json(&db, &["init", "--demo"]);
    let folder = dir.path().join("hr-drop");
    std::fs::create_dir(&folder).unwrap();
    cli_json(&db, &["settings", "drop-folder", folder.to_str().unwrap()]);
    let file = folder.join("learners-e2e.csv");
    std::fs::write(
        &file,
        "id_number,full_name,email\nH9001,Hana Drop,hana@example.org\nH9002,Bad Mail,not-an-email\n",
    )
    .unwrap();
    // Written long ago: quiet, so the first run or sync takes it.
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    std::fs::File::options()
        .write(true)
        .open(&file)
        .unwrap()
        .set_modified(old)
        .unwrap();

    let app = App::open("hr_file_rejected_report", dir, db).await;
    app.click("#nav-import").await;
    // The app's own run at start-up may have taken it already; "Sync now" takes it otherwise.
    app.click("#hr-sync").await;
    let row = wait_text(&app, "[data-testid=hr-file]", |t| {
        t.contains("learners-e2e.csv") && t.contains("rejected")
    })
    .await;
    assert!(row.contains("learners"), "{row}");
    app.click("button[aria-label='Report of learners-e2e.csv']")
        .await;
    let report = wait_text(&app, "[data-testid=hr-report]", |t| !t.is_empty()).await;
    assert!(
        report.contains("line 3: 'not-an-email' is not an email address"),
        "{report}"
    );
    assert!(report.contains("nothing was imported"), "{report}");
    let files = cli_json(&app.db, &["hr-files"]);
    assert_eq!(files[0]["outcome"], "rejected");
    assert!(folder.join("rejected/learners-e2e.csv").exists());
    assert!(folder.join("rejected/learners-e2e.csv.report.txt").exists());
    app.finish().await;
}
