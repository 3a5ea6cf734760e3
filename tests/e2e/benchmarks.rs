//! The window benchmarks (docs/BENCHMARKS.md): cold start to a visible dashboard, and the
//! membership report at 1,000,000 memberships from a click to the rendered rows. Not tests:
//! they print their figures and assert nothing about time. Run them with
//! `cargo test -- --ignored --nocapture benchmark` (see docs/BENCHMARKS.md).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fantoccini::Locator;

use crate::harness::{cli_json, App};

/// A store of the benchmark's own: a copy of `$CERTDESK_BENCH_STORE` (and its `-wal`) when
/// set, so that each launch finds the same work to catch up, else a new demo store.
fn bench_store(dir: &Path) -> PathBuf {
    let db = dir.join("certdesk.sqlite");
    match std::env::var_os("CERTDESK_BENCH_STORE") {
        Some(src) => {
            let src = PathBuf::from(src);
            std::fs::copy(&src, &db).unwrap();
            let mut wal = src.into_os_string();
            wal.push("-wal");
            if Path::new(&wal).exists() {
                std::fs::copy(&wal, dir.join("certdesk.sqlite-wal")).unwrap();
            }
        }
        None => {
            cli_json(&db, &["init", "--demo"]);
        }
    }
    db
}

/// Waits (at most `at_most`) until the dashboard no longer says it is catching up.
async fn catch_up_done(app: &App, at_most: Duration) -> bool {
    let until = Instant::now() + at_most;
    while Instant::now() < until {
        let shown = app
            .client
            .find(Locator::Css("[data-testid=catching-up]"))
            .await;
        if shown.is_err() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test]
#[ignore = "a benchmark: run it by hand"]
async fn startup_benchmark_cold_start_to_a_visible_dashboard() {
    let mut times = Vec::new();
    for run in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        let db = bench_store(dir.path());
        let started = Instant::now();
        let app = App::open("startup_benchmark", dir, db).await;
        let session = started.elapsed();
        let figure = app.text("[data-testid=learners] .figure").await;
        assert!(!figure.is_empty());
        let shown = started.elapsed();
        let catching_up = app
            .client
            .find(Locator::Css("[data-testid=catching-up]"))
            .await
            .is_ok();
        println!(
            "run {run}: window session {:>5} ms, dashboard figures shown {:>5} ms{}",
            session.as_millis(),
            shown.as_millis(),
            if catching_up {
                ", start-up run still catching up"
            } else {
                ""
            }
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

/// The proportional set size (kB) of process `pid` (`/proc/PID/smaps_rollup`): its private
/// memory plus its share of what it shares with others, so the sum over processes is fair.
fn pss_kb(pid: u32) -> u64 {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
    rollup
        .lines()
        .find_map(|l| l.strip_prefix("Pss:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// A `/proc/PID/status` field in kB (`VmHWM`: the peak resident size).
fn status_kb(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| {
            v.trim_start_matches(':')
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse()
                .ok()
        })
        .unwrap_or(0)
}

/// Every process: (pid, parent pid, name).
fn processes() -> Vec<(u32, u32, String)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let name = stat[open + 1..close].to_string();
        let ppid = stat[close + 2..]
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        out.push((pid, ppid, name));
    }
    out
}

/// The app's process (the one running `$CERTDESK_APP` on `db`) and its descendants (the
/// WebKit web and network processes), each with its PSS in kB.
fn app_tree(db: &Path) -> Vec<(u32, String, u64)> {
    let db = db.to_string_lossy().into_owned();
    let all = processes();
    let root = all.iter().find(|(pid, _, _)| {
        let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let cmd = String::from_utf8_lossy(&cmd);
        cmd.contains(&db) && !cmd.contains("WebKitWebDriver") && !cmd.contains("tauri-driver")
    });
    let Some(&(root, _, ref name)) = root else {
        return Vec::new();
    };
    let mut tree = vec![(root, name.clone(), pss_kb(root))];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i].0;
        for (pid, ppid, name) in &all {
            if *ppid == parent {
                tree.push((*pid, name.clone(), pss_kb(*pid)));
            }
        }
        i += 1;
    }
    tree
}

fn print_tree(when: &str, tree: &[(u32, String, u64)]) {
    let total: u64 = tree.iter().map(|p| p.2).sum();
    let parts: Vec<String> = tree
        .iter()
        .map(|(_, name, kb)| format!("{name} {:.1}", *kb as f64 / 1024.0))
        .collect();
    println!(
        "{when:<40} PSS {:>6.1} MB in all ({})",
        total as f64 / 1024.0,
        parts.join(", ")
    );
}

/// Memory of the app in all its processes (PSS), idle on the dashboard once the start-up
/// run is done, and with the membership report open; and the app process's peak resident
/// size. On a copy of `$CERTDESK_BENCH_STORE`, else on a demo store.
#[tokio::test]
#[ignore = "a benchmark: run it by hand"]
async fn memory_benchmark_pss_of_all_processes() {
    let dir = tempfile::tempdir().unwrap();
    let db = bench_store(dir.path());
    let app = App::open("memory_benchmark", dir, db.clone()).await;
    app.text("[data-testid=learners] .figure").await;
    let caught_up = catch_up_done(&app, Duration::from_secs(600)).await;
    assert!(caught_up, "the start-up run did not end");
    let peak = app_tree(&db).first().map(|p| status_kb(p.0, "VmHWM"));
    tokio::time::sleep(Duration::from_secs(5)).await;
    print_tree("dashboard, idle after the start-up run", &app_tree(&db));
    app.click("#nav-membership").await;
    app.find("[data-testid=membership-row]").await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    print_tree("membership report open", &app_tree(&db));
    // 45 rows a step, 100 steps (`$CERTDESK_BENCH_SCROLL_STEPS` to scroll further).
    let steps: u32 = std::env::var("CERTDESK_BENCH_SCROLL_STEPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100);
    let scrolled = app
        .client
        .execute_async(SCROLL_FOR_GAPS, vec![1500.into(), steps.into()])
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let rows = steps * 45;
    print_tree(
        &format!("membership report scrolled {rows} rows"),
        &app_tree(&db),
    );
    println!("(scroll: {scrolled})");
    // What of that is garbage the page lets go of later, and what scrolling back costs.
    tokio::time::sleep(Duration::from_secs(20)).await;
    print_tree("the same, 20 s later", &app_tree(&db));
    app.client
        .execute(
            "document.querySelector('[data-testid=membership-viewport]').scrollTop = 0",
            vec![],
        )
        .await
        .unwrap();
    app.find("[data-testid=membership-row]").await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    print_tree("scrolled back to the first row", &app_tree(&db));
    if let Some(tree) = app_tree(&db).first() {
        println!(
            "app process peak resident size (VmHWM): {:.1} MB after the start-up run, {:.1} MB now",
            peak.unwrap_or(0) as f64 / 1024.0,
            status_kb(tree.0, "VmHWM") as f64 / 1024.0
        );
    }
    app.finish().await;
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
