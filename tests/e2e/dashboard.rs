use crate::harness::{cli_json, App};

/// The figures the CLI reads from the store, formatted as the UI shows them.
fn figure(v: &serde_json::Value, key: &str) -> String {
    let n = v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} missing in {v}"));
    // The UI groups thousands with a comma (en-GB).
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[tokio::test]
async fn dashboard_shows_the_demo_store_figures() {
    let app = App::with_demo("dashboard_shows_the_demo_store_figures").await;
    let expected = cli_json(&app.db, &["dashboard"]);
    assert!(
        expected["learners"].as_u64().unwrap() > 100,
        "the demo has a few hundred learners"
    );

    let learners = app.text("[data-testid=learners] .figure").await;
    assert_eq!(learners, figure(&expected, "learners"));
    assert_eq!(
        app.text("[data-testid=assignments] .figure").await,
        figure(&expected, "assignments")
    );
    assert_eq!(
        app.text("[data-testid=raised-exceptions] .figure").await,
        figure(&expected, "raised_exceptions")
    );
    assert_eq!(
        app.text("[data-testid=expiring] .figure").await,
        figure(&expected, "expiring_30_days")
    );
    let expired = expected["by_status"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["status"] == "expired")
        .unwrap()["count"]
        .as_u64()
        .unwrap();
    assert!(expired > 0);
    let cell = app.text("tr[data-status=expired] .count").await;
    assert_eq!(cell, expired.to_string());

    // The 12-week outlook and the outbox's health.
    app.find("[data-testid=outlook-chart] g[data-week]").await;
    let weeks = app
        .client
        .find_all(fantoccini::Locator::Css(
            "[data-testid=outlook-chart] g[data-week]",
        ))
        .await
        .unwrap();
    assert_eq!(weeks.len(), 12);
    // What the demo queued (no SMTP server is set up, so it waits in the outbox).
    let outbox = cli_json(&app.db, &["send", "--status"]);
    assert_eq!(
        app.text("[data-testid=outbox-queued]").await,
        figure(&outbox, "queued")
    );
    assert_eq!(
        app.text("[data-testid=outbox-failed]").await,
        figure(&outbox, "failed")
    );
    app.finish().await;
}
