//! The window benchmarks (docs/BENCHMARKS.md): cold start to a visible dashboard, and the
//! membership report at 1,000,000 memberships from a click to the rendered rows. Not tests:
//! they print their figures and assert nothing about time. Run them with
//! `cargo test -- --ignored --nocapture benchmark` (see docs/BENCHMARKS.md).

use std::time::{Duration, Instant};

use crate::harness::{cli_json, App};

#[tokio::test]
#[ignore = "a benchmark: run it by hand"]
async fn startup_benchmark_cold_start_to_a_visible_dashboard() {
    let mut times = Vec::new();
    for run in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("certdesk.sqlite");
        cli_json(&db, &["init", "--demo"]);
        let started = Instant::now();
        let app = App::open("startup_benchmark", dir, db).await;
        let session = started.elapsed();
        let figure = app.text("[data-testid=learners] .figure").await;
        assert!(!figure.is_empty());
        let shown = started.elapsed();
        println!(
            "run {run}: window session {:>5} ms, dashboard figures shown {:>5} ms",
            session.as_millis(),
            shown.as_millis()
        );
        times.push(shown);
        app.finish().await;
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let first = times[0];
    times.sort();
    println!(
        "median {} ms, min {} ms, max {} ms (the first run, coldest: {} ms)",
        times[2].as_millis(),
        times[0].as_millis(),
        times[4].as_millis(),
        first.as_millis()
    );
}

/// Clicks `css` in the page and measures, in the page, the milliseconds until the first
/// membership row shows different content, and until the browser has painted it
/// (`[-1, -1]` after 10 s).
const CLICK_TO_ROWS: &str = r#"
const [css, done] = arguments;
const body = document.querySelector('[data-testid=membership-viewport] tbody');
const first = () => body.querySelector('[data-testid=membership-row]')?.textContent;
const before = first();
const t0 = performance.now();
const timeout = setTimeout(() => { obs.disconnect(); done([-1, -1]); }, 10000);
const obs = new MutationObserver(() => {
  if (first() !== before) {
    obs.disconnect();
    clearTimeout(timeout);
    const updated = performance.now() - t0;
    requestAnimationFrame(() => requestAnimationFrame(() => done([updated, performance.now() - t0])));
  }
});
obs.observe(body, { childList: true, subtree: true, characterData: true });
document.querySelector(css).click();
"#;

/// Scrolls the membership report down by `arguments[0]` pixels a step, a step every two
/// animation frames, `arguments[1]` steps, and counts the steps after which the top or
/// the bottom of the view showed no row (a blank gap).
const SCROLL_FOR_GAPS: &str = r#"
const [by, steps, done] = arguments;
const vp = document.querySelector('[data-testid=membership-viewport]');
const head = vp.querySelector('thead').getBoundingClientRect().height;
const covers = (y) => [...vp.querySelectorAll('[data-testid=membership-row]')].some((r) => {
  const b = r.getBoundingClientRect();
  return b.top <= y && b.bottom >= y;
});
let gaps = 0;
const t0 = performance.now();
const step = (i) => {
  if (i === steps) {
    done({ gaps, steps, ms: performance.now() - t0, scrolled: vp.scrollTop });
    return;
  }
  vp.scrollTop += by;
  requestAnimationFrame(() => requestAnimationFrame(() => {
    const box = vp.getBoundingClientRect();
    if (!covers(box.top + head + 2) || !covers(box.bottom - 2)) gaps += 1;
    step(i + 1);
  }));
};
step(0);
"#;

#[tokio::test]
#[ignore = "a benchmark: run it by hand on a store from bench_membership"]
async fn membership_benchmark_click_to_rendered_rows_at_a_million() {
    let store = std::env::var_os("CERTDESK_BENCH_STORE").expect(
        "CERTDESK_BENCH_STORE=/path: build it with CERTDESK_BENCH_KEEP=/path cargo run \
         -p certdesk-core --example bench_membership",
    );
    let dir = tempfile::tempdir().unwrap();
    let app = App::open("membership_benchmark", dir, store.into()).await;
    app.click("#nav-membership").await;
    app.find("[data-testid=membership-row]").await;
    // Each click changes the first row; the sequence ends where it started.
    let clicks = [
        ("sort by due date", "button[data-sort=due_date]"),
        ("due date, descending", "button[data-sort=due_date]"),
        ("sort by expiry", "button[data-sort=expiry_date]"),
        ("expiry, descending", "button[data-sort=expiry_date]"),
        ("sort by learner name", "button[data-sort=learner_name]"),
    ];
    let mut ms = vec![Vec::new(); clicks.len()];
    for _round in 0..3 {
        for (i, (_, css)) in clicks.iter().enumerate() {
            let took = app
                .client
                .execute_async(CLICK_TO_ROWS, vec![(*css).into()])
                .await
                .unwrap();
            let t = took.as_array().unwrap();
            ms[i].push(format!(
                "{:.0}/{:.0}",
                t[0].as_f64().unwrap(),
                t[1].as_f64().unwrap()
            ));
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }
    for ((what, _), ms) in clicks.iter().zip(ms) {
        println!("{what:<24} click to rows in the page / painted: {ms:?} ms");
    }
    // Scrolling: 45 rows a step, a step every two frames, 200 steps (9,000 rows).
    let scrolled = app
        .client
        .execute_async(SCROLL_FOR_GAPS, vec![1500.into(), 200.into()])
        .await
        .unwrap();
    println!("scrolling 200 steps of 1,500 px: {scrolled}");
    app.finish().await;
}
