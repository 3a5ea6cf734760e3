//! `rules ...`: a program's notification rules, as the desktop's template editor has them.
//! Programs are named by short name, learners by id number, rules by the id `rules list`
//! shows. The rule's flags are in `fields`, the rules files in `file`, the printed text in
//! `text`.

mod fields;
mod file;
mod text;

use std::path::PathBuf;

use certdesk_core::api::rules;
use certdesk_core::{names, Db};

pub use fields::Fields;

use super::Now;
use crate::output::Output;
use text::{details, line, saved_text};

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
    /// Render a subject and body for an example learner (as the desktop editor previews
    /// them while typing); unknown placeholders are left as written.
    Render {
        #[arg(long, default_value = "")]
        subject: String,
        #[arg(long)]
        body: String,
    },
    /// When a rule's next messages would go, for real memberships.
    Next {
        id: i64,
        /// How many to show.
        #[arg(long, default_value_t = 5)]
        count: usize,
        #[command(flatten)]
        now: Now,
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
        Command::List { program } => list(db, out, &program),
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
            let input = fields::new_rule(fields, !disabled)?;
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
        Command::Defaults { program, now } => defaults(db, out, &program, &now),
        Command::Backfill { id, yes, now } => backfill(db, out, id, yes, &now),
        Command::Preview { id, learner } => preview(db, out, id, &learner),
        Command::Render { subject, body } => {
            let r = rules::render_example(&subject, &body);
            out.print(&r, || format!("{}\n\n{}\n\n{}", r.subject, r.text, r.html))
        }
        Command::Next { id, count, now } => {
            let next = rules::next_sends(&*db.reader()?, id, now.get()?, count)?;
            out.print(&next, || text::next_sends(&next))
        }
        Command::Test {
            id,
            learner,
            to,
            now,
        } => test(db, out, id, &learner, &to, &now),
        Command::Triggers => {
            let all = rules::triggers();
            out.print(&all, || text::triggers(&all))
        }
        Command::Export { program, format } => file::export(db, &program, &format),
        Command::Import { file, program, now } => file::import(db, out, &file, &program, &now),
    }
}

fn list(db: &Db, out: &Output, program: &str) -> anyhow::Result<()> {
    let r = db.reader()?;
    let list = rules::list(&r, names::program(&r, program)?)?;
    out.print(&list, || {
        if list.is_empty() {
            return format!("{program} has no rules");
        }
        list.iter().map(line).collect::<Vec<_>>().join("\n")
    })
}

fn defaults(db: &Db, out: &Output, program: &str, now: &Now) -> anyhow::Result<()> {
    let now = now.get()?;
    let program_id = names::program(&*db.reader()?, program)?;
    let ids = rules::defaults(&mut db.writer()?, program_id, now)?;
    out.print(&ids, || match ids.len() {
        0 => format!("{program} already has every default rule"),
        n => format!("{n} default rules added to {program}"),
    })
}

fn backfill(db: &Db, out: &Output, id: i64, yes: bool, now: &Now) -> anyhow::Result<()> {
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

fn preview(db: &Db, out: &Output, id: i64, learner: &str) -> anyhow::Result<()> {
    let r = db.reader()?;
    let p = rules::preview(&r, id, names::learner(&r, learner)?)?;
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

fn test(db: &Db, out: &Output, id: i64, learner: &str, to: &str, now: &Now) -> anyhow::Result<()> {
    let now = now.get()?;
    let r = db.reader()?;
    let n = rules::test_send(&r, id, names::learner(&r, learner)?, to, now)?;
    out.print(&serde_json::json!({ "sent": n, "to": to }), || {
        format!("{n} test message(s) sent to {to}")
    })
}

fn set_enabled(db: &Db, out: &Output, id: i64, on: bool, now: &Now) -> anyhow::Result<()> {
    let saved = rules::set_enabled(&mut db.writer()?, id, on, now.get()?)?;
    out.print(&saved, || {
        saved_text(if on { "enabled" } else { "disabled" }, &saved)
    })
}
