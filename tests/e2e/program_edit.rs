//! The program editor: a refused save shows its reason beside the input; a new program with
//! two course sets is saved, listed, and stored as entered (checked through the CLI).

use crate::harness::{choose, cli_json, wait_text, App};

#[tokio::test]
async fn create_a_program_with_two_course_sets() {
    let app = App::with_demo("program_edit_create").await;
    app.click("#nav-programs").await;
    app.find("[data-testid=program-row]").await;
    app.click("#program-new").await;
    app.find("[data-testid=program-editor]").await;

    // Nothing typed yet: refused, with the reason beside the short name.
    app.click("#pe-save").await;
    let reason = app.text("#pe-short-name-error").await;
    assert!(reason.contains("empty"), "{reason}");
    wait_text(&app, "[data-testid=program-editor-error]", |t| {
        t.contains("Not saved")
    })
    .await;

    type_into(&app, "#pe-full-name", "Fire Wardens").await;
    type_into(&app, "#pe-short-name", "E2E-FW").await;
    type_into(&app, "#pe-certification_path-0-label", "Theory").await;
    app.click("#pe-certification_path-0 .courses label:nth-of-type(1) input")
        .await;
    app.click("#pe-add-certification_path").await;
    type_into(&app, "#pe-certification_path-1-label", "Practice").await;
    app.click("#pe-certification_path-1 .courses label:nth-of-type(2) input")
        .await;
    app.click("#pe-certification_path-1 .courses label:nth-of-type(3) input")
        .await;
    choose(&app, "#pe-certification_path-1-rule", "at_least").await;
    type_into(&app, "#pe-certification_path-1-time", "2").await;
    choose(&app, "#pe-certification_path-0-op", "and").await;
    app.click("#pe-save").await;

    wait_text(&app, "[data-testid=program-notice]", |t| {
        t.contains("Created Fire Wardens")
    })
    .await;
    // Listed, and its course sets shown.
    let mut listed = Vec::new();
    for row in app
        .client
        .find_all(fantoccini::Locator::Css("[data-testid=program-row]"))
        .await
        .unwrap()
    {
        listed.push(row.text().await.unwrap());
    }
    assert!(
        listed
            .iter()
            .any(|r| r.contains("Fire Wardens") && r.contains("E2E-FW")),
        "{listed:?}"
    );
    let detail = app.text("[data-testid=program-detail]").await;
    assert!(
        detail.contains("Theory") && detail.contains("Practice"),
        "{detail}"
    );
    assert!(detail.contains("at least 2 courses"), "{detail}");

    // In the store, as entered.
    let p = cli_json(&app.db, &["program", "E2E-FW"]);
    assert_eq!(p["full_name"], "Fire Wardens");
    assert_eq!(p["kind"], "program");
    let sets = p["certification_path"].as_array().unwrap();
    assert_eq!(sets.len(), 2, "{p}");
    assert_eq!(sets[0]["label"], "Theory");
    assert_eq!(sets[0]["operator"], "and");
    assert_eq!(sets[0]["courses"].as_array().unwrap().len(), 1);
    assert_eq!(sets[1]["label"], "Practice");
    assert_eq!(
        sets[1]["rule"],
        serde_json::json!({ "rule": "at_least", "min": 2 })
    );
    assert_eq!(sets[1]["min_time_hours"], 2.0);
    assert_eq!(sets[1]["courses"].as_array().unwrap().len(), 2);
    app.finish().await;
}

/// Replaces an input's text.
async fn type_into(app: &App, css: &str, text: &str) {
    let e = app.find(css).await;
    e.clear().await.unwrap();
    e.send_keys(text).await.unwrap();
}

#[tokio::test]
async fn edit_a_certification_with_members() {
    let app = App::with_demo("program_edit_certification").await;
    app.click("#nav-programs").await;
    app.find("[data-testid=program-row]").await;
    app.click("button[aria-label='Open First Aid at Work']")
        .await;
    app.click("#program-edit").await;
    app.find("[data-testid=program-editor]").await;
    let before = cli_json(&app.db, &["program", "FIRSTAID"]);
    assert_eq!(before["kind"], "certification");

    // A window longer than the active period is refused beside the window input.
    type_into(&app, "#pe-window-amount", "99").await;
    choose(&app, "#pe-window-unit", "year").await;
    app.click("#pe-save").await;
    let reason = app.text("#pe-window-error").await;
    assert!(reason.contains("must not be longer"), "{reason}");
    assert_eq!(cli_json(&app.db, &["program", "FIRSTAID"]), before);

    type_into(&app, "#pe-window-amount", "6").await;
    choose(&app, "#pe-window-unit", "week").await;
    choose(&app, "#pe-method", "completion_date").await;
    app.click("#pe-save").await;
    wait_text(&app, "[data-testid=program-notice]", |t| {
        t.contains("Saved First Aid at Work")
    })
    .await;

    let after = cli_json(&app.db, &["program", "FIRSTAID"]);
    assert_eq!(
        after["cert"]["window"],
        serde_json::json!({ "amount": 6, "unit": "week" })
    );
    assert_eq!(after["cert"]["method"], "completion_date");
    assert_eq!(after["certification_path"], before["certification_path"]);
    // The members are still members.
    let rows = cli_json(&app.db, &["report", "memberships", "--program", "FIRSTAID"]);
    assert_eq!(rows.as_array().unwrap().len(), 192);
    app.finish().await;
}
