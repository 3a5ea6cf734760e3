//! The engine benchmark (docs/BENCHMARKS.md, sections "Engine" and "Index review and bulk
//! id sets"):
//!
//! ```text
//! cargo run --release -p certdesk-core --example bench_engine [-- --learners N] [--programs N]
//! cargo run --release -p certdesk-core --example bench_engine [-- LEARNERS PROGRAMS]
//! BENCH_LEARNERS=300000 cargo run --release -p certdesk-core --example bench_engine
//! cargo run --release -p certdesk-core --example bench_engine -- --act-after-hours 24
//! ```
//!
//! Imports LEARNERS learners from CSV (default 100,000; or the `BENCH_LEARNERS` variable),
//! assigns each to PROGRAMS certifications (default 10, so 1,000,000 memberships, written
//! set-based; the bulk action's rows, one per learner, are then 10% of them), then measures `engine::advance` when about 1% of certifications change state,
//! assigning a program that raises an exception for every learner, a bulk exception action
//! over all those rows through `api::exceptions::apply` (recording its undo batch, which the
//! bound writes too, and its audit entry), its undo, and the mean cost of one audit entry.
//! The bulk action runs at the instant of the assignment (its course set progress then does
//! not move), or `--act-after-hours H` later (every progress row moves by H hours, in the
//! action and in its bound).
//!
//! Each measured step prints its bare-SQL bound beside it: the same rows written by plain
//! set-based SQL into a copy of the store taken just before the step (`support/bare_bound.rs`),
//! and the ratio of the two.

#![allow(clippy::unwrap_used)]

#[path = "support/bare_bound.rs"]
mod bare_bound;
mod bench_store;

use std::path::Path;
use std::time::{Duration, Instant};

use bare_bound::Snapshot;
use bench_store::{cpu_ms, report};
use certdesk_core::api;
use certdesk_core::exception::action::{ExceptionAction, Selection};
use certdesk_core::membership::engine;
use certdesk_core::store::audit::{self, Entry};
use certdesk_core::{enrolment, names, scheduler, Writer};
use jiff::{SignedDuration, Timestamp};

fn main() {
    let (mut learners, programs) = bench_store::args();
    if let Some(n) = std::env::var("BENCH_LEARNERS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        learners = n;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.sqlite");
    let t0: Timestamp = "2026-06-01T00:00:00Z".parse().unwrap();
    let (_db, mut w, total) = bench_store::build(&path, learners, programs, t0);
    println!("{learners} learners, {total} memberships");

    // 3. run(now) at t0 (nothing due), then engine::advance 4 days later (about 1% change).
    let start = Instant::now();
    let s = scheduler::run(&mut w, t0).unwrap();
    report("run(now), nothing due", start, &format!("{:?}", s.engine));
    let t1 = t0 + SignedDuration::from_hours(4 * 24);
    let s = bounded(&mut w, &path, "engine::advance, ~1% change", |w| {
        let s = w.write(|tx| engine::advance(tx, t1)).unwrap();
        format!(
            "{} windows opened, {} expired ({:.2}% of memberships)",
            s.windows_opened,
            s.expired,
            100.0 * f64::from(s.windows_opened + s.expired) / total as f64
        )
    });
    println!("  {s}");
    let start = Instant::now();
    let s = scheduler::run(&mut w, t1).unwrap();
    report(
        "run(now) after, same now",
        start,
        &format!("{:?}", s.engine),
    );

    // 4. Assign a program that raises an exception for every learner, then act on all rows.
    let all: Vec<i64> = {
        let mut stmt = w.conn().prepare("SELECT id FROM learner").unwrap();
        let ids = stmt.query_map([], |r| r.get(0)).unwrap();
        ids.collect::<Result<_, _>>().unwrap()
    };
    let s = bounded(&mut w, &path, "assign a program to every learner", |w| {
        let s = w
            .write(|tx| {
                let p = names::program(tx, "BULK")?;
                enrolment::assign(tx, t0, p, &all, None)
            })
            .unwrap();
        format!("{} exceptions raised", s.exceptions)
    });
    println!("  {s}");
    // When the administrator acts: by default at the instant of the assignment.
    let after_hours = std::env::args()
        .skip_while(|a| a != "--act-after-hours")
        .nth(1)
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(0);
    let acted = t0 + SignedDuration::from_hours(after_hours);
    println!("  the bulk action {after_hours} h after the assignment");
    let mut batch = None;
    let s = bounded(&mut w, &path, "bulk action (assign) + undo batch", |w| {
        // Through api/, as the desktop and the CLI call it: its audit entry included.
        let sel = Selection {
            all: true,
            ..Default::default()
        };
        let out = api::exceptions::apply(w, acted, &sel, ExceptionAction::Assign, &mut |_, _| {})
            .unwrap();
        batch = out.batch;
        format!("{} rows changed, batch {:?}", out.changed, out.batch)
    });
    println!("  {s}");

    // 5. Its undo (no bound: it deletes the events the action added, which the replay
    // does not do).
    let (start, cpu) = (Instant::now(), cpu_ms());
    let u = api::exceptions::undo(
        &mut w,
        acted + SignedDuration::from_secs(60),
        batch.unwrap(),
        true,
    )
    .unwrap();
    println!(
        "{:<36} {:>7.3} s wall {:>6.2} s cpu",
        "undo of that batch",
        secs(start.elapsed()),
        (cpu_ms() - cpu) as f64 / 1000.0
    );
    println!(
        "  {} rows restored, {} messages withdrawn",
        u.restored, u.withdrawn
    );

    // 6. What the audit entry adds to each of those actions: 1,000 entries like the bulk
    // action's, recorded in one transaction (its commit is the action's own).
    let who = w.actor();
    let (start, cpu) = (Instant::now(), cpu_ms());
    w.write(|tx| {
        for _ in 0..1000 {
            let e = Entry::new("exceptions.apply", "assign").after(serde_json::json!({
                "all": true, "kind": null, "ids": [], "changed": 100_000, "skipped": 0,
                "batch": batch }));
            audit::record(tx, &who, &e)?;
        }
        Ok(())
    })
    .unwrap();
    println!(
        "{:<36} {:>7.3} ms wall {:>6.3} ms cpu",
        "audit entry (mean of 1,000)",
        secs(start.elapsed()),
        (cpu_ms() - cpu) as f64 / 1000.0
    );
}

/// Runs `step` on the store, then its bare-SQL bound on a copy taken just before, and prints
/// both (wall and CPU time of this process) with their ratios; returns what the step said.
fn bounded(
    w: &mut Writer,
    path: &Path,
    what: &str,
    step: impl FnOnce(&mut Writer) -> String,
) -> String {
    let snapshot = Snapshot::take(w, path);
    let (start, cpu) = (Instant::now(), cpu_ms());
    let said = step(w);
    let (took, took_cpu) = (start.elapsed(), cpu_ms() - cpu);
    let bound = snapshot.replay(path);
    println!(
        "{what:<36} {:>7.3} s wall {:>6.3} s cpu | bare {:>7.3} s wall {:>6.3} s cpu ({} rows) | ratio {:.2} wall, {:.2} cpu",
        secs(took),
        took_cpu as f64 / 1000.0,
        secs(bound.bare),
        bound.cpu_ms as f64 / 1000.0,
        bound.rows,
        secs(took) / secs(bound.bare).max(1e-6),
        took_cpu as f64 / (bound.cpu_ms as f64).max(1.0)
    );
    said
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}
