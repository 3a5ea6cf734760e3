//! `exceptions list`, `resolve`, `history` and `undo`: the exception report, its actions,
//! and taking an applied action back.

use certdesk_core::api::exceptions;
use certdesk_core::exception::action::{ExceptionAction, Selection};
use certdesk_core::exception::ExceptionKind;
use certdesk_core::Db;

use super::Now;
use crate::output::Output;

/// The exception subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// List raised exceptions.
    List {
        /// Only this type (duplicate_course, completion_time_unknown, time_allowance).
        #[arg(long = "type")]
        kind: Option<String>,
    },
    /// Apply an action to the selected raised exceptions, in one transaction.
    Resolve {
        /// assign, set_realistic_due_date, do_not_assign or dismiss.
        #[arg(long)]
        action: String,
        /// all, a type, or exception ids separated by commas.
        #[arg(long)]
        select: String,
        /// Only show how many rows would change and which would be skipped.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        now: Now,
    },
    /// List the applied actions (batches), newest first.
    History,
    /// Undo an applied action: every row back as it was, its queued messages withdrawn.
    Undo {
        /// The batch number (see `exceptions history`).
        batch: i64,
        /// Undo even if some messages the action caused were already sent (they stay sent).
        #[arg(long)]
        yes: bool,
        #[command(flatten)]
        now: Now,
    },
}

/// Runs an exception subcommand.
pub fn run(cmd: Command, db: &Db, out: &Output) -> anyhow::Result<()> {
    match cmd {
        Command::List { kind } => {
            let kind = kind.as_deref().map(ExceptionKind::parse).transpose()?;
            let rows = exceptions::list_all(&db.reader()?, kind)?;
            out.print(&rows, || {
                let mut s = format!("{} raised exceptions\n", rows.len());
                for x in &rows {
                    s.push_str(&format!(
                        "{:>6}  {:<24} {:<10} {:<28} {:<24} {}\n",
                        x.id,
                        x.learner_name,
                        x.learner_id_number,
                        x.program_name,
                        x.kind.as_str(),
                        x.issue
                    ));
                }
                s.trim_end().to_string()
            })
        }
        Command::Resolve {
            action,
            select,
            dry_run,
            now,
        } => {
            let action = ExceptionAction::parse(&action)?;
            let selection = parse_selection(&select)?;
            let now = now.get()?;
            let mut w = db.writer()?;
            let outcome = if dry_run {
                exceptions::preview(&mut w, &selection, action)?
            } else {
                exceptions::apply(&mut w, now, &selection, action, &mut |_, _| {})?
            };
            out.print(&outcome, || {
                let verb = if dry_run { "would change" } else { "changed" };
                let mut s = format!("{} {verb} {} rows", action.as_str(), outcome.changed);
                if !outcome.skipped.is_empty() {
                    s.push_str(&format!(", skipped {}:", outcome.skipped.len()));
                    for k in &outcome.skipped {
                        s.push_str(&format!(
                            "\n  {} {}: {}",
                            k.exception_id, k.learner_name, k.reason
                        ));
                    }
                }
                if let Some(b) = outcome.batch {
                    s.push_str(&format!(
                        "\nbatch {b}: `certdesk-cli exceptions undo {b}` takes it back"
                    ));
                }
                s
            })
        }
        Command::History => history(db, out),
        Command::Undo { batch, yes, now } => undo(db, out, batch, yes, now),
    }
}

fn history(db: &Db, out: &Output) -> anyhow::Result<()> {
    let rows = exceptions::history(&db.reader()?)?;
    out.print(&rows, || {
        let mut s = format!("{} applied actions\n", rows.len());
        for b in &rows {
            let undone = match &b.undone_at {
                Some(at) => format!("undone {at}"),
                None => "can be undone".to_string(),
            };
            s.push_str(&format!(
                "{:>6}  {:<22} {:<24} {:<12} {:>7} rows  {undone}\n",
                b.id,
                b.action.as_str(),
                b.applied_at,
                b.os_user,
                b.rows
            ));
        }
        s.trim_end().to_string()
    })
}

fn undo(db: &Db, out: &Output, batch: i64, yes: bool, now: Now) -> anyhow::Result<()> {
    let done = exceptions::undo(&mut db.writer()?, now.get()?, batch, yes)?;
    out.print(&done, || {
        let mut s = format!(
            "batch {} ({}) undone: {} rows restored, {} messages withdrawn",
            done.batch,
            done.action.as_str(),
            done.restored,
            done.withdrawn
        );
        if done.sent_kept > 0 {
            s.push_str(&format!(", {} already sent (not undone)", done.sent_kept));
        }
        if done.changed_since > 0 {
            s.push_str(&format!(
                ", {} rows left as they are (changed since)",
                done.changed_since
            ));
        }
        s
    })
}

/// `all`, a type name, or ids separated by commas.
fn parse_selection(s: &str) -> anyhow::Result<Selection> {
    let s = s.trim();
    if s == "all" {
        return Ok(Selection {
            all: true,
            ..Default::default()
        });
    }
    if let Ok(kind) = ExceptionKind::parse(s) {
        return Ok(Selection {
            kind: Some(kind),
            ..Default::default()
        });
    }
    let ids = s
        .split(',')
        .map(|x| x.trim().parse::<i64>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| {
            certdesk_core::Error::invalid(
                "select",
                format!("'{s}' is not all, a type (duplicate_course, completion_time_unknown, time_allowance), or exception ids separated by commas"),
            )
        })?;
    Ok(Selection {
        ids,
        ..Default::default()
    })
}
