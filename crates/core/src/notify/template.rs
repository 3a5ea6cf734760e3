//! Message templates: `%name%` placeholders, checked when a rule is saved and filled in when
//! a message is queued.
//!
//! A body is plain text written by the administrator. The text part is the body with the
//! values filled in; the HTML part is that text HTML-escaped (every value included, so a
//! learner called `<script>` arrives as text) with blank lines as paragraphs. `%%` is a
//! literal `%`. Dates are shown in the recipient's time zone.

use std::collections::HashMap;
use std::fmt::Write as _;

use jiff::{tz::TimeZone, Timestamp};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::rule::{get_rule, Escalation, OffsetUnit, Recipients, RuleInput, Timing, Trigger};
use crate::mail::{text_to_html, Rendered};
use crate::{Error, Result};

/// Every placeholder a template may use.
pub const PLACEHOLDERS: &[&str] = &[
    "userfullname",
    "useridnumber",
    "programfullname",
    "certificationfullname",
    "duedate",
    "expirydate",
    "windowopendate",
    "setlabel",
    "completioncriteria",
    "managername",
    "manageremail",
    "exceptioncount",
    "exceptionlist",
    "reminderno",
    "daysleft",
    "daysoverdue",
];

/// The values of one message, before formatting for its recipient.
#[derive(Debug, Clone, Default)]
pub struct Values {
    pub user_full_name: String,
    pub user_id_number: String,
    pub program_full_name: String,
    pub due_at: Option<i64>,
    pub expires_at: Option<i64>,
    pub window_opens_at: Option<i64>,
    pub set_label: String,
    pub completion_criteria: String,
    pub manager_name: String,
    pub manager_email: String,
    pub exception_count: usize,
    pub exception_list: String,
    /// 1 for a rule's first message, 2 for its first repeat, and so on (0: not a reminder).
    pub reminder_no: u32,
    /// The date a reminder is about (due or expiry) and the instant it is sent: the local
    /// days between them are `%daysleft%` or `%daysoverdue%`.
    pub deadline_at: Option<i64>,
    pub sent_at: Option<i64>,
}

/// The calendar days from the local day of `sent_at` to that of `deadline_at` in `tz`
/// (negative once the deadline has passed); `None` without both.
pub fn days_left(v: &Values, tz: &TimeZone) -> Option<i64> {
    let day = |s: i64| {
        Timestamp::from_second(s)
            .ok()
            .map(|t| t.to_zoned(tz.clone()).date())
    };
    let (deadline, sent) = (day(v.deadline_at?)?, day(v.sent_at?)?);
    sent.until(deadline).ok().map(|s| i64::from(s.get_days()))
}

fn count(out: &mut String, n: Option<i64>) {
    if let Some(n) = n {
        let _ = write!(out, "{n}");
    }
}

pub(super) enum Piece<'a> {
    Text(&'a str),
    Name(&'a str),
}

pub(super) fn pieces(t: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = t;
    while let Some(i) = rest.find('%') {
        out.push(Piece::Text(&rest[..i]));
        let after = &rest[i + 1..];
        match after.find('%') {
            Some(0) => {
                out.push(Piece::Text("%"));
                rest = &after[1..];
            }
            Some(j)
                if after[..j]
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_') =>
            {
                out.push(Piece::Name(&after[..j]));
                rest = &after[j + 1..];
            }
            _ => {
                out.push(Piece::Text("%"));
                rest = after;
            }
        }
    }
    out.push(Piece::Text(rest));
    out
}

/// Refuses a template that names a placeholder we do not know.
///
/// # Errors
/// [`Error::UnknownPlaceholder`] with the first unknown name (written without the `%`).
pub fn validate_template(field: &str, template: &str) -> Result<()> {
    check_names(field, template, PLACEHOLDERS)
}

/// Refuses a template that names a placeholder not in `allowed`.
pub(super) fn check_names(field: &str, template: &str, allowed: &[&str]) -> Result<()> {
    for p in pieces(template) {
        if let Piece::Name(n) = p {
            if !allowed.contains(&n.to_ascii_lowercase().as_str()) {
                return Err(Error::UnknownPlaceholder {
                    field: field.to_string(),
                    name: n.to_string(),
                });
            }
        }
    }
    Ok(())
}

/// A date as the recipient reads it, in their zone: "7 March 2027".
pub fn format_date(at: Option<i64>, tz: &TimeZone) -> String {
    at.and_then(|s| Timestamp::from_second(s).ok())
        .map(|t| t.to_zoned(tz.clone()).strftime("%-d %B %Y").to_string())
        .unwrap_or_default()
}

/// Fills `template` with `v` as plain text. Unknown names (only possible in a template saved
/// before a check existed) are left as written.
pub fn fill(template: &str, v: &Values, tz: &TimeZone) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    for p in pieces(template) {
        match p {
            Piece::Text(t) => out.push_str(t),
            Piece::Name(n) => match n.to_ascii_lowercase().as_str() {
                "userfullname" => out.push_str(&v.user_full_name),
                "useridnumber" => out.push_str(&v.user_id_number),
                "programfullname" | "certificationfullname" => out.push_str(&v.program_full_name),
                "duedate" => out.push_str(&format_date(v.due_at, tz)),
                "expirydate" => out.push_str(&format_date(v.expires_at, tz)),
                "windowopendate" => out.push_str(&format_date(v.window_opens_at, tz)),
                "setlabel" => out.push_str(&v.set_label),
                "completioncriteria" => out.push_str(&v.completion_criteria),
                "managername" => out.push_str(&v.manager_name),
                "manageremail" => out.push_str(&v.manager_email),
                "exceptioncount" => {
                    let _ = write!(out, "{}", v.exception_count);
                }
                "exceptionlist" => out.push_str(&v.exception_list),
                "reminderno" => count(&mut out, Some(i64::from(v.reminder_no.max(1)))),
                "daysleft" => count(&mut out, days_left(v, tz).map(|d| d.max(0))),
                "daysoverdue" => count(&mut out, days_left(v, tz).map(|d| (-d).max(0))),
                _ => {
                    out.push('%');
                    out.push_str(n);
                    out.push('%');
                }
            },
        }
    }
    out
}

