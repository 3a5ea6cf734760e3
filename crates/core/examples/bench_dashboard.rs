//! The dashboard benchmark (docs/BENCHMARKS.md, section "Summary figures"):
//!
//! ```text
//! cargo run --release -p certdesk-core --example bench_dashboard [-- --learners N] [--programs N]
//! cargo run --release -p certdesk-core --example bench_dashboard [-- LEARNERS PROGRAMS]
//! ```
//!
//! It first times the dashboard from a fresh reader (the store opened again, as the desktop
//! does at start: a new connection, its first call), beside its bound and the full count,
//! each from a fresh reader too, with the ratios.
//!
//! Builds the store of the engine benchmark (LEARNERS learners, default 100,000, each a
//! member of PROGRAMS certifications, default 10: 1,000,000 memberships), then times the
//! dashboard command, the outlook and the program list as the desktop reads them (from the
//! summary figures), each beside its bound, a bare `SELECT` of the summary rows it reads,
//! and beside the full-count queries they ran before migration 005. Each figure is the
//! median of 7 calls on one read connection, after a first call (printed too).
//! With `CERTDESK_BENCH_KEEP=/path/store.sqlite` the store is kept there, and reused when the
//! file exists already (opening it is timed: for a store of schema 4, that is migration 005
//! filling the summary).

#![allow(clippy::unwrap_used)]

mod bench_store;

use std::time::Instant;

use certdesk_core::api;
use certdesk_core::{Db, Reader};
use jiff::{SignedDuration, Timestamp};

fn main() {
    let (learners, programs) = bench_store::args();
    let dir = tempfile::tempdir().unwrap();
    let path = std::env::var_os("CERTDESK_BENCH_KEEP")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().join("bench.sqlite"));
    let t0: Timestamp = "2026-06-01T00:00:00Z".parse().unwrap();
    let db = if path.exists() {
        // A kept store of schema 4 is migrated here: the one-off fill of the summary.
        let start = Instant::now();
        let db = Db::open(&path).unwrap();
        println!(
            "open the kept store: {:.3} s",
            start.elapsed().as_secs_f64()
        );
        db
    } else {
        let (db, w, _) = bench_store::build(&path, learners, programs, t0);
        drop(w);
        db
    };
    fresh_reader(&path, t0 + SignedDuration::from_hours(10));
    let r = db.reader().unwrap();
    let n: i64 = r
        .query_row("SELECT count(*) FROM assignment", [], |x| x.get(0))
        .unwrap();
    println!("{n} memberships; median of 7 calls (first call in brackets)\n");
    // Mid-morning, so the 30-day range has part days at both ends.
    let now = t0 + SignedDuration::from_hours(10);

    let d = api::reports::dashboard(&r, now).unwrap();
    assert_eq!(
        d,
        old_dashboard(&r, now),
        "the summary disagrees with a full count"
    );
    println!(
        "dashboard: {} assignments, {} programs and {} groups in compliance, expiring {:?}\n",
        d.assignments,
        d.compliance.programs.len(),
        d.compliance.groups.len(),
        d.compliance
            .expiring
            .iter()
            .map(|e| e.count)
            .collect::<Vec<_>>()
    );
    row(
        "dashboard (summary figures)",
        time(|| api::reports::dashboard(&r, now).unwrap()),
    );
    row(
        "  bound: bare SELECT of its summary rows",
        time(|| bare_dashboard(&r)),
    );
    row(
        "  before: full counts (schema 4 queries)",
        time(|| old_dashboard(&r, now)),
    );
    row(
        "  of which compliance (programs, groups, 30/60/90)",
        time(|| certdesk_core::report::compliance::compliance(&r, now).unwrap()),
    );
    row(
        "  before: compliance counted in full",
        time(|| old_compliance(&r, now)),
    );
    row(
        "outlook (summary figures + outbox)",
        time(|| api::reports::outlook(&r, now).unwrap()),
    );
    row(
        "  bound: bare SELECT of 84 days of summary rows",
        time(|| {
            let day = now.as_second() / 86_400;
            let sum = "SELECT sum(memberships) FROM summary_due WHERE day >= ?1 AND day < ?1 + 84
                       UNION ALL
                       SELECT sum(memberships) FROM summary_expiry WHERE day >= ?1 AND day < ?1 + 84";
            let mut s = r.prepare_cached(sum).unwrap();
            let v: Vec<Option<i64>> = s
                .query_map([day], |x| x.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            v
        }),
    );
    row(
        "  before: week counts on the assignment indexes",
        time(|| old_outlook(&r, now)),
    );
    row(
        "program list (members from the summary)",
        time(|| api::catalog::programs(&r).unwrap()),
    );
    row(
        "  before: members counted per program",
        time(|| {
            count(
                &r,
                "SELECT sum((SELECT count(*) FROM assignment a
                              WHERE a.program_id = p.id AND a.unassigned_at IS NULL))
                 FROM program p",
                &[],
            )
        }),
    );
}

