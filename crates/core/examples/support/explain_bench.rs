//! `--explain FILE`: the explainer (issue 13) on a store made by `--fill-only`, after one
//! run at the fill's `now`: a few learners (with and without managers, complete or not) in
//! two programs, each from a fresh reader, timed.

use std::time::Instant;

use certdesk_core::api::explain::{explain, ExplainArgs};
use certdesk_core::{scheduler, Db, Result};
use jiff::Timestamp;

/// The filled store at `file` after one run at the fill's `now` (the backlog due then
/// queued, as the benchmark's large run leaves it): the store, `now` and its memberships.
pub fn after_one_run(file: &str) -> Result<(Db, Timestamp, i64)> {
    let db = Db::open(file)?;
    let now: Timestamp = "2027-06-01T12:00:00Z"
        .parse()
        .map_err(|e: jiff::Error| certdesk_core::Error::invalid("now", e.to_string()))?;
    let queued: i64 = db
        .reader()?
        .query_row("SELECT count(*) FROM message", [], |r| r.get(0))?;
    if queued == 0 {
        let t = Instant::now();
        let r = scheduler::run(&mut db.writer()?, now)?;
        println!(
            "run(now) first: queued {} in {:.2?}",
            r.notifications.queued,
            t.elapsed()
        );
    }
    let members: i64 = db
        .reader()?
        .query_row("SELECT count(*) FROM assignment", [], |r| r.get(0))?;
    Ok((db, now, members))
}

pub fn run(file: &str) -> Result<()> {
    let (db, now, members) = after_one_run(file)?;
    let mut worst = 0f64;
    for round in 0..3 {
        for (learner, program) in [
            ("E1", "P1"),
            ("E3", "P1"),
            ("E7", "P1"),
            ("E50022", "P2"),
            ("E50003", "P2"),
        ] {
            let args = ExplainArgs {
                learner: learner.into(),
                program: program.into(),
                membership: None,
            };
            let t = Instant::now();
            let e = explain(&*db.reader()?, now, &args);
            let took = t.elapsed();
            worst = worst.max(took.as_secs_f64());
            match e {
                Ok(e) => println!(
                    "explain {learner} in {program} over {members} memberships (round {round}): {} timeline lines, {} rules ({}) in {took:.3?}",
                    e.timeline.len(),
                    e.rules.len(),
                    e.rules
                        .iter()
                        .map(|r| format!("{:?}", r.reason))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                Err(e) => println!("explain {learner} in {program}: {e}"),
            }
        }
    }
    println!("slowest: {:.1} ms", worst * 1000.0);
    Ok(())
}
