//! The reader pool (docs/BENCHMARKS.md, "Desktop start-up, readers and memory"):
//!
//! ```text
//! cargo run --release -p certdesk-core --example bench_readers -- STORE
//! ```
//!
//! Times a desktop command's read on STORE (an existing store, e.g. one kept by
//! `bench_membership`): taking a reader and reading one small row, 200 times, first with
//! every reader kept open meanwhile (so each is a new connection, as before the pool), then
//! dropping each before the next (so the pool hands the same connection back).
//!
//! Then what the desktop reads through its pooled readers: the membership report's pages of
//! 200 rows (the first page of five sorts and the ten pages after it, as a reader scrolls),
//! and the dashboard, each the median of several rounds, with the process's resident size
//! once the readers are idle again (what their page caches keep, as the malloc keeps it).

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use certdesk_core::api::reports;
use certdesk_core::report::membership::{MembershipQuery, MembershipSort, SortColumn};
use certdesk_core::Db;

fn read(db: &Db) -> certdesk_core::Reader {
    let r = db.reader().unwrap();
    let n: i64 = r
        .query_row("SELECT count(*) FROM program", [], |x| x.get(0))
        .unwrap();
    assert!(n >= 0);
    r
}

fn main() {
    let path = std::env::args().nth(1).expect("usage: bench_readers STORE");
    let db = Db::open(&path).unwrap();
    println!("resident at the start {:.1} MB", rss_mb());
    desktop_reads(&db);
    const N: u32 = 200;
    let t = Instant::now();
    let kept: Vec<_> = (0..N).map(|_| read(&db)).collect();
    let fresh = t.elapsed() / N;
    drop(kept);
    let t = Instant::now();
    for _ in 0..N {
        drop(read(&db));
    }
    let pooled = t.elapsed() / N;
    println!(
        "a reader and one small read, {N} times: new connection {:.3} ms, pooled {:.3} ms ({:.0} times faster)",
        fresh.as_secs_f64() * 1e3,
        pooled.as_secs_f64() * 1e3,
        fresh.as_secs_f64() / pooled.as_secs_f64()
    );
}

/// The process's resident size in MB (`VmRSS`).
fn rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1e3
}

/// A pooled reader, its page cache set to `$READER_CACHE_KIB` when given (to compare sizes).
fn reader(db: &Db) -> certdesk_core::Reader {
    let r = db.reader().unwrap();
    if let Ok(kib) = std::env::var("READER_CACHE_KIB") {
        r.pragma_update(None, "cache_size", -kib.parse::<i64>().unwrap())
            .unwrap();
    }
    r
}

/// Eleven report pages of one sort (the first and ten after it), each on a pooled reader.
fn scroll(db: &Db, sort: SortColumn) -> Duration {
    let t = Instant::now();
    let mut q = MembershipQuery {
        limit: 200,
        sort: Some(MembershipSort {
            column: sort,
            descending: false,
        }),
        ..Default::default()
    };
    for _ in 0..11 {
        let page = reports::membership_page(&reader(db), &q).unwrap();
        match page.next {
            Some(next) => q.after = Some(next),
            None => break,
        }
    }
    t.elapsed()
}

fn desktop_reads(db: &Db) {
    let sorts = [
        SortColumn::LearnerName,
        SortColumn::DueDate,
        SortColumn::ExpiryDate,
        SortColumn::Status,
        SortColumn::WindowOpensDate,
    ];
    let now = certdesk_core::clock::Clock::now(&certdesk_core::clock::SystemClock);
    // Several readers in use at once, as the desktop's commands are: fills the pool.
    let held: Vec<_> = (0..4).map(|_| reader(db)).collect();
    for r in &held {
        reports::dashboard(r, now).unwrap();
    }
    drop(held);
    for round in 0..3 {
        let mut pages = Vec::new();
        let mut dash = Vec::new();
        for _ in 0..5 {
            for sort in sorts {
                pages.push(scroll(db, sort) / 11);
            }
            let t = Instant::now();
            reports::dashboard(&reader(db), now).unwrap();
            dash.push(t.elapsed());
        }
        println!(
            "round {round}: report page (median of {} scrolls of 11 pages) {:.2} ms, dashboard {:.2} ms, resident with readers idle {:.1} MB",
            pages.len(),
            median(pages),
            median(dash),
            rss_mb()
        );
    }
}
