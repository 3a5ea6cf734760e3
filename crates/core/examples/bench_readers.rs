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

#![allow(clippy::unwrap_used)]

use std::time::Instant;

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
