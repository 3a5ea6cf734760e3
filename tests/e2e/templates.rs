//! Notification templates: an unknown placeholder is refused, a valid template is saved,
//! previewed for a learner, and test-sent to a real SMTP server on loopback.

use crate::harness::{cli_json, fill, wait_text, App, SmtpServer};

#[tokio::test]
async fn a_template_with_an_unknown_placeholder_is_refused_then_a_valid_one_is_saved_previewed_and_test_sent(
) {
    let server = SmtpServer::start();
    let app = App::with_demo("templates_refuse_save_preview").await;
    let port = server.port.to_string();
    cli_json(
        &app.db,
        &[
            "smtp",
            "set",
            "--host",
            "127.0.0.1",
            "--port",
            &port,
            "--security",
            "none",
            "--from",
            "learning@example.org",
        ],
    );
    app.click("#nav-templates").await;
    // Wait for the programs (each starts with the default rules).
    app.find("#templates-program option").await;
    let before = app
        .client
        .find_all(fantoccini::Locator::Css("[data-testid=rule-row]"))
        .await
        .unwrap()
        .len();

    app.click("#rule-new").await;
    app.find("#rule-learner_subject")
        .await
        .send_keys("Welcome to %programfullname%")
        .await
        .unwrap();
    let body = app.find("#rule-learner_body").await;
    body.send_keys("Hello %userfulname%").await.unwrap();
    // Named as it is typed, and refused by the store when saved.
    wait_text(&app, "#rule-learner_body-error", |t| {
        t.contains("%userfulname%")
    })
    .await;
    app.click("#rule-save").await;
    let refused = wait_text(&app, "[data-testid=rule-error]", |t| !t.is_empty()).await;
    assert!(refused.contains("%userfulname%"), "{refused}");
    let rows = app
        .client
        .find_all(fantoccini::Locator::Css("[data-testid=rule-row]"))
        .await
        .unwrap()
        .len();
    assert_eq!(rows, before, "nothing saved");

    body.clear().await.unwrap();
    body.send_keys("Hello %userfullname%").await.unwrap();
    app.click("#rule-save").await;
    wait_text(&app, "[data-testid=rule-saved]", |t| t.contains("Saved")).await;
    for _ in 0..50 {
        let rows = app
            .client
            .find_all(fantoccini::Locator::Css("[data-testid=rule-row]"))
            .await
            .unwrap()
            .len();
        if rows == before + 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    app.find("#preview-search")
        .await
        .send_keys("E10007")
        .await
        .unwrap();
    app.click("#preview-search + button").await;
    let option = app.find("#preview-learner option").await;
    let label = option.text().await.unwrap();
    let name = label.split(" (").next().unwrap().to_string();
    app.click("#preview-show").await;
    let subject = wait_text(&app, "[data-testid=preview-learner] .subject", |t| {
        t.starts_with("Welcome to ")
    })
    .await;
    assert!(!subject.contains('%'), "{subject}");
    let text = app.text("[data-testid=preview-learner] pre").await;
    assert_eq!(text.trim(), format!("Hello {name}"));
    let frame = app.find("[data-testid=preview-learner] iframe").await;
    assert_eq!(frame.attr("sandbox").await.unwrap().as_deref(), Some(""));

    // The test send: the rendered message arrives at the address given, and only there.
    fill(&app, "#test-send-to", "tester@example.org").await;
    app.click("#test-send").await;
    wait_text(&app, "[data-testid=test-send-result]", |t| {
        t.contains("Sent 1 test message to tester@example.org")
    })
    .await;
    let mut arrived = Vec::new();
    for _ in 0..100 {
        arrived = server
            .received()
            .into_iter()
            .filter(|m| m.rcpt_tos == ["tester@example.org"])
            .collect();
        if !arrived.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(arrived.len(), 1, "one test message arrived");
    assert_eq!(
        arrived[0].subject(),
        format!("[Test, learner's message] {subject}")
    );
    assert!(arrived[0].data.contains(&format!("Hello {name}")));
    app.client
        .execute(
            "document.querySelector('[data-testid=preview-learner]').scrollIntoView()",
            vec![],
        )
        .await
        .unwrap();
    app.finish().await;
}
