//! The explainer's timeline of one membership, in time order: its assignments (each
//! episode), due dates, course and course-set completions, certification cycles, windows and
//! expiries, exceptions and how they were handled, and every message of the log about it.
//! Reads only; each part is an indexed look-up by the membership (or the learner).

use rusqlite::{params, Connection};
use serde::Serialize;

use super::explain::rfc;
use crate::Result;

/// One line of the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct TimelineEntry {
    /// RFC 3339.
    pub at: String,
    /// What happened: `assigned`, `due`, `course_completed`, `message_sent` ...
    pub kind: String,
    /// The line in words (learner and course names as stored: show them as text).
    pub text: String,
    /// After the moment explained (a due date or expiry still to come).
    pub future: bool,
}

struct Lines {
    now: i64,
    out: Vec<(i64, usize, TimelineEntry)>,
}

impl Lines {
    fn push(&mut self, at: Option<i64>, kind: &str, text: String) {
        let Some(at) = at else { return };
        let n = self.out.len();
        self.out.push((
            at,
            n,
            TimelineEntry {
                at: rfc(at),
                kind: kind.to_string(),
                text,
                future: at > self.now,
            },
        ));
    }
}

/// The timeline of membership `a` at `now`, oldest first.
///
/// # Errors
/// Database errors.
pub(super) fn timeline(conn: &Connection, a: i64, now: i64) -> Result<Vec<TimelineEntry>> {
    let mut lines = Lines {
        now,
        out: Vec::new(),
    };
    membership(conn, a, &mut lines)?;
    events(conn, a, &mut lines)?;
    courses(conn, a, &mut lines)?;
    cycles(conn, a, &mut lines)?;
    exceptions(conn, a, &mut lines)?;
    messages(conn, a, &mut lines)?;
    lines.out.sort_by_key(|(at, n, _)| (*at, *n));
    Ok(lines.out.into_iter().map(|(_, _, e)| e).collect())
}

fn membership(conn: &Connection, a: i64, lines: &mut Lines) -> Result<()> {
    let (assigned, due): (i64, Option<i64>) = conn.query_row(
        "SELECT assigned_at, due_at FROM assignment WHERE id = ?1",
        [a],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let has_event: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM event WHERE assignment_id = ?1 AND kind = 'assigned')",
        [a],
        |r| r.get(0),
    )?;
    if !has_event {
        lines.push(Some(assigned), "assigned", "Assigned to the program".into());
    }
    lines.push(due, "due", "Due date of the program".into());
    let mut st = conn.prepare_cached(
        "SELECT s.source, g.name, s.assigned_at, s.due_at FROM assignment_source s
         LEFT JOIN learner_group g ON g.id = s.group_id WHERE s.assignment_id = ?1",
    )?;
    let rows = st.query_map([a], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    for row in rows {
        let (source, group, at) = row?;
        let text = match group {
            Some(g) if source == "group" => format!("Assignment source: group {g}"),
            _ => "Assignment source: assigned individually".to_string(),
        };
        lines.push(Some(at), "source", text);
    }
    Ok(())
}

fn events(conn: &Connection, a: i64, lines: &mut Lines) -> Result<()> {
    let mut st = conn.prepare_cached(
        "SELECT e.kind, e.occurred_at, e.cycle, e.episode, s.label FROM event e
         LEFT JOIN course_set s ON s.id = e.course_set_id AND e.kind = 'course_set_completed'
         WHERE e.kind IN ('assigned', 'completed', 'course_set_completed', 'unassigned',
                          'window_open', 'failed_recertify')
           AND e.assignment_id = ?1",
    )?;
    let rows = st.query_map([a], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, Option<String>>(4)?,
        ))
    })?;
    for row in rows {
        let (kind, at, cycle, episode, set) = row?;
        let (kind, text) = match kind.as_str() {
            "assigned" if episode > 1 => {
                ("reassigned", format!("Assigned again (episode {episode})"))
            }
            "assigned" => ("assigned", "Assigned to the program".to_string()),
            "completed" => (
                "completed",
                format!("Completed the program (cycle {cycle})"),
            ),
            "course_set_completed" => (
                "course_set_completed",
                format!("Completed the course set {}", set.unwrap_or_default()),
            ),
            "unassigned" => ("unassigned", "Unassigned from the program".to_string()),
            "window_open" => (
                "window_opened",
                format!("Recertification window opened (cycle {cycle})"),
            ),
            "failed_recertify" => (
                "failed_recertify",
                format!("Did not recertify in time (cycle {cycle})"),
            ),
            other => ("event", other.replace('_', " ")),
        };
        lines.push(Some(at), kind, text);
    }
    let mut st = conn.prepare_cached(
        "SELECT p.cycle, s.label, p.due_at, p.completed_at FROM course_set_progress p
         JOIN course_set s ON s.id = p.course_set_id WHERE p.assignment_id = ?1",
    )?;
    let rows = st.query_map([a], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<i64>>(2)?,
        ))
    })?;
    for row in rows {
        let (cycle, label, due) = row?;
        lines.push(
            due,
            "course_set_due",
            format!("Course set {label} due (cycle {cycle})"),
        );
    }
    Ok(())
}

