//! The completion report: filtered to one certification and one learner, a row shows the
//! figures the store holds for each course set.

use crate::harness::{choose, cli_json, fill, wait_text, App};

#[tokio::test]
async fn the_completion_report_shows_a_learners_progress_by_course_set() {
    let app = App::with_demo("completion_report").await;
    let rows = cli_json(&app.db, &["report", "completion", "--program", "FIRSTAID"]);
    let rows = rows.as_array().unwrap();
    // A learner with some progress, so the figures are not all zero.
    let expected = rows
        .iter()
        .find(|r| {
            r["sets"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["completed"] != 0)
        })
        .expect("a First Aid member with a completed course");
    let program = expected["program_id"].to_string();
    let who = expected["learner_id_number"].as_str().unwrap();

    app.click("#nav-completion").await;
    app.find("[data-testid=completion-row]").await;
    choose(&app, "#completion-program", &program).await;
    fill(&app, "#completion-text", who).await;
    app.click("form[role=search] button[type=submit]").await;
    wait_text(&app, "[data-testid=completion-count]", |t| {
        t.trim_start().starts_with("1 membership")
    })
    .await;

    let row = app.text("[data-testid=completion-row]").await;
    assert!(
        row.contains(expected["learner_name"].as_str().unwrap()),
        "{row}"
    );
    assert!(row.contains("First Aid at Work"), "{row}");
    let path = if expected["path"] == "recertification" {
        "Recertification"
    } else {
        "Certification"
    };
    assert!(row.contains(path), "{row}");
    for set in expected["sets"].as_array().unwrap() {
        let figures = format!("{} of {}", set["completed"], set["required"]);
        assert!(
            row.contains(&format!("{} {figures}", set["label"].as_str().unwrap())),
            "{row} lacks {figures} for {}",
            set["label"]
        );
        assert_eq!(set["complete"] == true, row.contains("complete"), "{row}");
    }
    app.finish().await;
}
