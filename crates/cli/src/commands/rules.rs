//! `rules ...`: a program's notification rules, as the desktop's template editor has them.
//! Programs are named by short name, learners by id number, rules by the id `rules list`
//! shows.

use std::path::PathBuf;

use certdesk_core::api::rules;
use certdesk_core::notify::rule_edit::SavedRule;
use certdesk_core::notify::rules_file::{FileFormat, RulesFile};
use certdesk_core::notify::{OffsetUnit, Recipients, Rule, RuleInput, Timing, Trigger};
use certdesk_core::{names, Db};
use clap::builder::PossibleValuesParser;

use super::Now;
use crate::output::Output;

fn values<T: Copy>(all: &[T], f: fn(T) -> &'static str) -> PossibleValuesParser {
    PossibleValuesParser::new(all.iter().map(|v| f(*v)))
}

/// The fields of a rule on the command line; for `edit`, the ones given replace the rule's.
#[derive(clap::Args, Debug, Default)]
pub struct Fields {
    /// What the rule reacts to.
    #[arg(long, value_parser = values(Trigger::ALL, Trigger::as_str))]
    trigger: Option<String>,
    /// When it sends, relative to the trigger's instant (`rules triggers` lists the allowed).
    #[arg(long, value_parser = values(Timing::ALL, Timing::as_str))]
    timing: Option<String>,
    /// How many units before or after (none with `--timing on`).
    #[arg(long)]
    offset: Option<u32>,
    #[arg(long, value_parser = values(OffsetUnit::ALL, OffsetUnit::as_str))]
    unit: Option<String>,
    /// Who receives it (default: the learner; the site administrators for `exception`).
    #[arg(long, value_parser = values(Recipients::ALL, Recipients::as_str))]
    recipients: Option<String>,
    #[arg(long)]
    learner_subject: Option<String>,
    #[arg(long, conflicts_with = "learner_body_file")]
    learner_body: Option<String>,
    /// Read the learner's (or the administrators') body from this file.
    #[arg(long, value_name = "FILE")]
    learner_body_file: Option<PathBuf>,
    #[arg(long)]
    manager_subject: Option<String>,
    #[arg(long, conflicts_with = "manager_body_file")]
    manager_body: Option<String>,
    /// Read the managers' body from this file.
    #[arg(long, value_name = "FILE")]
    manager_body_file: Option<PathBuf>,
}

fn body(text: Option<String>, file: Option<PathBuf>) -> anyhow::Result<Option<String>> {
    Ok(match (text, file) {
        (Some(t), _) => Some(t),
        (None, Some(f)) => Some(
            std::fs::read_to_string(&f)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", f.display()))?,
        ),
        (None, None) => None,
    })
}

impl Fields {
    /// `base` with the fields given replaced.
    fn apply(self, mut base: RuleInput) -> anyhow::Result<RuleInput> {
        if let Some(t) = &self.trigger {
            base.trigger = Trigger::parse(t)?;
        }
        if let Some(t) = &self.timing {
            base.timing = Timing::parse(t)?;
        }
        if let Some(n) = self.offset {
            base.offset_amount = n;
        } else if self.timing.as_deref() == Some("on") {
            base.offset_amount = 0;
        }
        if let Some(u) = &self.unit {
            base.offset_unit = OffsetUnit::parse(u)?;
        }
        if let Some(r) = &self.recipients {
            base.recipients = Recipients::parse(r)?;
        } else if self.trigger.is_some() && !base.trigger.recipients().contains(&base.recipients) {
            base.recipients = base.trigger.recipients()[0];
        }
        let texts = [
            (self.learner_subject, None, &mut base.learner_subject),
            (
                self.learner_body,
                self.learner_body_file,
                &mut base.learner_body,
            ),
            (self.manager_subject, None, &mut base.manager_subject),
            (
                self.manager_body,
                self.manager_body_file,
                &mut base.manager_body,
            ),
        ];
        for (text, file, field) in texts {
            if let Some(t) = body(text, file)? {
                *field = t;
            }
        }
        Ok(base)
    }
}

