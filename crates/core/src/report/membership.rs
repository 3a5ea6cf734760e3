//! The membership report: every assignment with its learner, program, dates and exception
//! status, filtered, sorted by a column and read a page at a time with keyset paging (never
//! OFFSET): every sort ends with a unique key, so a page's last row is a complete cursor.
//! Learner and program columns end with the default key (learner name, learner, program);
//! the membership's own columns (status, dates, exception status) end with the membership's
//! id, so that an index on `(column, id)` serves the whole order and a page at 1,000,000
//! memberships reads about as many rows as it shows.

use rusqlite::types::Value;
use serde::{Deserialize, Serialize};

use crate::membership::status::{AssignmentStatus, ExceptionStatus};
use crate::report::summary;
use crate::time::local_date;
use crate::{Reader, Result};

/// Which rows to show and where the page starts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct MembershipQuery {
    pub program_id: Option<i64>,
    pub status: Option<AssignmentStatus>,
    pub exception_status: Option<ExceptionStatus>,
    /// Matched against the learner's name, id number and email.
    pub text: Option<String>,
    /// Only the memberships of this group's learners.
    #[serde(default)]
    pub group_id: Option<i64>,
    /// Only the compliant, or only the non-compliant, members (docs/DOMAIN.md, "Compliance").
    #[serde(default)]
    pub compliance: Option<ComplianceFilter>,
    /// Only certified or window-open memberships expiring in this range.
    #[serde(default)]
    pub expiring: Option<ExpiryRange>,
    /// The `next` of the previous page; `None` for the first page.
    pub after: Option<MembershipCursor>,
    /// Rows per page (1 to 500; 0 means 100).
    pub limit: u32,
    /// The column to sort by; `None` sorts by learner name.
    #[serde(default)]
    pub sort: Option<MembershipSort>,
}

/// The compliant or the non-compliant members as of an instant: both leave out memberships
/// with a raised, not-assigned or dismissed exception.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ComplianceFilter {
    pub compliant: bool,
    /// Unix seconds (the dashboard's `compliance.as_of`).
    pub as_of: i64,
}

/// Certified or window-open memberships with `after < expires_at <= until` (unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ExpiryRange {
    pub after: i64,
    pub until: i64,
}

/// The columns the report can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum SortColumn {
    LearnerName,
    LearnerIdNumber,
    Program,
    Status,
    DueDate,
    ExpiryDate,
    WindowOpensDate,
    ExceptionStatus,
}

impl SortColumn {
    /// True for the membership's own columns, ordered by `(column, membership id)`.
    fn on_membership(self) -> bool {
        matches!(
            self,
            SortColumn::Status
                | SortColumn::DueDate
                | SortColumn::ExpiryDate
                | SortColumn::WindowOpensDate
                | SortColumn::ExceptionStatus
        )
    }

    /// The SQL expression sorted on, ahead of the unique key. Missing dates sort last
    /// (ascending), so the expression is never NULL and row-value comparison stays total.
    /// The date expressions are indexed as written (migration 004): keep them in step.
    fn expr(self) -> Option<&'static str> {
        Some(match self {
            SortColumn::LearnerName => return None,
            SortColumn::LearnerIdNumber => "l.id_number",
            SortColumn::Program => "p.full_name",
            SortColumn::Status => "a.status",
            SortColumn::DueDate => "coalesce(a.due_at, 9223372036854775807)",
            SortColumn::ExpiryDate => "coalesce(a.expires_at, 9223372036854775807)",
            SortColumn::WindowOpensDate => "coalesce(a.window_opens_at, 9223372036854775807)",
            SortColumn::ExceptionStatus => "a.exception_status",
        })
    }
}

/// A sort order: a column, ascending or descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct MembershipSort {
    pub column: SortColumn,
    pub descending: bool,
}

/// The sort column's value in a cursor: text, or a date as unix seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(untagged)]
pub enum SortKey {
    Int(i64),
    Text(String),
}

