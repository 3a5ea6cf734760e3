//! Notification templates: an unknown placeholder is underlined as it is typed and refused,
//! a valid template is saved, previewed for a learner, and test-sent to a real SMTP server on
//! loopback.
//!
//! Subjects and bodies are CodeMirror editors: the tests type into their editable element
//! (`#rule-learner_body` is the `.cm-content`) with WebDriver's send_keys, real key events
//! as a person's, so CodeMirror's own input handling, completion and lint are what is
//! tested. A text is replaced with Backspaces then typing: an Element Clear would empty the
//! DOM under CodeMirror instead of its document, and WebKitWebDriver's send_keys does not
//! hold Control for Control+A.

use crate::harness::{choose, cli_json, fill, wait_text, App, SmtpServer};

/// Replaces the one-line text of the template editor `css` with `text`: Backspace over
/// what is there (send_keys puts the cursor at the end), then `text` typed.
async fn retype(app: &App, css: &str, text: &str) {
    let e = app.find(css).await;
    let old = e.text().await.unwrap_or_default().chars().count();
    e.send_keys(&format!("{}{text}", "\u{E003}".repeat(old)))
        .await
        .unwrap_or_else(|err| panic!("type into {css}: {err}"));
}

/// Records every CSP violation from now on (read with [`csp_violations`]).
async fn watch_csp(app: &App) {
    app.client
        .execute(
            "window.__csp = []; document.addEventListener('securitypolicyviolation', \
             (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`))",
            vec![],
        )
        .await
        .unwrap();
}

async fn csp_violations(app: &App) -> Vec<String> {
    let v = app
        .client
        .execute("return window.__csp", vec![])
        .await
        .unwrap();
    serde_json::from_value(v).unwrap()
}

