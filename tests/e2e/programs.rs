//! Programs: a program's course sets, assigning a learner, recording a completion; the
//! membership report then shows the new member.

use crate::harness::{choose, cli_json, wait_cells, wait_text, App};

#[tokio::test]
async fn assign_a_learner_and_record_a_completion() {
    let app = App::with_demo("programs_assign_and_complete").await;
    app.click("#nav-programs").await;
    app.find("[data-testid=program-row]").await;
    // A learner who is not yet a member of the first program listed.
    let programs = cli_json(&app.db, &["report", "memberships"]);
    let first = app.text("[data-testid=program-row] td:first-child").await;
    let members: Vec<&str> = programs
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["program_name"] == first.as_str())
        .map(|r| r["learner_id_number"].as_str().unwrap())
        .collect();
    let outsider = (10001..10400)
        .map(|n| format!("E{n}"))
        .find(|id| !members.contains(&id.as_str()))
        .expect("a learner outside the program");

    app.click("[data-testid=program-row] button").await;
    app.find("[data-testid=program-detail] .sets li").await;
    app.find("#program-learner-search")
        .await
        .send_keys(&outsider)
        .await
        .unwrap();
    app.click("#program-learner-search + button").await;
    app.find("#program-learner option").await;
    app.click("#program-assign").await;
    wait_text(&app, "[data-testid=program-notice]", |t| {
        t.contains("is now a member of")
    })
    .await;

    let course = app.find("#program-course option:nth-child(2)").await;
    let course_id = course.attr("value").await.unwrap().unwrap();
    choose(&app, "#program-course", &course_id).await;
    app.click("#program-complete").await;
    wait_text(&app, "[data-testid=program-notice]", |t| {
        t.contains("Recorded")
    })
    .await;

    app.click("#nav-membership").await;
    app.find("#membership-text")
        .await
        .send_keys(&outsider)
        .await
        .unwrap();
    app.click("form[role=search] button[type=submit]").await;
    wait_cells(&app, "program", |c| c.contains(&first)).await;
    app.finish().await;
}
