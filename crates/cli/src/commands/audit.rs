//! `audit verify|list|export` (the audit trail, docs/AUDIT.md) and `messages export` (the
//! message log for a period, beside it for auditors).

use std::io::Write;

use certdesk_core::api;
use certdesk_core::report::trail::TrailFormat;
use certdesk_core::store::audit::query::AuditFilter;
use certdesk_core::{Db, Error};

use crate::output::Output;

/// The period and filters of `audit list` and `audit export`.
#[derive(clap::Args, Debug)]
pub struct Filter {
    /// First UTC day, YYYY-MM-DD (included).
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// Last UTC day, YYYY-MM-DD (included).
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,
    /// An action (rules.save) or an area (rules).
    #[arg(long, value_name = "ACTION")]
    pub action: Option<String>,
    /// The OS user who made the changes.
    #[arg(long, value_name = "USER")]
    pub user: Option<String>,
}

impl Filter {
    fn get(self) -> AuditFilter {
        AuditFilter {
            from: self.from,
            to: self.to,
            action: self.action,
            user: self.user,
            ..AuditFilter::default()
        }
    }
}

/// Where and how an export goes.
#[derive(clap::Args, Debug)]
pub struct Target {
    /// csv or jsonl.
    #[arg(long, default_value = "csv", value_name = "FORMAT")]
    pub format: String,
    /// Write to this file (a full path), whole or not at all; default: standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<String>,
}

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Walk the hash chain: OK with the number of entries, or the first altered or missing
    /// entry (exit status 1).
    Verify,
    /// The newest entries first.
    List {
        #[command(flatten)]
        filter: Filter,
        /// The most entries listed.
        #[arg(long, default_value_t = 100)]
        limit: u32,
        /// Only entries with an id below this one (the next page).
        #[arg(long, value_name = "ID")]
        before: Option<i64>,
    },
    /// Every matching entry, oldest first, as CSV or JSON Lines.
    Export {
        #[command(flatten)]
        filter: Filter,
        #[command(flatten)]
        target: Target,
    },
}

#[derive(clap::Subcommand, Debug)]
pub enum MessagesCommand {
    /// The message log of a period (who was notified of what, when, the server's reply),
    /// oldest first, as CSV or JSON Lines.
    Export {
        /// First UTC day, YYYY-MM-DD (included).
        #[arg(long, value_name = "DATE")]
        from: Option<String>,
        /// Last UTC day, YYYY-MM-DD (included).
        #[arg(long, value_name = "DATE")]
        to: Option<String>,
        #[command(flatten)]
        target: Target,
    },
}

pub fn run(c: Command, db: &Db, out: &Output) -> anyhow::Result<()> {
    let r = db.reader()?;
    match c {
        Command::Verify => {
            let v = api::audit::verify(&r)?;
            out.print(&v, || match &v.problem {
                None => format!("OK: {} entries, the chain is whole", v.count),
                Some(p) => format!("entry {}: {}", p.entry_id, p.detail),
            })?;
            match v.problem {
                None => Ok(()),
                Some(p) => Err(Error::AuditBroken {
                    entry_id: p.entry_id,
                    detail: p.detail,
                }
                .into()),
            }
        }
        Command::List {
            filter,
            limit,
            before,
        } => {
            let f = AuditFilter {
                limit: Some(limit),
                before_id: before,
                ..filter.get()
            };
            let page = api::audit::list(&r, &f)?;
            out.print(&page, || {
                let lines: Vec<String> = page
                    .entries
                    .iter()
                    .map(|e| {
                        format!(
                            "{:>6}  {}  {:<10} {:<24} {}  {} -> {}",
                            e.id,
                            e.at,
                            e.os_user,
                            e.action,
                            e.subject,
                            e.before.as_deref().unwrap_or("-"),
                            e.after.as_deref().unwrap_or("-")
                        )
                    })
                    .collect();
                lines.join("\n")
            })
        }
        Command::Export { filter, target } => {
            let f = filter.get();
            let format = TrailFormat::parse(&target.format)?;
            write(
                out,
                target.out.as_deref(),
                |path| api::audit::export(&r, &f, format, path),
                |w| api::audit::export_to(&r, &f, format, w),
            )
        }
    }
}

pub fn messages(c: MessagesCommand, db: &Db, out: &Output) -> anyhow::Result<()> {
    let r = db.reader()?;
    let MessagesCommand::Export { from, to, target } = c;
    let format = TrailFormat::parse(&target.format)?;
    let (from, to) = (from.as_deref(), to.as_deref());
    write(
        out,
        target.out.as_deref(),
        |path| api::messages::export(&r, from, to, format, path),
        |w| api::messages::export_to(&r, from, to, format, w),
    )
}

/// To the file `path` (then a summary is printed), else the rows on standard output.
fn write(
    out: &Output,
    path: Option<&str>,
    to_file: impl FnOnce(&str) -> certdesk_core::Result<certdesk_core::report::trail::TrailExport>,
    to_stdout: impl FnOnce(&mut dyn Write) -> certdesk_core::Result<u32>,
) -> anyhow::Result<()> {
    match path {
        Some(p) => {
            let done = to_file(p)?;
            out.print(&done, || {
                format!("{} rows written to {}", done.rows, done.path)
            })
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            to_stdout(&mut stdout)?;
            stdout.flush()?;
            Ok(())
        }
    }
}