/// The computed style `prop` of the first element matching `css`.
async fn computed(app: &App, css: &str, prop: &str) -> String {
    let v = app
        .client
        .execute(
            "return getComputedStyle(document.querySelector(arguments[0]))[arguments[1]]",
            vec![css.into(), prop.into()],
        )
        .await
        .unwrap();
    v.as_str().unwrap_or_default().to_string()
}

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
    watch_csp(&app).await;
    app.click("#nav-templates").await;
    // Wait for the first program's rules (each program starts with the default rules): the
    // programs come first, their rules a moment later.
    app.find("#templates-program option").await;
    app.find("[data-testid=rule-row]").await;
    let before = app
        .client
        .find_all(fantoccini::Locator::Css("[data-testid=rule-row]"))
        .await
        .unwrap()
        .len();

    app.click("#rule-new").await;
    retype(
        &app,
        "#rule-learner_subject",
        "Welcome to %programfullname%",
    )
    .await;
    retype(&app, "#rule-learner_body", "Hello %userfulname%").await;
    // Named as it is typed, underlined in the text, and refused by the store when saved.
    wait_text(&app, "#rule-learner_body-error", |t| {
        t.contains("%userfulname%")
    })
    .await;
    let mark = "#rule-learner_body .cm-lintRange-error";
    assert_eq!(
        wait_text(&app, mark, |t| !t.is_empty()).await,
        "%userfulname%"
    );
    // CodeMirror's styles apply under the app's CSP (its <style> carries Tauri's nonce): the
    // wavy underline is drawn and the editor is laid out as CodeMirror's base theme says.
    assert!(
        computed(&app, mark, "backgroundImage")
            .await
            .starts_with("url("),
        "the unknown placeholder is underlined"
    );
    assert_eq!(computed(&app, ".cm-editor", "display").await, "flex");
    // The body's HTML beside it, rendered by the backend for the example learner.
    let frame = "iframe[title='Learner body as HTML, for an example learner']";
    let mut srcdoc = String::new();
    for _ in 0..100 {
        srcdoc = app
            .find(frame)
            .await
            .attr("srcdoc")
            .await
            .unwrap()
            .unwrap_or_default();
        if srcdoc.contains("Hello %userfulname%") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(srcdoc.contains("Hello %userfulname%"), "{srcdoc}");
    // `%` offers the placeholders; Enter takes the one shown.
    let subject = app.find("#rule-learner_subject").await;
    subject.send_keys(" %pro").await.unwrap();
    wait_text(&app, ".cm-tooltip-autocomplete", |t| {
        t == "%programfullname%"
    })
    .await;
    // CodeMirror takes Enter for a completion only once its list has been open 75 ms
    // (`interactionDelay`); a person is never that quick, a loaded test machine may be.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    subject.send_keys("\u{E007}").await.unwrap();
    wait_text(&app, "#rule-learner_subject", |t| {
        t == "Welcome to %programfullname% %programfullname%"
    })
    .await;
    retype(
        &app,
        "#rule-learner_subject",
        "Welcome to %programfullname%",
    )
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

    retype(&app, "#rule-learner_body", "Hello %userfullname%").await;
    for _ in 0..100 {
        let doc = app.find(frame).await.attr("srcdoc").await.unwrap();
        if doc.unwrap_or_default().contains("Hello Alex Example") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let srcdoc = app.find(frame).await.attr("srcdoc").await.unwrap();
    assert!(srcdoc.unwrap_or_default().contains("Hello Alex Example"));
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
    assert_eq!(csp_violations(&app).await, Vec::<String>::new());
    app.finish().await;
}

/// Issue 12: the rule editor offers repeats and escalation; once saved, the preview's "Next
/// messages" are the ones the run's own selection finds (as `certdesk-cli rules next` prints
/// them, in the same order), and the stored rule has what was chosen.
#[tokio::test]
async fn a_rule_edited_with_repeats_and_escalation_previews_its_next_messages() {
    let app = App::with_demo("templates_repeat_escalation").await;
    app.click("#nav-templates").await;
    app.find("#templates-program option").await;
    // The default "due date, 7 days before, learner and managers" rule of the first program.
    let mut rule_id = None;
    for _ in 0..50 {
        for row in app
            .client
            .find_all(fantoccini::Locator::Css("[data-testid=rule-row]"))
            .await
            .unwrap()
        {
            if row
                .text()
                .await
                .unwrap()
                .contains("Program / certification due date")
            {
                rule_id = row.attr("data-rule-id").await.unwrap();
                break;
            }
        }
        if rule_id.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let rule_id = rule_id.expect("a due-date rule");
    app.click(&format!("tr[data-rule-id='{rule_id}'] button"))
        .await;
    app.click("#rule-repeat").await;
    fill(&app, "#rule-repeat-every", "3").await;
    fill(&app, "#rule-repeat-max", "2").await;
    choose(&app, "#rule-escalation", "always").await;
    app.click("#rule-save").await;
    wait_text(&app, "[data-testid=rule-saved]", |t| t.contains("Saved")).await;

    let stored = cli_json(&app.db, &["rules", "show", &rule_id]);
    let input = &stored["input"];
    assert_eq!(input["repeat_every_days"], 3, "{stored}");
    assert_eq!(input["repeat_max"], 2, "{stored}");
    assert_eq!(input["escalation"], "always", "{stored}");

    let next = cli_json(&app.db, &["rules", "next", &rule_id, "--count", "5"]);
    let next = next.as_array().expect("a list").clone();
    assert!(!next.is_empty(), "the demo has memberships due: {next:?}");
    let mut shown = Vec::new();
    for _ in 0..100 {
        shown = Vec::new();
        for li in app
            .client
            .find_all(fantoccini::Locator::Css("[data-testid=next-sends] li"))
            .await
            .unwrap()
        {
            shown.push(li.text().await.unwrap());
        }
        if shown.len() == next.len() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(shown.len(), next.len(), "{shown:?} / {next:?}");
    for (line, n) in shown.iter().zip(&next) {
        let email = n["email"].as_str().unwrap();
        let learner = n["learner"].as_str().unwrap();
        assert!(
            line.contains(&format!("{email} about {learner}")),
            "{line} / {n}"
        );
        let no = n["reminder_no"].as_u64().unwrap();
        assert_eq!(
            line.ends_with(&format!(", reminder {no}")),
            no > 1,
            "{line} / {n}"
        );
    }
    // Further on, the same selection has each learner's repeats 3 and 6 days after their
    // first reminder, at the same time of day.
    let all = cli_json(&app.db, &["rules", "next", &rule_id, "--count", "5000"]);
    let all = all.as_array().expect("a list");
    let first = &next[0];
    let mine: Vec<&serde_json::Value> = all
        .iter()
        .filter(|n| n["email"] == first["email"] && n["learner"] == first["learner"])
        .collect();
    let at = |k: u64| {
        let n = mine
            .iter()
            .find(|n| n["reminder_no"] == k)
            .unwrap_or_else(|| panic!("reminder {k} of {first}: {mine:?}"));
        seconds(n["at"].as_str().unwrap())
    };
    assert_eq!(at(2) - at(1), 3 * 86_400, "{mine:?}");
    assert_eq!(at(3) - at(1), 6 * 86_400, "{mine:?}");
    app.finish().await;
}

/// Unix seconds of an RFC 3339 UTC instant (`2027-01-06T21:00:00Z`).
fn seconds(at: &str) -> i64 {
    let n = |r: std::ops::Range<usize>| at[r].parse::<i64>().unwrap();
    let (y, m, d) = (n(0..4), n(5..7), n(8..10));
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + n(11..13) * 3600 + n(14..16) * 60 + n(17..19)
}
