//! Notification benchmark (docs/BENCHMARKS.md, "Notifications"):
//! 100,000 learners, 1,000,000 assignments over 20 programs, 10 rules per program;
//! `run(now)` selecting, rendering and queueing about 64,000 due messages (issue 12: a quarter
//! of them repeats, with escalation copies to second-level managers and daily manager
//! digests in half the programs); then sending them to an SMTP sink on loopback (a minimal
//! in-process server that accepts everything).
//!
//! While the large runs go, a probe (`support/lock_probe.rs`) records the longest write-lock
//! hold and the worst wait of a small writer that writes every 20 ms.
//!
//! The large runs each go in a child process (`support/child_run.rs`), which reports its peak
//! resident memory; the large run is printed beside its bare SQL bound (`support/bare_queue.rs`,
//! on a copy of the store made just before it) and the ratio of the two.
//!
//! `cargo run --release -p certdesk-core --example bench_notify [-- [--learners N] --db FILE [--fill-only]]`
//!
//! `--learners N` sizes the store (default 100,000): N learners, 20 programs of N / 2
//! memberships each (10 N memberships), the rules and the ratios of the default store.
//! `... --example bench_notify -- --ratio FILE`: on a store made by `--fill-only`, the bare
//! bound on one copy, then `run(now)` in a child process on another (each copy deleted after
//! it), printed with the ratio of the two and the child's peak resident memory.
//!
//! `... --example bench_notify -- --forecast FILE DAYS`: on a store made by `--fill-only`,
//! runs `run(now)` once (so the backlog due at `now` is queued, as after any run), then
//! times the forecast of the next DAYS days from a fresh reader (issue 13).
//! `... --example bench_notify -- --explain FILE`: the explainer for a few learners.
//! `... --example bench_notify -- --backfill FILE`: backfills every rule (the "old rules").
//! `... --example bench_notify -- --probe-run FILE SECS`: one child run with the lock probe.

#[path = "support/bare_queue.rs"]
mod bare_queue;
#[path = "support/child_run.rs"]
mod child_run;
#[path = "support/cpu_clock.rs"]
mod cpu_clock;
#[path = "support/explain_bench.rs"]
mod explain_bench;
#[path = "support/lock_probe.rs"]
mod lock_probe;
#[path = "support/sink.rs"]
mod sink;

use std::time::{Duration, Instant};

use certdesk_core::mail::{self, Security, SendOptions, SmtpSettings};
use certdesk_core::notify::digest::{Digest, DigestFrequency};
use certdesk_core::notify::{self, Escalation, OffsetUnit, Recipients, RuleInput, Timing, Trigger};
use certdesk_core::{scheduler, Db, ManualClock, Result};
use jiff::Timestamp;

const PROGRAMS: i64 = 20;

