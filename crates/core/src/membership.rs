//! The membership report: every assignment with its learner, program, dates and exception
//! status, filtered and read a page at a time with keyset paging (never OFFSET).

use rusqlite::types::Value;
use serde::{Deserialize, Serialize};

use crate::assignment::{AssignmentStatus, ExceptionStatus};
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
    /// The `next` of the previous page; `None` for the first page.
    pub after: Option<MembershipCursor>,
    /// Rows per page (1 to 500; 0 means 100).
    pub limit: u32,
}

/// Where a page ends: the sort key of its last row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct MembershipCursor {
    pub learner_name: String,
    pub learner_id: i64,
    pub program_id: i64,
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

/// One page of the membership report, sorted by learner name, then learner, then program.
pub fn membership_page(db: &Reader, q: &MembershipQuery) -> Result<MembershipPage> {
    let limit = match q.limit {
        0 => 100,
        n => n.min(500),
    };
    let mut sql = String::from(
        "SELECT a.id, l.id, l.full_name, l.id_number, l.time_zone,
                (SELECT group_concat(m.full_name, ', ') FROM manager_link ml
                   JOIN learner m ON m.id = ml.manager_id WHERE ml.learner_id = l.id),
                p.id, p.full_name, p.kind = 'certification', a.status, a.active,
                a.due_at, a.expires_at, a.window_opens_at, a.exception_status,
                (SELECT max(sent_at) FROM message WHERE assignment_id = a.id AND state = 'sent')
         FROM learner l
         JOIN assignment a ON a.learner_id = l.id
         JOIN program p ON p.id = a.program_id
         WHERE a.unassigned_at IS NULL",
    );
    let mut args: Vec<Value> = Vec::new();
    if let Some(c) = &q.after {
        sql.push_str(" AND (l.full_name, l.id, a.program_id) > (?, ?, ?)");
        args.extend([
            Value::Text(c.learner_name.clone()),
            Value::Integer(c.learner_id),
            Value::Integer(c.program_id),
        ]);
    }
    if let Some(p) = q.program_id {
        sql.push_str(" AND a.program_id = ?");
        args.push(Value::Integer(p));
    }
    if let Some(s) = q.status {
        sql.push_str(" AND a.status = ?");
        args.push(Value::Text(s.as_str().into()));
    }
    if let Some(e) = q.exception_status {
        sql.push_str(" AND a.exception_status = ?");
        args.push(Value::Text(e.as_str().into()));
    }
    if let Some(t) = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        sql.push_str(" AND (l.full_name LIKE ? ESCAPE '\\' OR l.id_number LIKE ? ESCAPE '\\' OR l.email LIKE ? ESCAPE '\\')");
        let pattern = format!(
            "%{}%",
            t.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        args.extend(std::iter::repeat_n(Value::Text(pattern), 3));
    }
    sql.push_str(" ORDER BY l.full_name, l.id, a.program_id LIMIT ?");
    args.push(Value::Integer(i64::from(limit)));

    let mut stmt = db.prepare_cached(&sql)?;
    let mut rows = stmt.query(rusqlite::params_from_iter(args))?;
    let mut out = Vec::with_capacity(limit as usize);
    while let Some(r) = rows.next()? {
        let zone: String = r.get(4)?;
        let date = |i: usize| -> Result<Option<String>> {
            r.get::<_, Option<i64>>(i)?
                .map(|s| local_date(s, &zone))
                .transpose()
        };
        out.push(MembershipRow {
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
        });
    }
    let next = if out.len() == limit as usize {
        out.last().map(|r| MembershipCursor {
            learner_name: r.learner_name.clone(),
            learner_id: r.learner_id,
            program_id: r.program_id,
        })
    } else {
        None
    };
    Ok(MembershipPage { rows: out, next })
}
