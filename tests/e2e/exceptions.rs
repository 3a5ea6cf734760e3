//! Fixing exceptions through Select, Action and the confirmation, with each of the four
//! actions, then finding the new statuses in the membership report.

use fantoccini::Locator;

use crate::harness::{choose, cli_json, wait_cells, wait_text, App};

/// Applies the chosen action: Apply…, read the dialog, confirm; returns the dialog's text.
async fn act(app: &App, action: &str, changed: usize) -> String {
    app.click(&format!("input[name=exception-action][value={action}]"))
        .await;
    app.click("#exception-apply").await;
    let dialog = app.text("[role=dialog]").await;
    assert!(dialog.contains("You can undo it afterwards"), "{dialog}");
    let rows = if changed == 1 { "row" } else { "rows" };
    assert!(
        dialog.contains(&format!("{changed} {rows} will change")),
        "{action}: {dialog}"
    );
    app.click("#exception-confirm").await;
    wait_text(app, "[data-testid=action-result]", |t| {
        t.contains(&format!(
            "{changed} {}",
            if changed == 1 {
                "row changed"
            } else {
                "rows changed"
            }
        ))
    })
    .await;
    dialog
}

fn count(v: &serde_json::Value, kind: &str) -> usize {
    v.as_array()
        .unwrap()
        .iter()
        .filter(|x| x["kind"] == kind)
        .count()
}

#[tokio::test]
async fn fix_exceptions_with_each_action_then_see_them_in_the_membership_report() {
    let app = App::with_demo("fix_exceptions_with_each_action").await;
    let raised = cli_json(&app.db, &["exceptions", "list"]);
    let allowance = count(&raised, "time_allowance");
    let unknown = count(&raised, "completion_time_unknown");
    let duplicate = count(&raised, "duplicate_course");
    assert!(allowance >= 2 && unknown >= 1 && duplicate >= 1, "{raised}");

    app.click("#nav-exceptions").await;
    app.find("[data-testid=exception-row]").await;

    // 1. One time-allowance row ticked by hand: assign.
    let first = app
        .find("[data-testid=exception-row][data-kind=time_allowance]")
        .await;
    let assigned_learner = first
        .find(Locator::Css("td:nth-child(3)"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    first
        .find(Locator::Css("input[type=checkbox]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    act(&app, "assign", 1).await;

    // 2. Every completion-time-unknown row: set a realistic due date (assign is not offered).
    choose(&app, "#exception-select", "completion_time_unknown").await;
    app.find("input[name=exception-action][value=set_realistic_due_date]")
        .await;
    assert!(
        app.client
            .find(Locator::Css("input[name=exception-action][value=assign]"))
            .await
            .is_err(),
        "assign is not offered for completion time unknown"
    );
    act(&app, "set_realistic_due_date", unknown).await;

    // 3. Every duplicate-course row: do not assign.
    choose(&app, "#exception-select", "duplicate_course").await;
    act(&app, "do_not_assign", duplicate).await;

    // 4. All that is left: dismiss. Then Undo on the result brings those rows back, and
    // dismissing them again works.
    choose(&app, "#exception-select", "all").await;
    act(&app, "dismiss", allowance - 1).await;
    app.find("[data-testid=no-exceptions]").await;
    app.click("[data-testid=undo-result]").await;
    let rows = if allowance == 2 { "row" } else { "rows" };
    wait_text(&app, "[data-testid=undo-result-summary]", |t| {
        t.contains(&format!("{} {rows} restored", allowance - 1))
    })
    .await;
    app.find("[data-testid=exception-row][data-kind=time_allowance]")
        .await;
    let back = cli_json(&app.db, &["exceptions", "list"]);
    assert_eq!(count(&back, "time_allowance"), allowance - 1, "{back}");
    choose(&app, "#exception-select", "time_allowance").await;
    act(&app, "dismiss", allowance - 1).await;
    app.find("[data-testid=no-exceptions]").await;
    assert_eq!(
        cli_json(&app.db, &["exceptions", "list"])
            .as_array()
            .unwrap()
            .len(),
        0
    );

    // The membership report shows each new status.
    app.click("#nav-membership").await;
    app.find("[data-testid=membership-row]").await;
    for (status, label) in [
        ("resolved_assigned", "Resolved: assigned"),
        ("resolved_realistic", "Resolved: realistic due date"),
        ("not_assigned", "Not assigned"),
        ("dismissed", "Dismissed"),
    ] {
        choose(&app, "#membership-exception", status).await;
        wait_cells(&app, "exception", |cells| {
            !cells.is_empty() && cells.iter().all(|c| c == label)
        })
        .await;
    }
    choose(&app, "#membership-exception", "resolved_assigned").await;
    let search = app.find("#membership-text").await;
    search.send_keys(&assigned_learner).await.unwrap();
    app.click("form[role=search] button[type=submit]").await;
    wait_cells(&app, "id_number", |cells| {
        !cells.is_empty() && cells.iter().all(|c| *c == assigned_learner)
    })
    .await;
    app.finish().await;
}
