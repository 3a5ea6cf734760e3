//! `report memberships`: the membership report as CSV or JSON.

use certdesk_core::membership::MembershipQuery;
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
}

/// Output formats of a report.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

/// Runs a report subcommand.
pub fn run(cmd: Command, db: &Db, out: &Output) -> anyhow::Result<()> {
    let Command::Memberships { program, format } = cmd;
    let r = db.reader()?;
    let query = MembershipQuery {
        program_id: program
            .as_deref()
            .map(|p| names::program(&r, p))
            .transpose()?,
        ..Default::default()
    };
    if format == Format::Json || out.json {
        let rows = report::all_memberships(&r, &query)?;
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        report::memberships_csv(&r, &query, std::io::stdout().lock())?;
    }
    Ok(())
}