/// Runs `f` on a reader of the store opened anew; returns the time from the open to the
/// answer and the call's own share, in milliseconds.
fn fresh<T>(path: &std::path::Path, f: impl FnOnce(&Reader) -> T) -> (f64, f64) {
    let start = Instant::now();
    let db = Db::open(path).unwrap();
    let r = db.reader().unwrap();
    let call = Instant::now();
    std::hint::black_box(f(&r));
    let ms = |t: Instant| t.elapsed().as_secs_f64() * 1000.0;
    (ms(start), ms(call))
}

/// The dashboard from a fresh reader, beside its bare bound and the full count (each from a
/// fresh reader), and the ratios.
fn fresh_reader(path: &std::path::Path, now: Timestamp) {
    let (all, call) = fresh(path, |r| api::reports::dashboard(r, now).unwrap());
    let (bound_all, bound) = fresh(path, bare_dashboard);
    let (full_all, full) = fresh(path, |r| old_dashboard(r, now));
    println!(
        "fresh reader: dashboard {call:.3} ms ({all:.3} ms with the open) | bound {bound:.3} ms ({bound_all:.3} ms) | full count {full:.3} ms ({full_all:.3} ms)"
    );
    println!(
        "  ratio to the bound {:.1}, to the full count {:.4}\n",
        call / bound.max(1e-3),
        call / full.max(1e-3)
    );
}

fn row(what: &str, (first, median): (f64, f64)) {
    println!("{what:<50} {median:>9.3} ms  ({first:.3} ms)");
}

/// The first call and the median of the 7 after it, in milliseconds.
fn time<T>(mut f: impl FnMut() -> T) -> (f64, f64) {
    let mut once = || {
        let start = Instant::now();
        std::hint::black_box(f());
        start.elapsed().as_secs_f64() * 1000.0
    };
    let first = once();
    let mut ms: Vec<f64> = (0..7).map(|_| once()).collect();
    ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
    (first, ms[3])
}

fn count(r: &Reader, sql: &str, args: &[i64]) -> u32 {
    r.prepare_cached(sql)
        .unwrap()
        .query_row(rusqlite::params_from_iter(args), |x| x.get(0))
        .unwrap()
}

