//! `report memberships`: the membership report as CSV or JSON; `report completion`: each
//! membership's progress by course set, as JSON.

use certdesk_core::report::completion::{completion_page, CompletionQuery};
use certdesk_core::report::membership::MembershipQuery;
use certdesk_core::{names, report, Db};

use crate::output::Output;

/// The report subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Every membership with its status, dates and exception status.
    Memberships {
        /// Only this program (short name).
        #[arg(long)]
        program: Option<String>,
        /// csv (default) or json; --json also selects JSON.
        #[arg(long, default_value = "csv")]
        format: Format,
    },
    /// Each membership's progress by course set on its current path (JSON).
    Completion {
        /// Only this program (short name).
        #[arg(long)]
        program: Option<String>,
    },
}

/// Output formats of a report.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

/// Runs a report subcommand.
pub fn run(cmd: Command, db: &Db, out: &Output) -> anyhow::Result<()> {
    let r = db.reader()?;
    let (program, format) = match cmd {
        Command::Memberships { program, format } => (program, format),
        Command::Completion { program } => {
            let mut q = CompletionQuery {
                program_id: program
                    .as_deref()
                    .map(|p| names::program(&r, p))
                    .transpose()?,
                limit: 500,
                ..Default::default()
            };
            let mut rows = Vec::new();
            loop {
                let page = completion_page(&r, &q)?;
                rows.extend(page.rows);
                match page.next {
                    Some(next) => q.after = Some(next),
                    None => break,
                }
            }
            return out.print_json(&rows);
        }
    };
    let query = MembershipQuery {
        program_id: program
            .as_deref()
            .map(|p| names::program(&r, p))
            .transpose()?,
        ..Default::default()
    };
    if format == Format::Json || out.json {
        out.print_json(&report::format::all_memberships(&r, &query)?)?;
    } else {
        report::format::memberships_csv(&r, &query, std::io::stdout().lock(), &mut |_, _| {})?;
    }
    Ok(())
}
