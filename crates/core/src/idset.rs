//! Temporary id tables: how a set of ids reaches set-based SQL in one statement.

use rusqlite::Connection;

use crate::Result;

/// Fills the temporary table `temp.<table>` (one column, `id`) with `ids`, replacing what it
/// held. The table lives as long as the connection; its name must be a plain identifier.
pub(crate) fn fill(
    conn: &Connection,
    table: &str,
    ids: impl IntoIterator<Item = i64>,
) -> Result<()> {
    conn.execute_batch(&format!(
        "CREATE TEMP TABLE IF NOT EXISTS {table} (id INTEGER PRIMARY KEY); DELETE FROM temp.{table};"
    ))?;
    let mut stmt = conn.prepare_cached(&format!(
        "INSERT OR IGNORE INTO temp.{table} (id) VALUES (?1)"
    ))?;
    for id in ids {
        stmt.execute([id])?;
    }
    Ok(())
}

/// Reads one column of integers.
pub(crate) fn ids(conn: &Connection, sql: &str, params: impl rusqlite::Params) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params, |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