/// `--learners N` (default 100,000).
fn learners(args: &[String]) -> i64 {
    args.iter()
        .position(|a| a == "--learners")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

fn rule(trigger: Trigger, timing: Timing, n: u32, recipients: Recipients) -> RuleInput {
    RuleInput {
        trigger,
        timing,
        offset_amount: n,
        offset_unit: OffsetUnit::Day,
        recipients,
        learner_subject: "%programfullname%: %userfullname%, due %duedate%".into(),
        learner_body: "Hello %userfullname% (%useridnumber%),\n\n%programfullname% is due on %duedate%.\nTo complete it: %completioncriteria%.".into(),
        manager_subject: "[%userfullname%] %programfullname%".into(),
        manager_body: "Your report %userfullname% has %programfullname% due on %duedate%.".into(),
        enabled: true,
        digest: Default::default(),
        repeat_every_days: 0,
        repeat_max: 0,
        escalation: Escalation::None,
        escalate_after: 0,
        send_at_once: false,
    }
}

/// A daily digest for the manager copies of odd programs, none for even ones.
fn digest(program: i64) -> Digest {
    Digest {
        frequency: if program % 2 == 1 {
            DigestFrequency::Daily
        } else {
            DigestFrequency::None
        },
        weekday: None,
    }
}

/// `learners` learners, each in half the programs (`learners / 2` memberships a program).
fn fill(db: &Db, now: i64, learners: i64) -> Result<()> {
    let (day, per_program) = (86_400, learners / 2);
    db.writer()?.write(|tx| {
        tx.execute_batch(&format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {learners})
             INSERT INTO learner (id_number, full_name, email, time_zone)
             SELECT 'E' || i, 'Learner ' || i, 'learner' || i || '@example.org',
                    CASE i % 3 WHEN 0 THEN 'UTC' WHEN 1 THEN 'Europe/Paris' ELSE 'America/New_York' END
             FROM n;
             INSERT INTO manager_link (learner_id, manager_id) SELECT id, id - 1 FROM learner WHERE id % 50 = 1 AND id > 1;
             -- Issue 12: a tenth of the learners (ids ending in 3) in teams of ten under a
             -- manager (the id ending in 07 of their hundred), whose managers report in tens to
             -- a second-level manager (the id ending in 009 of their thousand): 13% of the
             -- learners have a manager, 10% a second-level one.
             INSERT INTO manager_link (learner_id, manager_id) SELECT id, id - id % 100 + 7 FROM learner WHERE id % 10 = 3;
             INSERT INTO manager_link (learner_id, manager_id) SELECT id, id - id % 1000 + 9 FROM learner WHERE id % 100 = 7;
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {PROGRAMS})
             INSERT INTO program (short_name, full_name, kind) SELECT 'P' || i, 'Program ' || i, 'program' FROM n;
             INSERT INTO course (short_name, full_name) VALUES ('C1', 'Course one'), ('C2', 'Course two');
             INSERT INTO course_set (program_id, path, position, label, rule)
             SELECT id, 'certification', 1, 'Core', 'all' FROM program;
             INSERT INTO course_set_course SELECT id, 1 FROM course_set;
             INSERT INTO course_set_course SELECT id, 2 FROM course_set;
             INSERT INTO site_admin (full_name, email) VALUES ('Ada', 'ada@example.org'), ('Ben', 'ben@example.org');
             WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {PROGRAMS} * {per_program} - 1)
             INSERT INTO assignment (learner_id, program_id, assigned_at, due_at, status)
             SELECT i % {learners} + 1, i / {per_program} + 1, {now} - 400 * {day},
                    {now} + ((i * 7919) % 1460 - 730) * {day} + (i * 13) % {day},
                    CASE WHEN i % 10 = 0 THEN 'complete' ELSE 'in_progress' END
             FROM n;
             -- About 1 in 22 memberships began in the last hour; the rest long ago.
             INSERT INTO event (kind, assignment_id, occurred_at)
             SELECT 'assigned', id, CASE WHEN id % 22 = 0 THEN {now} - 3600 ELSE {now} - (2 + id % 365) * {day} END
             FROM assignment;
             INSERT INTO event (kind, assignment_id, occurred_at)
             SELECT 'completed', id, {now} - (id % 300) * {day} FROM assignment WHERE status = 'complete';"
        ))?;
        let yesterday = Timestamp::from_second(now - day).map_err(|e| certdesk_core::Error::invalid("now", e.to_string()))?;
        for p in 1..=PROGRAMS {
            use Recipients::*;
            use Timing::*;
            use Trigger::*;
            for r in [
                rule(Assigned, On, 0, Learner),
                // Issue 12: 7, 5 and 3 days before; then 3 days after and every 3 days for a
                // month, the managers' managers copied from the second repeat on; in odd
                // programs the manager copies of both go in a daily digest.
                RuleInput {
                    repeat_every_days: 2,
                    repeat_max: 2,
                    digest: digest(p),
                    ..rule(DueDate, Before, 7, Both)
                },
                rule(DueDate, Before, 1, Learner),
                rule(DueDate, On, 0, Learner),
                RuleInput {
                    repeat_every_days: 3,
                    repeat_max: 10,
                    escalation: Escalation::AfterRepeat,
                    escalate_after: 2,
                    digest: digest(p),
                    ..rule(DueDate, After, 3, Both)
                },
                rule(Completed, On, 0, Learner),
                rule(Completed, After, 30, Learner),
                rule(CourseSetCompleted, On, 0, Learner),
                rule(Unassigned, On, 0, Learner),
                RuleInput {
                    recipients: Admins,
                    learner_subject: "%exceptioncount% new exceptions in %programfullname%".into(),
                    learner_body: "Hello %userfullname%,\n\n%exceptionlist%".into(),
                    ..rule(Exception, On, 0, Admins)
                },
            ] {
                notify::create_rule(tx, p, &r, yesterday)?;
            }
        }
        Ok(())
    })
}

