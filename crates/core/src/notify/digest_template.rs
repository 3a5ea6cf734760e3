//! The store-wide digest template (subject and body, kept in the `setting` table, with
//! defaults) and how a digest is rendered: `%learnerlist%` becomes lines grouped by program in
//! the text part and a table in the HTML part, every value HTML-escaped there.

use std::fmt::Write as _;

use jiff::tz::TimeZone;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use super::rule::SUBJECT_MAX;
use super::template::{check_names, format_date, pieces, Piece};
use crate::mail::message::{check_header, escape_html};
use crate::mail::{text_to_html, Rendered};
use crate::store::setting::{get_setting, set_setting};
use crate::{Error, Result};

/// The placeholders a digest template may use.
pub const DIGEST_PLACEHOLDERS: &[&str] = &["managername", "learnerlist", "itemcount"];

const SUBJECT_KEY: &str = "digest.subject";
const BODY_KEY: &str = "digest.body";
const DEFAULT_SUBJECT: &str = "CertDesk: %itemcount% update(s) about your team";
const DEFAULT_BODY: &str = "Hello %managername%,\n\nHere is what came up for the people who \
report to you:\n\n%learnerlist%\n\nThis digest replaces the separate copies you would \
otherwise get.";

/// The digest subject and body every manager digest is rendered from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct DigestTemplate {
    pub subject: String,
    pub body: String,
}

/// The saved digest template, or the defaults.
///
/// # Errors
/// Database errors.
pub fn load_template(conn: &Connection) -> Result<DigestTemplate> {
    Ok(DigestTemplate {
        subject: get_setting(conn, SUBJECT_KEY)?.unwrap_or_else(|| DEFAULT_SUBJECT.to_string()),
        body: get_setting(conn, BODY_KEY)?.unwrap_or_else(|| DEFAULT_BODY.to_string()),
    })
}

/// Saves the digest template after checking it.
///
/// # Errors
/// [`Error::UnknownPlaceholder`] for a placeholder not in [`DIGEST_PLACEHOLDERS`];
/// [`Error::Invalid`] for an empty or over-long subject.
pub fn save_template(conn: &Connection, t: &DigestTemplate) -> Result<()> {
    check_names("digest subject", &t.subject, DIGEST_PLACEHOLDERS)?;
    check_names("digest body", &t.body, DIGEST_PLACEHOLDERS)?;
    check_header("digest subject", &t.subject, SUBJECT_MAX)?;
    if t.subject.trim().is_empty() {
        return Err(Error::invalid("digest subject", "must not be empty"));
    }
    set_setting(conn, SUBJECT_KEY, &t.subject)?;
    set_setting(conn, BODY_KEY, &t.body)
}

/// One manager copy as a digest lists it.
#[derive(Debug, Clone)]
pub(super) struct Line {
    pub trigger: String,
    pub program: String,
    pub learner: String,
    pub id_number: String,
    pub event_at: i64,
    /// The assignment's status when the digest is composed, or `unassigned`.
    pub state: String,
    /// 1 for the rule's first message, 2 for its first repeat ...
    pub reminder_no: u32,
}

/// What the item is about: the trigger, and which reminder from the second on.
fn about(l: &Line) -> String {
    match l.reminder_no {
        0 | 1 => what(&l.trigger).to_string(),
        k => format!("{} (reminder {k})", what(&l.trigger)),
    }
}

fn what(trigger: &str) -> &'static str {
    match trigger {
        "assigned" => "assigned",
        "completed" => "completed",
        "course_set_completed" => "course set completed",
        "course_set_due" => "course set due",
        "due_date" => "due",
        "unassigned" => "unassigned",
        "expiry" => "certification expires",
        "failed_recertify" => "expired without recertifying",
        "window_open" => "recertification window opens",
        _ => "update",
    }
}

fn state(s: &str) -> &'static str {
    match s {
        "not_started" => "not started",
        "in_progress" => "in progress",
        "complete" => "complete",
        "certified" => "certified",
        "window_open" => "recertification open",
        "expired" => "expired",
        _ => "unassigned",
    }
}

/// The list as text: a heading per program, then one line per item (`lines` come sorted by
/// program).
fn list_text(lines: &[Line], tz: &TimeZone) -> String {
    let mut out = String::new();
    let mut program: Option<&str> = None;
    for l in lines {
        if program != Some(l.program.as_str()) {
            if program.is_some() {
                out.push('\n');
            }
            let _ = writeln!(out, "{}", l.program);
            program = Some(&l.program);
        }
        let _ = writeln!(
            out,
            "- {} ({}): {} {}; now {}",
            l.learner,
            l.id_number,
            about(l),
            format_date(Some(l.event_at), tz),
            state(&l.state)
        );
    }
    out.trim_end().to_string()
}

/// The list as an HTML table, a heading row per program; every value escaped.
fn list_html(lines: &[Line], tz: &TimeZone) -> String {
    let mut out = String::from(
        "<table border=\"1\" cellpadding=\"4\" cellspacing=\"0\"><tr><th>Learner</th>\
         <th>ID number</th><th>What</th><th>Date</th><th>Now</th></tr>",
    );
    let mut program: Option<&str> = None;
    for l in lines {
        if program != Some(l.program.as_str()) {
            out.push_str("<tr><th colspan=\"5\" align=\"left\">");
            escape_html(&l.program, &mut out);
            out.push_str("</th></tr>");
            program = Some(&l.program);
        }
        out.push_str("<tr>");
        for cell in [
            l.learner.as_str(),
            l.id_number.as_str(),
            &about(l),
            &format_date(Some(l.event_at), tz),
            state(&l.state),
        ] {
            out.push_str("<td>");
            escape_html(cell, &mut out);
            out.push_str("</td>");
        }
        out.push_str("</tr>");
    }
    out.push_str("</table>");
    out
}

/// Fills a digest template piece by piece: the text, and the HTML where the list is a table
/// and the text around it goes through [`text_to_html`].
fn fill(template: &str, manager: &str, lines: &[Line], tz: &TimeZone) -> (String, String) {
    let mut text = String::new();
    let mut html = String::new();
    let mut pending = String::new();
    let flush = |pending: &mut String, html: &mut String| {
        let part = text_to_html(pending);
        let inner = part
            .trim_start_matches("<!DOCTYPE html><html><body>")
            .trim_end_matches("</body></html>");
        html.push_str(inner);
        pending.clear();
    };
    for p in pieces(template) {
        let value = match p {
            Piece::Text(t) => t.to_string(),
            Piece::Name(n) => match n.to_ascii_lowercase().as_str() {
                "managername" => manager.to_string(),
                "itemcount" => lines.len().to_string(),
                "learnerlist" => {
                    text.push_str(&list_text(lines, tz));
                    flush(&mut pending, &mut html);
                    html.push_str(&list_html(lines, tz));
                    continue;
                }
                _ => format!("%{n}%"),
            },
        };
        text.push_str(&value);
        pending.push_str(&value);
    }
    flush(&mut pending, &mut html);
    (
        text,
        format!("<!DOCTYPE html><html><body>{html}</body></html>"),
    )
}

/// Renders one manager's digest in their zone `tz`.
pub(super) fn compose(
    t: &DigestTemplate,
    manager: &str,
    lines: &[Line],
    tz: &TimeZone,
) -> Rendered {
    let (subject, _) = fill(&t.subject, manager, lines, tz);
    let (text, html) = fill(&t.body, manager, lines, tz);
    Rendered {
        subject: subject.replace(['\r', '\n'], " "),
        html,
        text,
    }
}
