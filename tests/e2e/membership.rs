use fantoccini::Locator;

use crate::harness::{choose, cli_json, wait_cells, wait_text, App};

#[tokio::test]
async fn membership_report_lists_and_searches_learners() {
    let app = App::with_demo("membership_report_lists_and_searches_learners").await;
    app.click("#nav-membership").await;
    app.find("[data-testid=membership-row]").await;
    let rows = app
        .client
        .find_all(Locator::Css("[data-testid=membership-row]"))
        .await
        .unwrap();
    // Virtual scrolling: only the rows in view (and a few either side) are in the page.
    assert!(
        rows.len() > 10 && rows.len() < 100,
        "rows rendered: {}",
        rows.len()
    );

    let search = app.find("#membership-text").await;
    search.send_keys("E10007").await.unwrap();
    app.click("form[role=search] button[type=submit]").await;
    let mut texts = Vec::new();
    for _ in 0..50 {
        let rows = app
            .client
            .find_all(Locator::Css("[data-testid=membership-row]"))
            .await
            .unwrap();
        texts.clear();
        // A row may be re-rendered between the two calls: read it again next time.
        for r in &rows {
            texts.push(r.text().await.unwrap_or_default());
        }
        if !texts.is_empty() && texts.len() < 10 && texts.iter().all(|t| t.contains("E10007")) {
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

/// A date as a number that grows with it. The report sorts by the due instant and shows it
/// as a date in each learner's own time zone, so neighbouring rows may differ by a day.
/// A missing date sorts last (ascending).
fn day(date: &str) -> i64 {
    if date.is_empty() {
        return i64::MAX / 2;
    }
    let mut parts = date.split('-').map(|p| p.parse::<i64>().unwrap());
    let (y, m, d) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    y * 372 + m * 31 + d
}

#[tokio::test]
async fn membership_report_filters_and_sorts() {
    let app = App::with_demo("membership_report_filters_and_sorts").await;
    app.click("#nav-membership").await;
    app.find("[data-testid=membership-row]").await;

    choose(&app, "#membership-status", "expired").await;
    wait_cells(&app, "status", |c| {
        !c.is_empty() && c.iter().all(|s| s == "Expired")
    })
    .await;

    app.click("button[data-sort=due_date]").await;
    let ascending = wait_cells(&app, "due", |c| {
        c.len() > 1 && c.windows(2).all(|w| day(&w[0]) <= day(&w[1]) + 2)
    })
    .await;
    assert_eq!(
        app.find("th[aria-sort=ascending]")
            .await
            .text()
            .await
            .unwrap(),
        "Due date ▲"
    );
    app.click("button[data-sort=due_date]").await;
    let descending = wait_cells(&app, "due", |c| {
        c.len() > 1 && c.windows(2).all(|w| day(&w[0]) + 2 >= day(&w[1]))
    })
    .await;
    assert!(
        day(&descending[0]) > day(&ascending[0]),
        "{descending:?} {ascending:?}"
    );

    // One program (a certification, the first expired row's): every row is of that
    // program, still expired.
    let program = wait_cells(&app, "program", |c| !c.is_empty()).await[0].clone();
    let mut id = None;
    for option in app
        .client
        .find_all(Locator::Css("#membership-program option"))
        .await
        .unwrap()
    {
        if option.text().await.unwrap() == program {
            id = option.attr("value").await.unwrap();
        }
    }
    let id = id.unwrap_or_else(|| panic!("{program} is not offered"));
    choose(&app, "#membership-program", &id).await;
    wait_cells(&app, "program", |c| {
        !c.is_empty() && c.iter().all(|p| *p == program)
    })
    .await;
    wait_cells(&app, "status", |c| {
        !c.is_empty() && c.iter().all(|s| s == "Expired")
    })
    .await;
    app.finish().await;
}

#[tokio::test]
async fn membership_report_exports_the_filtered_rows_to_csv_and_xlsx() {
    let app = App::with_demo("membership_report_exports_the_filtered_rows_to_csv").await;
    let all = cli_json(&app.db, &["report", "memberships"]);
    let expired = all
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "expired")
        .count();
    assert!(expired > 0);

    app.click("#nav-membership").await;
    app.find("[data-testid=membership-row]").await;
    choose(&app, "#membership-status", "expired").await;
    wait_cells(&app, "status", |c| {
        !c.is_empty() && c.iter().all(|s| s == "Expired")
    })
    .await;

    let path = app.db.parent().unwrap().join("expired.csv");
    let path_text = path.display().to_string();
    // The save dialog's answer, injected through the window's test hook.
    app.choose_files(&[&path]).await;
    app.click("#export-csv").await;
    let said = wait_text(&app, "[data-testid=export-result]", |t| {
        t.contains(&path_text)
    })
    .await;
    assert!(said.contains(&format!("Exported {expired} rows")), "{said}");
    // What was made is offered to open, or to show in its folder.
    assert_eq!(app.text("#export-show").await, "Show in folder");
    assert_eq!(app.text("#export-open").await, "Open");

    let csv = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), expired + 1, "a header and the expired rows");
    assert!(lines[0].starts_with("learner_id_number,learner_name"));
    assert!(lines[1..].iter().all(|l| l.contains(",expired,")), "{csv}");

    // The same rows as a workbook (its content is checked in the core tests).
    let xlsx = app.db.parent().unwrap().join("expired.xlsx");
    app.choose_files(&[&xlsx]).await;
    app.click("#export-xlsx").await;
    wait_text(&app, "[data-testid=export-result]", |t| {
        t.contains("expired.xlsx") && t.contains(&format!("Exported {expired} rows"))
    })
    .await;
    let bytes = std::fs::read(&xlsx).unwrap();
    assert!(
        bytes.starts_with(b"PK\x03\x04"),
        "an XLSX file is a zip archive"
    );
    let names = String::from_utf8_lossy(&bytes);
    assert!(
        names.contains("xl/worksheets/sheet1.xml"),
        "with a worksheet"
    );
    app.finish().await;
}
