//! `programs`, `courses list|add`, `groups`, `learners find`: the catalogue as the desktop's
//! pickers list it.

use certdesk_core::api::catalog;
use certdesk_core::program::ProgramKind;
use certdesk_core::Db;

use crate::output::Output;

/// The course subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum CoursesCommand {
    /// Every course, by short name.
    List,
    /// Add a course.
    Add {
        /// The short name (unique), e.g. FA101.
        short_name: String,
        /// The full name, e.g. "First Aid".
        full_name: String,
    },
}

/// The learner subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum LearnersCommand {
    /// Learners whose name, id number or email contains TEXT.
    Find {
        text: String,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

/// Prints every program and certification.
pub fn programs(db: &Db, out: &Output) -> anyhow::Result<()> {
    let rows = catalog::programs(&db.reader()?)?;
    out.print(&rows, || {
        rows.iter()
            .map(|p| {
                let kind = match p.kind {
                    ProgramKind::Certification => "certification",
                    ProgramKind::Program => "program",
                };
                format!(
                    "{:<16} {:<14} {:>6} members  {}",
                    p.short_name, kind, p.members, p.full_name
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    })
}

/// Runs a course subcommand.
pub fn courses(cmd: CoursesCommand, db: &Db, out: &Output) -> anyhow::Result<()> {
    let rows = match cmd {
        CoursesCommand::List => catalog::courses(&db.reader()?)?,
        CoursesCommand::Add {
            short_name,
            full_name,
        } => vec![catalog::add_course(
            &mut db.writer()?,
            &short_name,
            &full_name,
        )?],
    };
    out.print(&rows, || {
        rows.iter()
            .map(|c| format!("{:<16} {}", c.short_name, c.full_name))
            .collect::<Vec<_>>()
            .join("\n")
    })
}

/// Prints the groups with their member counts.
pub fn groups(db: &Db, out: &Output) -> anyhow::Result<()> {
    let rows = catalog::groups(&db.reader()?)?;
    out.print(&rows, || {
        rows.iter()
            .map(|g| format!("{:<24} {} members", g.name, g.members))
            .collect::<Vec<_>>()
            .join("\n")
    })
}

/// Runs a learner subcommand.
pub fn learners(cmd: LearnersCommand, db: &Db, out: &Output) -> anyhow::Result<()> {
    let LearnersCommand::Find { text, limit } = cmd;
    let rows = catalog::find_learners(&db.reader()?, &text, limit)?;
    out.print(&rows, || {
        rows.iter()
            .map(|l| format!("{:<12} {:<28} {}", l.id_number, l.full_name, l.email))
            .collect::<Vec<_>>()
            .join("\n")
    })
}
