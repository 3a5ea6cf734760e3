//! The completion report: each membership's progress on its current path, course set by
//! course set: how many of the set's courses the learner has completed, how many the set
//! asks for, and so whether the set is complete.
//!
//! The path and the completions that count follow the engine: a program, and the first
//! cycle of a certification, use the certification path and every completion; a
//! recertification window uses the recertification path and the completions since it
//! opened; a later cycle back on the certification path (after an expiry) counts from that
//! cycle's start. A certified membership shows the path it completed in its current cycle. Read a page at a time, keyset-paged like the membership report (learner
//! name, learner, program), in two set-based queries whatever the page size.

use rusqlite::types::Value;
use serde::{Deserialize, Serialize};

use crate::membership::status::AssignmentStatus;
use crate::report::membership::{push_text_filter, MembershipCursor};
use crate::{Reader, Result};

/// Which memberships to show and where the page starts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct CompletionQuery {
    pub program_id: Option<i64>,
    /// Matched against the learner's name, id number and email.
    pub text: Option<String>,
    /// The `next` of the previous page; `None` for the first page.
    pub after: Option<MembershipCursor>,
    /// Rows per page (1 to 500; 0 means 100).
    pub limit: u32,
}

/// One course set of the path a membership is on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct SetProgress {
    pub label: String,
    /// `all`, `any`, `at_least` or `optional`.
    pub rule: String,
    /// Courses the set holds.
    pub courses: u32,
    /// Courses it asks for: all of them, one, N, or none (optional).
    pub required: u32,
    /// Of the set's courses, those the learner completed in a way that counts for this path.
    pub completed: u32,
    /// Whether the completions meet the set's rule (never for an optional set).
    pub complete: bool,
    /// How it joins the next set: `and`, `or`, `then`, or none for the last.
    pub next_operator: Option<String>,
}

/// A membership and its progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct CompletionRow {
    pub assignment_id: i64,
    pub learner_id: i64,
    pub learner_name: String,
    pub learner_id_number: String,
    pub program_id: i64,
    pub program_name: String,
    pub is_certification: bool,
    pub status: AssignmentStatus,
    /// `certification` or `recertification`.
    pub path: String,
    pub sets: Vec<SetProgress>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct CompletionPage {
    pub rows: Vec<CompletionRow>,
    /// Pass as `after` to read the next page; `None` on the last page.
    pub next: Option<MembershipCursor>,
}

/// One page of the completion report, by learner name, then learner, then program.
///
/// # Errors
/// Database errors.
pub fn completion_page(db: &Reader, q: &CompletionQuery) -> Result<CompletionPage> {
    let limit = match q.limit {
        0 => 100,
        n => n.min(500),
    };
    let (mut rows, keys) = page_rows(db, q, limit)?;
    add_sets(db, &mut rows, keys)?;
    let next = (rows.len() == limit as usize)
        .then(|| rows.last())
        .flatten()
        .map(|r| MembershipCursor {
            learner_name: r.learner_name.clone(),
            learner_id: r.learner_id,
            program_id: r.program_id,
            key: None,
            assignment_id: None,
        });
    Ok(CompletionPage { rows, next })
}

/// The page's rows without their sets, and for each its key for the sets' query:
/// (assignment, learner, program, path, counted from).
fn page_rows(
    db: &Reader,
    q: &CompletionQuery,
    limit: u32,
) -> Result<(Vec<CompletionRow>, Vec<serde_json::Value>)> {
    let mut sql = String::from(
        "SELECT a.id, l.id, l.full_name, l.id_number, p.id, p.full_name,
                p.kind = 'certification', a.status,
                CASE WHEN r.state = 'window_open' THEN 'recertification'
                     WHEN r.state = 'certified' THEN coalesce(
                       (SELECT cs.path FROM course_set_progress csp
                          JOIN course_set cs ON cs.id = csp.course_set_id
                          WHERE csp.assignment_id = a.id AND csp.cycle = a.cycle
                          ORDER BY cs.path DESC LIMIT 1),
                       CASE WHEN a.cycle = 1 THEN 'certification' ELSE 'recertification' END)
                     ELSE 'certification' END,
                CASE WHEN p.kind = 'certification' AND a.cycle > 1 THEN r.started_at END
         FROM learner l
         JOIN assignment a ON a.learner_id = l.id
         JOIN program p ON p.id = a.program_id
         LEFT JOIN certification_record r ON r.assignment_id = a.id AND r.cycle = a.cycle
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
    push_text_filter(&mut sql, &mut args, q.text.as_deref());
    sql.push_str(" ORDER BY l.full_name, l.id, a.program_id LIMIT ?");
    args.push(Value::Integer(i64::from(limit)));

    let mut rows = Vec::new();
    let mut keys = Vec::new();
    {
        let mut stmt = db.prepare_cached(&sql)?;
        let mut it = stmt.query(rusqlite::params_from_iter(args))?;
        while let Some(r) = it.next()? {
            let row = CompletionRow {
                assignment_id: r.get(0)?,
                learner_id: r.get(1)?,
                learner_name: r.get(2)?,
                learner_id_number: r.get(3)?,
                program_id: r.get(4)?,
                program_name: r.get(5)?,
                is_certification: r.get(6)?,
                status: AssignmentStatus::parse(&r.get::<_, String>(7)?)?,
                path: r.get(8)?,
                sets: Vec::new(),
            };
            keys.push(serde_json::json!([
                row.assignment_id,
                row.learner_id,
                row.program_id,
                row.path,
                r.get::<_, Option<i64>>(9)?,
            ]));
            rows.push(row);
        }
    }
    Ok((rows, keys))
}

/// Adds to each row the progress of its current path's course sets, in one query for the
/// whole page.
fn add_sets(db: &Reader, rows: &mut [CompletionRow], keys: Vec<serde_json::Value>) -> Result<()> {
    let mut stmt = db.prepare_cached(
        "WITH page (n, learner_id, program_id, path, counted_from) AS (
             SELECT key, value ->> 1, value ->> 2, value ->> 3,
                    coalesce(value ->> 4, -9223372036854775808)
             FROM json_each(?1))
         SELECT x.n, cs.label, cs.rule, cs.rule_min, cs.next_operator,
                (SELECT count(*) FROM course_set_course csc WHERE csc.course_set_id = cs.id),
                (SELECT count(DISTINCT csc.course_id) FROM course_set_course csc
                   JOIN course_completion cc ON cc.course_id = csc.course_id
                   WHERE csc.course_set_id = cs.id AND cc.learner_id = x.learner_id
                     AND cc.completed_at >= x.counted_from)
         FROM page x
         JOIN course_set cs ON cs.program_id = x.program_id AND cs.path = x.path
         ORDER BY x.n, cs.position",
    )?;
    let mut it = stmt.query([serde_json::Value::Array(keys).to_string()])?;
    while let Some(r) = it.next()? {
        let n = usize::try_from(r.get::<_, i64>(0)?).unwrap_or(usize::MAX);
        let rule: String = r.get(2)?;
        let courses: u32 = r.get(5)?;
        let required = match rule.as_str() {
            "all" => courses,
            "any" => courses.min(1),
            "at_least" => r.get::<_, Option<u32>>(3)?.unwrap_or(1),
            _ => 0,
        };
        let completed: u32 = r.get(6)?;
        if let Some(row) = rows.get_mut(n) {
            row.sets.push(SetProgress {
                label: r.get(1)?,
                rule,
                courses,
                required,
                completed,
                complete: required > 0 && completed >= required,
                next_operator: r.get(4)?,
            });
        }
    }
    Ok(())
}
