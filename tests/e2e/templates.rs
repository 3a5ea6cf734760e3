//! Notification templates: an unknown placeholder is refused, a valid template is saved and
//! previewed for a learner.

use crate::exceptions::wait_text;
use crate::harness::App;

#[tokio::test]
async fn a_template_with_an_unknown_placeholder_is_refused_then_a_valid_one_is_saved_and_previewed()
{
    let app = App::with_demo("templates_refuse_save_preview").await;
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
    app.client
        .execute(
            "document.querySelector('[data-testid=preview-learner]').scrollIntoView()",
            vec![],
        )
        .await
        .unwrap();
    app.finish().await;
}
