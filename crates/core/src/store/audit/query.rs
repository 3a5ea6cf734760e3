//! Reading the audit trail: a page for the screen (newest first, paged by key) and every
//! matching entry in order for the export.

use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};

use crate::time::utc_days;
use crate::Result;

/// Which entries to read.
#[derive(Debug, Clone, Default, Serialize, Deserialize, specta::Type)]
pub struct AuditFilter {
    /// First UTC day, `YYYY-MM-DD` (included).
    pub from: Option<String>,
    /// Last UTC day, `YYYY-MM-DD` (included).
    pub to: Option<String>,
    /// An action (`rules.save`) or an area (`rules`: every `rules.` action).
    pub action: Option<String>,
    /// The OS user, exactly.
    pub user: Option<String>,
    /// Keyset paging for the list: only entries with an id below this one.
    pub before_id: Option<i64>,
    /// Page size of the list (default 100, at most 1000).
    pub limit: Option<u32>,
}

/// One entry of the trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct AuditRow {
    pub id: i64,
    /// RFC 3339 instant.
    pub at: String,
    pub os_user: String,
    pub action: String,
    pub subject: String,
    /// The values before and after, as compact JSON text (absent when none).
    pub before: Option<String>,
    pub after: Option<String>,
    pub hash: String,
}

/// A page of the trail and the key of the next one.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct AuditPage {
    pub entries: Vec<AuditRow>,
    /// Pass as `before_id` for the next page; `None` on the last page.
    pub next_before_id: Option<i64>,
    /// The actions and users in the trail, for the screen's filters.
    pub actions: Vec<String>,
    pub users: Vec<String>,
}

const WHERE: &str = "WHERE (?1 IS NULL OR at >= ?1) AND (?2 IS NULL OR at < ?2)
       AND (?3 IS NULL OR action = ?3 OR substr(action, 1, length(?3) + 1) = ?3 || '.')
       AND (?4 IS NULL OR os_user = ?4)";
const COLUMNS: &str = "id, at, os_user, action, subject, before, after, hash";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditRow> {
    let at: i64 = r.get(1)?;
    Ok(AuditRow {
        id: r.get(0)?,
        at: jiff::Timestamp::from_second(at)
            .map(|t| t.to_string())
            .unwrap_or_default(),
        os_user: r.get(2)?,
        action: r.get(3)?,
        subject: r.get(4)?,
        before: r.get(5)?,
        after: r.get(6)?,
        hash: r.get(7)?,
    })
}

fn blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A page of entries matching `f`, newest first.
///
/// # Errors
/// [`crate::Error::Invalid`] for a malformed date; database errors.
pub fn list(conn: &Connection, f: &AuditFilter) -> Result<AuditPage> {
    let (start, end) = utc_days(blank(&f.from), blank(&f.to))?;
    let limit = f.limit.unwrap_or(100).clamp(1, 1000);
    let mut st = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM audit_entry {WHERE}
           AND id < ifnull(?5, 9223372036854775807)
         ORDER BY id DESC LIMIT ?6"
    ))?;
    let mut entries = st
        .query_map(
            params![
                start,
                end,
                blank(&f.action),
                blank(&f.user),
                f.before_id,
                limit + 1
            ],
            row,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let next_before_id = if entries.len() > limit as usize {
        entries.truncate(limit as usize);
        entries.last().map(|e| e.id)
    } else {
        None
    };
    let distinct = |col: &str| -> Result<Vec<String>> {
        let mut st = conn.prepare_cached(&format!(
            "SELECT DISTINCT {col} FROM audit_entry ORDER BY 1"
        ))?;
        let v = st
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(v)
    };
    Ok(AuditPage {
        entries,
        next_before_id,
        actions: distinct("action")?,
        users: distinct("os_user")?,
    })
}

/// Calls `visit` with every entry matching `f` (its paging ignored), oldest first; returns
/// how many there were.
///
/// # Errors
/// As [`list`], and those of `visit`.
pub fn each(
    conn: &Connection,
    f: &AuditFilter,
    mut visit: impl FnMut(&AuditRow) -> Result<()>,
) -> Result<u32> {
    let (start, end) = utc_days(blank(&f.from), blank(&f.to))?;
    let mut st = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM audit_entry {WHERE} ORDER BY id"
    ))?;
    let mut rows = st.query(params![start, end, blank(&f.action), blank(&f.user)])?;
    let mut n = 0_u32;
    while let Some(r) = rows.next()? {
        visit(&row(r)?)?;
        n += 1;
    }
    Ok(n)
}
