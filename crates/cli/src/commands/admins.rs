//! `admins ...`: the site administrators, who receive the exception alerts; and
//! `placeholders`, the names a rule's texts may use.

use certdesk_core::api::{admins, rules};
use certdesk_core::notify::admins::SiteAdmin;
use certdesk_core::Db;

use crate::output::Output;

/// `admins ...`
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// List the site administrators.
    List,
    /// Add a site administrator.
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: String,
    },
    /// Remove a site administrator, by email address or by the id `admins list` shows.
    Remove { who: String },
}

fn table(list: &[SiteAdmin]) -> String {
    if list.is_empty() {
        return "no site administrators: exception alerts go to nobody".into();
    }
    list.iter()
        .map(|a| format!("{:>4}  {:<30} {}", a.id, a.full_name, a.email))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs an `admins` subcommand; each prints the list as it stands afterwards.
pub fn run(c: Command, db: &Db, out: &Output) -> anyhow::Result<()> {
    let list = match c {
        Command::List => admins::list(&*db.reader()?)?,
        Command::Add { name, email } => admins::add(&mut db.writer()?, &name, &email)?,
        Command::Remove { who } => admins::remove(&mut db.writer()?, &who)?,
    };
    out.print(&list, || table(&list))
}

/// Prints every placeholder a rule's subjects and bodies may use.
pub fn placeholders(out: &Output) -> anyhow::Result<()> {
    let all = rules::placeholders();
    out.print(&all, || {
        all.iter()
            .map(|p| format!("%{p}%"))
            .collect::<Vec<_>>()
            .join("\n")
    })
}