/// `rules ...`
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// List a program's rules (with the ids the other subcommands take).
    List {
        #[arg(long)]
        program: String,
    },
    /// Show one rule with its texts.
    Show { id: i64 },
    /// Add a rule to a program.
    Add {
        #[arg(long)]
        program: String,
        #[command(flatten)]
        fields: Fields,
        /// Save it disabled.
        #[arg(long)]
        disabled: bool,
        #[command(flatten)]
        now: Now,
    },
    /// Change a rule: the fields given replace its own.
    Edit {
        id: i64,
        #[command(flatten)]
        fields: Fields,
        #[command(flatten)]
        now: Now,
    },
    /// Enable a rule (what it missed while off is a backfill to opt in to).
    Enable {
        id: i64,
        #[command(flatten)]
        now: Now,
    },
    /// Disable a rule.
    Disable {
        id: i64,
        #[command(flatten)]
        now: Now,
    },
    /// Delete a rule (its messages stay in the log).
    Delete { id: i64 },
    /// Give a program the default rules it lacks (running it twice adds nothing).
    Defaults {
        #[arg(long)]
        program: String,
        #[command(flatten)]
        now: Now,
    },
    /// Show how many past messages a rule would send if backfilled; --yes sends them.
    Backfill {
        id: i64,
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        now: Now,
    },
    /// Render a rule for a learner (by id number) with their real data.
    Preview {
        id: i64,
        #[arg(long)]
        learner: String,
    },
    /// Send a rule rendered for a learner to an address now, marked as a test.
    Test {
        id: i64,
        #[arg(long)]
        learner: String,
        #[arg(long)]
        to: String,
        #[command(flatten)]
        now: Now,
    },
    /// Every trigger with the timings and recipients it allows.
    Triggers,
    /// Print a program's rules as a rules file (JSON, or TOML with --format toml).
    Export {
        #[arg(long)]
        program: String,
        #[arg(long, value_parser = ["json", "toml"], default_value = "json")]
        format: String,
    },
    /// Make the rules of one or more programs exactly those of a rules file (.json or
    /// .toml); without --program, the program the file names.
    Import {
        file: PathBuf,
        #[arg(long)]
        program: Vec<String>,
        #[command(flatten)]
        now: Now,
    },
}

/// Runs a `rules` subcommand.
pub fn run(c: Command, db: &Db, out: &Output) -> anyhow::Result<()> {
    match c {
        Command::List { program } => {
            let r = db.reader()?;
            let list = rules::list(&r, names::program(&r, &program)?)?;
            out.print(&list, || {
                if list.is_empty() {
                    return format!("{program} has no rules");
                }
                list.iter().map(line).collect::<Vec<_>>().join("\n")
            })
        }
        Command::Show { id } => {
            let rule = rules::show(&*db.reader()?, id)?;
            out.print(&rule, || details(&rule))
        }
        Command::Add {
            program,
            fields,
            disabled,
            now,
        } => {
            let now = now.get()?;
            let program_id = names::program(&*db.reader()?, &program)?;
            let input = new_rule(fields, !disabled)?;
            let saved = rules::save(&mut db.writer()?, program_id, None, &input, now)?;
            out.print(&saved, || saved_text("added", &saved))
        }
        Command::Edit { id, fields, now } => {
            let now = now.get()?;
            let old = rules::show(&*db.reader()?, id)?;
            let input = fields.apply(old.input)?;
            let saved = rules::save(&mut db.writer()?, old.program_id, Some(id), &input, now)?;
            out.print(&saved, || saved_text("saved", &saved))
        }
        Command::Enable { id, now } => set_enabled(db, out, id, true, &now),
        Command::Disable { id, now } => set_enabled(db, out, id, false, &now),
        Command::Delete { id } => {
            rules::delete(&mut db.writer()?, id)?;
            out.print(&serde_json::json!({ "deleted": id }), || {
                format!("rule {id} deleted")
            })
        }
        Command::Defaults { program, now } => {
            let now = now.get()?;
            let program_id = names::program(&*db.reader()?, &program)?;
            let ids = rules::defaults(&mut db.writer()?, program_id, now)?;
            out.print(&ids, || match ids.len() {
                0 => format!("{program} already has every default rule"),
                n => format!("{n} default rules added to {program}"),
            })
        }
        other => more(other, db, out),
    }
}