/// Where a page ends: the sort key of its last row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct MembershipCursor {
    pub learner_name: String,
    pub learner_id: i64,
    pub program_id: i64,
    /// The sort column's value, when the report is sorted by another column than the name.
    #[serde(default)]
    pub key: Option<SortKey>,
    /// The last row's membership: the tie-breaker of the membership's own columns.
    #[serde(default)]
    pub assignment_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct MembershipRow {
    pub assignment_id: i64,
    pub learner_id: i64,
    pub learner_name: String,
    pub learner_id_number: String,
    /// The learner's managers' names, comma separated.
    pub managers: String,
    pub program_id: i64,
    pub program_name: String,
    pub is_certification: bool,
    pub status: AssignmentStatus,
    pub active: bool,
    /// Calendar dates in the learner's time zone.
    pub due_date: Option<String>,
    pub expiry_date: Option<String>,
    pub window_opens_date: Option<String>,
    pub exception_status: ExceptionStatus,
    pub last_message_date: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct MembershipPage {
    pub rows: Vec<MembershipRow>,
    /// Pass as `after` to read the next page; `None` on the last page.
    pub next: Option<MembershipCursor>,
}

/// One page of the membership report, sorted by the query's column (if any), then learner
/// name, then learner, then program.
///
/// # Errors
/// Database errors; [`crate::Error::Invalid`] for a cursor whose key does not fit the sort.
pub fn membership_page(db: &Reader, q: &MembershipQuery) -> Result<MembershipPage> {
    let limit = match q.limit {
        0 => 100,
        n => n.min(500),
    };
    let expr = q.sort.and_then(|s| s.column.expr());
    let desc = q.sort.is_some_and(|s| s.descending);
    let dir = if desc { " DESC" } else { "" };
    let mut sql = format!(
        "SELECT a.id, l.id, l.full_name, l.id_number, l.time_zone,
                (SELECT group_concat(m.full_name, ', ') FROM manager_link ml
                   JOIN learner m ON m.id = ml.manager_id WHERE ml.learner_id = l.id),
                p.id, p.full_name, p.kind = 'certification', a.status, a.active,
                a.due_at, a.expires_at, a.window_opens_at, a.exception_status,
                (SELECT max(sent_at) FROM message WHERE assignment_id = a.id AND state = 'sent'),
                {key}
         FROM learner l
         JOIN assignment a ON a.learner_id = l.id
         JOIN program p ON p.id = a.program_id
         WHERE a.unassigned_at IS NULL",
        key = expr.unwrap_or("NULL"),
    );
    let by_membership = q.sort.is_some_and(|s| s.column.on_membership());
    let mut args: Vec<Value> = Vec::new();
    if let Some(c) = &q.after {
        push_cursor(&mut sql, &mut args, c, expr, by_membership, desc)?;
    }
    push_filters(&mut sql, &mut args, q, by_membership);
    let order = match expr {
        Some(e) if by_membership => format!("{e}{dir}, a.id{dir}"),
        Some(e) => format!("{e}{dir}, l.full_name{dir}, l.id{dir}, a.program_id{dir}"),
        None => format!("l.full_name{dir}, l.id{dir}, a.program_id{dir}"),
    };
    sql.push_str(&format!(" ORDER BY {order} LIMIT ?"));
    args.push(Value::Integer(i64::from(limit)));

    let mut stmt = db.prepare_cached(&sql)?;
    let mut rows = stmt.query(rusqlite::params_from_iter(args))?;
    let mut out = Vec::with_capacity(limit as usize);
    let mut last_key = None;
    while let Some(r) = rows.next()? {
        let (row, key) = read_row(r)?;
        last_key = key;
        out.push(row);
    }
    let next = if out.len() == limit as usize {
        out.last().map(|r| MembershipCursor {
            learner_name: r.learner_name.clone(),
            learner_id: r.learner_id,
            program_id: r.program_id,
            key: last_key,
            assignment_id: Some(r.assignment_id),
        })
    } else {
        None
    };
    Ok(MembershipPage { rows: out, next })
}

/// Adds the condition that starts a page after cursor `c`, for the sort expression `expr`
/// (`None`: learner name) in the direction of `desc`.
fn push_cursor(
    sql: &mut String,
    args: &mut Vec<Value>,
    c: &MembershipCursor,
    expr: Option<&str>,
    by_membership: bool,
    desc: bool,
) -> Result<()> {
    let cmp = if desc { "<" } else { ">" };
    let key = || match &c.key {
        Some(SortKey::Int(i)) => Ok(Value::Integer(*i)),
        Some(SortKey::Text(t)) => Ok(Value::Text(t.clone())),
        None => Err(crate::Error::invalid(
            "cursor",
            "the cursor has no sort key",
        )),
    };
    match expr {
        Some(e) if by_membership => {
            let id = c
                .assignment_id
                .ok_or_else(|| crate::Error::invalid("cursor", "the cursor has no membership"))?;
            // The first term lets SQLite start the index walk at the cursor.
            let (op, k) = (if desc { "<=" } else { ">=" }, key()?);
            sql.push_str(&format!(" AND {e} {op} ? AND ({e}, a.id) {cmp} (?, ?)"));
            args.extend([k.clone(), k, Value::Integer(id)]);
        }
        Some(e) => {
            sql.push_str(&format!(
                " AND ({e}, l.full_name, l.id, a.program_id) {cmp} (?, ?, ?, ?)"
            ));
            args.push(key()?);
        }
        None => {
            sql.push_str(&format!(
                " AND (l.full_name, l.id, a.program_id) {cmp} (?, ?, ?)"
            ));
        }
    }
    if !(expr.is_some() && by_membership) {
        args.extend([
            Value::Text(c.learner_name.clone()),
            Value::Integer(c.learner_id),
            Value::Integer(c.program_id),
        ]);
    }
    Ok(())
}

/// One row of the page, with its sort key (the cursor's `key` if it is the page's last).
fn read_row(r: &rusqlite::Row) -> Result<(MembershipRow, Option<SortKey>)> {
    let key = match r.get::<_, Value>(16)? {
        Value::Integer(i) => Some(SortKey::Int(i)),
        Value::Text(t) => Some(SortKey::Text(t)),
        _ => None,
    };
    let zone: String = r.get(4)?;
    let date = |i: usize| -> Result<Option<String>> {
        r.get::<_, Option<i64>>(i)?
            .map(|s| local_date(s, &zone))
            .transpose()
    };
    let row = MembershipRow {
        assignment_id: r.get(0)?,
        learner_id: r.get(1)?,
        learner_name: r.get(2)?,
        learner_id_number: r.get(3)?,
        managers: r.get::<_, Option<String>>(5)?.unwrap_or_default(),
        program_id: r.get(6)?,
        program_name: r.get(7)?,
        is_certification: r.get(8)?,
        status: AssignmentStatus::parse(&r.get::<_, String>(9)?)?,
        active: r.get(10)?,
        due_date: date(11)?,
        expiry_date: date(12)?,
        window_opens_date: date(13)?,
        exception_status: ExceptionStatus::parse(&r.get::<_, String>(14)?)?,
        last_message_date: date(15)?,
    };
    Ok((row, key))
}

/// How many memberships match the query's filters (its cursor and limit aside): the total of
/// an export, for its progress bar. Without a text filter, from the summary figures.
///
/// # Errors
/// Database errors.
pub fn membership_count(db: &Reader, q: &MembershipQuery) -> Result<u32> {
    let plain = q.group_id.is_none() && q.compliance.is_none() && q.expiring.is_none();
    if plain && q.text.as_deref().is_none_or(|t| t.trim().is_empty()) {
        return summary::memberships(
            db,
            summary::Filter {
                program_id: q.program_id,
                status: q.status,
                exception_status: q.exception_status,
            },
        );
    }
    let mut sql = String::from(
        "SELECT count(*) FROM learner l JOIN assignment a ON a.learner_id = l.id
         WHERE a.unassigned_at IS NULL",
    );
    let mut args = Vec::new();
    push_filters(&mut sql, &mut args, q, false);
    Ok(db.query_row(&sql, rusqlite::params_from_iter(args), |r| r.get(0))?)
}

/// Adds the query's filters: program, status, exception status, text.
fn push_filters(sql: &mut String, args: &mut Vec<Value>, q: &MembershipQuery, by_membership: bool) {
    if let Some(p) = q.program_id {
        sql.push_str(" AND a.program_id = ?");
        args.push(Value::Integer(p));
    }
    if let Some(s) = q.status {
        // Sorted by a membership column, the sort index is walked and the status checked on
        // the way (`+` keeps SQLite from reading every row of the status and sorting them).
        sql.push_str(if by_membership {
            " AND +a.status = ?"
        } else {
            " AND a.status = ?"
        });
        args.push(Value::Text(s.as_str().into()));
    }
    if let Some(e) = q.exception_status {
        sql.push_str(" AND a.exception_status = ?");
        args.push(Value::Text(e.as_str().into()));
    }
    push_figure_filters(sql, args, q);
    push_text_filter(sql, args, q.text.as_deref());
}

/// Adds the filters that open a dashboard figure: group, compliance, expiry range.
fn push_figure_filters(sql: &mut String, args: &mut Vec<Value>, q: &MembershipQuery) {
    use crate::report::compliance::{COMPLIANT, COUNTED};
    if let Some(g) = q.group_id {
        sql.push_str(
            " AND a.learner_id IN (SELECT learner_id FROM group_member WHERE group_id = ?)",
        );
        args.push(Value::Integer(g));
    }
    if let Some(c) = q.compliance {
        let not = if c.compliant { "" } else { "NOT " };
        sql.push_str(&format!(
            " AND a.exception_status IN {COUNTED} AND {not}{COMPLIANT}"
        ));
        args.push(Value::Integer(c.as_of));
    }
    if let Some(e) = q.expiring {
        sql.push_str(
            " AND a.status IN ('certified', 'window_open') AND a.expires_at > ? AND a.expires_at <= ?",
        );
        args.extend([Value::Integer(e.after), Value::Integer(e.until)]);
    }
}

/// Adds the report's text filter: `text` anywhere in the learner's name, id number or email
/// (`%` and `_` match themselves).
pub(crate) fn push_text_filter(sql: &mut String, args: &mut Vec<Value>, text: Option<&str>) {
    let Some(t) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return;
    };
    sql.push_str(
        " AND (l.full_name LIKE ? ESCAPE '\\' OR l.id_number LIKE ? ESCAPE '\\'
               OR l.email LIKE ? ESCAPE '\\')",
    );
    let pattern = format!(
        "%{}%",
        t.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    args.extend(std::iter::repeat_n(Value::Text(pattern), 3));
}
