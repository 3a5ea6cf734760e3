//! `settings run-interval show|set`, `settings close-to-tray show|set`,
//! `settings catch-up-days [N]` and `settings drop-folder [PATH|--off]`: preferences kept in
//! the store; `settings digest-template show|set`: the manager digest template.

use certdesk_core::api::{digest, drop_folder, settings};
use certdesk_core::notify::digest_template::DigestTemplate;
use certdesk_core::Db;

use crate::output::Output;

/// The settings subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Minutes the desktop app's timer waits between runs (run + send).
    #[command(subcommand)]
    RunInterval(RunInterval),
    /// Whether closing the app's window keeps CertDesk running in the tray.
    #[command(subcommand)]
    CloseToTray(CloseToTray),
    /// The subject and body of every manager digest (%managername%, %learnerlist%,
    /// %itemcount%).
    #[command(subcommand)]
    DigestTemplate(DigestTemplateCmd),
    /// The send time and the send window (working hours and days) of the store.
    #[command(subcommand)]
    SendPolicy(super::send_policy::Policy),
    /// A program's own send window, replacing the store's.
    #[command(subcommand)]
    ProgramWindow(super::send_policy::ProgramCmd),
    /// The holidays on which nothing is sent (the store's or a program's own).
    #[command(subcommand)]
    Holidays(super::send_policy::Holidays),
    /// Days back a run catches up on messages that came due (default 60); older ones are
    /// logged as skipped with that reason. Prints it, or sets it when DAYS is given.
    CatchUpDays {
        /// The new horizon, 1 to 365 days.
        days: Option<u32>,
    },
    /// The HR drop folder, where an HR system drops learners, assignments and completions
    /// files that every run (and `sync`) takes. Prints it, sets it to PATH (an existing
    /// folder), or turns it off with --off.
    DropFolder {
        /// The folder (made absolute from the current directory).
        #[arg(conflicts_with = "off")]
        path: Option<std::path::PathBuf>,
        /// No drop folder: runs take no HR files.
        #[arg(long)]
        off: bool,
    },
}

#[derive(clap::Subcommand, Debug)]
pub enum DigestTemplateCmd {
    /// Print the digest subject and body.
    Show,
    /// Change the digest subject and/or body (unknown placeholders are refused).
    Set {
        #[arg(long)]
        subject: Option<String>,
        #[arg(long, conflicts_with = "body_file")]
        body: Option<String>,
        /// Read the body from this file.
        #[arg(long, value_name = "FILE")]
        body_file: Option<std::path::PathBuf>,
    },
    /// Render a subject and body (the saved ones where not given) for an example manager
    /// with three items, as the digest editor's preview shows them; nothing is saved.
    Render {
        #[arg(long)]
        subject: Option<String>,
        #[arg(long)]
        body: Option<String>,
    },
}

#[derive(clap::Subcommand, Debug)]
pub enum RunInterval {
    /// Print the run interval in minutes.
    Show,
    /// Set the run interval (1 to 1440 minutes); the app's timer uses it from its next run.
    Set { minutes: u32 },
}

#[derive(clap::Subcommand, Debug)]
pub enum CloseToTray {
    /// Print on or off.
    Show,
    /// Set it on or off.
    Set { value: OnOff },
}

/// `on` or `off`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnOff {
    On,
    Off,
}

/// Runs a settings subcommand.
pub fn run(cmd: Command, db: &Db, out: &Output) -> anyhow::Result<()> {
    match cmd {
        Command::RunInterval(c) => {
            let minutes = match c {
                RunInterval::Show => settings::run_interval(&db.reader()?)?,
                RunInterval::Set { minutes } => {
                    settings::set_run_interval(&mut db.writer()?, minutes)?
                }
            };
            out.print(
                &serde_json::json!({ "run_interval_minutes": minutes }),
                || format!("run interval {minutes} min"),
            )
        }
        Command::SendPolicy(c) => super::send_policy::policy(c, db, out),
        Command::ProgramWindow(c) => super::send_policy::program(c, db, out),
        Command::Holidays(c) => super::send_policy::holidays(c, db, out),
        Command::CloseToTray(c) => {
            let on = match c {
                CloseToTray::Show => settings::close_to_tray(&db.reader()?)?,
                CloseToTray::Set { value } => {
                    settings::set_close_to_tray(&mut db.writer()?, value == OnOff::On)?
                }
            };
            out.print(&serde_json::json!({ "close_to_tray": on }), || {
                format!("close to tray {}", if on { "on" } else { "off" })
            })
        }
        Command::DigestTemplate(DigestTemplateCmd::Render { subject, body }) => {
            let saved = digest::template(&db.reader()?)?;
            let t = DigestTemplate {
                subject: subject.unwrap_or(saved.subject),
                body: body.unwrap_or(saved.body),
            };
            let r = digest::render_example(&t);
            out.print(&r, || format!("subject: {}\n\n{}", r.subject, r.text))
        }
        Command::DigestTemplate(c) => {
            let t = digest_template(c, db)?;
            out.print(&t, || {
                format!(
                    "subject: {}

{}",
                    t.subject, t.body
                )
            })
        }
        Command::DropFolder { path, off } => {
            let folder = if off {
                drop_folder::set_folder(&mut db.writer()?, None)?
            } else if let Some(p) = path {
                let p = std::path::absolute(&p)?;
                drop_folder::set_folder(&mut db.writer()?, Some(&p.to_string_lossy()))?
            } else {
                drop_folder::folder(&db.reader()?)?
            };
            out.print(&serde_json::json!({ "drop_folder": folder }), || {
                folder
                    .as_ref()
                    .map_or("no drop folder".to_string(), |f| format!("drop folder {f}"))
            })
        }
        Command::CatchUpDays { days } => {
            let days = match days {
                None => settings::catch_up_days(&db.reader()?)?,
                Some(d) => settings::set_catch_up_days(&mut db.writer()?, d)?,
            };
            out.print(&serde_json::json!({ "catch_up_days": days }), || {
                format!("catch-up horizon {days} days")
            })
        }
    }
}

fn digest_template(c: DigestTemplateCmd, db: &Db) -> anyhow::Result<DigestTemplate> {
    let current = digest::template(&db.reader()?)?;
    Ok(match c {
        DigestTemplateCmd::Show | DigestTemplateCmd::Render { .. } => current,
        DigestTemplateCmd::Set {
            subject,
            body,
            body_file,
        } => {
            let body = match (body, body_file) {
                (Some(b), _) => b,
                (None, Some(f)) => std::fs::read_to_string(&f)
                    .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", f.display()))?,
                (None, None) => current.body,
            };
            let t = DigestTemplate {
                subject: subject.unwrap_or(current.subject),
                body,
            };
            digest::set_template(&mut db.writer()?, &t)?
        }
    })
}
