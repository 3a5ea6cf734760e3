//! `certdesk-cli`: CertDesk without a window, for scripts and the OS scheduler.
//! Each subcommand parses its arguments, calls one function of certdesk-core and prints
//! the result, as text or, with `--json`, as JSON.

mod commands;
mod output;

use std::path::PathBuf;
use std::process::ExitCode;

use certdesk_core::store::audit::{self, Actor};
use certdesk_core::{Clock, Db, SystemClock};
use clap::{Parser, Subcommand};

use output::Output;

#[derive(Parser)]
#[command(
    name = "certdesk-cli",
    version,
    about = "CertDesk: learning programs and certifications, headless"
)]
struct Cli {
    /// The store file (default: $CERTDESK_DB, else the OS application-data folder).
    #[arg(long, global = true, value_name = "FILE")]
    db: Option<PathBuf>,
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the store (and apply migrations); with --demo, fill it with the demo data.
    Init {
        #[arg(long)]
        demo: bool,
    },
    /// Print the dashboard figures.
    Dashboard {
        #[command(flatten)]
        now: commands::Now,
    },
    /// Import learners, courses, assignments, completions (CSV) or programs (JSON).
    Import(commands::import::Args),
    /// Assign learners or a group to a program.
    Assign(commands::assign::AssignArgs),
    /// Show one program or certification: course sets, due-date rule, certification settings.
    Program(commands::program::Args),
    /// Remove learners' or a group's assignment to a program.
    Unassign(commands::assign::UnassignArgs),
    /// Record a course completion.
    Complete(commands::assign::CompleteArgs),
    /// List every program and certification.
    Programs,
    /// Courses: list, add.
    #[command(subcommand)]
    Courses(commands::catalog::CoursesCommand),
    /// List the groups of learners, with their member counts.
    Groups,
    /// Learners: find by name, id number or email.
    #[command(subcommand)]
    Learners(commands::catalog::LearnersCommand),
    /// The desktop app's preferences kept in the store: run interval, close to tray.
    #[command(subcommand)]
    Settings(commands::settings::Command),
    /// Every message the runs would send in the next days if nothing changes: a count per
    /// UTC day and the messages (exception alerts are not forecast).
    Forecast(commands::forecast::Args),
    /// Why a learner got, will get, or did not get each message of a program: the
    /// membership's timeline and one sentence per rule.
    Explain(commands::explain::Args),
    /// Advance certifications (and queue due notifications) as of --now.
    Run(commands::run::Args),
    /// Take the HR drop folder's ready files now (learners, then assignments, then
    /// completions): each imported whole or rejected whole, then moved with a report.
    Sync(commands::hr::SyncArgs),
    /// The files taken from the HR drop folder, newest first; --report ID prints one's report.
    HrFiles(commands::hr::FilesArgs),
    /// List and resolve assignment exceptions.
    #[command(subcommand)]
    Exceptions(commands::exceptions::Command),
    /// Write a consistent copy of the store, even while it is in use.
    Backup(commands::backup::BackupArgs),
    /// Replace the store's content with a backup (refuses files that are not CertDesk stores).
    Restore(commands::backup::RestoreArgs),
    /// Reports as CSV or JSON.
    #[command(subcommand)]
    Report(commands::report::Command),
    /// Deliver the notifications the outbox has due (for cron or a systemd timer).
    Send(commands::notify::SendArgs),
    /// Notification rules: list, show, add, edit, enable, disable, delete, defaults,
    /// backfill, preview, test, triggers, export, import.
    #[command(subcommand)]
    Rules(Box<commands::rules::Command>),
    /// Site administrators (who receive the exception alerts): list, add, remove.
    #[command(subcommand)]
    Admins(commands::admins::Command),
    /// The placeholders a rule's subjects and bodies may use.
    Placeholders,
    /// The message log; --resend ID sends one message again.
    Log(commands::notify::LogArgs),
    /// SMTP settings, test send, resume after a pause.
    #[command(subcommand)]
    Smtp(commands::notify::SmtpCommand),
    /// The audit trail of every change a person made: verify its hash chain, list, export.
    #[command(subcommand)]
    Audit(commands::audit::Command),
    /// The message log for auditors: export a period as CSV or JSON Lines.
    #[command(subcommand)]
    Messages(commands::audit::MessagesCommand),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return output::usage_error(&e),
    };
    let out = Output { json: cli.json };
    match run(cli, &out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            out.error(&e);
            ExitCode::FAILURE
        }
    }
}

