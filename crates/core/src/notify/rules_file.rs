//! A program's notification rules as a file (JSON or TOML) that an administrator keeps in
//! version control and applies to one or many programs.
//!
//! Applying a file makes the program's rules exactly the file's rules. A file rule with the
//! [`RuleKey`] of a stored rule (trigger, timing, offset, recipients) updates that rule in
//! place, so its id, its message history and its `effective_from` stay (texts change, and
//! nothing already sent is sent again); a file rule with a new key is added (it sends
//! nothing whose instant has passed); a stored rule the file does not name is deleted (its
//! messages stay in the log). Every rule is checked for every target program before
//! anything is written: one problem refuses the whole file.

use std::collections::HashSet;

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

use super::rule::{
    create_rule, delete_rule, list_rules, update_rule, Digest, DigestFrequency, Escalation,
    OffsetUnit, Recipients, RuleInput, RuleKey, Timing, Trigger,
};
use crate::error::RowProblem;
use crate::{Error, Result};

/// The rules of one program, as written to and read from a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RulesFile {
    /// The short name of the program they were exported from; informational (an import
    /// without a target program applies the rules to it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program: Option<String>,
    #[serde(default)]
    pub rules: Vec<FileRule>,
    /// The line each rule starts on in the file it was read from (to point at problems).
    #[serde(skip)]
    pub lines: Vec<u32>,
}

/// One rule of a [`RulesFile`]: every field of [`RuleInput`]; the optional ones may be left
/// out (no offset, unit `day`, empty manager texts, enabled).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRule {
    pub trigger: Trigger,
    pub timing: Timing,
    #[serde(default)]
    pub offset_amount: u32,
    #[serde(default = "day")]
    pub offset_unit: OffsetUnit,
    pub recipients: Recipients,
    #[serde(default)]
    pub learner_subject: String,
    #[serde(default)]
    pub learner_body: String,
    #[serde(default)]
    pub manager_subject: String,
    #[serde(default)]
    pub manager_body: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// `daily` or `weekly` to send the manager copies as a digest (left out: one by one).
    #[serde(default, skip_serializing_if = "is_each")]
    pub digest: DigestFrequency,
    /// The weekday of a weekly digest, 1 = Monday .. 7 = Sunday.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest_weekday: Option<u8>,
    /// Repeats and escalation (issue 12): a file written before them has none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub repeat_every_days: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub repeat_max: u32,
    #[serde(default, skip_serializing_if = "is_no_escalation")]
    pub escalation: Escalation,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub escalate_after: u32,
    #[serde(default, skip_serializing_if = "is_false")]
    pub send_at_once: bool,
}

fn is_each(d: &DigestFrequency) -> bool {
    !d.is_on()
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_no_escalation(e: &Escalation) -> bool {
    *e == Escalation::None
}

fn day() -> OffsetUnit {
    OffsetUnit::Day
}

fn yes() -> bool {
    true
}

impl From<FileRule> for RuleInput {
    fn from(f: FileRule) -> Self {
        RuleInput {
            trigger: f.trigger,
            timing: f.timing,
            offset_amount: f.offset_amount,
            offset_unit: f.offset_unit,
            recipients: f.recipients,
            learner_subject: f.learner_subject,
            learner_body: f.learner_body,
            manager_subject: f.manager_subject,
            manager_body: f.manager_body,
            enabled: f.enabled,
            digest: Digest {
                frequency: f.digest,
                weekday: f.digest_weekday,
            },
            repeat_every_days: f.repeat_every_days,
            repeat_max: f.repeat_max,
            escalation: f.escalation,
            escalate_after: f.escalate_after,
            send_at_once: f.send_at_once,
        }
    }
}

impl From<RuleInput> for FileRule {
    fn from(i: RuleInput) -> Self {
        FileRule {
            trigger: i.trigger,
            timing: i.timing,
            offset_amount: i.offset_amount,
            offset_unit: i.offset_unit,
            recipients: i.recipients,
            learner_subject: i.learner_subject,
            learner_body: i.learner_body,
            manager_subject: i.manager_subject,
            manager_body: i.manager_body,
            enabled: i.enabled,
            digest: i.digest.frequency,
            digest_weekday: i.digest.weekday,
            repeat_every_days: i.repeat_every_days,
            repeat_max: i.repeat_max,
            escalation: i.escalation,
            escalate_after: i.escalate_after,
            send_at_once: i.send_at_once,
        }
    }
}

/// How a rules file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileFormat {
    Json,
    Toml,
}

impl FileFormat {
    /// The format a file name's extension says (`.toml`, else JSON).
    pub fn from_path(path: &str) -> FileFormat {
        if path.to_ascii_lowercase().ends_with(".toml") {
            FileFormat::Toml
        } else {
            FileFormat::Json
        }
    }
}

impl RulesFile {
    /// Reads a rules file.
    ///
    /// # Errors
    /// [`Error::Invalid`] (field `rules file`) with the parser's message, which names the
    /// line and the field.
    pub fn parse(text: &str, format: FileFormat) -> Result<RulesFile> {
        let parsed = match format {
            FileFormat::Json => serde_json::from_str(text).map_err(|e| e.to_string()),
            FileFormat::Toml => toml::from_str(text).map_err(|e| e.to_string()),
        };
        let mut file: RulesFile =
            parsed.map_err(|e| Error::invalid("rules file", e.trim_end().to_string()))?;
        file.lines = rule_lines(text, format);
        Ok(file)
    }

