//! Waiting for what the window shows, and filling in its forms.

use std::time::Duration;

use fantoccini::Locator;

use super::App;

/// How many times the waits below look, 100 ms apart: 30 s, for a loaded CI machine (a
/// save may wait for the start-up run's transaction).
const TRIES: usize = 300;

/// Waits until the text of `css` satisfies `ok`; returns it.
pub async fn wait_text(app: &App, css: &str, ok: impl Fn(&str) -> bool) -> String {
    let mut last = String::new();
    for _ in 0..TRIES {
        if let Ok(e) = app.client.find(Locator::Css(css)).await {
            if let Ok(t) = e.text().await {
                if ok(&t) {
                    return t;
                }
                last = t;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{css} never matched; last text: {last:?}");
}

/// Waits until the membership report's cells of column `col` satisfy `ok`; returns them.
pub async fn wait_cells(app: &App, col: &str, ok: impl Fn(&[String]) -> bool) -> Vec<String> {
    let css = format!("[data-testid=membership-row] td[data-col={col}]");
    let mut last = Vec::new();
    for _ in 0..TRIES {
        let mut cells = Vec::new();
        for e in app.client.find_all(Locator::Css(&css)).await.unwrap() {
            cells.push(e.text().await.unwrap_or_default());
        }
        if ok(&cells) {
            return cells;
        }
        last = cells;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the {col} cells never matched; last: {last:?}");
}

/// Chooses the option of value `value` in the `<select>` `select`.
pub async fn choose(app: &App, select: &str, value: &str) {
    app.find(select)
        .await
        .select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("choose {value} in {select}: {e}"));
}

/// Replaces the text of the input `css` with `text`.
pub async fn fill(app: &App, css: &str, text: &str) {
    let e = app.find(css).await;
    e.clear().await.unwrap();
    e.send_keys(text).await.unwrap();
}
