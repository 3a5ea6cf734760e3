//! The cold-start benchmark (docs/BENCHMARKS.md): from asking for a new window until the
//! dashboard shows the store's figures. Not a test: it prints its figures and asserts
//! nothing about time. Run it with
//! `cargo test --test e2e -- --ignored --nocapture startup` (see docs/BENCHMARKS.md).

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
