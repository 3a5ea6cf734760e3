//! The forecast screen (issue 13): a bar per day with the count the run's own selection gives
//! (`certdesk-cli forecast`), and a click on a day lists that day's messages.

use fantoccini::Locator;

use crate::harness::{cli_json, App};

#[tokio::test]
async fn the_forecast_shows_each_days_count_and_a_day_lists_its_messages() {
    let app = App::with_demo("forecast_days_and_messages").await;
    app.click("#nav-forecast").await;
    app.find("ol.chart li button").await;
    let mut shown: Vec<(String, u64)> = Vec::new();
    for b in app
        .client
        .find_all(Locator::Css("ol.chart li button"))
        .await
        .unwrap()
    {
        let label = b.attr("aria-label").await.unwrap().unwrap_or_default();
        let (date, rest) = label.split_once(": ").expect("DATE: N messages");
        let n = rest.trim_end_matches(" messages").parse::<u64>().unwrap();
        shown.push((date.to_string(), n));
    }
    let cli = cli_json(&app.db, &["forecast", "--days", "30"]);
    let days: Vec<(String, u64)> = cli["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["date"].as_str().unwrap().to_string(),
                d["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(shown.len(), 30, "{shown:?}");
    assert_eq!(shown.len(), days.len());
    // Today's count can only fall between the screen's instant and the CLI's (a message
    // coming due leaves the forecast for the next run); every later day is the same.
    for (k, (s, c)) in shown.iter().zip(&days).enumerate() {
        assert_eq!(s.0, c.0);
        if k == 0 {
            assert!(s.1 >= c.1, "{s:?} / {c:?}");
        } else {
            assert_eq!(s.1, c.1, "{s:?} / {c:?}");
        }
    }
    let busiest = days[1..].iter().max_by_key(|d| d.1).unwrap().clone();
    assert!(busiest.1 > 0, "the demo has messages ahead: {days:?}");

    app.click(&format!("ol.chart li button[title^='{}']", busiest.0))
        .await;
    let want = cli_json(&app.db, &["forecast", "--days", "30", "--day", &busiest.0]);
    let want = want["messages"].as_array().unwrap().len();
    let mut rows = 0;
    for _ in 0..100 {
        rows = app
            .client
            .find_all(Locator::Css("section table tbody tr"))
            .await
            .unwrap()
            .len();
        if rows == want {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(rows, want, "the day's messages as the CLI lists them");
    assert!(app
        .text("section h2")
        .await
        .contains(&format!("Messages on {}", busiest.0)));
    app.finish().await;
}