/// Opens the store; only `init` may create it, so a mistyped `--db` is refused rather than
/// answered from a new, empty store.
fn open_store(cli: &Cli) -> anyhow::Result<(PathBuf, Db)> {
    let path = certdesk_core::store::location::resolve(cli.db.clone())?;
    if !matches!(cli.command, Command::Init { .. }) && !path.is_file() {
        return Err(certdesk_core::Error::NotFound {
            what: "store",
            key: format!(
                "{} (create it with `certdesk-cli --db {} init`)",
                path.display(),
                path.display()
            ),
        }
        .into());
    }
    // The OS user, read once here: every change this command makes is recorded as theirs.
    let actor = Actor::new(audit::os_user_from_env(), std::sync::Arc::new(SystemClock));
    let db = Db::open(&path)?.with_actor(actor);
    Ok((path, db))
}

fn run(cli: Cli, out: &Output) -> anyhow::Result<()> {
    let clock = SystemClock;
    let (path, db) = open_store(&cli)?;
    match cli.command {
        Command::Init { demo } => {
            if demo {
                certdesk_core::demo::create_demo(&mut db.writer()?, clock.now())?;
            }
            out.print(
                &serde_json::json!({ "path": path.display().to_string(), "demo": demo }),
                || {
                    format!(
                        "store ready at {}{}",
                        path.display(),
                        if demo { " with demo data" } else { "" }
                    )
                },
            )
        }
        Command::Import(a) => commands::import::run(a, &db, out),
        Command::Assign(a) => commands::assign::assign(a, &db, out),
        Command::Program(a) => commands::program::show(a, &db, out),
        Command::Unassign(a) => commands::assign::unassign(a, &db, out),
        Command::Complete(a) => commands::assign::complete(a, &db, out),
        Command::Programs => commands::catalog::programs(&db, out),
        Command::Courses(c) => commands::catalog::courses(c, &db, out),
        Command::Groups => commands::catalog::groups(&db, out),
        Command::Learners(c) => commands::catalog::learners(c, &db, out),
        Command::Settings(c) => commands::settings::run(c, &db, out),
        Command::Run(a) => commands::run::run(a, &db, out),
        Command::Sync(a) => commands::hr::sync(a, &db, out),
        Command::HrFiles(a) => commands::hr::files(a, &db, out),
        Command::Forecast(a) => commands::forecast::run(a, &db, out),
        Command::Explain(a) => commands::explain::run(a, &db, out),
        Command::Exceptions(c) => commands::exceptions::run(c, &db, out),
        Command::Report(c) => commands::report::run(c, &db, out),
        Command::Backup(a) => commands::backup::backup(a, &db, out),
        Command::Restore(a) => commands::backup::restore(a, &db, out),
        Command::Send(a) => commands::notify::send(a, &db, out),
        Command::Rules(c) => commands::rules::run(*c, &db, out),
        Command::Admins(c) => commands::admins::run(c, &db, out),
        Command::Placeholders => commands::admins::placeholders(out),
        Command::Log(a) => commands::notify::log(a, &db, out),
        Command::Smtp(c) => commands::notify::smtp(c, &db, out),
        Command::Audit(c) => commands::audit::run(c, &db, out),
        Command::Messages(c) => commands::audit::messages(c, &db, out),
        Command::Dashboard { now } => {
            let d = certdesk_core::api::reports::dashboard(&db.reader()?, now.get()?)?;
            out.print(&d, || {
                let mut s = format!(
                    "learners {}\nprograms {}\ncertifications {}\nassignments {}\n",
                    d.learners, d.programs, d.certifications, d.assignments
                );
                for c in &d.by_status {
                    s.push_str(&format!("  {:<12} {}\n", c.status.as_str(), c.count));
                }
                s.push_str(&format!(
                    "raised exceptions {}\nexpiring in 30 days {}",
                    d.raised_exceptions, d.expiring_30_days
                ));
                s.push_str(&compliance_text(&d.compliance));
                if d.held.count > 0 {
                    let until = d
                        .held
                        .until
                        .and_then(|u| jiff::Timestamp::from_second(u).ok());
                    s.push_str(&format!(
                        "\nheld by the send window {} (first release {})",
                        d.held.count,
                        until.map_or_else(String::new, |u| u.to_string())
                    ));
                }
                s
            })
        }
    }
}

/// The dashboard's compliance figures as text lines.
fn compliance_text(c: &certdesk_core::report::compliance::Compliance) -> String {
    let mut s = String::new();
    for e in &c.expiring {
        s.push_str(&format!("\nexpiring in {} days {}", e.days, e.count));
    }
    for (what, rows) in [("program", &c.programs), ("group", &c.groups)] {
        for r in rows.iter() {
            s.push_str(&format!(
                "\ncompliant {what} {}: {} of {} ({} excluded)",
                r.name, r.compliant, r.members, r.excluded
            ));
        }
    }
    s
}
