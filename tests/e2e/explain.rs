//! The explainer (issue 13): from a membership report row, "Why?" opens the learner's
//! timeline in that program and one sentence per rule, with the reasons
//! `certdesk-cli explain` gives.

use fantoccini::Locator;

use crate::harness::{cli_json, wait_cells, wait_text, App};

#[tokio::test]
async fn why_from_a_membership_row_shows_the_timeline_and_each_rules_reason() {
    let app = App::with_demo("explain_from_a_membership_row").await;
    app.click("#nav-membership").await;
    app.find("[data-testid=membership-row]").await;
    let search = app.find("#membership-text").await;
    search.send_keys("E10007").await.unwrap();
    app.click("form[role=search] button[type=submit]").await;
    wait_cells(&app, "id_number", |c| {
        !c.is_empty() && c.iter().all(|t| t == "E10007")
    })
    .await;
    let program = app
        .text("[data-testid=membership-row] td[data-col=program]")
        .await;
    app.click("[data-testid=membership-row] [data-testid=membership-action]")
        .await;
    wait_text(&app, "[data-testid=explain] h2", |t| {
        t.contains("(E10007)") && t.contains(&program)
    })
    .await;
    app.find("[data-testid=explain-rule]").await;
    let mut shown = Vec::new();
    for r in app
        .client
        .find_all(Locator::Css("[data-testid=explain-rule]"))
        .await
        .unwrap()
    {
        shown.push(r.attr("data-reason").await.unwrap().unwrap_or_default());
    }
    let events = app
        .client
        .find_all(Locator::Css("[data-testid=explain-event]"))
        .await
        .unwrap();
    let mut kinds = Vec::new();
    for e in &events {
        kinds.push(e.attr("data-kind").await.unwrap().unwrap_or_default());
    }
    assert!(kinds.iter().any(|k| k == "assigned"), "{kinds:?}");

    // The same reasons as the CLI gives for that learner and program.
    let programs = cli_json(&app.db, &["programs"]);
    let short = programs
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["full_name"] == program.as_str())
        .and_then(|p| p["short_name"].as_str())
        .unwrap_or_else(|| panic!("{program} in {programs}"))
        .to_string();
    let cli = cli_json(
        &app.db,
        &["explain", "--learner", "E10007", "--program", &short],
    );
    let want: Vec<String> = cli["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reason"].as_str().unwrap().to_string())
        .collect();
    assert!(!want.is_empty());
    assert_eq!(shown, want);
    // The closing screenshot shows the panel open.
    app.finish().await;
}