/// The learner's completions of the courses of the program's course sets.
fn courses(conn: &Connection, a: i64, lines: &mut Lines) -> Result<()> {
    let mut st = conn.prepare_cached(
        "SELECT DISTINCT c.full_name, cc.completed_at FROM assignment a
         JOIN course_set s ON s.program_id = a.program_id
         JOIN course_set_course sc ON sc.course_set_id = s.id
         JOIN course c ON c.id = sc.course_id
         JOIN course_completion cc ON cc.learner_id = a.learner_id AND cc.course_id = c.id
         WHERE a.id = ?1",
    )?;
    let rows = st.query_map([a], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    for row in rows {
        let (course, at) = row?;
        lines.push(
            Some(at),
            "course_completed",
            format!("Completed the course {course}"),
        );
    }
    Ok(())
}

fn cycles(conn: &Connection, a: i64, lines: &mut Lines) -> Result<()> {
    let mut st = conn.prepare_cached(
        "SELECT cycle, path, state, started_at, completed_at, window_opens_at, expires_at
         FROM certification_record WHERE assignment_id = ?1",
    )?;
    let rows = st.query_map([a], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, Option<i64>>(4)?,
            r.get::<_, Option<i64>>(5)?,
            r.get::<_, Option<i64>>(6)?,
        ))
    })?;
    for row in rows {
        let (cycle, path, state, started, completed, opens, expires) = row?;
        lines.push(
            Some(started),
            "cycle_started",
            format!(
                "Cycle {cycle} started ({path}, now {})",
                state.replace('_', " ")
            ),
        );
        lines.push(completed, "certified", format!("Certified (cycle {cycle})"));
        lines.push(
            opens,
            "window_opens",
            format!("Recertification window opens (cycle {cycle})"),
        );
        lines.push(
            expires,
            "expires",
            format!("Certification expires (cycle {cycle})"),
        );
    }
    Ok(())
}

fn exceptions(conn: &Connection, a: i64, lines: &mut Lines) -> Result<()> {
    let mut st = conn.prepare_cached(
        "SELECT kind, raised_at, detail, status, handled_at FROM exception
         WHERE assignment_id = ?1",
    )?;
    let rows = st.query_map([a], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, Option<i64>>(4)?,
        ))
    })?;
    for row in rows {
        let (kind, raised, detail, status, handled) = row?;
        let kind = kind.replace('_', " ");
        lines.push(
            Some(raised),
            "exception_raised",
            format!("Exception raised: {kind} ({detail})"),
        );
        lines.push(
            handled,
            "exception_handled",
            format!("Exception {kind} handled: {}", status.replace('_', " ")),
        );
    }
    Ok(())
}

fn messages(conn: &Connection, a: i64, lines: &mut Lines) -> Result<()> {
    let mut st = conn.prepare_cached(
        "SELECT m.state, m.created_at, m.sent_at, m.recipient_kind, m.recipient_email,
                m.subject, ifnull(m.trigger, ''), m.skip_reason, o.last_error
         FROM message m LEFT JOIN outbox o ON o.message_id = m.id
         WHERE m.assignment_id = ?1 ORDER BY m.id",
    )?;
    let mut rows = st.query(params![a])?;
    while let Some(r) = rows.next()? {
        let state: String = r.get(0)?;
        let (created, sent): (i64, Option<i64>) = (r.get(1)?, r.get(2)?);
        let (to, email, subject): (String, String, String) = (r.get(3)?, r.get(4)?, r.get(5)?);
        let trigger: String = r.get(6)?;
        let (reason, reply): (Option<String>, Option<String>) = (r.get(7)?, r.get(8)?);
        let what = format!(
            "{} message \"{subject}\" to the {to} <{email}>",
            trigger.replace('_', " ")
        );
        let (kind, at, text) = match state.as_str() {
            "sent" => (
                "message_sent",
                sent.unwrap_or(created),
                format!("Sent: {what}"),
            ),
            "failed" => (
                "message_failed",
                created,
                format!("Failed: {what}: {}", reply.or(reason).unwrap_or_default()),
            ),
            "skipped" => (
                "message_skipped",
                created,
                format!("Skipped: {what}: {}", reason.unwrap_or_default()),
            ),
            _ => (
                "message_queued",
                created,
                match reply {
                    Some(e) => format!("Queued, retrying: {what} (last reply: {e})"),
                    None => format!("Queued: {what}"),
                },
            ),
        };
        lines.push(Some(at), kind, text);
    }
    Ok(())
}