fn more(c: Command, db: &Db, out: &Output) -> anyhow::Result<()> {
    match c {
        Command::Backfill { id, yes, now } => {
            let now = now.get()?;
            let n = if yes {
                rules::backfill(&mut db.writer()?, id, now)?
            } else {
                rules::backfill_count(&*db.reader()?, id, now)?
            };
            out.print(
                &serde_json::json!({ "messages": n, "applied": yes }),
                || {
                    if yes {
                        format!("backfill on: the next run sends {n} past messages")
                    } else {
                        format!("a backfill would send {n} messages; add --yes to send them")
                    }
                },
            )
        }
        Command::Preview { id, learner } => {
            let r = db.reader()?;
            let p = rules::preview(&r, id, names::learner(&r, &learner)?)?;
            out.print(&p, || {
                [("learner", &p.learner), ("manager", &p.manager)]
                    .iter()
                    .filter_map(|(who, r)| {
                        r.as_ref()
                            .map(|r| format!("[{who}] {}\n\n{}\n", r.subject, r.text))
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        Command::Test {
            id,
            learner,
            to,
            now,
        } => {
            let now = now.get()?;
            let r = db.reader()?;
            let n = rules::test_send(&r, id, names::learner(&r, &learner)?, &to, now)?;
            out.print(&serde_json::json!({ "sent": n, "to": to }), || {
                format!("{n} test message(s) sent to {to}")
            })
        }
        Command::Triggers => {
            let all = rules::triggers();
            out.print(&all, || {
                all.iter()
                    .map(|t| {
                        let words = |v: Vec<&str>| v.join("|");
                        format!(
                            "{:<22} timing {:<16} recipients {}{}",
                            t.trigger.as_str(),
                            words(t.timings.iter().map(|x| x.as_str()).collect()),
                            words(t.recipients.iter().map(|x| x.as_str()).collect()),
                            if t.certification_only {
                                "  (certifications only)"
                            } else {
                                ""
                            }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        Command::Export { program, format } => {
            let r = db.reader()?;
            let file = rules::export(&r, names::program(&r, &program)?)?;
            let format = if format == "toml" {
                FileFormat::Toml
            } else {
                FileFormat::Json
            };
            print!("{}", file.to_text(format)?.trim_end());
            println!();
            Ok(())
        }
        Command::Import { file, program, now } => {
            let now = now.get()?;
            let path = file.display().to_string();
            let text = std::fs::read_to_string(&file)
                .map_err(|e| anyhow::anyhow!("cannot read {path}: {e}"))?;
            let parsed = RulesFile::parse(&text, FileFormat::from_path(&path))?;
            let ids = {
                let r = db.reader()?;
                program
                    .iter()
                    .map(|p| names::program(&r, p))
                    .collect::<Result<Vec<_>, _>>()?
            };
            let done = rules::import(&mut db.writer()?, &ids, &parsed, now)?;
            out.print(&done, || {
                done.iter()
                    .map(|d| {
                        format!(
                            "{}: {} added, {} updated, {} deleted",
                            d.program, d.added, d.updated, d.deleted
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        _ => unreachable_command(),
    }
}

fn set_enabled(db: &Db, out: &Output, id: i64, on: bool, now: &Now) -> anyhow::Result<()> {
    let saved = rules::set_enabled(&mut db.writer()?, id, on, now.get()?)?;
    out.print(&saved, || {
        saved_text(if on { "enabled" } else { "disabled" }, &saved)
    })
}

/// A rule from `add`'s fields: the trigger and timing are required, the recipients default
/// to the first the trigger allows.
fn new_rule(fields: Fields, enabled: bool) -> anyhow::Result<RuleInput> {
    let (Some(trigger), Some(timing)) = (&fields.trigger, &fields.timing) else {
        anyhow::bail!("a new rule needs --trigger and --timing (see: certdesk-cli rules triggers)");
    };
    let trigger = Trigger::parse(trigger)?;
    let base = RuleInput {
        trigger,
        timing: Timing::parse(timing)?,
        offset_amount: 0,
        offset_unit: OffsetUnit::Day,
        recipients: trigger.recipients()[0],
        learner_subject: String::new(),
        learner_body: String::new(),
        manager_subject: String::new(),
        manager_body: String::new(),
        enabled,
    };
    fields.apply(base)
}

fn when(i: &RuleInput) -> String {
    match i.timing {
        Timing::On => "on".to_string(),
        t => format!(
            "{} {} {}",
            i.offset_amount,
            i.offset_unit.as_str(),
            t.as_str()
        ),
    }
}

fn line(r: &Rule) -> String {
    let i = &r.input;
    format!(
        "{:>4}  {:<20} {:<14} {:<8} {}  {}",
        r.id,
        i.trigger.as_str(),
        when(i),
        i.recipients.as_str(),
        if i.enabled { "on " } else { "off" },
        i.learner_subject
    )
}

fn details(r: &Rule) -> String {
    let i = &r.input;
    let mut s = format!(
        "rule {}: {} {}, to {}, {}\neffective from {}\n",
        r.id,
        i.trigger.as_str(),
        when(i),
        i.recipients.as_str(),
        if i.enabled { "enabled" } else { "disabled" },
        r.effective_from
    );
    for (who, subject, body) in [
        ("learner", &i.learner_subject, &i.learner_body),
        ("manager", &i.manager_subject, &i.manager_body),
    ] {
        if !subject.is_empty() || !body.is_empty() {
            s.push_str(&format!("\n[{who}] {subject}\n{body}\n"));
        }
    }
    s.trim_end().to_string()
}

fn saved_text(what: &str, s: &SavedRule) -> String {
    let mut t = format!("rule {} {what}: {}", s.rule.id, line(&s.rule).trim_start());
    if s.backfill > 0 {
        t.push_str(&format!(
            "\n{} past messages would be sent by a backfill: certdesk-cli rules backfill {} --yes",
            s.backfill, s.rule.id
        ));
    }
    t
}

fn unreachable_command() -> anyhow::Result<()> {
    anyhow::bail!("internal: subcommand not dispatched")
}
