//! Recording the statements an action runs (SQLite's trace on its connection) and the
//! query plan of each, on the same connection so that its temporary tables are there.

use std::sync::Mutex;

use certdesk_core::{Reader, Writer};
use rusqlite::trace::{TraceEvent, TraceEventCodes};
use rusqlite::Connection;

/// The statements the traced connection prepared (the trace callback is a plain `fn`).
static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());
/// One capture at a time: the tests of this file share [`SEEN`].
static GATE: Mutex<()> = Mutex::new(());

fn on_trace(e: TraceEvent<'_>) {
    if let TraceEvent::Stmt(_, sql) = e {
        SEEN.lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(sql.to_string());
    }
}

/// A statement and its query plan (the detail column, one line per step).
pub struct Planned {
    pub sql: String,
    pub plan: Vec<String>,
}

/// Runs `f` on the reader `r`, then returns the plan of every distinct query it ran.
pub fn capture(r: &Reader, f: impl FnOnce(&Reader)) -> Vec<Planned> {
    let _gate = GATE.lock().unwrap_or_else(|p| p.into_inner());
    start(r);
    f(r);
    finish(r)
}

/// Runs `f` on the writer `w`, then returns the plan of every distinct query it ran.
pub fn capture_writes(w: &mut Writer, f: impl FnOnce(&mut Writer)) -> Vec<Planned> {
    let _gate = GATE.lock().unwrap_or_else(|p| p.into_inner());
    start(w.conn());
    f(w);
    finish(w.conn())
}

fn start(conn: &Connection) {
    SEEN.lock().unwrap_or_else(|p| p.into_inner()).clear();
    conn.trace_v2(TraceEventCodes::SQLITE_TRACE_STMT, Some(on_trace));
}

fn finish(conn: &Connection) -> Vec<Planned> {
    conn.trace_v2(TraceEventCodes::empty(), None);
    let mut seen = std::mem::take(&mut *SEEN.lock().unwrap_or_else(|p| p.into_inner()));
    seen.sort();
    seen.dedup();
    seen.into_iter()
        .filter(|sql| {
            let head = sql.trim_start().to_ascii_uppercase();
            ["SELECT", "INSERT", "UPDATE", "DELETE", "WITH"]
                .iter()
                .any(|k| head.starts_with(k))
        })
        .map(|sql| {
            let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            let nulls = vec![rusqlite::types::Null; stmt.parameter_count()];
            let plan = stmt
                .query_map(rusqlite::params_from_iter(nulls), |r| r.get::<_, String>(3))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            Planned { sql, plan }
        })
        .collect()
}

/// The plans, printed for a failure message.
pub fn show(plans: &[Planned]) -> String {
    plans
        .iter()
        .map(|p| format!("{}\n    {}", squeeze(&p.sql), p.plan.join("\n    ")))
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn squeeze(sql: &str) -> String {
    sql.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The queries whose SQL holds every one of `parts` (whitespace squeezed); at least one.
pub fn find<'a>(plans: &'a [Planned], parts: &[&str]) -> Vec<&'a Planned> {
    let found: Vec<&Planned> = plans
        .iter()
        .filter(|p| {
            let sql = squeeze(&p.sql);
            parts.iter().all(|x| sql.contains(x))
        })
        .collect();
    assert!(
        !found.is_empty(),
        "no query ran with {parts:?}; the queries were:\n{}",
        show(plans)
    );
    found
}

/// Every query holding `parts` reads through an index whose plan step holds `step`.
pub fn uses(plans: &[Planned], parts: &[&str], step: &str) {
    for p in find(plans, parts) {
        assert!(
            p.plan.iter().any(|l| l.contains(step)),
            "{}\n  expected a step with '{step}', got:\n    {}",
            squeeze(&p.sql),
            p.plan.join("\n    ")
        );
    }
}