/// The rows the dashboard reads, nothing made of them: its lower bound.
fn bare_dashboard(r: &Reader) -> Vec<i64> {
    let mut s = r
        .prepare_cached(
            "SELECT memberships FROM summary_membership
             UNION ALL SELECT raised FROM summary_exception
             UNION ALL SELECT count(*) FROM learner
             UNION ALL SELECT count(*) FROM program",
        )
        .unwrap();
    s.query_map([], |x| x.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// The dashboard as schema 4 computed it: full counts over the memberships.
fn old_dashboard(r: &Reader, now: Timestamp) -> certdesk_core::report::dashboard::Dashboard {
    use certdesk_core::report::dashboard::{Dashboard, StatusCount};
    use certdesk_core::AssignmentStatus;
    let mut by_status: Vec<StatusCount> = AssignmentStatus::ALL
        .into_iter()
        .map(|status| StatusCount { status, count: 0 })
        .collect();
    let mut stmt = r
        .prepare_cached(
            "SELECT status, count(*) FROM assignment WHERE unassigned_at IS NULL GROUP BY status",
        )
        .unwrap();
    let mut rows = stmt.query([]).unwrap();
    while let Some(row) = rows.next().unwrap() {
        let status = AssignmentStatus::parse(&row.get::<_, String>(0).unwrap()).unwrap();
        if let Some(slot) = by_status.iter_mut().find(|s| s.status == status) {
            slot.count = row.get(1).unwrap();
        }
    }
    let horizon = now.as_second() + 30 * 86_400;
    Dashboard {
        learners: count(r, "SELECT count(*) FROM learner", &[]),
        programs: count(
            r,
            "SELECT count(*) FROM program WHERE kind = 'program'",
            &[],
        ),
        certifications: count(
            r,
            "SELECT count(*) FROM program WHERE kind = 'certification'",
            &[],
        ),
        assignments: by_status.iter().map(|s| s.count).sum(),
        by_status,
        raised_exceptions: count(
            r,
            "SELECT count(*) FROM exception e JOIN assignment a ON a.id = e.assignment_id
             WHERE e.status = 'raised' AND a.unassigned_at IS NULL",
            &[],
        ),
        expiring_30_days: count(
            r,
            "SELECT count(*) FROM assignment
             WHERE expires_at > ?1 AND expires_at <= ?2 AND status IN ('certified', 'window_open')
               AND unassigned_at IS NULL",
            &[now.as_second(), horizon],
        ),
        held: certdesk_core::notify::select::Held::default(),
        compliance: old_compliance(r, now),
    }
}

/// The compliance figures counted in full over the memberships (docs/DOMAIN.md).
fn old_compliance(r: &Reader, now: Timestamp) -> certdesk_core::report::compliance::Compliance {
    use certdesk_core::report::compliance::{
        Compliance, ComplianceRow, ExpiringFigure, COMPLIANT, COUNTED, EXPIRY_DAYS,
    };
    let at = now.as_second();
    let rows = |sql: &str| -> Vec<ComplianceRow> {
        let mut stmt = r.prepare_cached(sql).unwrap();
        stmt.query_map([at], |x| {
            Ok(ComplianceRow {
                id: x.get(0)?,
                name: x.get(1)?,
                members: x.get(2)?,
                compliant: x.get(3)?,
                excluded: x.get(4)?,
            })
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
    };
    let figures = format!(
        "count(CASE WHEN a.exception_status IN {COUNTED} THEN 1 END),
         count(CASE WHEN a.exception_status IN {COUNTED} AND {COMPLIANT} THEN 1 END),
         count(CASE WHEN a.exception_status NOT IN {COUNTED} THEN 1 END)"
    );
    Compliance {
        as_of: at,
        programs: rows(&format!(
            "SELECT p.id, p.full_name, {figures} FROM program p
             LEFT JOIN assignment a ON a.program_id = p.id AND a.unassigned_at IS NULL
             GROUP BY p.id ORDER BY p.full_name, p.id"
        )),
        groups: rows(&format!(
            "SELECT g.id, g.name, {figures} FROM learner_group g
             LEFT JOIN group_member gm ON gm.group_id = g.id
             LEFT JOIN assignment a ON a.learner_id = gm.learner_id AND a.unassigned_at IS NULL
             GROUP BY g.id ORDER BY g.name, g.id"
        )),
        expiring: EXPIRY_DAYS
            .into_iter()
            .map(|days| {
                let until = at + i64::from(days) * 86_400;
                ExpiringFigure {
                    days,
                    until,
                    count: count(
                        r,
                        "SELECT count(*) FROM assignment
                         WHERE expires_at > ?1 AND expires_at <= ?2
                           AND status IN ('certified', 'window_open') AND unassigned_at IS NULL",
                        &[at, until],
                    ),
                }
            })
            .collect(),
    }
}

/// The outlook's week counts as schema 4 computed them.
fn old_outlook(r: &Reader, now: Timestamp) -> (u32, u32) {
    let day = now.as_second().div_euclid(86_400);
    let start = (day - (day + 3).rem_euclid(7)) * 86_400;
    let end = start + 12 * 7 * 86_400;
    let due = count(
        r,
        "SELECT count(*) FROM assignment
         WHERE due_at >= ?1 AND due_at < ?2 AND active = 1 AND unassigned_at IS NULL
           AND status NOT IN ('complete', 'certified')",
        &[start, end],
    );
    let expiring = count(
        r,
        "SELECT count(*) FROM assignment
         WHERE expires_at >= ?1 AND expires_at < ?2 AND unassigned_at IS NULL
           AND status IN ('certified', 'window_open')",
        &[start, end],
    );
    (due, expiring)
}