    /// Writes the rules file.
    ///
    /// # Errors
    /// [`Error::Invalid`] if the serialiser fails (it does not for these types).
    pub fn to_text(&self, format: FileFormat) -> Result<String> {
        let text = match format {
            FileFormat::Json => serde_json::to_string_pretty(self).map_err(|e| e.to_string()),
            FileFormat::Toml => toml::to_string(self).map_err(|e| e.to_string()),
        };
        text.map_err(|e| Error::invalid("rules file", e))
    }
}

/// The line each rule starts on: a `[[rules]]` header in TOML, a `"trigger"` key in JSON
/// (inside a string it would be escaped, so it cannot be confused with a text).
fn rule_lines(text: &str, format: FileFormat) -> Vec<u32> {
    (1u32..)
        .zip(text.lines())
        .filter(|(_, l)| match format {
            FileFormat::Toml => l.trim() == "[[rules]]",
            FileFormat::Json => l.contains("\"trigger\""),
        })
        .map(|(n, _)| n)
        .collect()
}

/// A program's short name and kind (`program` or `certification`).
fn name_and_kind(conn: &Connection, program_id: i64) -> Result<(String, String)> {
    conn.query_row(
        "SELECT short_name, kind FROM program WHERE id = ?1",
        [program_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()?
    .ok_or_else(|| Error::NotFound {
        what: "program",
        key: program_id.to_string(),
    })
}

/// The rules of `program_id` as a file.
///
/// # Errors
/// [`Error::NotFound`] for an unknown program.
pub fn export(conn: &Connection, program_id: i64) -> Result<RulesFile> {
    let (short_name, _) = name_and_kind(conn, program_id)?;
    Ok(RulesFile {
        program: Some(short_name),
        lines: Vec::new(),
        rules: list_rules(conn, program_id)?
            .into_iter()
            .map(|r| r.input.into())
            .collect(),
    })
}

/// What applying a rules file did to one program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppliedRules {
    pub program: String,
    pub added: u32,
    pub updated: u32,
    pub deleted: u32,
}

fn describe(i: &RuleInput) -> String {
    let mut s = format!("{} {}", i.trigger.as_str(), i.timing.as_str());
    if i.offset_amount > 0 {
        s.push_str(&format!(" {} {}", i.offset_amount, i.offset_unit.as_str()));
    }
    format!("{s} to {}", i.recipients.as_str())
}

/// Every problem of the file for these programs (short name, kind), rule by rule, at the
/// line the rule starts on (0 when unknown).
fn problems(
    file: &RulesFile,
    rules: &[RuleInput],
    programs: &[(String, String)],
) -> Vec<RowProblem> {
    let mut out = Vec::new();
    let mut seen: HashSet<RuleKey> = HashSet::new();
    for (n, rule) in (1u32..).zip(rules) {
        let mut add = |message: String| {
            out.push(RowProblem {
                line: file.lines.get(n as usize - 1).copied().unwrap_or(0),
                message: format!("rule {n} ({}): {message}", describe(rule)),
            })
        };
        if !seen.insert(rule.key()) {
            add("a rule with this trigger, timing, offset and recipients comes earlier".into());
        }
        // The same problem for every program is told once; one for some, with their names.
        let mut found: Vec<(String, Vec<&str>)> = Vec::new();
        for (name, kind) in programs {
            if let Err(e) = rule.validate(kind) {
                let e = e.to_string();
                match found.iter_mut().find(|(m, _)| *m == e) {
                    Some((_, on)) => on.push(name),
                    None => found.push((e, vec![name])),
                }
            }
        }
        for (e, on) in found {
            if on.len() == programs.len() {
                add(e);
            } else {
                add(format!("{e} (for {})", on.join(", ")));
            }
        }
    }
    out
}

/// Makes the rules of each program in `programs` exactly the file's (see the module
/// documentation), as of `now`.
///
/// # Errors
/// [`Error::Rejected`] listing every problem (an unknown placeholder, a timing the trigger
/// does not allow, a certification-only trigger for a program, a rule given twice); nothing
/// is written then. [`Error::NotFound`] for an unknown program.
pub fn apply(
    tx: &Transaction,
    programs: &[i64],
    file: &RulesFile,
    now: Timestamp,
) -> Result<Vec<AppliedRules>> {
    let rules: Vec<RuleInput> = file.rules.iter().cloned().map(RuleInput::from).collect();
    let mut kinds = Vec::new();
    for id in programs {
        kinds.push(name_and_kind(tx, *id)?);
    }
    let problems = problems(file, &rules, &kinds);
    if !problems.is_empty() {
        return Err(Error::Rejected {
            what: "rules file".into(),
            problems,
        });
    }
    let mut out = Vec::new();
    for id in programs {
        let (name, _) = name_and_kind(tx, *id)?;
        out.push(apply_one(tx, *id, &name, &rules, now)?);
    }
    Ok(out)
}

fn apply_one(
    tx: &Transaction,
    program_id: i64,
    name: &str,
    rules: &[RuleInput],
    now: Timestamp,
) -> Result<AppliedRules> {
    let mut stored = list_rules(tx, program_id)?;
    let mut done = AppliedRules {
        program: name.to_string(),
        added: 0,
        updated: 0,
        deleted: 0,
    };
    for rule in rules {
        match stored.iter().position(|s| s.input.key() == rule.key()) {
            Some(i) => {
                let old = stored.remove(i);
                if old.input != *rule {
                    update_rule(tx, old.id, rule, now)?;
                    done.updated += 1;
                }
            }
            None => {
                create_rule(tx, program_id, rule, now)?;
                done.added += 1;
            }
        }
    }
    for left in stored {
        delete_rule(tx, left.id)?;
        done.deleted += 1;
    }
    Ok(done)
}