/// Renders a subject and body for one recipient in zone `tz`.
pub fn render(subject: &str, body: &str, v: &Values, tz: &TimeZone) -> Rendered {
    let text = fill(body, v, tz);
    Rendered {
        // A header cannot hold a line break.
        subject: fill(subject, v, tz).replace(['\r', '\n'], " "),
        html: text_to_html(&text),
        text,
    }
}

/// A rule rendered for a chosen learner with their real data, as each recipient would get it.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct Preview {
    pub rule_id: i64,
    pub learner: Option<Rendered>,
    pub manager: Option<Rendered>,
}

/// Renders rule `rule_id` for learner `learner_id`, using their assignment to the rule's
/// program if they have one (dates are empty otherwise) and their first manager.
///
/// # Errors
/// [`Error::NotFound`] for an unknown rule or learner.
pub fn preview(conn: &Connection, rule_id: i64, learner_id: i64) -> Result<Preview> {
    let rule = get_rule(conn, rule_id)?;
    let row = conn
        .query_row(
            "SELECT l.full_name, l.id_number, l.time_zone, p.full_name, a.due_at, a.expires_at,
                    a.window_opens_at, m.full_name, m.email, m.time_zone,
                    (SELECT label FROM course_set WHERE program_id = p.id ORDER BY path, position LIMIT 1),
                    CASE WHEN a.status IN ('certified', 'window_open') THEN 'recertification'
                         ELSE 'certification' END
             FROM learner l
             JOIN program p ON p.id = ?2
             LEFT JOIN assignment a ON a.learner_id = l.id AND a.program_id = p.id
             LEFT JOIN learner m ON m.id = (SELECT manager_id FROM manager_link
                                            WHERE learner_id = l.id ORDER BY manager_id LIMIT 1)
             WHERE l.id = ?1",
            rusqlite::params![learner_id, rule.program_id],
            |r| {
                Ok((
                    Values {
                        user_full_name: r.get(0)?,
                        user_id_number: r.get(1)?,
                        program_full_name: r.get(3)?,
                        due_at: r.get(4)?,
                        expires_at: r.get(5)?,
                        window_opens_at: r.get(6)?,
                        manager_name: r.get::<_, Option<String>>(7)?.unwrap_or_default(),
                        manager_email: r.get::<_, Option<String>>(8)?.unwrap_or_default(),
                        set_label: r.get::<_, Option<String>>(10)?.unwrap_or_default(),
                        ..Values::default()
                    },
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(9)?,
                    r.get::<_, String>(11)?,
                ))
            },
        )
        .optional()?
        .ok_or_else(|| Error::NotFound {
            what: "learner",
            key: learner_id.to_string(),
        })?;
    let (mut v, tz, mtz, path) = row;
    v.completion_criteria = criteria(conn)?
        .remove(&(rule.program_id, path))
        .unwrap_or_default();
    if rule.input.trigger == Trigger::Exception {
        v.exception_count = 1;
        v.exception_list = format!(
            "- {} ({}): example exception",
            v.user_full_name, v.user_id_number
        );
    }
    let zone = |name: &str| crate::time::zone(name).unwrap_or(TimeZone::UTC);
    let i = &rule.input;
    sample_reminder(&mut v, i, &zone(&tz));
    let learner = matches!(
        i.recipients,
        Recipients::Learner | Recipients::Both | Recipients::Admins
    )
    .then(|| render(&i.learner_subject, &i.learner_body, &v, &zone(&tz)));
    let manager = matches!(i.recipients, Recipients::Managers | Recipients::Both).then(|| {
        render(
            &i.manager_subject,
            &i.manager_body,
            &v,
            &zone(mtz.as_deref().unwrap_or(&tz)),
        )
    });
    Ok(Preview {
        rule_id,
        learner,
        manager,
    })
}