fn main() -> Result<()> {
    if child_run::child_main()? {
        return Ok(());
    }
    let args: Vec<String> = std::env::args().collect();
    if let (Some("--bare"), Some(file), Some(at)) = (
        args.get(1).map(String::as_str),
        args.get(2),
        args.get(3).and_then(|s| s.parse().ok()),
    ) {
        // The bare bound alone, on a copy made by hand (to time it with /usr/bin/time).
        let cpu = cpu_clock::cpu_secs();
        let b = bare_queue::bound(file, at)?;
        println!(
            "bare: queued {} (+{} skipped, {} digest items in {} digests) in {:.3?} (CPU {:.3} s)",
            b.queued,
            b.skipped,
            b.digest_items,
            b.digests,
            b.took,
            cpu_clock::cpu_secs() - cpu
        );
        return Ok(());
    }
    if let (Some("--forecast"), Some(file), Some(days)) = (
        args.get(1).map(String::as_str),
        args.get(2),
        args.get(3).and_then(|s| s.parse().ok()),
    ) {
        return forecast(file, days);
    }
    if let (Some("--explain"), Some(file)) = (args.get(1).map(String::as_str), args.get(2)) {
        return explain_bench::run(file);
    }
    if let (Some("--ratio"), Some(file)) = (args.get(1).map(String::as_str), args.get(2)) {
        return ratio(file);
    }
    let learners = learners(&args);
    let per_program = learners / 2;
    if let (Some("--backfill"), Some(file)) = (args.get(1).map(String::as_str), args.get(2)) {
        // Makes the rules as old as the data on a copy (as the benchmark's "old rules" do).
        return backfill(&Db::open(file)?);
    }
    if let (Some("--probe-run"), Some(file), Some(at)) = (
        args.get(1).map(String::as_str),
        args.get(2),
        args.get(3).and_then(|s| s.parse().ok()),
    ) {
        // One child run on a copy with the lock probe watching (the catch-up runs' holds).
        let probe = lock_probe::Probe::start(file);
        let r = child_run::run(file, at);
        let seen = probe.stop();
        println!("run(now): {r}\n  during it: {seen}");
        return Ok(());
    }
    let dir = tempfile_dir();
    let path = args
        .iter()
        .position(|a| a == "--db")
        .and_then(|i| args.get(i + 1).cloned())
        .unwrap_or_else(|| format!("{dir}/bench.sqlite"));
    let _ = std::fs::remove_file(&path);
    let db = Db::open(&path)?;
    let now: Timestamp = "2027-06-01T12:00:00Z"
        .parse()
        .map_err(|e: jiff::Error| certdesk_core::Error::invalid("now", e.to_string()))?;
    let t = Instant::now();
    fill(&db, now.as_second(), learners)?;
    println!(
        "fill: {learners} learners, {} assignments, {} rules: {:.2?}",
        PROGRAMS * per_program,
        PROGRAMS * 10,
        t.elapsed()
    );
    if args.iter().any(|a| a == "--fill-only") {
        // A store to run `--child-run FILE SECS` on again and again while measuring.
        println!("now = {}", now.as_second());
        return Ok(());
    }

    // The bare bound, on a copy of the store as it is before the run.
    db.writer()?
        .conn()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
    let copy = format!("{path}.bare");
    copy_synced(&path, &copy)?;
    let cpu = cpu_clock::cpu_secs();
    let bare = bare_queue::bound(&copy, now.as_second())?;
    let bare_cpu = cpu_clock::cpu_secs() - cpu;
    remove_store(&copy);
    println!(
        "bare SQL bound (same selection and inserts, one transaction, on a copy): queued {} (+{} skipped, {} digest items in {} digests) in {:.3?} (CPU {:.3} s)",
        bare.queued, bare.skipped, bare.digest_items, bare.digests, bare.took, bare_cpu
    );

    // The run alone on a second copy (its time and the ratio), then on the store itself with
    // the lock probe beside it (the holds: its writer takes the lock 50 times, handed over
    // after a step each time, and its two threads share the cores with the run).
    let alone = format!("{path}.alone");
    copy_synced(&path, &alone)?;
    let run = child_run::run(&alone, now.as_second());
    remove_store(&alone);
    let probe = lock_probe::Probe::start(&path);
    let probed = child_run::run(&path, now.as_second());
    let seen = probe.stop();
    println!("run(now), alone: {run}");
    println!(
        "  {:.0} messages/s; {:.2} times the bare bound (CPU: {:.2} times)",
        run.queued as f64 / run.took.as_secs_f64(),
        run.took.as_secs_f64() / bare.took.as_secs_f64(),
        run.cpu_ms as f64 / 1000.0 / bare_cpu.max(1e-3)
    );
    println!("  {}", mix(&db)?);
    println!(
        "run(now) again on the store, with the lock probe: {:.3?} (CPU {:.3} s)",
        probed.took,
        probed.cpu_ms as f64 / 1000.0
    );
    println!("  during it: {seen}");
    let t = Instant::now();
    let again = scheduler::run(&mut db.writer()?, now)?;
    println!(
        "run(now) again: queued {} in {:.3?}",
        again.notifications.queued,
        t.elapsed()
    );

    let t = Instant::now();
    db.writer()?
        .write(|tx| certdesk_core::membership::engine::advance(tx, now))?;
    println!(
        "of which the engine's advance(now) alone: {:.3?}",
        t.elapsed()
    );
    let t = Instant::now();
    db.writer()?.write(|tx| notify::enqueue_due(tx, now))?;
    println!(
        "of which notify::enqueue_due alone (nothing new): {:.3?}",
        t.elapsed()
    );

    let port = sink::sink(false, Duration::ZERO);
    db.writer()?.write(|tx| {
        mail::save_settings(
            tx,
            &SmtpSettings {
                host: "127.0.0.1".into(),
                port,
                security: Security::None,
                username: String::new(),
                from_address: "learning@example.org".into(),
                from_name: "Learning".into(),
                timeout_secs: 10,
                ca_cert_file: String::new(),
                allow_plain_auth: false,
            },
        )
    })?;
    let t = Instant::now();
    let s = mail::send_due(
        &db,
        &ManualClock::new(now),
        &SendOptions {
            batch: 500,
            connections: 4,
            ..SendOptions::default()
        },
    )?;
    let took = t.elapsed();
    println!(
        "send: {} sent, {} retried, {} failed in {:.2?} ({:.0} messages/s, 4 connections)",
        s.sent,
        s.retried,
        s.failed,
        took,
        f64::from(s.sent) / took.as_secs_f64()
    );

    // Steady state: rules as old as the data. The first run queues everything inside the
    // catch-up horizon; the runs after it (every minute in the app) find nothing new.
    backfill(&db)?;
    let probe = lock_probe::Probe::start(&path);
    let old = child_run::run(&path, now.as_second());
    let seen = probe.stop();
    println!("old rules, first run(now): {old}");
    println!("  during it: {seen}");
    for (label, later) in [
        ("a minute later", 60),
        ("an hour later (full sweep)", 3600),
        ("six months later (182 days behind)", 182 * 86_400),
    ] {
        let probe = lock_probe::Probe::start(&path);
        let r = child_run::run(&path, now.as_second() + later);
        let seen = probe.stop();
        println!("old rules, run {label}: {r}");
        println!("  during it: {seen}");
    }

    // One program assigned to everyone that raised an exception for each of its 50,000
    // memberships: the next run sends one alert per administrator listing them.
    let later = now.as_second() + 182 * 86_400;
    db.writer()?.write(|tx| {
        tx.execute(
            "INSERT INTO exception (assignment_id, kind, raised_at, detail)
             SELECT id, 'time_allowance', ?1, 'needs 40 hours, 2 days left' FROM assignment
             WHERE program_id = 1",
            [later + 60],
        )?;
        Ok(())
    })?;
    let r = child_run::run(&path, later + 120);
    println!("exception alerts over {per_program} exceptions in one program: {r}");
    Ok(())
}

