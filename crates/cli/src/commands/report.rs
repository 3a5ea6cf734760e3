//! `report memberships`: the membership report as CSV or JSON on stdout, or as a CSV or
//! XLSX file (`--out`); `report completion`: each membership's progress by course set, as
//! JSON; `report outlook`: due dates and expiries over the next 12 weeks.

use certdesk_core::api::reports;
use certdesk_core::report::completion::CompletionQuery;
use certdesk_core::report::export::ExportFormat;
use certdesk_core::report::membership::{ComplianceFilter, ExpiryRange, MembershipQuery};
use certdesk_core::{names, AssignmentStatus, Db, ExceptionStatus};

use super::Now;
use crate::output::Output;

/// The report subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Every membership with its status, dates and exception status.
    Memberships {
        /// Only this program (short name).
        #[arg(long)]
        program: Option<String>,
        /// Only memberships with this status (e.g. overdue, certified).
        #[arg(long)]
        status: Option<String>,
        /// Only memberships with this exception status (e.g. raised).
        #[arg(long)]
        exception_status: Option<String>,
        /// Only learners whose name, id number or email contains this.
        #[arg(long)]
        text: Option<String>,
        /// Only the memberships of this group's learners (group name).
        #[arg(long)]
        group: Option<String>,
        /// Only compliant (`compliant`) or non-compliant (`non-compliant`) members, as of
        /// `--now` (docs/DOMAIN.md, "Compliance").
        #[arg(long)]
        compliance: Option<ComplianceArg>,
        /// Only certifications expiring after `--now` and within this many days.
        #[arg(long, value_name = "DAYS")]
        expiring_within: Option<u32>,
        #[command(flatten)]
        now: Now,
        /// csv (default) or json on stdout (--json also selects JSON); csv or xlsx with --out.
        #[arg(long, default_value = "csv")]
        format: Format,
        /// Write the report to this file (a full path), written whole or not at all.
        #[arg(long, value_name = "FILE")]
        out: Option<String>,
    },
    /// Each membership's progress by course set on its current path (JSON).
    Completion {
        /// Only this program (short name).
        #[arg(long)]
        program: Option<String>,
        /// Only learners whose name, id number or email contains this.
        #[arg(long)]
        text: Option<String>,
    },
    /// Due dates and expiries over the next 12 weeks, and the outbox's health.
    Outlook {
        #[command(flatten)]
        now: Now,
    },
}

/// The `--compliance` values.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ComplianceArg {
    Compliant,
    NonCompliant,
}

/// Output formats of a report.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
    Xlsx,
}

/// Runs a report subcommand.
pub fn run(cmd: Command, db: &Db, out: &Output) -> anyhow::Result<()> {
    let r = db.reader()?;
    let program = |p: Option<String>| -> anyhow::Result<Option<i64>> {
        Ok(p.as_deref().map(|p| names::program(&r, p)).transpose()?)
    };
    match cmd {
        Command::Memberships {
            program: p,
            status,
            exception_status,
            text,
            group,
            compliance,
            expiring_within,
            now,
            format,
            out: file,
        } => {
            let at = now.get()?.as_second();
            let query = MembershipQuery {
                group_id: group.as_deref().map(|g| names::group(&r, g)).transpose()?,
                compliance: compliance.map(|c| ComplianceFilter {
                    compliant: c == ComplianceArg::Compliant,
                    as_of: at,
                }),
                expiring: expiring_within.map(|d| ExpiryRange {
                    after: at,
                    until: at.saturating_add(i64::from(d) * 86_400),
                }),
                program_id: program(p)?,
                status: status.as_deref().map(AssignmentStatus::parse).transpose()?,
                exception_status: exception_status
                    .as_deref()
                    .map(ExceptionStatus::parse)
                    .transpose()?,
                text,
                ..Default::default()
            };
            memberships(&r, &query, format, file, out)
        }
        Command::Completion { program: p, text } => {
            let q = CompletionQuery {
                program_id: program(p)?,
                text,
                ..Default::default()
            };
            out.print_json(&reports::completion_rows(&r, &q)?)
        }
        Command::Outlook { now } => {
            let o = reports::outlook(&r, now.get()?)?;
            out.print_json(&o)
        }
    }
}

fn memberships(
    r: &certdesk_core::Reader,
    query: &MembershipQuery,
    format: Format,
    file: Option<String>,
    out: &Output,
) -> anyhow::Result<()> {
    if let Some(path) = file {
        let format = match format {
            Format::Csv => ExportFormat::Csv,
            Format::Xlsx => ExportFormat::Xlsx,
            Format::Json => anyhow::bail!(certdesk_core::Error::invalid(
                "format",
                "a file is written as csv or xlsx"
            )),
        };
        let now = certdesk_core::Clock::now(&certdesk_core::SystemClock);
        let s = reports::export(r, query, Some(&path), format, now, &mut |_, _| {})?;
        return out.print(&s, || format!("{} rows written to {}", s.rows, s.path));
    }
    match format {
        Format::Xlsx => anyhow::bail!(certdesk_core::Error::invalid(
            "format",
            "xlsx is written to a file: add --out FILE"
        )),
        Format::Json => out.print_json(&reports::memberships(r, query)?),
        Format::Csv if out.json => out.print_json(&reports::memberships(r, query)?),
        Format::Csv => {
            reports::memberships_csv(r, query, std::io::stdout().lock())?;
            Ok(())
        }
    }
}
