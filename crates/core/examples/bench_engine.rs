//! The engine benchmark (docs/BENCHMARKS.md, section "Engine"):
//!
//! ```text
//! cargo run --release -p certdesk-core --example bench_engine [-- LEARNERS PROGRAMS]
//! ```
//!
//! Imports LEARNERS learners from CSV (default 100,000), assigns each to PROGRAMS
//! certifications (default 10, so 1,000,000 memberships, written set-based), then measures
//! `run(now)` when about 1% of certifications change state, assigning a program that raises
//! an exception for every learner, and a bulk exception action over all those rows.

#![allow(clippy::unwrap_used)]

mod bench_store;

use std::time::Instant;

use bench_store::report;
use certdesk_core::exception::action::{apply, ExceptionAction, Selection};
use certdesk_core::{enrolment, names, scheduler};
use jiff::{SignedDuration, Timestamp};

fn main() {
    let (learners, programs) = bench_store::args();
    let dir = tempfile::tempdir().unwrap();
    let t0: Timestamp = "2026-06-01T00:00:00Z".parse().unwrap();
    let (_db, mut w, total) =
        bench_store::build(&dir.path().join("bench.sqlite"), learners, programs, t0);

    // 3. run(now): a first run at t0 (nothing due), then 4 days later (about 1% change).
    let start = Instant::now();
    let s = scheduler::run(&mut w, t0).unwrap();
    report("run(now), nothing due", start, &format!("{:?}", s.engine));
    let t1 = t0 + SignedDuration::from_hours(4 * 24);
    let start = Instant::now();
    let s = scheduler::run(&mut w, t1).unwrap();
    report(
        "run(now), ~1% change state",
        start,
        &format!(
            "{} windows opened, {} expired ({:.2}% of memberships)",
            s.engine.windows_opened,
            s.engine.expired,
            100.0 * f64::from(s.engine.windows_opened + s.engine.expired) / total as f64
        ),
    );
    let start = Instant::now();
    let s = scheduler::run(&mut w, t1).unwrap();
    report(
        "run(now) again, same now",
        start,
        &format!("{:?}", s.engine),
    );

    // 4. Assign a program that raises an exception for every learner, then act on all rows.
    let all: Vec<i64> = {
        let mut stmt = w.conn().prepare("SELECT id FROM learner").unwrap();
        let ids = stmt.query_map([], |r| r.get(0)).unwrap();
        ids.collect::<Result<_, _>>().unwrap()
    };
    let start = Instant::now();
    let s = w
        .write(|tx| {
            let p = names::program(tx, "BULK")?;
            enrolment::assign(tx, t0, p, &all, None)
        })
        .unwrap();
    report(
        "assign a program to every learner",
        start,
        &format!("{} exceptions raised", s.exceptions),
    );
    let start = Instant::now();
    let out = w
        .write(|tx| {
            let sel = Selection {
                all: true,
                ..Default::default()
            };
            apply(tx, t0, &sel, ExceptionAction::Assign, &mut |_, _| {})
        })
        .unwrap();
    report(
        "bulk exception action (assign)",
        start,
        &format!("{} rows changed", out.changed),
    );
}