/// Copies the store at `from` to `to` and waits until the copy is on disk: the kernel's
/// writing back of a 400 MB copy would otherwise go on during the run measured next.
fn copy_synced(from: &str, to: &str) -> Result<()> {
    std::fs::copy(from, to)?;
    std::fs::File::open(to)?.sync_all()?;
    Ok(())
}

/// `--ratio FILE`: the bare bound on a copy of the filled store at FILE, then `run(now)` in
/// a child process on a fresh copy, and their ratio; at most one copy exists at a time.
fn ratio(file: &str) -> Result<()> {
    let now: Timestamp = "2027-06-01T12:00:00Z"
        .parse()
        .map_err(|e: jiff::Error| certdesk_core::Error::invalid("now", e.to_string()))?;
    let members: i64 =
        Db::open(file)?
            .reader()?
            .query_row("SELECT count(*) FROM assignment", [], |r| r.get(0))?;
    let copy = format!("{file}.copy");
    let fresh = || -> Result<()> {
        remove_store(&copy);
        copy_synced(file, &copy)
    };
    fresh()?;
    let cpu = cpu_clock::cpu_secs();
    let bare = bare_queue::bound(&copy, now.as_second())?;
    let bare_cpu = cpu_clock::cpu_secs() - cpu;
    fresh()?;
    let run = child_run::run(&copy, now.as_second());
    remove_store(&copy);
    println!(
        "{members} memberships: bare SQL bound queued {} (+{} skipped) in {:.3?} (CPU {bare_cpu:.3} s)",
        bare.queued, bare.skipped, bare.took
    );
    println!("run(now): {run}");
    println!(
        "  ratio to the bound: {:.2} wall, {:.2} CPU",
        run.took.as_secs_f64() / bare.took.as_secs_f64(),
        run.cpu_ms as f64 / 1000.0 / bare_cpu.max(1e-3)
    );
    Ok(())
}

