//! The bare-SQL bound of a step (docs/BENCHMARKS.md, "Index review and bulk id sets"): the
//! same rows the step wrote, written by plain set-based SQL into a copy of the store taken
//! just before the step, in one `BEGIN IMMEDIATE` transaction. What is left between the two
//! is the step's own work: finding the rows, deciding, and how it writes them.
//!
//! Use: [`Snapshot::take`] before the step, run the step on the store, then
//! [`Snapshot::replay`]: it diffs the store against the copy (untimed), writes the difference
//! into the copy (timed), checks the copy now equals the store, and deletes the copy.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use certdesk_core::{Db, Writer};
use rusqlite::Connection;

/// The tables the engine, the assignment and the exception actions (with their undo batch)
/// write, and their keys.
const TABLES: &[(&str, &[&str])] = &[
    ("assignment", &["id"]),
    ("assignment_source", &["id"]),
    ("certification_record", &["assignment_id", "cycle"]),
    (
        "course_set_progress",
        &["assignment_id", "cycle", "course_set_id"],
    ),
    ("event", &["id"]),
    ("exception", &["id"]),
    // The undo batch of an exception action (migration 012): its row and the previous
    // state of the rows it changed.
    ("action_batch", &["id"]),
    ("action_batch_exception", &["batch_id", "exception_id"]),
    ("action_batch_assignment", &["batch_id", "assignment_id"]),
    ("action_batch_source", &["batch_id", "source_id"]),
    (
        "action_batch_progress",
        &["batch_id", "assignment_id", "cycle", "course_set_id"],
    ),
    (
        "action_batch_record",
        &["batch_id", "assignment_id", "cycle"],
    ),
];

/// A copy of the store as it was before a step.
pub struct Snapshot {
    copy: PathBuf,
}

/// A step's time beside its bound.
pub struct Bound {
    pub bare: Duration,
    /// CPU time of the process during the replay, in milliseconds.
    pub cpu_ms: u64,
    /// Rows updated and inserted by the replay.
    pub rows: u64,
}

impl Snapshot {
    /// Copies the store behind `w` page for page (SQLite's backup: the same b-trees, the
    /// same fill, no vacuum) to a file beside it.
    pub fn take(w: &Writer, store: &Path) -> Snapshot {
        let copy = store.with_extension("before.sqlite");
        let _ = std::fs::remove_file(&copy);
        w.conn()
            .backup(rusqlite::MAIN_DB, &copy, None)
            .expect("backup");
        Snapshot { copy }
    }

    /// Writes into the copy what the step wrote into `store` (the difference between the
    /// two), timing only the write; checks the copy then equals the store.
    pub fn replay(self, store: &Path) -> Bound {
        let db = Db::open(&self.copy).expect("open copy");
        let mut w = db.writer().expect("writer");
        let c = w.conn();
        c.execute("ATTACH DATABASE ?1 AS after", [store.to_string_lossy()])
            .expect("attach");
        let mut plans = Vec::new();
        for (table, key) in TABLES {
            plans.push(diff(c, table, key));
        }
        let (start, cpu) = (Instant::now(), crate::bench_store::cpu_ms());
        let rows = w
            .write(|tx| {
                let mut n = 0;
                for sql in plans.iter().flatten() {
                    n += tx.execute(sql, [])? as u64;
                }
                Ok(n)
            })
            .expect("replay");
        let (bare, cpu_ms) = (start.elapsed(), crate::bench_store::cpu_ms() - cpu);
        for (table, _) in TABLES {
            let left: i64 = w
                .conn()
                .query_row(
                    &format!(
                        "SELECT (SELECT count(*) FROM (SELECT * FROM after.{table} EXCEPT SELECT * FROM main.{table}))
                              + (SELECT count(*) FROM (SELECT * FROM main.{table} EXCEPT SELECT * FROM after.{table}))"
                    ),
                    [],
                    |r| r.get(0),
                )
                .expect("check");
            if left != 0 {
                println!("  (bound: {left} rows of {table} differ after the replay)");
            }
        }
        drop(w);
        drop(db);
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", self.copy.display()));
        }
        Bound { bare, cpu_ms, rows }
    }
}

/// The statements that write `after.<table>`'s changed and new rows into `main.<table>`:
/// the changed rows land in `temp.d_<table>` now (untimed); an UPDATE of only the columns
/// that changed, and an INSERT of the new rows.
fn diff(c: &Connection, table: &str, key: &[&str]) -> Vec<String> {
    c.execute_batch(&format!(
        "DROP TABLE IF EXISTS temp.d_{table};
         CREATE TEMP TABLE d_{table} AS SELECT * FROM after.{table} EXCEPT SELECT * FROM main.{table};"
    ))
    .expect("diff");
    let cols: Vec<String> = {
        let mut stmt = c
            .prepare(&format!(
                "SELECT name FROM pragma_table_info('{table}', 'main')"
            ))
            .expect("columns");
        let rows = stmt.query_map([], |r| r.get(0)).expect("columns");
        rows.collect::<Result<_, _>>().expect("columns")
    };
    let on = key
        .iter()
        .map(|k| format!("t.{k} = d.{k}"))
        .collect::<Vec<_>>()
        .join(" AND ");
    let on_main = key
        .iter()
        .map(|k| format!("m.{k} = d.{k}"))
        .collect::<Vec<_>>()
        .join(" AND ");
    let changed: Vec<&String> = cols
        .iter()
        .filter(|col| !key.contains(&col.as_str()))
        .filter(|col| {
            let n: i64 = c
                .query_row(
                    &format!(
                        "SELECT count(*) FROM temp.d_{table} d JOIN main.{table} m ON {on_main}
                         WHERE d.{col} IS NOT m.{col}"
                    ),
                    [],
                    |r| r.get(0),
                )
                .expect("changed columns");
            n > 0
        })
        .collect();
    let mut out = Vec::new();
    if !changed.is_empty() {
        let set = changed
            .iter()
            .map(|col| format!("{col} = d.{col}"))
            .collect::<Vec<_>>()
            .join(", ");
        out.push(format!(
            "UPDATE main.{table} AS t SET {set} FROM temp.d_{table} d WHERE {on}"
        ));
    }
    let all = cols.join(", ");
    out.push(format!(
        "INSERT INTO main.{table} ({all}) SELECT {all} FROM temp.d_{table} d
         WHERE NOT EXISTS (SELECT 1 FROM main.{table} m WHERE {on_main})"
    ));
    out
}