/// The reminder values of a preview: the rule's first message, sent on the day its offset
/// gives from the due or expiry date (so "7 days before" shows 7 days left).
fn sample_reminder(v: &mut Values, i: &RuleInput, tz: &TimeZone) {
    v.reminder_no = 1;
    v.deadline_at = match i.trigger {
        Trigger::DueDate | Trigger::CourseSetDue => v.due_at,
        Trigger::Expiry => v.expires_at,
        _ => None,
    };
    let n = i64::from(i.offset_amount);
    let span = match i.offset_unit {
        OffsetUnit::Day => jiff::Span::new().days(n),
        OffsetUnit::Week => jiff::Span::new().weeks(n),
        OffsetUnit::Month => jiff::Span::new().months(n),
    };
    v.sent_at = v.deadline_at.and_then(|d| {
        let z = Timestamp::from_second(d).ok()?.to_zoned(tz.clone());
        let moved = match i.timing {
            Timing::Before => z.checked_sub(span).ok()?,
            Timing::After => z.checked_add(span).ok()?,
            Timing::On => z,
        };
        Some(moved.timestamp().as_second())
    });
}

/// The completion criteria of every program path, in words, keyed by (program, path).
pub fn criteria(conn: &Connection) -> Result<HashMap<(i64, String), String>> {
    let mut st = conn.prepare(
        "SELECT s.program_id, s.path, s.label, s.rule, s.rule_min, s.next_operator,
                (SELECT group_concat(c.full_name, ', ') FROM course_set_course x
                   JOIN course c ON c.id = x.course_id WHERE x.course_set_id = s.id)
         FROM course_set s ORDER BY s.program_id, s.path, s.position",
    )?;
    let mut out: HashMap<(i64, String), String> = HashMap::new();
    let mut last_op: HashMap<(i64, String), Option<String>> = HashMap::new();
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let key: (i64, String) = (r.get(0)?, r.get(1)?);
        let label: String = r.get(2)?;
        let rule: String = r.get(3)?;
        let min: Option<i64> = r.get(4)?;
        let op: Option<String> = r.get(5)?;
        let courses: String = r.get::<_, Option<String>>(6)?.unwrap_or_default();
        let how = match rule.as_str() {
            "all" => "all of".to_string(),
            "any" => "any one of".to_string(),
            "at_least" => format!("at least {} of", min.unwrap_or(1)),
            _ => "optionally".to_string(),
        };
        let s = out.entry(key.clone()).or_default();
        if let Some(Some(prev)) = last_op.get(&key) {
            let _ = write!(s, " {} ", prev.to_ascii_uppercase());
        }
        let _ = write!(s, "{label}: {how} {courses}");
        last_op.insert(key, op);
    }
    Ok(out)
}

fn rule(
    trigger: Trigger,
    timing: Timing,
    amount: u32,
    recipients: Recipients,
    subject: &str,
    body: &str,
) -> RuleInput {
    let manager = matches!(recipients, Recipients::Managers | Recipients::Both);
    RuleInput {
        trigger,
        timing,
        offset_amount: amount,
        offset_unit: OffsetUnit::Day,
        recipients,
        learner_subject: subject.to_string(),
        learner_body: body.to_string(),
        manager_subject: if manager {
            format!("[%userfullname%] {subject}")
        } else {
            String::new()
        },
        manager_body: if manager {
            format!("This is a copy for %userfullname%'s manager.\n\n{body}")
        } else {
            String::new()
        },
        enabled: true,
        digest: Default::default(),
        repeat_every_days: 0,
        repeat_max: 0,
        escalation: Escalation::None,
        escalate_after: 0,
        send_at_once: false,
    }
}

/// The default rules of a new program (`kind` "program") or certification.
pub fn defaults(kind: &str) -> Vec<RuleInput> {
    use Recipients::*;
    use Timing::*;
    use Trigger::*;
    let mut v = vec![
        rule(Assigned, On, 0, Learner, "You have been assigned %programfullname%",
            "Hello %userfullname%,\n\nYou are now enrolled in %programfullname%.\nTo complete it: %completioncriteria%.\nDue date: %duedate%"),
        rule(DueDate, Before, 7, Both, "%programfullname% is due on %duedate%",
            "Hello %userfullname%,\n\n%programfullname% is due on %duedate% and is not complete yet."),
    ];
    if kind == "certification" {
        v.push(rule(Expiry, Before, 30, Both, "Your %certificationfullname% certification expires on %expirydate%",
            "Hello %userfullname%,\n\nYour certification %certificationfullname% expires on %expirydate%. Recertify before then."));
        v.push(rule(WindowOpen, On, 0, Learner, "Recertification for %certificationfullname% is open",
            "Hello %userfullname%,\n\nYou can now recertify for %certificationfullname%. Your certification expires on %expirydate%."));
        v.push(rule(FailedRecertify, On, 0, Both, "Your %certificationfullname% certification has expired",
            "Hello %userfullname%,\n\nYour certification %certificationfullname% expired without recertification. It is now overdue: complete it again as soon as you can."));
    }
    v.push(rule(
        Exception,
        On,
        0,
        Admins,
        "%exceptioncount% new assignment exception(s) in %programfullname%",
        "New assignment exceptions in %programfullname%:\n\n%exceptionlist%",
    ));
    v
}