fn remove_store(path: &str) {
    for f in [
        path.to_string(),
        format!("{path}-wal"),
        format!("{path}-shm"),
        format!("{path}-wait"),
    ] {
        let _ = std::fs::remove_file(f);
    }
}

/// Backfills every rule: the rules become as old as the data.
fn backfill(db: &Db) -> Result<()> {
    db.writer()?.write(|tx| {
        let ids: Vec<i64> = tx
            .prepare("SELECT id FROM notification_rule")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for id in ids {
            notify::backfill(tx, id)?;
        }
        Ok(())
    })
}

/// What the large run wrote, by kind: repeats, escalation copies, digest items.
fn mix(db: &Db) -> Result<String> {
    let r = db.reader()?;
    let (all, repeats, second, digests): (i64, i64, i64, i64) = r.query_row(
        "SELECT count(*), sum(dedup_key GLOB '*.r[0-9]*'), sum(dedup_key GLOB '*.s[0-9]*'),
                sum(trigger = 'digest')
         FROM message WHERE recipient_kind <> 'admin'",
        [],
        |x| Ok((x.get(0)?, x.get(1)?, x.get(2)?, x.get(3)?)),
    )?;
    let (items, item_repeats, item_second): (i64, i64, i64) = r.query_row(
        "SELECT count(*), ifnull(sum(dedup_key GLOB '*.r[0-9]*'), 0),
                ifnull(sum(dedup_key GLOB '*.s[0-9]*'), 0)
         FROM digest_item",
        [],
        |x| Ok((x.get(0)?, x.get(1)?, x.get(2)?)),
    )?;
    let due = all - digests + items;
    let pct = |n: i64| 100.0 * n as f64 / due.max(1) as f64;
    Ok(format!(
        "of {due} due (messages logged and digest items): repeats {} ({:.0}%), escalation copies {} ({:.0}%), digest items {items} ({:.0}%); {digests} digests",
        repeats + item_repeats,
        pct(repeats + item_repeats),
        second + item_second,
        pct(second + item_second),
        pct(items)
    ))
}

fn tempfile_dir() -> String {
    std::env::temp_dir()
        .join(format!("certdesk-bench-{}", std::process::id()))
        .display()
        .to_string()
}

/// `--forecast FILE DAYS`: the forecast at the fill's `now` (after one run), timed.
fn forecast(file: &str, days: u32) -> Result<()> {
    use certdesk_core::api::forecast::{forecast, ForecastArgs};
    let (db, now, members) = explain_bench::after_one_run(file)?;
    for round in 0..3 {
        let args = ForecastArgs {
            days,
            ..ForecastArgs::default()
        };
        let t = Instant::now();
        let cpu = cpu_clock::cpu_secs();
        let f = forecast(&*db.reader()?, now, &args)?;
        let took = t.elapsed();
        let cpu = cpu_clock::cpu_secs() - cpu;
        let busiest = f.days.iter().max_by_key(|d| d.count);
        println!(
            "forecast {days} days over {members} memberships (round {round}): {} messages, busiest day {} ({}), {} listed, in {took:.3?} (CPU {cpu:.2} s)",
            f.total,
            busiest.map_or("-", |d| d.date.as_str()),
            busiest.map_or(0, |d| d.count),
            f.messages.len()
        );
        if round == 2 {
            let day = busiest.map(|d| d.date.clone());
            let t = Instant::now();
            let one = forecast(
                &*db.reader()?,
                now,
                &ForecastArgs {
                    days,
                    program: Some("P1".into()),
                    day,
                    ..ForecastArgs::default()
                },
            );
            match one {
                Ok(one) => println!(
                    "  one program, its busiest day listed: {} messages, {} listed, in {:.3?}",
                    one.total,
                    one.messages.len(),
                    t.elapsed()
                ),
                Err(e) => println!("  one program: {e}"),
            }
        }
    }
    println!(
        "peak resident memory: {} MB",
        child_run::status_kb("VmHWM:") / 1024
    );
    Ok(())
}
