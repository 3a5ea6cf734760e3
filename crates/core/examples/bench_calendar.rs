//! The one-time rewrite of an upgraded store's certification dates onto the calendar
//! (migration 010, `membership/engine/calendar.rs`; docs/BENCHMARKS.md, "Calendar dates"):
//!
//! ```text
//! cargo run --release -p certdesk-core --example bench_calendar [-- LEARNERS PROGRAMS]
//! ```
//!
//! Builds the benchmark store (LEARNERS × PROGRAMS memberships, 90% of them certified or in
//! their window, their dates instants as a store before calendar dates held them), marks it
//! as migration 010 would, and times the first run (the rewrite in chunks, then its usual
//! work) with its longest chunk, then a run at the same instant.

#![allow(clippy::unwrap_used)]

mod bench_store;

use std::time::{Duration, Instant};

use bench_store::report;
use certdesk_core::membership::engine::PENDING;
use certdesk_core::scheduler::{self, Chunking};
use jiff::Timestamp;

fn main() {
    let (learners, programs) = bench_store::args();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.sqlite");
    let t0: Timestamp = "2026-06-01T00:00:00Z".parse().unwrap();
    let (_db, mut w, total) = bench_store::build(&path, learners, programs, t0);
    println!("{learners} learners, {total} memberships");
    w.conn()
        .execute(
            "INSERT INTO setting (key, value) VALUES (?1, '0')",
            [PENDING],
        )
        .unwrap();
    // The first run rewrites the dates in chunks (one transaction each), then does its
    // usual work; the longest gap between two chunks' commits bounds how long another
    // writer waits for the lock.
    let start = Instant::now();
    let (mut last, mut longest, mut chunks) = (Instant::now(), Duration::ZERO, 0u32);
    let s = scheduler::run_in_chunks(&mut w, t0, &Chunking::default(), &mut || {
        longest = longest.max(last.elapsed());
        last = Instant::now();
        chunks += 1;
        Ok(())
    })
    .unwrap();
    report(
        "first run: rewrite onto the calendar, then run(now)",
        start,
        &format!(
            "{chunks} chunks, longest {:.0} ms; {:?}",
            longest.as_secs_f64() * 1000.0,
            s.engine
        ),
    );
    let pending: i64 = w
        .conn()
        .query_row(
            "SELECT count(*) FROM setting WHERE key = ?1",
            [PENDING],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(pending, 0, "the mark is gone");
    let start = Instant::now();
    let s = scheduler::run(&mut w, t0).unwrap();
    report("run(now) again", start, &format!("{:?}", s.engine));
}
