//! The membership report benchmark (docs/BENCHMARKS.md, section "Desktop"):
//!
//! ```text
//! cargo run -p certdesk-core --example bench_membership [-- LEARNERS PROGRAMS]
//! ```
//!
//! Builds the store of the engine benchmark (LEARNERS learners, default 100,000, each a
//! member of PROGRAMS certifications, default 10: 1,000,000 memberships), then times the
//! membership report's first page (200 rows, the page the desktop reads) for the filters and
//! sorts the screen offers, and the page after it (each figure the median of 7 reads); then
//! times the CSV and XLSX exports of one certification and of every membership.
//! With `CERTDESK_BENCH_KEEP=/path/store.sqlite` (a file that does not exist yet) the store
//! is built there and kept, for the window benchmark in `tests/e2e/benchmarks.rs`.
//! `CERTDESK_BENCH_T0=2026-11-30T00:00:00Z` dates the store then instead of 2026-06-01 (a
//! store with little to catch up at that date), and `CERTDESK_BENCH_BUILD_ONLY=1` stops once
//! the store is written.

#![allow(clippy::unwrap_used)]

mod bench_store;

use bench_store::report;

use std::time::Instant;

use certdesk_core::report::export::{export_memberships, ExportFormat};
use certdesk_core::report::membership::{
    membership_page, MembershipQuery, MembershipSort, SortColumn,
};
use certdesk_core::AssignmentStatus;
use jiff::Timestamp;

fn main() {
    let (learners, programs) = bench_store::args();
    let dir = tempfile::tempdir().unwrap();
    let path = std::env::var_os("CERTDESK_BENCH_KEEP")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().join("bench.sqlite"));
    assert!(!path.exists(), "{} exists already", path.display());
    let t0: Timestamp = std::env::var("CERTDESK_BENCH_T0")
        .unwrap_or_else(|_| "2026-06-01T00:00:00Z".into())
        .parse()
        .unwrap();
    let (db, w, _) = bench_store::build(&path, learners, programs, t0);
    if std::env::var_os("CERTDESK_BENCH_BUILD_ONLY").is_some() {
        return;
    }

    drop(w);
    let r = db.reader().unwrap();
    let program = |short: &str| -> i64 {
        r.query_row(
            "SELECT id FROM program WHERE short_name = ?1",
            [short],
            |x| x.get(0),
        )
        .unwrap()
    };
    let sort = |column, descending| Some(MembershipSort { column, descending });
    let cases: Vec<(&str, MembershipQuery)> = vec![
        ("no filter, by learner name", MembershipQuery::default()),
        (
            "status window open, by due date",
            MembershipQuery {
                status: Some(AssignmentStatus::WindowOpen),
                sort: sort(SortColumn::DueDate, false),
                ..Default::default()
            },
        ),
        (
            "one certification, by expiry, descending",
            MembershipQuery {
                program_id: Some(program("CERT3")),
                sort: sort(SortColumn::ExpiryDate, true),
                ..Default::default()
            },
        ),
        (
            "no filter, by due date",
            MembershipQuery {
                sort: sort(SortColumn::DueDate, false),
                ..Default::default()
            },
        ),
        (
            "text 'Learner 4242', by learner name",
            MembershipQuery {
                text: Some("Learner 4242".into()),
                ..Default::default()
            },
        ),
    ];
    for (name, q) in cases {
        let q = MembershipQuery { limit: 200, ..q };
        let first = time(|| membership_page(&r, &q).unwrap());
        let page = membership_page(&r, &q).unwrap();
        let next = page.next.clone().map(|after| {
            let q2 = MembershipQuery {
                after: Some(after),
                ..q.clone()
            };
            time(|| membership_page(&r, &q2).unwrap())
        });
        println!(
            "{name:<45} first page {first:>8.1} ms ({} rows)   next page {}",
            page.rows.len(),
            next.map_or("-".to_string(), |n| format!("{n:.1} ms"))
        );
    }

    // Exports of the filtered and the whole report, as the desktop writes them.
    let exports = [
        ("one certification", program("CERT3")),
        ("every membership", -1),
    ];
    for (name, id) in exports {
        let q = MembershipQuery {
            program_id: (id >= 0).then_some(id),
            ..Default::default()
        };
        for format in [ExportFormat::Csv, ExportFormat::Xlsx] {
            let file = dir.path().join(format!("export-{id}.{format:?}"));
            let start = Instant::now();
            let s = export_memberships(&r, &q, file.to_str(), format, t0, &mut |_, _| {}).unwrap();
            let size = std::fs::metadata(&file).unwrap().len();
            report(
                &format!("export {name}, {format:?}"),
                start,
                &format!("{} rows, {:.1} MB", s.rows, size as f64 / 1e6),
            );
        }
    }
}

/// The median of 7 runs of `f`, in milliseconds.
fn time<T>(mut f: impl FnMut() -> T) -> f64 {
    let mut ms: Vec<f64> = (0..7)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
    ms[3]
}
