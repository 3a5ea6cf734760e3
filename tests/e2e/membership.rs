use fantoccini::Locator;

use crate::harness::App;

#[tokio::test]
async fn membership_report_lists_and_searches_learners() {
    let app = App::with_demo("membership_report_lists_and_searches_learners").await;
    app.find("#nav-membership").await.click().await.unwrap();
    app.find("[data-testid=membership-row]").await;
    let rows = app
        .client
        .find_all(Locator::Css("[data-testid=membership-row]"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 100, "the first page holds 100 rows");

    let search = app.find("#membership-text").await;
    search.send_keys("E10007").await.unwrap();
    app.find("form[role=search] button[type=submit]")
        .await
        .click()
        .await
        .unwrap();
    let mut texts = Vec::new();
    for _ in 0..50 {
        let rows = app
            .client
            .find_all(Locator::Css("[data-testid=membership-row]"))
            .await
            .unwrap();
        texts.clear();
        for r in &rows {
            texts.push(r.text().await.unwrap());
        }
        if !texts.is_empty() && texts.len() < 10 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        !texts.is_empty() && texts.len() < 10,
        "search narrowed the list: {} rows",
        texts.len()
    );
    assert!(texts.iter().all(|t| t.contains("E10007")), "{texts:?}");
    app.finish().await;
}
