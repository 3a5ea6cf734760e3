//! Temporary id tables: how a set of ids reaches set-based SQL in one statement.

use rusqlite::Connection;

use crate::Result;

/// Fills the temporary table `temp.<table>` (one column, `id`) with `ids`, replacing what it
/// held. The table lives as long as the connection; its name must be a plain identifier.
///
/// The ids travel as one JSON array parameter read by `json_each`: one statement whatever
/// their number, not one INSERT per id.
pub(crate) fn fill(
    conn: &Connection,
    table: &str,
    ids: impl IntoIterator<Item = i64>,
) -> Result<()> {
    conn.prepare_cached(&format!(
        "CREATE TEMP TABLE IF NOT EXISTS {table} (id INTEGER PRIMARY KEY)"
    ))?
    .execute([])?;
    conn.prepare_cached(&format!("DELETE FROM temp.{table}"))?
        .execute([])?;
    let list = json_list(ids);
    if list.len() > 2 {
        conn.prepare_cached(&format!(
            "INSERT OR IGNORE INTO temp.{table} (id) SELECT value FROM json_each(?1)"
        ))?
        .execute([list])?;
    }
    Ok(())
}

/// `ids` as a JSON array, the parameter `json_each` reads.
pub(crate) fn json_list(ids: impl IntoIterator<Item = i64>) -> String {
    use std::fmt::Write as _;
    let mut out = String::from("[");
    for id in ids {
        if out.len() > 1 {
            out.push(',');
        }
        // Writing to a String cannot fail.
        let _ = write!(out, "{id}");
    }
    out.push(']');
    out
}

/// Reads one column of integers.
pub(crate) fn ids(conn: &Connection, sql: &str, params: impl rusqlite::Params) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params, |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_of_ids_lands_in_one_statement_and_replaces_the_last() {
        let conn = Connection::open_in_memory().expect("open");
        fill(&conn, "t", [3, 1, 2, 3]).expect("fill");
        let got = ids(&conn, "SELECT id FROM temp.t ORDER BY id", []).expect("read");
        assert_eq!(got, vec![1, 2, 3]);
        fill(&conn, "t", [i64::MAX, -5]).expect("fill");
        let got = ids(&conn, "SELECT id FROM temp.t ORDER BY id", []).expect("read");
        assert_eq!(got, vec![-5, i64::MAX]);
        fill(&conn, "t", std::iter::empty()).expect("fill");
        let got = ids(&conn, "SELECT id FROM temp.t", []).expect("read");
        assert!(got.is_empty());
    }
}
