//! The import wizard and group assignment: a learners CSV with a bad row, chosen in the open
//! dialog (its answer injected through the test hook of `ui/src/lib/files.ts`), is previewed
//! (its line and reason shown, nothing imported), fixed, checked again and imported; the
//! group the file made is then assigned to a program from the programs screen.

use crate::harness::{cli_json, wait_text, App};

const GOOD_ROWS: &str = "id_number,full_name,email,time_zone,groups
N9001,Nadia Import,nadia@example.org,Europe/Paris,E2E crew
N9002,Noel Import,noel@example.org,UTC,E2E crew
";

fn members_of(db: &std::path::Path, program: &str) -> Vec<String> {
    cli_json(db, &["report", "memberships"])
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["program_name"] == program)
        .map(|r| r["learner_id_number"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn preview_a_bad_file_import_the_fixed_one_and_assign_its_group() {
    let app = App::with_demo("import_learners_and_assign_group").await;
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("learners.csv");
    std::fs::write(
        &csv,
        format!("{GOOD_ROWS}N9003,Bad Mail,not-an-email,UTC,E2E crew\n"),
    )
    .unwrap();

    app.click("#nav-import").await;
    app.choose_files(&[&csv]).await;
    app.click("#import-preview").await;
    wait_text(&app, "[data-testid=import-file]", |t| t == "learners.csv").await;
    let problem = app.text("[data-testid=import-problem]").await;
    assert!(problem.contains('4'), "{problem}");
    assert!(
        problem.contains("'not-an-email' is not an email address"),
        "{problem}"
    );
    wait_text(&app, "[data-testid=import-preview] [role=status]", |t| {
        t.contains("Good: 2 (2 new, 0 updated). With problems: 1.")
    })
    .await;
    let import = app.find("#import-run").await;
    assert!(import.attr("disabled").await.unwrap().is_some());

    // The administrator fixes the file and previews it again.
    std::fs::write(&csv, GOOD_ROWS).unwrap();
    app.click("#import-recheck").await;
    wait_text(&app, "[data-testid=import-preview] [role=status]", |t| {
        t.contains("With problems: 0.")
    })
    .await;
    app.click("#import-run").await;
    // Both created now: the refused file wrote nothing.
    wait_text(&app, "[data-testid=import-notice]", |t| {
        t.contains("2 learners created, 0 updated")
    })
    .await;

    // The group the file made, assigned to the first program from the programs screen.
    app.click("#nav-programs").await;
    let program = app.text("[data-testid=program-row] td:first-child").await;
    app.click("[data-testid=program-row] button").await;
    app.find("#program-group option:nth-child(2)").await;
    app.find("#program-group")
        .await
        .select_by_label("E2E crew (2 members)")
        .await
        .unwrap();
    app.click("#program-assign-group").await;
    wait_text(&app, "[data-testid=program-notice]", |t| {
        t.contains("E2E crew is assigned to") && t.contains("2 new members")
    })
    .await;
    let members = members_of(&app.db, &program);
    assert!(members.iter().any(|m| m == "N9001"), "{program}");
    assert!(members.iter().any(|m| m == "N9002"), "{program}");
    app.finish().await;
}
